"""FailureLog: every URL that fails lands in the ``failures`` table, and comes back when due.

What happened to a URL reaches it through Scrapy's own channels:

- a download that fails for good (after the in-run retries), a response a
  guard refuses and an HTTP error status reach the errback it gives every
  request that has none (stage ``download``);
- a callback that raises: ``spider_error`` (stage ``parse``);
- a page the pipelines drop as no article: ``item_dropped`` (stage
  ``extract``; a duplicate of a stored article is no failure);
- an article that cannot be stored: ``item_error`` (stage ``store``).

A URL answered (below 400) that failed nowhere in the run is resolved:
its row is deleted when the spider closes. When the engine starts, failures
whose ``next_retry`` has come are requested again with the callback and
cb_kwargs of the request that failed, so a URL that discovery no longer
lists, or that the spider gave up on, is not lost. This is the only place
a failed URL is requested from: the spider leaves it alone until then.
Stats (``failed/<stage>/<reason>``, which the run's verdict reads) and reasons:
docs/faults.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
from datetime import datetime, timezone
from functools import partial

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.failures import SKIPPED, clear_failures, due_failures, record_failure, retry_after, slug
from crawler.middlewares import Refused
from crawler.storage import UNWRITABLE, DatabaseWriter, is_unwritable

logger = logging.getLogger(__name__)

# Reason slugs of the exceptions a download ends with; others are named after their class.
DOWNLOAD_REASONS = (
    (DownloadTimeoutError, "timeout"),
    (ResponseDataLossError, "truncated"),
    (DownloadCancelledError, "too-large"),  # DOWNLOAD_MAXSIZE is what cancels downloads
    (DownloadConnectionRefusedError, "connection-refused"),
    (DownloadFailedError, "connection-failed"),  # reset, closed mid-response, TLS failure
    (ValueError, "invalid-url"),  # a redirect to a URL Scrapy cannot build (javascript:…)
)
# IgnoreRequest messages of Scrapy's own middlewares that mean a failure; the
# others (robots.txt, offsite) are the crawl's policy, not a failure.
IGNORED_REASONS = (
    (re.compile(r"^max redirections reached$"), "redirect-loop"),
    (re.compile(r"DOWNLOAD_MAXSIZE"), "too-large"),  # a compression bomb
)
# Pipeline drops that are no failure: the article is stored under another URL. Nor are the
# pages that are no article (``skipped/<kind>``: a tag or author page a site without rules links to).
NOT_FAILED_DROPS = {"duplicate"}


def download_reason(exception: BaseException) -> str | None:
    """The reason slug of a failed download, or None when it was no failure."""
    if isinstance(exception, HttpError):
        return f"http-{exception.response.status}"
    if isinstance(exception, Refused):
        return exception.reason
    if isinstance(exception, IgnoreRequest):
        return next((reason for pattern, reason in IGNORED_REASONS if pattern.search(str(exception))), None)
    for types, reason in DOWNLOAD_REASONS:
        if isinstance(exception, types):
            return reason
    return slug(type(exception).__name__)


def drop_reason(exception: BaseException) -> str:
    """The slug the pipelines put first in a DropItem message ("not-article: URL: …")."""
    return str(exception).split(":", 1)[0].strip()


def origin(request: scrapy.Request) -> str:
    """The URL first requested, before any redirect: the one to retry."""
    return request.meta.get("redirect_urls", [request.url])[0]


# Request meta a retry keeps: the page's budget, its site.
RETRY_META = ("download_maxsize", "site")


def retry_request(request: scrapy.Request) -> str | None:
    """JSON of what rebuilds ``request`` in a later run (its callback's name, cb_kwargs, RETRY_META), or None."""
    meta = {key: request.meta[key] for key in RETRY_META if key in request.meta}
    try:
        return json.dumps({"callback": request.callback.__name__, "cb_kwargs": request.cb_kwargs, "meta": meta})
    except (AttributeError, TypeError):  # no callback; cb_kwargs that are no JSON (a live blog's page)
        return None


def rebuild_request(url: str, spec: str, spider: scrapy.Spider) -> scrapy.Request:
    """The request ``retry_request`` described; AttributeError if the spider lost its callback."""
    spec = json.loads(spec)
    return scrapy.Request(url, getattr(spider, spec["callback"]), cb_kwargs=spec["cb_kwargs"],
                          meta=spec.get("meta"))


class FailureLog:
    def __init__(self, crawler, base: float, cap: float):
        self.crawler = crawler
        self.base = base
        self.cap = cap
        self.writer: DatabaseWriter | None = None
        self.fetched: set[str] = set()  # origins of responses that did not fail
        self.failed: set[str] = set()  # origins recorded as failed in this run

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("DATABASE_PATH"):
            raise NotConfigured("DATABASE_PATH is empty")
        log = cls(crawler, settings.getfloat("FAILURE_RETRY_BASE"), settings.getfloat("FAILURE_RETRY_MAX"))
        log.connect()
        return log

    def connect(self) -> None:
        """Listen to the signals failures and their retries come with."""
        for handler, signal in (
            (self.engine_started, signals.engine_started), (self.spider_closed, signals.spider_closed),
            (self.request_scheduled, signals.request_scheduled), (self.response_received, signals.response_received),
            (self.spider_error, signals.spider_error), (self.item_dropped, signals.item_dropped),
            (self.item_error, signals.item_error),
        ):
            self.crawler.signals.connect(handler, signal=signal)

    # The engine starts once the database opened (one that cannot be opened
    # stops the crawl before) and before any start request is sent.
    async def engine_started(self):
        self.writer = self.crawler.get_extension(DatabaseWriter)
        spider = self.crawler.spider
        now = datetime.now(timezone.utc)
        for site in spider.sites:
            for row in await self.writer.call(due_failures, site.name, now):
                try:
                    request = rebuild_request(row["url"], row["retry_request"], spider)
                except AttributeError as exc:
                    logger.warning("Not retrying %s: %s", row["url"], exc)
                    continue
                request.meta.setdefault("site", site.name)
                self.crawler.engine.crawl(request)
                self.crawler.stats.inc_value("failures/retried")

    async def spider_closed(self, spider):
        if self.writer is None:  # the crawl never started
            return
        cleared = await self.writer.call(clear_failures, self.fetched - self.failed)
        self.crawler.stats.set_value("failures/cleared", cleared)

    def request_scheduled(self, request, spider):
        # A request with an errback of its own handles its failures itself.
        if request.errback is None:
            request.errback = self.download_failed

    def response_received(self, response, request, spider):
        if response.status < 400:  # 304 included; a redirect not followed fails on
            self.fetched.add(origin(request))

    def download_failed(self, failure):
        reason = download_reason(failure.value)
        if reason is not None:
            self.record(failure.request, "download", reason, getattr(failure.value, "response", None))

    def spider_error(self, failure, response, spider):
        self.check_database(failure.value)
        if response is None:  # an error in start(): no page to retry; Scrapy logs it and the run fails
            self.crawler.stats.inc_value("failures/unrecorded")
            return
        self.record(response.request, "parse", slug(type(failure.value).__name__), response)

    def item_dropped(self, item, response, exception, spider):
        reason = drop_reason(exception)
        if reason not in NOT_FAILED_DROPS and not reason.startswith(SKIPPED):
            self.record(response.request, "extract", reason, response)

    def item_error(self, item, response, spider, failure):
        self.check_database(failure.value)
        self.record(response.request, "store", slug(type(failure.value).__name__), response)

    def record(self, request, stage: str, reason: str, response=None) -> None:
        # Stopping (SIGTERM, Ctrl-C, a database that takes no writes): what was in flight stays due.
        if not self.crawler.engine.running or self.crawler.stats.get_value("database/unwritable") is not None:
            self.crawler.stats.inc_value("failures/interrupted")
            return
        self.commit(request, stage, reason, response)

    def commit(self, request, stage: str, reason: str, response=None) -> None:
        """Write the failure to the ledger (a cluster worker hands it to the main process instead)."""
        url = origin(request)
        now = datetime.now(timezone.utc)
        self.failed.add(url)
        self.crawler.stats.inc_value(f"failed/{stage}/{reason}")
        site = self.crawler.spider.site_of(request)
        recorded = self.writer.submit(
            partial(record_failure, url=url, site=site.name if site else None, stage=stage, reason=reason, now=now,
                    base=self.base, cap=self.cap,
                    http_status=response.status if response is not None else None,
                    wait=retry_after(response.headers.get("Retry-After"), now, self.cap)
                    if response is not None else None,
                    retry_request=retry_request(request)))
        # Back on the crawl's thread once written: the stats are the crawl's.
        asyncio.wrap_future(recorded).add_done_callback(partial(self.recorded, url, stage, reason))

    def check_database(self, error: BaseException) -> None:
        """Stop the crawl when an error says the database takes no writes at all (a full disk):
        what it fetches next could not be stored, and what it has not stored stays due."""
        stats = self.crawler.stats
        if is_unwritable(error) and stats.get_value("database/unwritable") is None:
            stats.set_value("database/unwritable", str(error))
            logger.error("The database cannot be written (%s): stopping the crawl", error)
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason=UNWRITABLE))

    def recorded(self, url: str, stage: str, reason: str, future) -> None:
        """Log a failure once the writer recorded it, or could not."""
        try:
            row = future.result()
        except sqlite3.Error as exc:
            # The database itself is failing (locked past the busy timeout,
            # disk full): the log line is all that is left of this failure.
            self.crawler.stats.inc_value("failures/unrecorded")
            logger.error("Failed %s at %s: %s (not recorded: %s)", url, stage, reason, exc)
            self.check_database(exc)
            return
        logger.warning(
            "Failed %(url)s at %(stage)s: %(reason)s (attempt %(attempts)d, next retry after %(next_retry)s)", row
        )
