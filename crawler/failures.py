"""The ``failures`` table: URLs that failed, why, and when a later run retries them.

Pure functions of a database and a time, so the retry policy is testable
without a crawl. One row per URL: a URL that fails again updates its row
(``attempts`` grows, ``next_retry`` backs off), a URL that succeeds loses it.
See docs/faults.md for the stages and reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from sqlite_utils import Database

from crawler.storage import timestamp, writing


_DELTA_SECONDS = re.compile(r"[0-9]+")
# The reason of a page that is no article (a tag, author or product page: ``skipped/<kind>``):
# counted as skipped, never a failure.
SKIPPED = "skipped/"


def slug(name: str) -> str:
    """The reason named after an exception class: ``OperationalError`` -> ``operational-error``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failure: ``base``, doubling, at most ``cap``."""
    return min(cap, base * 2 ** max(attempts - 1, 0))


def retry_after(value: str | bytes | None, now: datetime, cap: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for, at most ``cap``; None if absent or invalid.

    Only ASCII delta-seconds or an HTTP date are read: whatever else a server
    sends ("²", "soon") is no wait at all, however many digits it has is ``cap``.
    """
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = (value or "").strip()
    if _DELTA_SECONDS.fullmatch(value):
        return min(float(value), cap)  # float: 400 digits are infinity, not a slow int
    if not value.isascii():
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # an HTTP date is GMT
        moment = moment.replace(tzinfo=timezone.utc)
    return min(max((moment - now).total_seconds(), 0.0), cap)


def record_failure(
    db: Database,
    url: str,
    *,
    site: str,
    stage: str,
    reason: str,
    now: datetime,
    base: float,
    cap: float,
    http_status: int | None = None,
    wait: float | None = None,
    retry_request: str | None = None,
) -> dict:
    """Insert or update the row of ``url`` and return it.

    ``next_retry`` is ``now`` plus the backoff for this attempt, or ``wait``
    seconds (what a ``Retry-After`` asked for) when that is longer.
    ``retry_request`` describes the request that retries the URL (JSON, see
    crawler.extensions); None keeps the one already recorded.
    """
    with writing(db):
        rows = db.execute("select attempts, first_seen, retry_request from failures where url = ?", [url])
        previous = rows.fetchone()
        attempts = previous[0] + 1 if previous else 1
        delay = max(backoff(attempts, base, cap), wait or 0.0)
        row = {
            "url": url,
            "site": site,
            "stage": stage,
            "reason": reason,
            "http_status": http_status,
            "attempts": attempts,
            "first_seen": previous[1] if previous else timestamp(now),
            "last_seen": timestamp(now),
            "next_retry": timestamp(now + timedelta(seconds=delay)),
            "retry_request": retry_request or (previous[2] if previous else None),
        }
        db.execute(
            "insert or replace into failures ({}) values ({})".format(
                ", ".join(row), ", ".join("?" * len(row))
            ),
            list(row.values()),
        )
    return row


def clear_failures(db: Database, urls: Iterable[str]) -> int:
    """Delete the rows of ``urls`` (resolved: they succeeded); return how many there were."""
    with writing(db):
        return db.conn.executemany("delete from failures where url = ?", ((url,) for url in urls)).rowcount


def due_failures(db: Database, site: str, now: datetime) -> list[dict]:
    """The site's rows whose ``next_retry`` has come and that say how to retry them, oldest first.

    These URLs are requested by the failure log alone: the spider leaves every
    URL with such a row to it (``storage.pending_fetches``, ``record_discovery``).
    """
    rows = db.execute(
        "select url, retry_request from failures where (site = ? or site is null)"
        " and next_retry <= ? and retry_request is not null order by next_retry",
        [site, timestamp(now)],
    )
    return [{"url": url, "retry_request": spec} for url, spec in rows.fetchall()]
