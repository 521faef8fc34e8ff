"""SiteReachability: a crawl of a site that does not answer at all stops within seconds.

Without it, a crawl with the site down or no network retries robots.txt and
then every start request with backoff, for minutes, before its verdict.
Ordered inside the retry middleware, it sees every attempt: when the first
``SITE_UNREACHABLE_AFTER`` attempts (robots.txt, the first discovery
documents) all failed to connect, the spider closes as ``site_unreachable``
and the run is ``failed``; the attempt that decided it is not retried, so
nothing keeps the close waiting, and requests still on their way are dropped.
Once anything answered (any status), the check is off for the run: later
failures are the failure ledger's.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)

logger = logging.getLogger(__name__)

CLOSE_REASON = "site_unreachable"
CONNECTION_ERRORS = (CannotResolveHostError, DownloadConnectionRefusedError, DownloadFailedError, DownloadTimeoutError)


class SiteReachability:
    def __init__(self, crawler, limit: int):
        self.crawler = crawler
        self.limit = limit
        self.answered = False
        self.failed = 0
        self.closing: asyncio.Future | None = None

    @classmethod
    def from_crawler(cls, crawler):
        limit = crawler.settings.getint("SITE_UNREACHABLE_AFTER")
        if limit <= 0:
            raise NotConfigured("SITE_UNREACHABLE_AFTER is 0")
        return cls(crawler, limit)

    def process_request(self, request):
        if self.closing is not None:  # requests that waited for robots.txt: no attempt while closing
            raise IgnoreRequest(CLOSE_REASON)

    def process_response(self, request, response):
        self.answered = True
        return response

    def process_exception(self, request, exception):
        if self.answered or not isinstance(exception, CONNECTION_ERRORS):
            return None
        self.failed += 1
        self.crawler.stats.inc_value(f"unreachable/{type(exception).__name__}")
        if self.failed < self.limit:
            return None
        if self.closing is None:
            logger.error("Site unreachable: the first %d attempts failed to connect (%s); stopping",
                         self.failed, exception)
            self.closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))
        # Past the retry middleware, and no failure to log or record: the run's verdict says it.
        raise IgnoreRequest(f"{CLOSE_REASON}: {exception}")
