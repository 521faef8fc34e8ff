"""Discovery documents parse into links, on the replica's files and on broken input."""

import json

import pytest
from parsel import Selector

from crawler import discovery
from crawler.metadata import read_jsonld
from crawler.site_rules.generic import GenericSite, page_verdict
from crawler.site_rules.moscowtimes import MoscowTimes
from tests.conftest import SITE

MORE = MoscowTimes.listing_more


def read(path: str) -> bytes:
    return (SITE / path).read_bytes()


def parse_sitemap(body: bytes) -> tuple[str, list[discovery.Link]]:
    """The sitemap's kind and its links, all read."""
    kind, links = discovery.parse_sitemap(body)
    return kind, list(links)


def test_robots_names_the_sitemap_index():
    text = read("www/robots.txt").decode()
    assert discovery.sitemaps_in_robots(text) == ["{{static}}/sitemap/sitemap.xml"]


def test_sitemap_index_lists_month_files_with_lastmod():
    kind, links = parse_sitemap(read("static/sitemap/sitemap.xml"))
    assert kind == "index"
    assert links[0].url.endswith("/sitemap/2024-6.xml")
    assert links[0].modified == "2024-06-20T12:00:00+03:00"


def test_month_file_lists_article_urls():
    kind, links = parse_sitemap(read("static/sitemap/2024-6.xml"))
    assert kind == "urlset"
    assert links and all("-a" in link.url for link in links)


def test_malformed_news_sitemap_keeps_every_entry_and_its_publication_date():
    body = read("static/sitemap/news.xml")
    assert b"Oil & Gas" in body  # the unescaped "&" that makes it invalid XML
    kind, links = parse_sitemap(body)
    assert len(links) == body.count(b"<loc>")
    oil = next(link for link in links if "oil-and-gas" in link.url)
    assert oil.published == "2024-06-11T14:20:00+03:00"
    assert oil.title == "Oil & Gas Revenues Slide as Discounts on Russian Crude Widen"


@pytest.mark.parametrize(
    "body",
    [b"", b"not xml at all", b"<urlset><url><loc>http://a/x</loc>", b"\x1f\x8b\x08garbage"],
)
def test_broken_sitemaps_give_what_they_can_without_raising(body):
    kind, links = discovery.parse_sitemap(body)
    assert kind == "urlset"
    assert all(link.url == "http://a/x" for link in links)


def test_entities_are_never_expanded():
    body = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<urlset><url><loc>http://a/&x;&b;</loc></url></urlset>"""
    _, links = discovery.parse_sitemap(body)
    assert all("root:" not in link.url and "aaaaaaaaaa" not in link.url for link in links)


def test_rss_all_items_with_rfc2822_dates_as_iso():
    links = discovery.parse_feed(read("www/rss/all"))
    assert len(links) > 10
    assert links[0].published == "2024-06-17T19:20:00+03:00"


def test_yandex_feed_declaring_the_wrong_charset_still_parses():
    assert discovery.parse_feed(read("www/rss/yandex-news"))


