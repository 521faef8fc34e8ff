"""Downloader middlewares that keep a failing or hostile server from hurting the crawl.

- BackoffRetryMiddleware: Scrapy's retries, spaced out as the server asks.
- RedirectGuardMiddleware: redirects stay on the site and never lead to a login page.
- ContentGuardMiddleware: a callback only ever sees a non-empty text document.
- MetaRefreshMiddleware: Scrapy's, which reads only pages that can hold a refresh.

What each does to the crawl, with its stats, is in docs/faults.md.
"""

from __future__ import annotations

import logging
import re
import struct
import zlib
from datetime import datetime, timezone
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares import redirect
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import sleep
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.response import response_status_message

from crawler.failures import backoff, retry_after

logger = logging.getLogger(__name__)

# A DOCTYPE with its internal subset, looked for in the first bytes only
# (linear: no "]" inside the subset, which only the hostile would write).
_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^\[>]*(?:\[[^\]]*\])?\s*>", re.I)
_PROLOG_MAX = 64 * 1024
_ELEMENT = re.compile(rb"<[A-Za-z]")


class Refused(IgnoreRequest):
    """A request or response the guards do not let through; ``reason`` is a slug for stats and logs."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware whose retries wait instead of hammering a struggling server.

    A retry waits what ``Retry-After`` asks for, else ``RETRY_BACKOFF_BASE``
    seconds doubling with each retry, never more than ``RETRY_DELAY_MAX``. A
    server that asks for longer than that is not retried in this run: its
    failure is recorded with a next retry no earlier than it asked.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("RETRY_DELAY_MAX")

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response.headers.get("Retry-After"), datetime.now(timezone.utc))
        if wait is not None and wait > self.cap:
            self.crawler.stats.inc_value("retry/retry_after_over_cap")
            logger.warning(
                "Not retrying %(request)s in this run: Retry-After asks for %(wait)ds, more than RETRY_DELAY_MAX",
                {"request": request, "wait": wait},
            )
            return response
        reason = response_status_message(response.status)
        return await self._retry_after_wait(request, reason, wait) or response

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        return await self._retry_after_wait(request, exception, None)

    async def _retry_after_wait(self, request, reason, wait):
        retry = self._retry(request, reason)
        if retry is not None:
            if wait is None:
                wait = backoff(retry.meta["retry_times"], self.base, self.cap)
            self.crawler.stats.inc_value("retry/wait_ms", round(wait * 1000))
            await sleep(wait)
        return retry


class RedirectGuardMiddleware:
    """Refuse a redirect that leaves the site or lands on a login page.

    Checks the request a redirect produced (3xx or meta refresh) before it is
    sent, ahead of robots.txt so that no other host is even asked for its
    robots.txt. The site is the host of the URL first requested, of the
    spider's ``base_url`` and its ``allowed_domains``, with their subdomains
    (a leading ``www.`` dropped). Login pages are the paths matching
    ``REDIRECT_LOGIN_PATTERN``. Redirects to schemes other than http(s) are
    never followed by Scrapy itself.
    """

    def __init__(self, crawler, login: re.Pattern):
        self.crawler = crawler
        self.login = login

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, re.compile(crawler.settings.get("REDIRECT_LOGIN_PATTERN")))

    def process_request(self, request):
        redirects = request.meta.get("redirect_urls")
        if not redirects:
            return None
        target = urlsplit(request.url)
        if not on_site(target.hostname, self.site(redirects[0])):
            raise Refused("offsite-redirect", request.url)
        if self.login.search(target.path):
            raise Refused("login-redirect", request.url)
        return None

    def site(self, first_url: str) -> set[str]:
        spider = self.crawler.spider
        hosts = {urlsplit(first_url).hostname, urlsplit(getattr(spider, "base_url", "") or "").hostname}
        hosts.update(getattr(spider, "allowed_domains", None) or ())
        return {host.removeprefix("www.") for host in hosts if host}


def on_site(host: str | None, domains: set[str]) -> bool:
    return bool(host) and any(host == domain or host.endswith("." + domain) for domain in domains)


class ContentGuardMiddleware:
    """Let a 2xx response through only as a document a callback can read.

    A gzip file served as such (a ``.xml.gz`` sitemap) is unpacked, within
    ``DOWNLOAD_MAXSIZE`` like the Content-Encoding Scrapy decodes. Refused:
    binary content (PDF, image…), HTML or XML without a single byte, XML
    that is not markup at all. An XML document loses its DOCTYPE.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if not 200 <= response.status < 300:
            return response
        if gzip_magic_number(response):
            response = self.unpack(request, response)
        media_type = response.headers.get("Content-Type", b"").decode("latin-1").split(";")[0].strip().lower()
        # Scrapy types a response by its body when the declared type is binary: the declaration wins.
        if not isinstance(response, TextResponse) or (media_type and not textual(media_type)):
            raise Refused("not-text", media_type or "no Content-Type")
        # Zero bytes: whitespace is what a listing fragment past its end legitimately is.
        if isinstance(response, (HtmlResponse, XmlResponse)) and not response.body:
            raise Refused("empty-body", media_type)
        if isinstance(response, XmlResponse):
            if not response.body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                raise Refused("not-xml", media_type)
            return self.drop_doctype(response)
        return response

    def drop_doctype(self, response):
        """Cut the DOCTYPE from an XML prolog: its entities are never resolved (crawler.discovery),
        but libxml2 abandons a document whose entities would expand too far, links and all."""
        doctype = _DOCTYPE.search(response.body, 0, _PROLOG_MAX)
        first_element = _ELEMENT.search(response.body)
        if doctype is None or (first_element and first_element.start() < doctype.start()):
            return response
        self.crawler.stats.inc_value("guard/doctype_dropped")
        logger.warning("Dropped the DOCTYPE of %(url)s: sitemaps and feeds need none", {"url": response.url})
        return response.replace(body=response.body[:doctype.start()] + response.body[doctype.end():])

    def unpack(self, request, response):
        max_size = request.meta.get("download_maxsize", self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            body = gunzip(response.body, max_size=max_size)
        except ValueError as exc:  # over max_size: a compression bomb
            raise Refused("too-large", str(exc)) from exc
        except (OSError, EOFError, struct.error, zlib.error) as exc:
            raise Refused("bad-gzip", str(exc)) from exc
        # Typed by what it unpacks to: its Content-Type only said "gzip".
        headers = response.headers.copy()
        headers.pop("Content-Type", None)
        cls = responsetypes.from_args(url=response.url.removesuffix(".gz"), body=body)
        return response.replace(cls=cls, body=body, headers=headers)


def textual(media_type: str) -> bool:
    """text/*, XML and JSON types (application/rss+xml, application/ld+json…)."""
    return media_type.startswith("text/") or media_type.endswith(("xml", "json"))


# Scrapy looks for the tag in a page's first 4,096 characters: at most this many bytes.
_REFRESH_WINDOW = 4 * 4096
# w3lib follows a <meta> tag only if its attributes name "refresh": any tag it
# follows matches this in the lowered bytes.
_REFRESH_TAG = re.compile(rb"<meta[^>]*refresh")


class MetaRefreshMiddleware(redirect.MetaRefreshMiddleware):
    """Scrapy's meta refresh redirects, without parsing the pages that have no refresh tag.

    Scrapy decodes and parses the start of every HTML page for the tag, which
    costs more than the rest of an article's routing; one byte search settles
    nearly every page, including those whose scripts say "refresh" (ad slots
    do). A page in UTF-16 is never read for a refresh.
    """

    def process_response(self, request, response):
        if _REFRESH_TAG.search(response.body[:_REFRESH_WINDOW].lower()) is None:
            return response
        return super().process_response(request, response)
