"""What the project's own settings may be, checked before a crawl or `scrapy reextract` starts.

A value out of its bounds (``-s EXTRACT_WORKERS=-1``, ``-s MAX_FAILED_SHARE=20``) ends the
command with one line naming the setting, instead of a traceback from deep inside a component
or a run that quietly means something else.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from crawler.extract import check_strip_mode


class Bounds(NamedTuple):
    kind: type  # int: a whole number; float: any number
    low: float
    high: float | None = None
    low_allowed: bool = True


BOUNDS = {
    "EXTRACT_WORKERS": Bounds(int, 0),
    "STORE_BATCH_SIZE": Bounds(int, 1),
    "SITE_UNREACHABLE_AFTER": Bounds(int, 0),
    "ARTICLE_MAXSIZE": Bounds(int, 0),
    "ROBOTSTXT_MAXSIZE": Bounds(int, 500 * 1024),  # RFC 9309: a crawler reads at least 500 KiB
    "BODY_MAX_CHARS": Bounds(int, 0),
    "RECHECK_WINDOW": Bounds(float, 0),
    "RECHECK_INTERVAL": Bounds(float, 0),
    "MAX_SCHEDULED_ARTICLES": Bounds(int, 1),
    "MAX_SITEMAPS": Bounds(int, 1),
    "MAX_FAILED_SHARE": Bounds(float, 0, 1),
    "RETRY_BACKOFF_BASE": Bounds(float, 0),
    "RETRY_DELAY_MAX": Bounds(float, 0),
    "FAILURE_RETRY_BASE": Bounds(float, 0),
    "FAILURE_RETRY_MAX": Bounds(float, 0),
    "EXTRACT_CPU_LIMIT": Bounds(float, 0),
    "CLUSTER_LEASE_TIMEOUT": Bounds(float, 0, low_allowed=False),
    "CLUSTER_POLL_INTERVAL": Bounds(float, 0, low_allowed=False),
}
SHARE = Bounds(float, 0, 1)


def check_settings(settings) -> None:
    """ValueError with a one-line reason for the first of the project's settings that is wrong."""
    check_strip_mode(settings.get("STRIP_MODE"))
    for name, bounds in BOUNDS.items():
        check_value(name, settings.get(name), bounds)
    try:
        for field, share in settings.getdict("MIN_FIELD_COVERAGE").items():
            check_value(field, share, SHARE)
    except (ValueError, TypeError):
        coverage = settings.get("MIN_FIELD_COVERAGE")
        raise ValueError(f"MIN_FIELD_COVERAGE must map fields to shares from 0 to 1, as JSON, not {coverage!r}") from None
    try:
        re.compile(settings.get("REDIRECT_LOGIN_PATTERN"))
    except (re.error, TypeError) as exc:
        raise ValueError(f"REDIRECT_LOGIN_PATTERN must be a regular expression: {exc}") from None


def check_value(name: str, value, bounds: Bounds) -> None:
    kind, low, high, low_allowed = bounds
    if high is not None:
        span = f"from {low:g} to {high:g}"
    else:
        span = f"{low:g} or more" if low_allowed else f"more than {low:g}"
    wrong = ValueError(f"{name} must be {'a whole number' if kind is int else 'a number'}, {span}, not {value!r}")
    try:
        number = kind(value)
    except (ValueError, TypeError):
        raise wrong from None
    if not math.isfinite(number) or number < low or (number == low and not low_allowed) or (high is not None and number > high):
        raise wrong
