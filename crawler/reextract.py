"""Extract stored pages again after the rules improve, without fetching anything.

    scrapy reextract [--site NAME] [-s STRIP_MODE=flag] [-s EXTRACT_WORKERS=N]

Every page a crawl kept (``pages``, setting ``STORE_PAGES``) goes through
extraction and stripping again in a process pool, and its article and
removed blocks are updated in batches, one transaction each. A body that
changes moves ``last_changed`` and keeps the old version in
``article_versions``, as a re-fetch would. A page that no longer extracts
leaves its stored article as it was and is counted as failed.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from functools import partial

from sqlite_utils import Database

from crawler.extract import extract_or_error
from crawler.pool import ExtractionPool
from crawler.storage import Fetched, article_row, store_reextracted, unpack_page, utc_now
from crawler.site_rules import rules_for
from pipelines.validate import validation_error

logger = logging.getLogger(__name__)

READ_BATCH = 200  # pages read per query, and articles written per transaction
IN_FLIGHT_PER_WORKER = 8  # pages queued per worker: busy workers, bounded memory


def stored_sites(db: Database) -> list[str]:
    """The sites the database holds articles of."""
    return [site for (site,) in db.execute("select distinct site from articles order by site")]


def count_pages(db: Database, site: str | None = None) -> int:
    """Stored pages whose article is still in ``articles`` (what ``reextract`` goes through)."""
    where, params = _site_filter(site)
    return db.execute(
        f"select count(*) from pages join articles using (site, article_id) {where}", params
    ).fetchone()[0]


def stored_pages(db: Database, site: str | None = None) -> Iterator[tuple]:
    """(site, article_id, url, fetched, html, live_posts, charset) of every stored page, read a batch at a time."""
    where, params = _site_filter(site)
    where = f"{where} and" if where else "where"
    last = 0
    while True:
        rows = db.execute(
            f"""select pages.rowid, site, article_id, pages.url, fetched, html, live_posts, charset
            from pages join articles using (site, article_id)
            {where} pages.rowid > ? order by pages.rowid limit ?""",
            [*params, last, READ_BATCH],
        ).fetchall()
        if not rows:
            return
        last = rows[-1][0]
        for row in rows:
            yield row[1:]


def reextract_page(page: tuple, **options) -> dict:
    """Run in a worker: the record of a ``stored_pages`` row, or {"error": reason, "detail": text}.

    ``options`` go to ``extract_or_error``: ``mode`` and the page's budget.
    """
    site, article_id, url, _, html, live_posts, charset = page
    try:
        body, posts = unpack_page(html, live_posts)
    except (zlib.error, ValueError) as exc:
        return {"error": "damaged-page", "detail": str(exc)}
    record = extract_or_error(body, url, charset=charset, site=site, live_posts=posts, **options)
    reason = record.get("error") or validation_error(record, dated=rules_for(url, site).dated)
    if reason:
        return {"error": reason, "detail": record.get("detail", "")}
    # Stored under the page's key, whatever the rules now read from it.
    return dict(record, site=site, article_id=article_id)


class Stopped(Exception):
    """``reextract`` ended before its last page, for the reason its message says; ``counts`` are
    of the pages written before. The rest keep their articles as stored."""

    status = "failed"  # the run's, as the crawl's EXIT_CODES name them

    def __init__(self, reason: str, counts: Counter):
        super().__init__(reason)
        self.counts = counts


class Interrupted(Stopped):
    """Asked to stop (Ctrl-C, SIGTERM)."""

    status = "interrupted"

    def __init__(self, counts: Counter):
        super().__init__("interrupted", counts)


class DatabaseFailed(Stopped):
    """The database refused a read or a write (its disk full, the file damaged)."""

    def __init__(self, error: sqlite3.Error, counts: Counter):
        super().__init__(f"the database failed ({error})", counts)


def reextract(db: Database, *, site: str | None = None, mode: str = "remove", workers: int = 0,
              progress: Callable[[int], None] = lambda done: None, cpu_limit: float = 0,
              max_body: int = 0, stop: threading.Event | None = None) -> Counter:
    """Extract every stored page again and update its article; counts by status.

    ``cpu_limit`` and ``max_body`` are the budget of each page (``EXTRACT_CPU_LIMIT``, ``BODY_MAX_CHARS``).

    Statuses are those of ``store_reextracted`` ("updated", "unchanged", …) and
    "failed" for pages that no longer extract. ``progress(n)`` is called as
    each batch of ``n`` pages is written. Once ``stop`` is set it ends after the
    page in hand, as Interrupted, and a database that fails ends it as
    DatabaseFailed: the workers finish the page each holds and take no other.
    """
    workers = workers or os.cpu_count() or 1
    stop = stop or threading.Event()
    counts: Counter = Counter()
    now = utc_now()
    batch: list[tuple[Fetched, str]] = []

    def write() -> None:
        for (fetched, _), status in zip(batch, store_reextracted(db, batch, now)):
            if status.startswith("invalid"):
                logger.error("Not stored: %(url)s: %(status)s", {"url": fetched.row["url"], "status": status})
                status = "failed"
            counts[status] += 1
        progress(len(batch))
        batch.clear()

    with ExtractionPool(workers) as pool:
        work = partial(reextract_page, mode=mode, cpu_limit=cpu_limit, max_body=max_body)
        try:
            for page, record in bounded_map(pool, work, stored_pages(db, site), workers * IN_FLIGHT_PER_WORKER):
                if stop.is_set():
                    raise Interrupted(counts)
                if "error" in record:
                    counts["failed"] += 1
                    logger.warning("Not re-extracted: %(url)s: %(error)s %(detail)s", {"url": page[2], **record})
                    progress(1)
                    continue
                batch.append((Fetched(article_row(record), record["removed"]), page[3]))
                if len(batch) >= READ_BATCH:
                    write()
            write()
        except sqlite3.Error as exc:
            raise DatabaseFailed(exc, counts) from exc
    return counts


def bounded_map(pool: ExtractionPool, function: Callable, items: Iterable, window: int) -> Iterator[tuple]:
    """(item, ``function(item)``) for each item, in order, with at most ``window`` items in the pool.

    ``pool.map`` would read every item into memory before the first result.
    """
    pending: deque[tuple[object, Future]] = deque()
    for item in items:
        pending.append((item, pool.submit(function, item)))
        if len(pending) >= window:
            head, future = pending.popleft()
            yield head, future.result()
    while pending:
        head, future = pending.popleft()
        yield head, future.result()


def _site_filter(site: str | None) -> tuple[str, list]:
    return ("where site = ?", [site]) if site else ("", [])
