"""The ``failures`` table: URLs that failed, why, and when a later run retries them.

Pure functions of a database and a time, so the retry policy is testable
without a crawl. One row per URL: a URL that fails again updates its row
(``attempts`` grows, ``next_retry`` backs off), a URL that succeeds loses it.
See docs/faults.md for the stages and reasons.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from sqlite_utils import Database

from crawler.storage import writing


def timestamp(moment: datetime) -> str:
    """The stored form of a time: UTC ISO 8601 to the second, like the other tables."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failure: ``base``, doubling, at most ``cap``."""
    return min(cap, base * 2 ** max(attempts - 1, 0))


def retry_after(value: str | bytes | None, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None if absent or invalid."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # an HTTP date is GMT
        moment = moment.replace(tzinfo=timezone.utc)
    return max((moment - now).total_seconds(), 0.0)


def record_failure(
    db: Database,
    url: str,
    *,
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


def due_failures(db: Database, now: datetime) -> list[dict]:
    """Rows whose ``next_retry`` has come and that say how to retry them, oldest first."""
    rows = db.execute(
        "select url, retry_request from failures"
        " where next_retry <= ? and retry_request is not null order by next_retry",
        [timestamp(now)],
    )
    return [{"url": url, "retry_request": spec} for url, spec in rows.fetchall()]
