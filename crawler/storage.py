"""SQLite storage: open and migrate the database; articles, crawl state and runs, each write atomic."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlite_utils import Database

from crawler import incremental
from crawler.migrations import ARTICLE_COLUMNS, migrate, refuse_foreign, refuse_newer

JSON_COLUMNS = ("authors", "tags")
PAGE_COMPRESSION = 1  # zlib level: pages shrink to a quarter in half the time of the default level, which saves 3% more


class StorageError(Exception):
    """The database cannot be opened or written."""


# What says the database takes no writes at all (its disk is full or failing, the file turned
# read-only or damaged), where a lock another connection holds only says "not now".
UNWRITABLE_CODES = frozenset(
    (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CORRUPT))
UNWRITABLE = "database_unwritable"  # the close reason of a crawl stopped for it


def is_unwritable(error: BaseException) -> bool:
    "Does a database error say it takes no writes at all (``UNWRITABLE_CODES``)?"
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in UNWRITABLE_CODES


def utc_now() -> str:
    """The time stamp of every write: UTC, ISO 8601, whole seconds."""
    return timestamp(datetime.now(timezone.utc))


def timestamp(moment: datetime) -> str:
    """The stored form of a time: UTC ISO 8601 to the second."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def open_db(path: str | os.PathLike) -> Database:
    """Open (creating if needed) the database at ``path`` in WAL mode and migrate it.

    Raises StorageError with a one-line reason when the directory is missing
    and cannot be created, the file is not writable, is another application's or
    was migrated by a newer version of the crawler.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30)
        db = Database(conn)
        refuse_foreign(db)
        refuse_newer(db)
        db.enable_wal()
        # In WAL mode this cannot corrupt the file; a power cut may lose the last
        # commits, whose links are still due, so the next crawl fetches them again.
        db.execute("pragma synchronous = normal")
        migrate(db)
    except (OSError, sqlite3.Error, ValueError) as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    return db


class DatabaseWriter:
    """A crawl's one connection to the database, owned by a thread of its own.

    Every component that reads or writes the crawl's data (the spider's
    incremental state, the store stage, the failure ledger) hands this thread a
    function of the database: the writes happen one at a time, in the order
    given, and the reactor's thread never waits on the disk. Get it with
    ``crawler.get_extension(DatabaseWriter)``; it opens the database once
    the run log holds the crawl lock (an extension after it) and closes when
    the engine stops.
    """

    def __init__(self, path: str | os.PathLike):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        try:
            self.db = self.executor.submit(open_db, path).result()
        except StorageError:
            self.executor.shutdown()
            raise

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("DATABASE_PATH")
        if not path:
            raise NotConfigured("DATABASE_PATH is empty")
        writer = cls(path)
        crawler.signals.connect(writer.close, signal=signals.engine_stopped)
        return writer

    def submit(self, function: Callable, *args) -> Future:
        """Run ``function(db, *args)`` on the writer's thread; its future."""
        return self.executor.submit(function, self.db, *args)

    async def call(self, function: Callable, *args):
        """``function(db, *args)`` on the writer's thread, awaited."""
        return await asyncio.wrap_future(self.submit(function, *args))

    async def drain(self) -> None:
        """Wait until everything submitted so far is done."""
        await asyncio.wrap_future(self.executor.submit(lambda: None))

    def close(self) -> None:
        """Close the connection once everything submitted before is done."""
        self.executor.submit(self.db.close).result()
        self.executor.shutdown()


