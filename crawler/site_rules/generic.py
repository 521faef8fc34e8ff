"""Rules for a site the project has none for: discover what a careful person would, and let
each page say whether it is an article.

Discovery: robots.txt ``Sitemap:`` lines, the common sitemap locations (plain, index,
WordPress core, Yoast and Rank Math indexes, Google News sitemaps), the feeds the home page
announces, and the home page's links when nothing else listed an article. Any on-site URL
may be an article, keyed on its path; the page decides (``page_verdict``): JSON-LD
``NewsArticle``/``Article``, against the signs of a category, tag, author, product, forum,
service or documentation page (schema.org page types, ``og:type``, the URL's path), and
last whether it holds a story at all.
"""

from __future__ import annotations

import re
from collections import Counter

from parsel import Selector

from crawler import metadata as md
from crawler.site_rules.base import SiteRules, _path
from crawler.stripping.dom import HEADINGS
from crawler.stripping.vocabulary import PROSE_CHARS

# -- What pages that are no articles look like -------------------------------------
# Schema.org types of whole pages that are no article (a Person or an Offer is found inside
# articles too: their authors, the products they review).
NOT_ARTICLE_TYPES = {
    "CollectionPage": "listing",
    "SearchResultsPage": "listing",
    "ProfilePage": "author",
    "Product": "product",
    "DiscussionForumPosting": "forum",
    "QAPage": "forum",
    "Service": "service",
    "ContactPage": "service",
    "AboutPage": "service",
    "TechArticle": "documentation",
    "APIReference": "documentation",
}
DOC_TYPES = {name for name, kind in NOT_ARTICLE_TYPES.items() if kind == "documentation"}
OG_NOT_ARTICLE = {"product": "product", "profile": "author", "books.book": "product"}
# Path segments that name a page kind: /category/world/, /tag/elections/, /author/jane/...
URL_KINDS = (
    (re.compile(r"^/?$"), "home"),
    (re.compile(r"/(category|categories|section|sections|topic|topics|rubric)(/|$)", re.I), "category"),
    (re.compile(r"/(tag|tags|keyword|keywords)(/|$)", re.I), "tag"),
    (re.compile(r"/(author|authors|people|profiles?|contributors?|staff|team|users?)(/|$)", re.I), "author"),
    (re.compile(r"/(product|products|collections|shop|store|cart|checkout)(/|$)", re.I), "product"),
    (re.compile(r"/(forum|forums|community|thread|threads|discussion|questions)(/|$)", re.I), "forum"),
    (re.compile(r"/(docs|documentation|manual|handbook|api|reference|wiki|kb|knowledge-?base)(/|$)", re.I),
     "documentation"),
    # a page's name ("about-us", "terms-and-conditions"), not a headline's slug ("search-goes-on-for-…")
    (re.compile(r"/(about|contact|help|support|faq|privacy|cookies?|terms|imprint|impressum|accessibility|masthead|"
                r"services?|pricing|sitemap|subscribe|newsletter|donate|login|log-in|register|account|search|jobs|"
                r"careers|advertise)(-[^-/.]+){0,2}([/.]|$)", re.I),
     "service"),
    (re.compile(r"/page/\d+/?$", re.I), "listing"),
    (re.compile(r"/(feed|rss|atom)(/|\.xml|$)", re.I), "feed"),
)
# A publication day in a path: an article's URL, and the day it shows.
URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>0[1-9]|1[0-2])[/-](?P<day>0[1-9]|[12]\d|3[01])[/-]")
# A story: one element holding three paragraphs (or list items) of prose or more, each directly or
# in a block of its own; or two such in the one <article> of the page, which says it holds one
# composition. A listing's excerpts and a product's blurbs sit one to a teaser, beside a linked
# title, a date or a byline; a forum's posts beside their author.
STORY_PARAGRAPHS = 3
ARTICLE_PARAGRAPHS = 2


