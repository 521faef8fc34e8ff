"""SQLite storage: open and migrate the database; articles, crawl state and runs, each write atomic."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from crawler import state
from crawler.migrations import migrate


class StorageError(Exception):
    """The database cannot be opened or written."""


def utc_now() -> str:
    """The time stamp of every write: UTC, ISO 8601, whole seconds."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def open_db(path: str | os.PathLike) -> Database:
    """Open (creating if needed) the database at ``path`` in WAL mode and migrate it.

    Raises StorageError with a one-line reason when the directory is missing
    and cannot be created, or the file is not writable.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30)
        db = Database(conn)
        db.enable_wal()
        migrate(db)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    return db


def store_article(
    db: Database, row: Mapping, removed: Iterable[Mapping], now: str
) -> str:
    """Insert or update one article and replace its removed blocks, in one transaction.

    Returns "new", "updated" or "unchanged" (same content hash as stored).
    ``first_seen`` survives updates; ``last_changed`` moves only when the content
    hash does, and the replaced version goes to ``article_versions``. The
    article's link is no longer due: a crawl killed before this commit fetches it again.
    """
    key = (row["site"], row["article_id"])
    with db.atomic():
        db.execute(
            "update article_links set due = null, dropped = null, fetched = ? where site = ? and article_id = ?",
            [now, *key],
        )
        previous = _stored_state(db, key)
        record = dict(row, last_fetched=now)
        if previous is None:
            status = "new"
            record.update(first_seen=now, last_changed=now)
        elif previous["content_hash"] == row["content_hash"]:
            db.execute(
                "update articles set last_fetched = ? where site = ? and article_id = ?",
                [now, *key],
            )
            return "unchanged"
        else:
            status = "updated"
            record.update(first_seen=previous["first_seen"], last_changed=now)
            db["article_versions"].insert(
                {"site": key[0], "article_id": key[1], "url": previous["url"],
                 "fetched": previous["last_changed"], "title": previous["title"],
                 "body": previous["body"], "content_hash": previous["content_hash"]},
                pk="id",
            )
        db["articles"].upsert(record, pk=("site", "article_id"))
        db.execute(
            "delete from removed_blocks where site = ? and article_id = ?", list(key)
        )
        db["removed_blocks"].insert_all(
            (dict(block, site=key[0], article_id=key[1], url=row["url"], fetched=now)
             for block in removed),
            pk="id",
        )
    return status


def _stored_state(db: Database, key: tuple[str, str]) -> dict | None:
    rows = list(db.query(
        "select url, title, body, content_hash, first_seen, last_changed from articles"
        " where site = ? and article_id = ?",
        list(key),
    ))
    return rows[0] if rows else None


def mark_dropped(db: Database, site: str, article_id: str, reason: str, now: str) -> None:
    """A fetch of the article ended without storing it: not due again until discovery says so."""
    with db.atomic():
        db.execute(
            "update article_links set due = null, dropped = ?, fetched = ? where site = ? and article_id = ?",
            [reason, now, site, article_id],
        )


# -- Incremental crawl state -----------------------------------------------------


def record_discovery(
    db: Database,
    site: str,
    source: str,
    sightings: Iterable[state.Sighting],
    now: str,
    document: state.Document | None = None,
) -> list[tuple[str, str, str]]:
    """Record what the discovery document ``source`` says; (article_id, url, reason) of the articles to fetch.

    One transaction, so the document's validators (``document``) are never
    stored without the links they stand for: a crawl killed at any point
    finds every link it was given still due.
    """
    sightings = list(sightings)
    ids = json.dumps([s.article_id for s in sightings])
    due = []
    with db.atomic():
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
        for s in sightings:
            reason = state.fetch_reason(
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
            if reason:
                due.append((s.article_id, s.url, reason))
        if document is not None:
            db["discovery_documents"].upsert(dict(asdict(document), fetched=now), pk="url")
    return due


def pending_fetches(
    db: Database, site: str, now: str, window_hours: float, interval_hours: float
) -> list[tuple[str, str, str]]:
    """(article_id, url, reason) of articles to fetch before any discovery.

    Links still due (new, changed, or left by a crawl that was killed or failed
    to fetch them) and, with a ``window_hours`` above 0, articles published less
    than that long ago and not fetched for ``interval_hours``.
    """
    rows = db.execute(
        "select article_id, url, due from article_links where site = ? and due is not null",
        [site],
    ).fetchall()
    if window_hours > 0:
        rows += db.execute(
            """select article_id, url, 'recheck' from articles where site = ?
            and julianday(published) > julianday(?) - ? / 24.0
            and julianday(last_fetched) <= julianday(?) - ? / 24.0""",
            [site, now, window_hours, now, interval_hours],
        ).fetchall()
    return [tuple(row) for row in rows]


def discovery_documents(db: Database, urls: Iterable[str]) -> dict[str, state.Document]:
    """What was recorded for each of ``urls`` that was processed before."""
    rows = db.query(
        "select url, etag, last_modified, sitemap_lastmod from discovery_documents"
        " where url in (select value from json_each(?))",
        [json.dumps(list(urls))],
    )
    return {row["url"]: state.Document(**row) for row in rows}


# -- Crawl runs ------------------------------------------------------------------------


def begin_run(db: Database, now: str) -> int:
    """Add a ``running`` row for a new crawl; rows still running belong to crawls that died.

    Only the holder of the crawl lock may call this.
    """
    with db.atomic():
        db.execute(
            "update crawl_runs set status = 'killed', message = ? where status = 'running'",
            ["the crawl process died before it could finish (killed, crashed or power loss)"],
        )
        return db["crawl_runs"].insert({"started": now, "status": "running"}, pk="id").last_pk


def finish_run(db: Database, run_id: int, values: Mapping) -> None:
    """Write the end of a crawl (``finished``, ``status``, counts…) to its row."""
    with db.atomic():
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
