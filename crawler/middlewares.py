"""Downloader middlewares that keep a failing or hostile server from hurting the crawl.

- BackoffRetryMiddleware: Scrapy's retries, spaced out as the server asks.
- HttpCompressionMiddleware: Scrapy's, which never passes on part of a compressed body.
- FrontierMiddleware: requests and redirects stay on the site; redirects never lead to a login page.
- ContentGuardMiddleware: a callback only ever sees a non-empty text document.
- RobotsTxtSizeMiddleware: a robots.txt is read only as far as RFC 9309 asks a crawler to.
- RobotsTxtOnceMiddleware: a site's robots.txt is downloaded once a run, for its rules and its sitemaps.
- MetaRefreshMiddleware: Scrapy's, which reads only pages that can hold a refresh.

What each does to the crawl, with its stats, is in docs/faults.md.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from gzip import GzipFile
from io import BytesIO
from urllib.parse import urljoin, urlsplit

import brotli
from scrapy.downloadermiddlewares import httpcompression, redirect
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.asyncio import sleep
from scrapy.utils._compression import _CHUNK_SIZE, _check_max_size
from scrapy.utils.gz import gzip_magic_number
from scrapy.utils.response import response_status_message
from w3lib.url import safe_url_string

from crawler.failures import backoff, retry_after
from crawler.frontier import redact

try:
    from compression import zstd  # Python 3.14
except ImportError:
    from backports import zstd

logger = logging.getLogger(__name__)

# What can come before a DOCTYPE: processing instructions, comments, white space.
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)
_DOCTYPE_START = re.compile(rb"\s*<!DOCTYPE\b", re.I)
# Inside a DOCTYPE: what opens a quoted literal or a comment, or opens or closes the internal subset.
_DOCTYPE_TOKEN = re.compile(rb"""["'\[\]>]|<!--""")
# libxml2 checks each attribute of a tag against the ones before it: a tag of a hundred thousand
# attributes holds the parser for minutes, on the crawl's thread for a listing. Only a tag this
# long (a start tag, up to its ">") can hold more attributes than any page's element needs.
_LONG_TAG = re.compile(rb"<([A-Za-z][^\s<>/]*)([^<>]{4096,})")
_ATTRIBUTE = re.compile(rb"""[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""")
MAX_ATTRIBUTES = 1000
# The statuses Scrapy's RedirectMiddleware follows.
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def in_raw_text(lowered: bytes, at: int) -> bool:
    "Is position ``at`` of a lowercased page inside a script or a style element?"
    return any(lowered.rfind(b"<" + name, 0, at) > lowered.rfind(b"</" + name, 0, at) for name in (b"script", b"style"))


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
        self.failure_cap = settings.getfloat("FAILURE_RETRY_MAX")

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after(response.headers.get("Retry-After"), datetime.now(timezone.utc), self.failure_cap)
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


class HttpCompressionMiddleware(httpcompression.HttpCompressionMiddleware):
    """Scrapy's Content-Encoding decoding (gzip, deflate, br, zstd), all of a body or none of it.

    Scrapy's decoders return what they could decode of a stream cut short (a
    cache's half-written gzip file, a complete HTTP message all the same), and
    a page that lost its end would be stored as the page: here such a stream,
    or a corrupt one, fails its URL as ``bad-<encoding>``. ``DOWNLOAD_MAXSIZE``
    bounds what it decodes to, as in Scrapy.
    """

    @staticmethod
    def _decode(body: bytes, encoding: bytes, max_size: int) -> bytes:
        return decode_whole(body, encoding.decode(), max_size)


def decode_whole(body: bytes, encoding: str, max_size: int) -> bytes:
    """``body`` decoded from ``encoding``; Refused as ``bad-<encoding>`` unless its stream is whole.

    More than ``max_size`` bytes decoded (a compression bomb) raise Scrapy's
    ``_DecompressionMaxSizeExceeded``, a ValueError.
    """
    encoding = "gzip" if encoding == "x-gzip" else encoding
    if not body:  # a 304 or a redirect with its Content-Encoding: nothing to decode
        return body
    decoded, size = BytesIO(), 0
    try:
        for chunk in _DECODERS[encoding](body):
            size += len(chunk)
            _check_max_size(size, max_size)
            decoded.write(chunk)
    except (OSError, EOFError, zlib.error, brotli.error, zstd.ZstdError) as exc:
        raise Refused(f"bad-{encoding}", str(exc)) from exc
    return decoded.getvalue()


def _read_chunks(stream: GzipFile | zstd.ZstdFile) -> Iterator[bytes]:
    """What a GzipFile or ZstdFile decodes (every member or frame); EOFError if its stream is cut short."""
    while chunk := stream.read1(_CHUNK_SIZE):
        yield chunk