@contextmanager
def writing(db: Database) -> Iterator[Database]:
    """A write transaction (a savepoint inside one) that takes the write lock as it begins.

    A crawl writes through its writer's connection, and the run log's, and
    `scrapy reextract` through its own. A deferred transaction that read before another
    connection committed fails at once with "database is locked"; one begun
    IMMEDIATE waits its turn (the busy timeout) instead.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


@dataclass
class Fetched:
    """One extracted article page, as the store stage writes it."""

    row: Mapping  # the ``articles`` columns
    removed: Sequence[Mapping] = ()  # its ``removed_blocks``
    page: Mapping | None = None  # its ``pages`` columns (``pack_page``), None to keep no copy
    link_id: str | None = None  # the key of the link that led to it, when not the article's own


def store_articles(db: Database, fetched: Iterable[Fetched], now: str) -> list[str]:
    """Store a batch of fetched articles in one transaction; the status of each (``write_each``).

    ``first_seen`` survives updates; ``last_changed`` moves only when the content
    hash does, and the replaced version goes to ``article_versions``. The
    article's link is no longer due: a crawl killed before this commit fetches it again.
    """

    def store(item: Fetched) -> str:
        key = (item.row["site"], item.row["article_id"])
        db.execute(
            "update article_links set due = null, dropped = null, fetched = ? where site = ? and article_id in (?, ?)",
            [now, *key, item.link_id or key[1]],
        )
        status = write_article(db, dict(item.row, last_fetched=now), item.removed, now)
        if item.page is not None:
            db.execute(INSERT_PAGE, {**item.page, "site": key[0], "article_id": key[1],
                                     "url": item.row["url"], "fetched": now})
        return status

    return write_each(db, fetched, store)


def store_reextracted(db: Database, reextracted: Iterable[tuple[Fetched, str]], now: str) -> list[str]:
    """Store articles extracted again from their pages, each with the time its page was fetched.

    As ``store_articles``, but nothing was fetched: ``last_fetched``, the link
    and the page stay as they are, and the removed blocks are replaced even
    when the body did not change (the rules that cut them did).
    """

    def store(item: tuple[Fetched, str]) -> str:
        fetched, page_fetched = item
        row = dict(fetched.row, last_fetched=page_fetched)
        status = write_article(db, row, fetched.removed, now)
        if status == "unchanged":
            replace_removed_blocks(db, row, fetched.removed, page_fetched)
        return status

    return write_each(db, reextracted, store)


def write_each(db: Database, items: Iterable, write) -> list[str]:
    """``write(item)`` for each item, all in one transaction; the status each returned.

    A row the database refuses gives "invalid: <reason>" and is rolled back
    alone, leaving what was stored before and the rest of the batch.
    """
    statuses = []
    with writing(db):
        for item in items:
            try:
                with db.atomic():  # a savepoint
                    status = write(item)
            except sqlite3.IntegrityError as exc:
                status = f"invalid: {exc}"
            statuses.append(status)
    return statuses


def article_row(record: Mapping) -> dict:
    """The ``articles`` columns of an extracted record, lists as JSON arrays."""
    row = {name: record.get(name) for name in ARTICLE_COLUMNS if name in record}
    for name in JSON_COLUMNS:
        row[name] = json.dumps(row.get(name) or [], ensure_ascii=False)
    return row


def write_article(db: Database, row: Mapping, removed: Iterable[Mapping], now: str) -> str:
    """Insert or update one article (``row`` carries ``last_fetched``); "new", "updated" or "unchanged".

    An unchanged article keeps its removed blocks: only ``last_fetched`` moves.
    Call inside a transaction.
    """
    key = (row["site"], row["article_id"])
    previous = db.execute(
        "select url, title, body, content_hash, first_seen, last_changed from articles"
        " where site = ? and article_id = ?",
        key,
    ).fetchone()
    record = {name: row.get(name) for name in ARTICLE_COLUMNS}
    if previous is None:
        status = "new"
        record.update(first_seen=now, last_changed=now)
    else:
        url, title, body, content_hash, first_seen, last_changed = previous
        if content_hash == row["content_hash"]:
            db.execute("update articles set last_fetched = ? where site = ? and article_id = ?",
                       [row["last_fetched"], *key])
            return "unchanged"
        status = "updated"
        record.update(first_seen=first_seen, last_changed=now)
        db.execute(
            "insert into article_versions (site, article_id, url, fetched, title, body, content_hash)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            [*key, url, last_changed, title, body, content_hash],
        )
    db.execute(UPSERT_ARTICLE, record)
    replace_removed_blocks(db, row, removed, row["last_fetched"])
    return status


def replace_removed_blocks(db: Database, row: Mapping, removed: Iterable[Mapping], fetched: str) -> None:
    """Make ``removed`` the audit of the article in ``row``, as cut from the page fetched at ``fetched``."""
    db.execute("delete from removed_blocks where site = ? and article_id = ?", [row["site"], row["article_id"]])
    db.conn.executemany(
        "insert into removed_blocks (site, article_id, url, position, kind, text, rule, removed, fetched)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(row["site"], row["article_id"], row["url"], block.get("position"), block["kind"], block.get("text"),
          block["rule"], block.get("removed"), fetched) for block in removed],
    )


UPSERT_ARTICLE = "insert into articles ({columns}) values ({values}) on conflict (site, article_id) do update set {updates}".format(
    columns=", ".join(ARTICLE_COLUMNS),
    values=", ".join(f":{name}" for name in ARTICLE_COLUMNS),
    updates=", ".join(f"{name} = excluded.{name}" for name in ARTICLE_COLUMNS if name not in ("site", "article_id")),
)
INSERT_PAGE = """insert into pages (site, article_id, url, fetched, html, live_posts, charset)
values (:site, :article_id, :url, :fetched, :html, :live_posts, :charset)
on conflict (site, article_id) do update set url = excluded.url, fetched = excluded.fetched,
    html = excluded.html, live_posts = excluded.live_posts, charset = excluded.charset"""


def pack_page(html: bytes, live_posts: list | None, charset: str | None = None) -> dict:
    """The ``pages`` columns of a fetched page: the bytes as served and any live posts, zlib-compressed,
    and the charset its HTTP header declared."""
    posts = None if live_posts is None else zlib.compress(json.dumps(live_posts).encode(), PAGE_COMPRESSION)
    return {"html": zlib.compress(html, PAGE_COMPRESSION), "live_posts": posts, "charset": charset}


def unpack_page(html: bytes, live_posts: bytes | None) -> tuple[bytes, list | None]:
    """The page bytes and live posts stored by ``pack_page``; zlib.error or ValueError when damaged."""
    return zlib.decompress(html), None if live_posts is None else json.loads(zlib.decompress(live_posts))


def mark_dropped(db: Database, site: str, article_id: str, reason: str, now: str) -> None:
    """A fetch of the article ended without storing it: not due again until discovery says so."""
    with writing(db):
        db.execute(
            "update article_links set due = null, dropped = ?, fetched = ? where site = ? and article_id = ?",
            [reason, now, site, article_id],
        )


# -- Incremental crawl state -----------------------------------------------------


def record_discovery(
    db: Database,
    site: str,
    source: str,
    sightings: Iterable[incremental.Sighting],
    now: str,
    document: incremental.Document | None = None,
) -> list[tuple[str, str, str]]:
    """Record what the discovery document ``source`` says; (article_id, url, reason) of the articles to fetch.

    One transaction, so the document's validators (``document``, given with the
    last of its links when they come in parts) are never stored without the links
    they stand for: a crawl killed at any point finds every link it was given still due.
    """
    sightings = list(sightings)
    ids = json.dumps([s.article_id for s in sightings])
    due = []
    with writing(db):
        known = dict(db.execute(
            "select article_id, due from article_links"
            " where site = ? and article_id in (select value from json_each(?))",
            [site, ids],
        ).fetchall())
        previous = dict(db.execute(
            "select article_id, signal from link_signals"
            " where site = ? and source = ? and article_id in (select value from json_each(?))",
            [site, source, ids],
        ).fetchall())
        waiting = retry_waiting(db, [s.url for s in sightings])
        for s in sightings:
            reason = incremental.fetch_reason(
                s.article_id in known, known.get(s.article_id), previous.get(s.article_id), s.signal
            )
            db.execute(
                """insert into article_links (site, article_id, url, published, modified, discovered, due)
                values (?, ?, ?, ?, ?, ?, ?)
                on conflict (site, article_id) do update set url = excluded.url,
                    published = coalesce(excluded.published, published),
                    modified = coalesce(excluded.modified, modified), due = excluded.due""",
                [site, s.article_id, s.url, s.published, s.modified, now, reason],
            )
            if s.signal:
                db.execute(
                    """insert into link_signals (site, article_id, source, signal, seen) values (?, ?, ?, ?, ?)
                    on conflict (site, article_id, source) do update set signal = excluded.signal, seen = excluded.seen""",
                    [site, s.article_id, source, s.signal, now],
                )
            if reason and s.url not in waiting:
                due.append((s.article_id, s.url, reason))
        if document is not None:
            db["discovery_documents"].upsert(dict(asdict(document), site=site, fetched=now), pk="url")
    return due


def take_rechecks(
    db: Database, site: str, now: str, window_hours: float, interval_hours: float
) -> list[tuple[str, str, str]]:
    """(article_id, url, "recheck") of the site's articles to fetch again, now taken (``take_due``).

    With a ``window_hours`` above 0, articles published less than that long ago
    (or, published in the future, first seen less than that long ago) and not
    fetched for ``interval_hours``: as many as the window holds, whatever the
    archive's size. A URL that failed is left to the failure log, which requests
    it when its ``next_retry`` comes.
    """
    if window_hours <= 0:
        return []
    # Timestamps carry their own offsets, so text order is not time order: the
    # text bound, a day early, only narrows the scan of the ``published`` index.
    floor = (datetime.fromisoformat(now) - timedelta(hours=window_hours + 24)).date().isoformat()
    rows = db.execute(
        """select article_id, url, 'recheck' from articles indexed by idx_articles_published
        where site = ? and published >= ?
        and min(julianday(published), julianday(first_seen)) > julianday(?) - ? / 24.0
        and julianday(last_fetched) <= julianday(?) - ? / 24.0""",
        [site, floor, now, window_hours, now, interval_hours],
    ).fetchall()
    waiting = retry_waiting(db, [url for _, url, _ in rows])
    rechecks = [tuple(row) for row in rows if row[1] not in waiting]
    with writing(db):
        _take(db, site, [article_id for article_id, _, _ in rechecks])
    return rechecks


def take_due(db: Database, site: str, limit: int) -> list[tuple[str, str, str]]:
    """(article_id, url, reason) of at most ``limit`` links of the site that are due and were not
    taken before by this connection, now taken: each link is fetched once per crawl, and the
    links due wait here, not in the crawl's memory, until there is room for them.

    Links still due (new, changed, or left by a crawl that was killed or failed to fetch
    them). A URL that failed is taken and left to the failure log, which requests it when its
    ``next_retry`` comes.
    """
    due = []
    with writing(db):
        db.execute(TAKEN)
        while len(due) < limit:
            rows = db.execute(
                # The due index: only the links due are read, however large the archive.
                """select article_id, url, due, exists (select 1 from failures f
                    where f.url = l.url and f.retry_request is not null)
                from article_links l indexed by idx_article_links_due
                where due is not null and site = ?
                and not exists (select 1 from temp.taken t where t.site = l.site and t.article_id = l.article_id)
                limit ?""",
                [site, limit - len(due)],
            ).fetchall()
            if not rows:
                break
            _take(db, site, [article_id for article_id, *_ in rows])
            due += [(article_id, url, reason) for article_id, url, reason, waiting in rows if not waiting]
    return due


# The links a crawl took: a temporary table, its connection's own, which SQLite keeps on disk when large.
TAKEN = "create temp table if not exists taken (site text, article_id text, primary key (site, article_id)) without rowid"


def _take(db: Database, site: str, article_ids: list[str]) -> None:
    db.execute(TAKEN)
    db.conn.executemany("insert or ignore into temp.taken values (?, ?)", [(site, id_) for id_ in article_ids])


def retry_waiting(db: Database, urls: Iterable[str]) -> set[str]:
    """Those of ``urls`` the failure log retries (crawler.failures.due_failures), not the spider."""
    rows = db.execute(
        "select url from failures where retry_request is not null and url in (select value from json_each(?))",
        [json.dumps(list(urls))],
    )
    return {url for (url,) in rows.fetchall()}


def discovery_documents(db: Database, urls: Iterable[str]) -> dict[str, incremental.Document]:
    """What was recorded for each of ``urls`` that was processed before."""
    rows = db.query(
        "select url, etag, last_modified, sitemap_lastmod from discovery_documents"
        " where url in (select value from json_each(?))",
        [json.dumps(list(urls))],
    )
    return {row["url"]: incremental.Document(**row) for row in rows}


# -- Crawl runs ------------------------------------------------------------------------


def begin_run(db: Database, now: str, site: str | None = None, **details) -> int:
    """Add a ``running`` row for a crawl of ``site`` (with ``details``: its base URL, arguments…);
    rows still running belong to crawls that died.

    Only the holder of the crawl lock may call this.
    """
    with writing(db):
        db.execute(
            "update crawl_runs set status = 'killed', message = ? where status = 'running'",
            ["the crawl process died before it could finish (killed, crashed or power loss)"],
        )
        return db["crawl_runs"].insert({"started": now, "status": "running", "site": site, **details}, pk="id").last_pk


def finish_run(db: Database, run_id: int, values: Mapping) -> None:
    """Write the end of a crawl (``finished``, ``status``, counts…) to its row."""
    with writing(db):
        db["crawl_runs"].update(run_id, dict(values))


def running_run(path: str | os.PathLike) -> dict | None:
    """The latest ``running`` row, read without writing (another crawl holds the database)."""
    try:
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=1)
        try:
            rows = list(Database(conn).query(
                "select id, started from crawl_runs where status = 'running' order by id desc limit 1"
            ))
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # not created or not migrated yet
    return rows[0] if rows else None