def url_kind(url: str | None) -> str | None:
    """The kind of page a URL's path names (``category``, ``tag``…), or None. A path that shows
    a publication day is an article's, whatever section or word it sits under
    (``/sections/health/2022/11/09/1135211525/...``, ``/2024/01/05/search-goes-on``)."""
    path = _path(url or "")
    if URL_DATE.search(path):
        return None
    return next((kind for pattern, kind in URL_KINDS if pattern.search(path)), None)


def page_verdict(sel: Selector, objects: list[dict], url: str | None) -> str | None:
    """None when the page is an article; else the kind of page it is.

    Structured data speaks first (an article type; else a page type that is
    no article), then OpenGraph's product and profile, then the URL's path,
    and last the page itself: ``og:type`` article, or a story it holds.
    """
    typed_objects = [(obj, md.jsonld_types(obj)) for obj in objects]
    types = set().union(*(names for _, names in typed_objects))
    typed = next((kind for name, kind in NOT_ARTICLE_TYPES.items() if name in types), None)
    # documentation is the site's, unsigned; a blog marks a signed post so too (Yoast offers it)
    if typed == "documentation" and any(md.jsonld_authors(obj) for obj, names in typed_objects if names & DOC_TYPES):
        typed = None
    if types & md.ARTICLE_TYPES and typed != "documentation":
        return None
    og_type = md.meta(sel, "og:type").lower()
    kind = typed or OG_NOT_ARTICLE.get(og_type) or url_kind(url)
    if kind:
        return kind
    return None if og_type == "article" or has_story(sel) else "not-article"


def has_story(sel: Selector) -> bool:
    """Whether one element of the page holds paragraphs of prose, as a story does: three or more,
    each a child of it or alone in a block of its own (wrappers around no other paragraph of
    prose that hold besides it at most a heading and no link with words: a guide's steps, a
    story told in modules). A page whose one ``<article>`` holds two such says it is one
    composition (HTML's word for a story or a post; a listing's teasers are one each)."""
    prose = [element for element in sel.root.iter("p", "li") if is_prose(element)]
    held = Counter(ancestor for paragraph in prose for ancestor in paragraph.iterancestors())
    blocks: Counter = Counter()
    alone = []
    for paragraph in prose:
        block = paragraph
        while (parent := block.getparent()) is not None and held[parent] == 1:
            block = parent
        if parent is not None and holds_only(block, paragraph):
            blocks[parent] += 1
            alone.append(paragraph)
    if any(count >= STORY_PARAGRAPHS for count in blocks.values()):
        return True
    articles = list(sel.root.iter("article"))
    return len(articles) == 1 and sum(articles[0] in p.iterancestors() for p in alone) >= ARTICLE_PARAGRAPHS


def is_prose(element) -> bool:
    """A paragraph of prose: a ``p``, or a list item holding none (a story's tips and steps), of
    ``PROSE_CHARS`` or more; a list item mostly of link text is a headline, not prose."""
    if len(md.clean_text(element.text_content())) < PROSE_CHARS:
        return False
    if element.tag == "p":
        return True
    return next(element.iter("p"), None) is None and 2 * sum(map(text_chars, element.iter("a"))) < text_chars(element)


def holds_only(block, paragraph) -> bool:
    """Whether `block` holds nothing but `paragraph` and headings, and no link with words but the
    paragraph's own (a teaser's title, or the teaser, links to what it teases)."""
    own = set(paragraph.iter("a"))
    if any(link not in own and text_chars(link) for link in block.iter("a")):
        return False
    headings = list(block.iter(*HEADINGS))
    return text_chars(block) == text_chars(paragraph) + sum(map(text_chars, headings))


def text_chars(element) -> int:
    "Characters of an element's text, white space left out."
    return len("".join(element.text_content().split()))


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
    url_date = URL_DATE
    # Bylines and dates are the site's own business: an article need not show them.
    dated = False
    coverage_fields = ("title", "body")

    @classmethod
    def page_verdict(cls, sel, objects, url):
        return page_verdict(sel, objects, url)

    @classmethod
    def skip_kind(cls, url: str) -> str | None:
        return url_kind(url)