def _inflate_chunks(body: bytes) -> Iterator[bytes]:
    """What a zlib stream decodes, or the raw deflate some servers send; EOFError if it is cut short."""
    inflater = zlib.decompressobj()
    try:
        chunk = inflater.decompress(body, _CHUNK_SIZE)
    except zlib.error:  # no zlib header: raw deflate
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        chunk = inflater.decompress(body, _CHUNK_SIZE)
    yield chunk
    while not inflater.eof:
        chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK_SIZE)
        if not chunk and not inflater.eof:  # every byte read, and no end of stream
            raise EOFError("deflate stream cut short")
        yield chunk


def _unbrotli_chunks(body: bytes) -> Iterator[bytes]:
    """What a brotli stream decodes; EOFError if it is cut short."""
    decompressor = brotli.Decompressor()
    yield decompressor.process(body, output_buffer_limit=_CHUNK_SIZE)
    while not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=_CHUNK_SIZE)
        if not chunk:  # every byte read, and no end of stream
            raise EOFError("brotli stream cut short")
        yield chunk


_DECODERS = {
    "gzip": lambda body: _read_chunks(GzipFile(fileobj=BytesIO(body))),
    "deflate": _inflate_chunks,
    "br": _unbrotli_chunks,
    "zstd": lambda body: _read_chunks(zstd.ZstdFile(BytesIO(body))),
}


class FrontierMiddleware:
    """Send no request off the site (crawler.frontier), and no redirect to a login page.

    Every request is checked before it is sent, ahead of robots.txt so that
    no other host is even asked for its robots.txt. A request the spider made
    off the site is dropped (``frontier/refused/<reason>``, logged once); a
    redirect (3xx or meta refresh) off the site fails its URL as
    ``offsite-redirect`` (counted by its reason too), a 3xx to a scheme Scrapy
    does not follow (``ftp:``, ``file:``) included. Login pages are the paths
    matching ``REDIRECT_LOGIN_PATTERN``.
    """

    def __init__(self, crawler, login: re.Pattern):
        self.crawler = crawler
        self.login = login
        self.refused: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, re.compile(crawler.settings.get("REDIRECT_LOGIN_PATTERN")))

    def process_request(self, request):
        reason = self.crawler.spider.refusal(request)
        redirected = bool(request.meta.get("redirect_urls"))
        if reason and redirected:
            self.refuse_redirect(request.url, reason)
        if reason:
            if request.url not in self.refused:
                self.refused.add(request.url)
                self.crawler.stats.inc_value(f"frontier/refused/{reason}")
                logger.warning("Not requesting %(url)s: %(reason)s", {"url": redact(request.url), "reason": reason})
            raise IgnoreRequest(f"off the site: {reason}")
        if redirected and self.login.search(urlsplit(request.url).path):
            raise Refused("login-redirect", request.url)
        return None

    def process_response(self, request, response):
        # Scrapy follows a redirect to http(s) only, and passes one to another scheme on as an
        # answer (an http-301 failure): it leaves the site all the same.
        location = response.headers.get("Location")
        if response.status in REDIRECT_STATUSES and location:
            target = request.replace(url=urljoin(request.url, safe_url_string(location)))
            reason = self.crawler.spider.refusal(target)
            if reason:
                self.refuse_redirect(target.url, reason)
        return response

    def refuse_redirect(self, url: str, reason: str):
        self.crawler.stats.inc_value(f"frontier/refused/{reason}")
        raise Refused("offsite-redirect", f"{redact(url)} ({reason})")