def test_atom_feed():
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>T</title>
<link href="http://a/2024/01/02/x-a1"/><published>2024-01-02T10:00:00+03:00</published></entry></feed>"""
    assert discovery.parse_feed(body) == [
        discovery.Link("http://a/2024/01/02/x-a1", published="2024-01-02T10:00:00+03:00", title="T")
    ]


def test_section_page_has_links_and_a_load_more_button():
    listing = discovery.parse_listing(read("www/news/index.html").decode(), "http://h/news", MORE)
    assert listing.more_url == "{{www}}/news/{{offset}}"
    assert (listing.more_start, listing.more_step) == (19, 18)
    assert MORE.page_url(listing.more_url, 37) == "{{www}}/news/37"


def test_a_pager_is_what_its_site_declares():
    pager = discovery.Pager("button.more", url="data-next", start="data-offset", step="data-per-page", placeholder="{n}")
    html = '<a href="/a">A</a><button class="more" data-next="/latest?from={n}" data-offset="10" data-per-page="10">'
    listing = discovery.parse_listing(html, "http://h/latest", pager)
    assert (listing.links, listing.more_url, listing.more_start, listing.more_step) == (
        ["http://h/a"], "/latest?from={n}", 10, 10)
    assert pager.page_url(listing.more_url, 20) == "/latest?from=20"
    assert discovery.parse_listing(html, "http://h/latest", None).more_url is None  # a site without a pager


def test_listing_fragment_and_the_empty_page_past_the_end():
    fragment = '<div class="col-4"><a href="/2024/06/01/x-a5">X</a></div>'
    assert discovery.parse_listing(fragment, "http://h/news/19", MORE).links == [
        "http://h/2024/06/01/x-a5"
    ]
    assert discovery.parse_listing("\n", "http://h/news/999", MORE).links == []


def test_an_image_sitemap_gives_the_page_not_its_image():
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
      <url><loc>http://h/2025/06/19/story/</loc><lastmod>2025-06-19T10:00:00+00:00</lastmod>
      <image:image><image:loc>http://h/wp-content/uploads/photo.jpg</image:loc></image:image></url></urlset>"""
    assert [link.url for link in discovery.parse_sitemap(body)[1]] == ["http://h/2025/06/19/story/"]


# -- A site without rules: which pages are articles (crawler.site_rules.generic) ------------------

TEXT = "A sentence of the story that goes on for long enough to be prose. " * 2
PROSE = f"<p>{TEXT}</p>"


def page(head: str = "", body: str = "") -> Selector:
    return Selector(text=f"<html><head>{head}</head><body>{body}</body></html>")


def jsonld(*types: str) -> str:
    graph = [{"@type": name} for name in types]
    return f'<script type="application/ld+json">{json.dumps({"@graph": graph})}</script>'


SIGNED_TECH_ARTICLE = ('<script type="application/ld+json">'
                       '{"@type": "TechArticle", "author": {"name": "Ana Ruiz"}}</script>')


