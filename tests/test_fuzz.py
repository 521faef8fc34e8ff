"""Generated hostile input for every parser of untrusted text: only the documented errors come out.

Each target gets 1,000 examples: random bytes and text, truncated and deeply
nested XML and JSON, extreme numbers and odd URLs. ``deadline=None``: how
fast a machine runs an example must never decide a test.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler import discovery
from crawler import metadata as md
from crawler.extract import ExtractionError, extract
from crawler.failures import retry_after
from crawler.frontier import Frontier, redact
from crawler.middlewares import doctype_span
from crawler.site_rules import SITES
from tests.conftest import SITE

MORE = SITES["moscowtimes"].listing_more

FUZZ = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ARTICLE = (SITE / "www" / "2024/06/17/moscow-heat-wave-breaks-100-year-old-temperature-record-a89101").read_text()
ARTICLE_URL = "https://www.themoscowtimes.com/2024/06/17/moscow-heat-wave-breaks-100-year-old-temperature-record-a89101"
REASONS = {None, "offsite", "private-address", "ip-address", "credentials", "scheme", "invalid-url"}

# -- Strategies -------------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e999", "-1e999", "NaN", "Infinity", "²", "٣", "0x10", "1" * 5000, "", " 7 "]),
)
URL_PIECES = st.sampled_from([
    "http://", "https://", "//", "file:///", "ftp://", "data:", "javascript:", "user:pw@", "[", "]", "[::1]",
    "127.0.0.1", "10.0.0.1", "169.254.169.254", "localhost", "www.themoscowtimes.com", "evil.example", ":",
    ":99999999", "/", "?", "#", "%", "%zz", "@", "\\", " ", "\t", "\x00", "é", "xn--", "..", "/2024/06/17/x-a1",
])
ODD_URLS = st.one_of(st.text(max_size=80), st.lists(URL_PIECES, max_size=12).map("".join))
TAGS = st.sampled_from(["urlset", "url", "loc", "lastmod", "sitemapindex", "sitemap", "rss", "channel", "item",
                        "link", "guid", "pubDate", "feed", "entry", "news:publication_date", "title", "a", "div"])
TEXT = st.one_of(st.text(max_size=30), ODD_URLS, NUMBERS, st.sampled_from(["&", "&amp;", "&x;", "]]>", "<![CDATA["]))


def _element(children):
    return st.tuples(TAGS, st.lists(children, max_size=4)).map(
        lambda tag_children: f"<{tag_children[0]}>" + "".join(tag_children[1]) + f"</{tag_children[0]}>")


XML = st.recursive(TEXT, _element, max_leaves=30)
DOCUMENTS = st.one_of(
    st.binary(max_size=2000),
    st.tuples(st.sampled_from(["", '<?xml version="1.0"?>', "<!DOCTYPE x [<!ENTITY a ']>'>]>", "\ufeff"]), XML,
              st.integers(min_value=0, max_value=2000))
    .map(lambda parts: (parts[0] + parts[1])[: parts[2] or None].encode("utf-8", "surrogatepass")),
    st.integers(min_value=1, max_value=3000).map(lambda depth: ("<url>" * depth).encode()),
)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
              st.integers(min_value=-(10**30), max_value=10**30), TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["@type", "@graph", "author", "name", "item", "itemListElement",
                                         "position", "headline", "image", "keywords", "url", "datePublished"]),
                        children, max_size=5),
    ),
    max_leaves=25,
)
JSONLD_TEXT = st.one_of(
    JSON.map(json.dumps),
    st.integers(min_value=1, max_value=5000).map(lambda depth: "[" * depth + "]" * depth),
    st.text(max_size=200),
)

# -- Targets ----------------------------------------------------------------------------------


@FUZZ
@given(DOCUMENTS)
def test_sitemaps_and_feeds_never_raise(body):
    kind, links = discovery.parse_sitemap(body)
    assert kind in ("index", "urlset") and all(isinstance(link.url, str) for link in links)
    assert all(isinstance(link.url, str) for link in discovery.parse_feed(body))


@FUZZ
@given(st.text(max_size=2000), ODD_URLS)
def test_robots_and_listings_never_raise(text, base):
    assert all(isinstance(url, str) for url in discovery.sitemaps_in_robots(text))
    listing = discovery.parse_listing(text, base, MORE)
    assert listing.more_start is None or 0 <= listing.more_start < 10**6


@FUZZ
@given(st.lists(st.tuples(ODD_URLS, NUMBERS, NUMBERS), max_size=5))
def test_listing_links_and_pager_numbers_never_raise(entries):
    html = "".join(f'<a href="{href}">x</a><div y-use="More" data-url="{href}" data-start="{start}"'
                   f' data-step="{step}"></div>' for href, start, step in entries)
    listing = discovery.parse_listing(html, "http://127.0.0.1:8800/news", MORE)
    assert listing.more_step is None or 0 <= listing.more_step < 10**6


@FUZZ
@given(st.lists(JSONLD_TEXT, max_size=3))
def test_json_ld_never_raises(blocks):
    scripts = "".join(f'<script type="application/ld+json">{block}</script>' for block in blocks)
    objects = md.read_jsonld(Selector(text=f"<html><head>{scripts}</head></html>"))
    article = md.article_jsonld(objects)
    md.breadcrumb(objects), md.section_from_breadcrumb(objects, {})
    assert all(isinstance(name, str) for name in md.jsonld_authors(article) + md.jsonld_keywords(article))
    assert isinstance(md.jsonld_image(article), str)


@FUZZ
@given(st.one_of(TEXT, st.none(), JSON))
def test_dates_never_raise(value):
    assert md.iso_datetime(value) is None or isinstance(md.iso_datetime(value), str)


@FUZZ
@given(st.one_of(st.binary(max_size=3000), st.text(max_size=3000)), st.one_of(st.none(), ODD_URLS))
def test_extraction_of_anything_raises_only_extraction_error(html, url):
    try:
        extract(html, url)
    except ExtractionError:
        pass


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["canonical", "jsonld", "base", "pager"]), st.one_of(ODD_URLS, JSONLD_TEXT)),
                max_size=4))
def test_extraction_of_a_real_page_with_hostile_parts_raises_only_extraction_error(parts):
    snippets = {
        "canonical": '<link rel="canonical" href="{}">', "base": '<base href="{}">',
        "jsonld": '<script type="application/ld+json">{}</script>', "pager": '<meta property="og:url" content="{}">',
    }
    head = "".join(snippets[kind].format(value.replace('"', "&quot;")) for kind, value in parts)
    try:
        record = extract(ARTICLE.replace("</head>", head + "</head>", 1), ARTICLE_URL)
    except ExtractionError:
        return
    assert Frontier.of(SITES["moscowtimes"], ARTICLE_URL).refusal(record["url"]) is None


@FUZZ
@given(st.one_of(NUMBERS, st.text(max_size=60), st.binary(max_size=60),
                 st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"))))
def test_retry_after_is_none_or_a_wait_within_the_cap(value):
    wait = retry_after(value, datetime(2025, 6, 20, 12, tzinfo=timezone.utc), 604800.0)
    assert wait is None or (0.0 <= wait <= 604800.0 and not math.isnan(wait))


@FUZZ
@given(ODD_URLS, ODD_URLS)
def test_the_frontier_answers_every_url(url, base):
    frontier = Frontier.of(SITES["moscowtimes"], "http://127.0.0.1:8800")
    absolute, reason = frontier.resolve(url, base)
    assert reason in REASONS and (absolute is None) is (reason is not None)
    assert frontier.refusal(absolute) is None if absolute else True
    assert isinstance(redact(url), str)


@FUZZ
@given(DOCUMENTS)
def test_doctype_search_never_raises(body):
    span = doctype_span(body)
    assert span is None or 0 <= span[0] < span[1] <= len(body)
