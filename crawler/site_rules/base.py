"""The SiteRules base class: the defaults for a site with no rules of its own."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit


class SiteRules:
    """Everything the crawler knows about one publisher, as data.

    Selectors are parsel CSS (``::text``, ``::attr(x)``) or XPath when they
    start with ``/`` or ``(``, tried in order; the first that yields wins.
    When a site changes its layout, subclass the current version, override
    only what changed and give the old one ``VALID_UNTIL`` (the last day it
    applied), the way fundus versions its parsers.
    """

    name = "generic"
    hosts: tuple[str, ...] = ()
    language: str | None = None
    #: The last day (inclusive) this version applied; None for the current one.
    VALID_UNTIL: date | None = None

    # -- URLs ---------------------------------------------------------------
    #: Article URL path patterns; group "id" is the native article id.
    article_paths: tuple[re.Pattern, ...] = ()
    #: URLs (path and query) never fetched or stored.
    skip_urls: tuple[re.Pattern, ...] = ()

    # -- Page structure -----------------------------------------------------
    #: Where the story is (CSS); None lets trafilatura find it.
    body_container: str | None = None
    #: What the story is made of (CSS): the blocks inside ``body_container`` that the
    #: newsroom's editor produces. Anything else in the container that holds text (a panel the
    #: publisher's templates or scripts add between or around the blocks) is no story and is
    #: removed, recorded with the rule ``site:<name>:not-story``. Empty: no such selection.
    story_blocks: tuple[str, ...] = ()
    #: (block CSS, {tag: attributes}) pairs: the markup an editor can produce inside such a
    #: block. A container tag lists the attributes it may carry and is judged with all it holds;
    #: a text tag (None) is taken whole. A child of the block that is no such markup (a button,
    #: a form, a heading level the editor lacks, a div with data-* or aria-* attributes) is the
    #: publisher's addition, not the story.
    story_markup: tuple[tuple[str, dict[str, frozenset[str] | None]], ...] = ()
    #: (CSS selector, kind) pairs pruned from the page before extraction.
    prune: tuple[tuple[str, str], ...] = ()
    #: Containers whose HTML comments hold markup that must be read.
    uncomment: tuple[str, ...] = ()
    #: Field selectors; empty means "use the generic metadata".
    title: tuple[str, ...] = ()
    subtitle: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    image: tuple[str, ...] = ()
    image_caption: tuple[str, ...] = ()
    #: Article id inside the page, for pages reached by a URL without one.
    page_article_id: tuple[str, ...] = ()
    #: (selector, kind) pairs; the first that matches gives the page kind.
    kinds: tuple[tuple[str, str], ...] = ()
    default_kind = "news"
    #: Kinds whose ids live in an id space of their own, and the prefix that keeps them apart.
    id_prefixes: dict[str, str] = {}
    #: Section labels to fix, by the slug of the breadcrumb link.
    section_labels: dict[str, str] = {}
    #: Where a live blog's posts go once fetched from its JSON endpoint.
    live_posts_container: str | None = None
    #: Path of that endpoint, with {id} for the article id.
    live_posts_path: str | None = None
    #: Bytes every live blog page contains: the spider parses only those pages
    #: for the container, as parsing each page on the crawl's thread is costly.
    live_posts_hint: bytes | None = None
    #: A page without this (CSS) is no article, e.g. a soft 404; None: no check.
    article_marker: str | None = None

    @classmethod
    def article_id(cls, url: str) -> str | None:
        """The native article id in ``url``, or None if it is no article URL (or no URL at all)."""
        path = _path(url)
        for pattern in cls.article_paths:
            match = pattern.match(path)
            if match:
                return match.group("id")
        return None

    @classmethod
    def is_skipped(cls, url: str) -> bool:
        """True for URLs the crawler must never fetch (binary, ads, accounts...)."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return True
        target = parts.path + ("?" + parts.query if parts.query else "")
        return any(pattern.search(target) for pattern in cls.skip_urls)


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:  # "http://[x"
        return ""
