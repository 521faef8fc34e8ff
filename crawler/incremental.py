"""Incremental crawls: what is due (pure functions of what is stored and seen) and what
discovery saw (records), and ``CrawlState``, the spider's interface to both.

A crawl fetches an article page only when it is new, when a discovery
document says it changed, or when it is young enough to be re-checked
(``RECHECK_WINDOW``). Change signals are compared per document: a feed's
full text and a section feed's excerpt of the same article differ, but each
changes only when the article does.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass

from crawler import storage
from crawler.discovery import Link

logger = logging.getLogger(__name__)

# Signal, sent with ``count``: requests this process scheduled were taken from its scheduler by other
# processes (the shared frontier of crawler.cluster), and are as good as sent for the links due waiting for room.
requests_taken = object()

_TAG = re.compile(r"<[^<>]*>")  # no "<" inside: a run of them is read once, not once per "<"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Sighting:
    """An article link as one discovery document shows it."""

    article_id: str
    url: str
    published: str | None
    modified: str | None
    signal: str | None  # changes when the document's view of the article does


@dataclass(frozen=True)
class Document:
    """What was recorded about a discovery document when it was last processed."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    sitemap_lastmod: str | None = None  # the sitemap index's lastmod for this file


def sighting(article_id: str, url: str, link: Link) -> Sighting:
    return Sighting(article_id, url, link.published, link.modified, link_signal(link))


def link_signal(link: Link) -> str | None:
    """A digest of what the document says about the article, or None if it says nothing.

    Markup is dropped and words compared, so a re-rendered feed (new attribute
    order, entities, whitespace) is no change; an edited sentence is.
    """
    parts = [part for part in (link.modified, link.title, link.text) if part]
    if not parts:
        return None
    words = _WORD.findall(html.unescape(_TAG.sub(" ", " ".join(parts))).lower())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]


def fetch_reason(known: bool, due: str | None, previous: str | None, signal: str | None) -> str | None:
    """Why the article must be fetched ("new", "changed", or a pending reason), or None.

    ``previous`` is the signal this document gave last time. The first signal
    a document gives for a known article is a baseline, not a change.
    """
    if not known:
        return "new"
    if due:
        return due
    if previous and signal and previous != signal:
        return "changed"
    return None


def conditional_headers(document: Document | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since for a document processed before."""
    if document is None:
        return {}
    headers = {}
    if document.etag:
        headers["If-None-Match"] = document.etag
    if document.last_modified:
        headers["If-Modified-Since"] = document.last_modified
    return headers


def sitemap_changed(lastmod: str | None, document: Document | None) -> bool:
    """Whether a sitemap index entry points at a file not processed in this version."""
    return not (lastmod and document and document.sitemap_lastmod == lastmod)


class CrawlState:
    """The spider's one way to the crawl state in the database, off the reactor's thread.

    Each call runs a function of crawler.storage on the crawl's DatabaseWriter
    and is awaited, so reads see every write handed over before them (the
    writer is one thread). Another backend (a shared frontier) needs only
    these five calls.
    """

    def __init__(self, writer: storage.DatabaseWriter):
        self.writer = writer

    async def rechecks(self, site: str, window_hours: float, interval_hours: float) -> list[tuple[str, str, str]]:
        """(article_id, url, reason) of the site's articles to re-check (a window's worth), now taken."""
        return await self.writer.call(storage.take_rechecks, site, storage.utc_now(), window_hours, interval_hours)

    async def take(self, site: str, limit: int) -> list[tuple[str, str, str]]:
        """(article_id, url, reason) of at most ``limit`` links of the site due and not taken before, now taken."""
        return await self.writer.call(storage.take_due, site, limit)

    async def documents(self, urls: list[str]) -> dict[str, Document]:
        """What was recorded of the discovery documents at ``urls`` that were processed before."""
        return await self.writer.call(storage.discovery_documents, urls)

    async def record(self, site: str, source: str, sightings: list[Sighting],
                     document: Document | None = None) -> list[tuple[str, str, str]]:
        """Record what the document ``source`` says; (article_id, url, reason) of the articles due."""
        return await self.writer.call(storage.record_discovery, site, source, sightings, storage.utc_now(), document)

    def drop(self, site: str, article_id: str, reason: str) -> None:
        """The link gave no article this time: not due again until discovery says so (not awaited)."""
        self.writer.submit(storage.mark_dropped, site, article_id, reason, storage.utc_now()).add_done_callback(
            _log_error)


def _log_error(future) -> None:
    if future.exception() is not None:
        logger.error("Could not record a dropped article: %s", future.exception())