class ContentGuardMiddleware:
    """Let a 2xx response through only as a document a callback can read.

    A gzip file served as such (a ``.xml.gz`` sitemap) is unpacked, whole and
    within ``DOWNLOAD_MAXSIZE`` like a Content-Encoding. Refused:
    binary content (PDF, image…), HTML or XML without a single byte, XML
    that is not markup at all. Markup that is not HTML (XML, a sitemap served
    as text/plain) loses its DOCTYPE; an HTML tag with more attributes than
    any element needs loses them.
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
        markup = response.body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        if isinstance(response, XmlResponse) and not markup:
            raise Refused("not-xml", media_type)
        # A sitemap served as text/plain is parsed as XML all the same.
        if markup and not isinstance(response, HtmlResponse):
            return self.drop_doctype(response)
        return self.drop_attribute_floods(response) if isinstance(response, HtmlResponse) else response

    def drop_attribute_floods(self, response):
        """Take the attributes off a tag with more than ``MAX_ATTRIBUTES`` of them (the tag stays)."""
        flooded = [match for match in _LONG_TAG.finditer(response.body)
                   if sum(1 for _ in _ATTRIBUTE.finditer(match[2])) > MAX_ATTRIBUTES]
        if flooded:  # a script's "a<b" and the code after it are no tag
            lowered = response.body.lower()
            flooded = [match for match in flooded if not in_raw_text(lowered, match.start())]
        if not flooded:
            return response
        self.crawler.stats.inc_value("guard/attributes_dropped", len(flooded))
        logger.warning("Dropped the attributes of %(n)d tags of %(url)s: more than %(max)d each",
                       {"n": len(flooded), "url": response.url, "max": MAX_ATTRIBUTES})
        kept, end = [], 0
        for match in flooded:
            kept.append(response.body[end:match.start(2)])
            end = match.end(2)
        kept.append(response.body[end:])
        return response.replace(body=b"".join(kept))

    def drop_doctype(self, response):
        """Cut the DOCTYPE from an XML prolog: its entities are never resolved (crawler.discovery),
        but libxml2 abandons a document whose entities would expand too far, links and all."""
        span = doctype_span(response.body)
        if span is None:
            return response
        self.crawler.stats.inc_value("guard/doctype_dropped")
        logger.warning("Dropped the DOCTYPE of %(url)s: sitemaps and feeds need none", {"url": response.url})
        return response.replace(body=response.body[:span[0]] + response.body[span[1]:])

    def unpack(self, request, response):
        max_size = request.meta.get("download_maxsize", self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            body = decode_whole(response.body, "gzip", max_size)
        except ValueError as exc:  # over max_size: a compression bomb
            raise Refused("too-large", str(exc)) from exc
        # Typed by what it unpacks to: its Content-Type only said "gzip".
        headers = response.headers.copy()
        headers.pop("Content-Type", None)
        cls = responsetypes.from_args(url=response.url.removesuffix(".gz"), body=body)
        return response.replace(cls=cls, body=body, headers=headers)


class RobotsTxtSizeMiddleware:
    """Read a robots.txt only up to ``ROBOTSTXT_MAXSIZE`` bytes, as RFC 9309 (2.5) lets a crawler.

    Protego matches every request against every rule: megabytes of wildcard
    rules held the crawl for seconds to parse and a third of a second per
    request. What follows the last line end within the cap is cut before
    anything reads it, the rules (Scrapy's RobotsTxtMiddleware) and the
    ``Sitemap:`` lines (discovery) alike; counted as ``robotstxt/truncated``
    and logged.
    """

    def __init__(self, crawler, maxsize: int):
        self.crawler = crawler
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("ROBOTSTXT_MAXSIZE"))

    def process_response(self, request, response):
        if len(response.body) <= self.maxsize or not is_robots_txt(response.url):
            return response
        self.crawler.stats.inc_value("robotstxt/truncated")
        logger.warning("Read %(url)s only up to ROBOTSTXT_MAXSIZE (%(maxsize)d of its %(size)d bytes)",
                       {"url": response.url, "maxsize": self.maxsize, "size": len(response.body)})
        return response.replace(body=response.body[:response.body.rfind(b"\n", 0, self.maxsize) + 1])


class RobotsTxtOnceMiddleware:
    """Download a site's robots.txt once a run, for its two readers: Scrapy's RobotsTxtMiddleware
    fetches it for its rules before any other request to the host goes, and the spider asks for
    it for its ``Sitemap:`` lines. Whichever of them has it answered first, the other is answered
    with the same response (flagged ``shared``, counted as ``robotstxt/shared``); a robots.txt
    that could not be downloaded is asked for again. After retries and redirects (it sits right
    after Scrapy's RobotsTxtMiddleware), so the response kept is the one its reader got.
    """

    def __init__(self, crawler):
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured  # the spider is its only reader
        self.stats = crawler.stats
        self.responses: dict[str, Response] = {}  # URL -> the response its other reader has yet to take

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        response = self.responses.pop(request.url, None)
        if response is None:
            return None
        self.stats.inc_value("robotstxt/shared")
        return response.replace(request=request, flags=[*response.flags, "shared"])

    def process_response(self, request, response):
        if is_robots_txt(request.url) and "shared" not in response.flags:
            self.responses[request.url] = response
        return response


def is_robots_txt(url: str) -> bool:
    return urlsplit(url).path == "/robots.txt"


def doctype_span(body: bytes) -> tuple[int, int] | None:
    """(start, end) of the DOCTYPE of an XML document, or None if it has none.

    Read in one pass however long the prolog: quoted literals and comments
    may hold "]" and ">", an unterminated DOCTYPE runs to the end.
    """
    position = body.startswith(b"\xef\xbb\xbf") * 3
    while (item := _PROLOG_ITEM.match(body, position)) is not None:
        position = item.end()
    start = _DOCTYPE_START.match(body, position)
    if start is None:
        return None
    position, in_subset = start.end(), False
    while (token := _DOCTYPE_TOKEN.search(body, position)) is not None:
        mark = token.group()
        if mark == b">" and not in_subset:
            return start.start(), token.end()
        if mark in (b'"', b"'", b"<!--"):
            close = body.find(b"-->" if mark == b"<!--" else mark, token.end())
            if close < 0:
                break
            position = close + (3 if mark == b"<!--" else 1)
            continue
        in_subset = mark == b"[" or (in_subset and mark != b"]")
        position = token.end()
    return start.start(), len(body)


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
