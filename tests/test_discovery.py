"""Discovery documents parse into links, on the replica's files and on broken input."""

import pytest

from crawler import discovery
from tests.conftest import SITE


def read(path: str) -> bytes:
    return (SITE / path).read_bytes()


def test_robots_names_the_sitemap_index():
    text = read("www/robots.txt").decode()
    assert discovery.sitemaps_in_robots(text) == ["{{static}}/sitemap/sitemap.xml"]


def test_sitemap_index_lists_month_files_with_lastmod():
    kind, links = discovery.parse_sitemap(read("static/sitemap/sitemap.xml"))
    assert kind == "index"
    assert links[0].url.endswith("/sitemap/2024-6.xml")
    assert links[0].modified == "2024-06-20T12:00:00+03:00"


def test_month_file_lists_article_urls():
    kind, links = discovery.parse_sitemap(read("static/sitemap/2024-6.xml"))
    assert kind == "urlset"
    assert links and all("-a" in link.url for link in links)


def test_malformed_news_sitemap_keeps_every_entry_and_its_publication_date():
    body = read("static/sitemap/news.xml")
    assert b"Oil & Gas" in body  # the unescaped "&" that makes it invalid XML
    kind, links = discovery.parse_sitemap(body)
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
    listing = discovery.parse_listing(read("www/news/index.html").decode(), "http://h/news", "[y-use=More]")
    assert listing.more_url == "{{www}}/news/{{offset}}"
    assert (listing.more_start, listing.more_step) == (19, 18)
    assert discovery.listing_page_url(listing.more_url, 37) == "{{www}}/news/37"


def test_listing_fragment_and_the_empty_page_past_the_end():
    fragment = '<div class="col-4"><a href="/2024/06/01/x-a5">X</a></div>'
    assert discovery.parse_listing(fragment, "http://h/news/19", "[y-use=More]").links == [
        "http://h/2024/06/01/x-a5"
    ]
    assert discovery.parse_listing("\n", "http://h/news/999", "[y-use=More]").links == []


def test_an_image_sitemap_gives_the_page_not_its_image():
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
      <url><loc>http://h/2025/06/19/story/</loc><lastmod>2025-06-19T10:00:00+00:00</lastmod>
      <image:image><image:loc>http://h/wp-content/uploads/photo.jpg</image:loc></image:image></url></urlset>"""
    assert [link.url for link in discovery.parse_sitemap(body)[1]] == ["http://h/2025/06/19/story/"]
