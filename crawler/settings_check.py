"""What the settings a crawl or `scrapy reextract` reads may be, checked before either starts.

A value out of its bounds (``-s EXTRACT_WORKERS=-1``, ``-s MAX_FAILED_SHARE=20``) or of
the wrong kind (``-s STORE_PAGES=maybe``, ``-s CLUSTER_ROLE=boss``) ends the command with
one line naming the setting, instead of a traceback from deep inside a component, a failed
run recorded for a typo, or a run that quietly means something else. Each setting is read
here as its component reads it (``getbool``, ``getlist``, ``getdict``).
"""

from __future__ import annotations

import logging
import math
import re
from typing import NamedTuple

from crawler.extract import STRIP_MODES
from crawler.items import EXPORTED_FIELDS


class Bounds(NamedTuple):
    kind: type  # int: a whole number; float: any number
    low: float
    high: float | None = None
    low_allowed: bool = True

    def check(self, name: str, settings) -> None:
        check_value(name, settings.get(name), self)


class Flag:
    def check(self, name: str, settings) -> None:
        try:
            settings.getbool(name)
        except ValueError:
            raise ValueError(f"{name} must be True or False (or 1 or 0), not {settings.get(name)!r}") from None


class Choice(NamedTuple):
    values: tuple[str, ...]

    def check(self, name: str, settings) -> None:
        self.check_value(name, settings.get(name))

    def check_value(self, name: str, value) -> None:
        if value not in self.values:
            raise ValueError(f"{name} must be {' or '.join(map(repr, self.values))}, not {value!r}")


class Choices(NamedTuple):
    """A list, each of whose values is one of ``values``."""

    values: tuple[str, ...]

    def check(self, name: str, settings) -> None:
        wrong = [value for value in settings.getlist(name) if value not in self.values]
        if wrong:
            raise ValueError(f"{name} may list {', '.join(self.values)}, not {', '.join(map(repr, wrong))}")


class Pattern:
    def check(self, name: str, settings) -> None:
        try:
            re.compile(settings.get(name))
        except (re.error, TypeError) as exc:
            raise ValueError(f"{name} must be a regular expression: {exc}") from None


class RedisUrl:
    def check(self, name: str, settings) -> None:
        if settings.get(name):  # empty: no cluster
            from redis.connection import parse_url  # here: importing redis costs a process 6 MiB

            try:
                parse_url(settings.get(name))  # as scrapy-redis's client reads it
            except ValueError as exc:
                raise ValueError(f"{name} must be a Redis URL such as redis://10.0.0.5:6379/0: {exc}") from None


class Coverage:
    """A JSON object of an article's fields (crawler.items) and shares from 0 to 1."""

    def check(self, name: str, settings) -> None:
        wrong = ValueError(f"{name} must map fields to shares from 0 to 1, as JSON, not {settings.get(name)!r}")
        try:
            coverage = settings.getdict(name)
        except (ValueError, TypeError):
            raise wrong from None
        for field, share in coverage.items():
            if field not in EXPORTED_FIELDS:
                raise ValueError(f"{name} names {field!r}, no field of an article ({', '.join(EXPORTED_FIELDS)})")
            # A number, not text ("0.5") nor true: the run's verdict compares it with shares.
            if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
                raise wrong


CHECKS = {
    # The project's own (crawler/settings.py).
    "STRIP_MODE": Choice(STRIP_MODES),
    "EXTRACT_WORKERS": Bounds(int, 0),
    "STORE_PAGES": Flag(),
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
    "MIN_FIELD_COVERAGE": Coverage(),
    "RETRY_BACKOFF_BASE": Bounds(float, 0),
    "RETRY_DELAY_MAX": Bounds(float, 0),
    "REDIRECT_LOGIN_PATTERN": Pattern(),
    "FAILURE_RETRY_BASE": Bounds(float, 0),
    "FAILURE_RETRY_MAX": Bounds(float, 0),
    "EXTRACT_CPU_LIMIT": Bounds(float, 0),
    "REDIS_URL": RedisUrl(),
    "CLUSTER_ROLE": Choice(("main", "worker")),
    # Article pages only: discovery reads and writes the crawl state, which workers do not have.
    "CLUSTER_SHARED_CALLBACKS": Choices(("parse_article",)),
    "CLUSTER_LEASE_TIMEOUT": Bounds(float, 0, low_allowed=False),
    "CLUSTER_POLL_INTERVAL": Bounds(float, 0, low_allowed=False),
    # Scrapy's, those the README tells how to set.
    "LOG_LEVEL": Choice(tuple(logging.getLevelNamesMapping())),  # -L
    "DOWNLOAD_DELAY": Bounds(float, 0),
    "AUTOTHROTTLE_ENABLED": Flag(),
    "ROBOTSTXT_OBEY": Flag(),
    "COOKIES_ENABLED": Flag(),
    "CONCURRENT_REQUESTS": Bounds(int, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": Bounds(int, 1),
    "DOWNLOAD_TIMEOUT": Bounds(float, 0, low_allowed=False),
    "DOWNLOAD_MAXSIZE": Bounds(int, 0),
    "RETRY_TIMES": Bounds(int, 0),
    "REDIRECT_MAX_TIMES": Bounds(int, 0),
    "URLLENGTH_LIMIT": Bounds(int, 0),  # 0: any length
}


def check_settings(settings) -> None:
    """ValueError with a one-line reason for the first of ``CHECKS``' settings that is wrong."""
    for name, check in CHECKS.items():
        check.check(name, settings)


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
