"""The SiteRules base class: the defaults for a site with no rules of its own."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from crawler.discovery import Pager


class SiteRules:
    """Everything the crawler knows about one publisher, as data.

    Selectors are parsel CSS (``::text``, ``::attr(x)``) or XPath when they
    start with ``/`` or ``(``, tried in order; the first that yields wins.
    When a site changes its layout, subclass the current version in the same
    module, override only what changed and give the old one ``VALID_UNTIL``
    (the last day it applied), the way fundus versions its parsers: a page
    published by then is read with the old version (``version_of``).
    """

    name = "generic"
    hosts: tuple[str, ...] = ()
    language: str | None = None
    #: The last day (inclusive) this version applied; None for the current one.
    VALID_UNTIL: date | None = None
    #: The site's older versions (the registry collects them from the site's module).
    versions: tuple[type[SiteRules], ...] = ()

    # -- Discovery: where the site lists its articles, as data ----------------
    # The spider (spiders/news.py) reads these; paths are relative to the base URL.
    #: Where the site is when the crawl names no base URL (None: it must be named).
    default_base_url: str | None = None
    #: Sitemaps asked for beside those robots.txt names. ``sitemap_probes`` may be
    #: missing (a 404 is no failure): the common locations a site without rules may use.
    sitemaps: tuple[str, ...] = ()
    sitemap_probes: tuple[str, ...] = ()
    #: Google News sitemaps that sit beside each sitemap robots.txt names, unlisted (file names).
    news_sitemaps: tuple[str, ...] = ()
    #: Sitemap index entries never followed (path patterns): sitemaps of pages that are no articles.
    sitemap_skip: tuple[re.Pattern, ...] = ()
    #: Index entries that are one month of articles (groups "year" and "month"): from
    #: ``since`` on, else the ``recent_months`` newest are read. Other entries are read
    #: unless their index ``lastmod`` is older than ``since``.
    month_sitemap: re.Pattern | None = None
    recent_months = 2
    #: RSS/Atom feeds; ``feed_autodiscovery`` adds those the home page announces
    #: (``<link rel="alternate" type="application/rss+xml">``).
    feeds: tuple[str, ...] = ()
    feed_autodiscovery = False
    #: Section listings, and their "load more" button (``discovery.Pager``: its CSS and the
    #: attributes of the next page's URL, first offset and step), None when they have none.
    listings: tuple[str, ...] = ()
    listing_more: Pager | None = None
    #: Follow the home page's links when no sitemap or feed listed an article (a last resort).
    home_links = False

    # -- URLs ---------------------------------------------------------------
    #: Article URL path patterns; group "id" is the native article id (without it, the
    #: id comes from the page: ``page_article_id``). Empty: any URL on the site may be
    #: an article, keyed on its path (``link_key``), and the page itself says whether it
    #: is one (``page_verdict``).
    article_paths: tuple[re.Pattern, ...] = ()
    #: URLs (path and query) never fetched or stored.
    skip_urls: tuple[re.Pattern, ...] = ()
    #: The publication day in an article URL, for ``since`` when discovery gives no date.
    url_date: re.Pattern = re.compile(r"/(?P<year>\d{4})/(?P<month>\d{2})/(?P<day>\d{2})/")
    #: Every article of the site says when it was published: a page that does not is no
    #: article (``missing-published``). A site without rules may not say it.
    dated = True
    #: Fields every article of the site has, checked against ``MIN_FIELD_COVERAGE``.
    coverage_fields: tuple[str, ...] | None = None  # None: every field the setting names

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
    def version_of(cls, published: str | None) -> type[SiteRules]:
        """The version that applied on the day of ``published`` (an ISO date or time): the oldest
        whose ``VALID_UNTIL`` is not before it; these rules for an undated or a later page."""
        day = (published or "")[:10]
        older = sorted((v for v in cls.versions if day and day <= v.VALID_UNTIL.isoformat()),
                       key=lambda v: v.VALID_UNTIL)
        return older[0] if older else cls

    @classmethod
    def article_id(cls, url: str) -> str | None:
        """The native article id in ``url``, or None if it shows none (or is no URL at all)."""
        match = cls.article_match(url)
        return match.groupdict().get("id") if match else None

    @classmethod
    def article_match(cls, url: str) -> re.Match | None:
        path = _path(url)
        return next((match for pattern in cls.article_paths if (match := pattern.match(path))), None)

    @classmethod
    def link_key(cls, url: str) -> str | None:
        """The key of an article link, or None for a URL that is no article's.

        The native id when the URL shows one; else (no ``article_paths``, or a pattern
        without an "id" group: the id is in the page) the URL's path and query.
        """
        if not cls.article_paths:
            return _path_key(url)
        match = cls.article_match(url)
        return (match.groupdict().get("id") or _path_key(url)) if match else None

    @classmethod
    def url_day(cls, url: str) -> str | None:
        """The publication day (YYYY-MM-DD) an article URL shows, or None."""
        match = cls.url_date.search(_path(url))
        return "{year}-{month}-{day}".format(**match.groupdict()) if match else None

    @classmethod
    def live_post_blocks(cls, posts: list) -> list[str]:
        """The HTML blocks of a live blog's posts, in reading order, from what its
        ``live_posts_path`` endpoint answered (parsed JSON)."""
        return []

    @classmethod
    def page_verdict(cls, sel, objects: list[dict], url: str | None) -> str | None:
        """None when the page is an article; else the kind of page it is (``skipped``)."""
        return None

    @classmethod
    def skip_kind(cls, url: str) -> str | None:
        """The kind of page (``tag``, ``author``…) a link's URL shows it to be, when it is no article."""
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


def _path_key(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")