@pytest.mark.parametrize("head, body, url, verdict", [
    (jsonld("NewsArticle", "Person"), "", "/news/1", None),  # structured data says article
    (jsonld("BlogPosting"), PROSE, "/posts/x/", None),
    (jsonld("WebPage", "Person", "ImageObject"), PROSE * 3, "/2024/11/14/x/", None),  # an author is no author page
    (jsonld("ProfilePage"), PROSE * 3, "/people/jane/", "author"),
    (jsonld("CollectionPage"), PROSE * 3, "/world/", "listing"),
    (jsonld("Product"), PROSE * 3, "/p/1", "product"),
    (jsonld("DiscussionForumPosting"), PROSE * 3, "/t/question/7", "forum"),  # an Article subtype, no article
    (jsonld("TechArticle", "Article"), PROSE * 3, "/guide", "documentation"),
    (SIGNED_TECH_ARTICLE, PROSE * 3, "/guide", None),  # a blog's post, signed
    (SIGNED_TECH_ARTICLE, PROSE * 3, "/docs/guide", "documentation"),
    (jsonld("Service"), PROSE * 3, "/legal-aid/", "service"),
    ('<meta property="og:type" content="product">', PROSE * 3, "/x", "product"),
    ('<meta property="og:type" content="profile">', PROSE * 3, "/x", "author"),
    ('<meta property="og:type" content="article">', PROSE * 3, "/about/", "service"),  # Yoast's pages say article
    ("", PROSE * 3, "/category/world/", "category"),
    ("", PROSE * 3, "/tag/elections/", "tag"),
    ("", PROSE * 3, "/docs/api/rate-limits", "documentation"),
    ("", PROSE * 3, "/staff/jane-doe/", "author"),
    ("", PROSE * 3, "/collections/rain-jackets", "product"),  # a shop's
    ("", PROSE * 3, "/questions/812/why-is-the-sky-blue", "forum"),
    ("", PROSE * 3, "/kb/exporting-data", "documentation"),
    ("", PROSE * 3, "/impressum", "service"),
    ("", PROSE * 3, "/cookie-policy/", "service"),
    ("", PROSE * 3, "/", "home"),
    ("", PROSE * 3, "/news/page/2/", "listing"),
    ('<meta property="og:type" content="article">', "<p>Short.</p>", "/news/x", None),
    ("", PROSE * 3, "/science/how-much-is-pet-insurance", None),  # a story, nothing else said
    ("", PROSE * 3, "/sections/health/2022/11/09/1135211525/x", None),  # a dated path under a section
    ("", PROSE * 3, "/2024/01/05/search-goes-on-for-missing-hikers/", None),  # not the search page
    ("", "".join(f"<div>{PROSE}</div>" for _ in range(3)), "/x", None),  # paragraphs in wrappers
    ("", "".join(f"<section><div><h2>Step</h2>{PROSE}</div></section>" for _ in range(3)), "/x", None),  # modules
    ("", "".join(f"<div><div>{PROSE}</div></div>" for _ in range(3)), "/x", None),  # wrappers in wrappers
    ("", "".join(f'<div><a id="p{i}"></a>{PROSE}</div>' for i in range(3)), "/x", None),  # an anchor, no link
    ("", f"<article><h1>T</h1><div>{PROSE}</div><section><h2>Next</h2>{PROSE}</section></article>", "/x", None),
    ("", f"<article>{PROSE}</article><article>{PROSE}</article>", "/x", "not-article"),  # two compositions
    ("", "<ul>" + f"<li>{TEXT}</li>" * 3 + "</ul>", "/x", None),  # tips in a list
    ("", "<ul>" + f'<li><a href="/s">{TEXT}</a></li>' * 5 + "</ul>", "/x", "not-article"),  # headlines
    ("", "<ul>" + f"<li><b>Jane</b> {PROSE}</li>" * 5 + "</ul>", "/x", "not-article"),  # reviews by their authors
    ("", f"<article>{PROSE}</article>", "/x", "not-article"),  # one paragraph
    ("", "<article>" + f'<div><h2><a href="/s">T</a></h2>{PROSE}</div>' * 2 + "</article>", "/x", "not-article"),
    # teasers: a linked title, a linked card, a date beside the excerpt
    ("", "".join(f'<article><h2><a href="/s">T</a></h2>{PROSE}</article>' for _ in range(5)), "/x", "not-article"),
    ("", "".join(f'<a href="/s"><article><h2>T</h2>{PROSE}</article></a>' for _ in range(5)), "/x", "not-article"),
    ("", "".join(f"<article><time>May 1</time>{PROSE}</article>" for _ in range(5)), "/x", "not-article"),
    ('<meta property="og:type" content="website">', "<p>Contact us.</p>", "/x", "not-article"),
])
def test_a_page_says_whether_it_is_an_article(head, body, url, verdict):
    sel = page(head, body)
    assert page_verdict(sel, read_jsonld(sel), "https://example.org" + url) == verdict


@pytest.mark.parametrize("path, kind", [
    ("/sections/health-shots/", "category"),
    ("/sections/health-shots/2022/11/09/1135211525/anxiety-medication", None),  # NPR's articles
    ("/story/opinion/contributors/", "author"),
    ("/story/opinion/contributors/2025/12/19/meditation-health/87830855007/", None),
    ("/2024/01/05/search-goes-on-for-missing-hikers/", None),
    ("/search/", "service"),
    ("/world/2024/jan/05/support-grows-for-the-strike", None),  # a headline's slug
    ("/terms-and-conditions/", "service"),  # a page's name
])
def test_a_link_is_skipped_unfetched_only_where_its_path_names_no_article(path, kind):
    assert GenericSite.skip_kind("https://example.org" + path) == kind


def test_feeds_a_page_announces():
    html = ('<head><link rel="alternate" type="application/rss+xml" href="/feed/">'
            '<link rel="alternate" type="application/atom+xml" href="https://example.org/atom.xml">'
            '<link rel="alternate" hreflang="de" href="/de/"><link rel="stylesheet" href="/s.css"></head>')
    assert discovery.feeds_in_page(html, "https://example.org/") == [
        "https://example.org/feed/", "https://example.org/atom.xml"]
