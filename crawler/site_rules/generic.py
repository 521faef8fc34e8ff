"""Rules for a site the project has none for: discover what a careful person would, and let
each page say whether it is an article.

Discovery: robots.txt ``Sitemap:`` lines, the common sitemap locations (plain, index,
WordPress core, Yoast and Rank Math indexes, Google News sitemaps), the feeds the home page
announces, and the home page's links when nothing else listed an article. Any on-site URL
may be an article, keyed on its path; the page decides (``page_verdict``): JSON-LD
``NewsArticle``/``Article``, ``og:type``, an ``<article>`` with a date and paragraphs, a
dated URL, against the signs of a category, tag, author, product, forum, service or
documentation page.
"""

from __future__ import annotations

import re

from parsel import Selector

from crawler import metadata as md
from crawler.site_rules.base import SiteRules, _path

# -- What pages that are no articles look like -------------------------------------
# Schema.org types of whole pages that are no article.
NOT_ARTICLE_TYPES = {
    "CollectionPage": "listing",
    "ItemList": "listing",
    "SearchResultsPage": "listing",
    "ProfilePage": "author",
    "Person": "author",
    "Product": "product",
    "Offer": "product",
    "DiscussionForumPosting": "forum",
    "QAPage": "forum",
    "FAQPage": "service",
    "ContactPage": "service",
    "AboutPage": "service",
    "TechArticle": "documentation",
    "APIReference": "documentation",
}
OG_NOT_ARTICLE = {"product": "product", "profile": "author", "website": None, "books.book": "product"}
# Path segments that name a page kind: /category/world/, /tag/elections/, /author/jane/...
URL_KINDS = (
    (re.compile(r"/(category|categories|section|sections|topic|topics|rubric)(/|$)", re.I), "category"),
    (re.compile(r"/(tag|tags|keyword|keywords)(/|$)", re.I), "tag"),
    (re.compile(r"/(author|authors|people|profile|contributors?)(/|$)", re.I), "author"),
    (re.compile(r"/(product|products|shop|store|cart|checkout)(/|$)", re.I), "product"),
    (re.compile(r"/(forum|forums|community|thread|threads|discussion)(/|$)", re.I), "forum"),
    (re.compile(r"/(docs|documentation|manual|api|reference|wiki)(/|$)", re.I), "documentation"),
    (re.compile(r"/(about|contact|help|support|faq|privacy|terms|subscribe|newsletter|donate|"
                r"login|log-in|register|account|search|jobs|careers|advertise)([-/.]|$)", re.I), "service"),
    (re.compile(r"/page/\d+/?$", re.I), "listing"),
    (re.compile(r"/(feed|rss|atom)(/|\.xml|$)", re.I), "feed"),
)
# A dated article URL: /2024/06/17/slug, /2024/06/slug, /2024-06-17-slug.
DATED_URL = re.compile(r"/(19|20)\d{2}[/-](0[1-9]|1[0-2])([/-](0[1-9]|[12]\d|3[01]))?[/-][^/]*[a-z]", re.I)
# A listing shows many teasers: this many <article> elements is no single story.
LISTING_ARTICLES = 3
# An article's story has paragraphs of prose; a teaser list has none this long.
STORY_PARAGRAPHS = 3
STORY_PARAGRAPH_CHARS = 80


def url_kind(url: str | None) -> str | None:
    """The kind of page a URL's path names (``category``, ``tag``…), or None."""
    path = _path(url or "")
    return next((kind for pattern, kind in URL_KINDS if pattern.search(path)), None)


def page_verdict(sel: Selector, objects: list[dict], url: str | None) -> str | None:
    """None when the page is an article; else the kind of page it is.

    Structured data speaks first (an article type, else a page type that is no
    article), then OpenGraph, then the page's structure and its URL.
    """
    types = {name for obj in objects for name in md.jsonld_types(obj)}
    if types & md.ARTICLE_TYPES - {"Report"} and not types & {"TechArticle", "APIReference"}:
        return None
    typed = next((kind for name, kind in NOT_ARTICLE_TYPES.items() if name in types), None)
    if typed:
        return typed
    og_type = md.meta(sel, "og:type").lower()
    if og_type in OG_NOT_ARTICLE and OG_NOT_ARTICLE[og_type]:
        return OG_NOT_ARTICLE[og_type]
    kind = url_kind(url)
    if kind:
        return kind
    if len(sel.css("article")) >= LISTING_ARTICLES:
        return "listing"
    dated = bool(md.meta(sel, "article:published_time") or sel.css("article time, time[datetime]")
                 or DATED_URL.search(_path(url or "")))
    if (og_type == "article" or dated) and has_story(sel):
        return None
    return "not-article"


def has_story(sel: Selector) -> bool:
    """Whether the page holds paragraphs of prose, as a story does."""
    paragraphs = (md.clean_text(" ".join(p.css("::text").getall())) for p in sel.css("p"))
    return sum(len(text) >= STORY_PARAGRAPH_CHARS for text in paragraphs) >= STORY_PARAGRAPHS


class GenericSite(SiteRules):
    """A site with no rules: the common places, and each page's own word."""

    name = "generic"
    sitemap_probes = (
        "/sitemap.xml",  # plain, or an index
        "/sitemap_index.xml",  # Yoast SEO, Rank Math
        "/wp-sitemap.xml",  # WordPress core (5.5+)
        "/sitemap-index.xml",
        "/news-sitemap.xml",  # Google News, as plugins name it
        "/sitemap-news.xml",
        "/sitemap_news.xml",
    )
    # WordPress and SEO plugins list taxonomies, authors and plain pages in sitemaps of their own.
    sitemap_skip = (
        re.compile(r"/(category|post_tag|tag|author|page|product|product_cat|attachment)-sitemap\d*\.xml", re.I),
        re.compile(r"/wp-sitemap-(taxonomies|users)-", re.I),
    )
    feed_autodiscovery = True
    home_links = True
    skip_urls = (
        re.compile(r"\.(pdf|jpe?g|png|gif|webp|svg|mp3|mp4|zip|docx?|xlsx?)$", re.I),
        re.compile(r"^/(wp-admin|wp-login\.php|wp-json|cgi-bin)(/|$)"),
        re.compile(r"[?&](replytocom|share|print|utm_[a-z]+)="),
    )
    url_date = re.compile(r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>0[1-9]|1[0-2])[/-](?P<day>0[1-9]|[12]\d|3[01])[/-]")
    # Bylines are the site's own business: a page need not name its author.
    coverage_fields = ("title", "published", "body")

    @classmethod
    def page_verdict(cls, sel, objects, url):
        return page_verdict(sel, objects, url)

    @classmethod
    def skip_kind(cls, url: str) -> str | None:
        return url_kind(url)
