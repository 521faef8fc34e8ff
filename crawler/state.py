"""Fetch decisions of incremental crawls, as pure functions of what is stored and seen.

A crawl fetches an article page only when it is new, when a discovery
document says it changed, or when it is young enough to be re-checked
(``RECHECK_WINDOW``). Change signals are compared per document: a feed's
full text and a section feed's excerpt of the same article differ, but each
changes only when the article does.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass

from crawler.discovery import Link

_TAG = re.compile(r"<[^>]*>")
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
