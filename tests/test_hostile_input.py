"""Input made to break the crawler: every case ends in a clear error, a skip or a budget, never a crash."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler import discovery, incremental
from crawler.extensions import FailureLog, rebuild_request, retry_request
from crawler.extract import ExtractionError, ExtractionTimeout, cpu_time_limit, extract, extract_or_error
from crawler.middlewares import MAX_ATTRIBUTES, ContentGuardMiddleware, doctype_span
from crawler.storage import article_row, open_db, take_rechecks
from spiders.news import MAX_SITEMAP_DEPTH, SITE_SPIDERS

MoscowTimesSpider = SITE_SPIDERS["moscowtimes"]
from tests.conftest import SITE
from tests.storing import crawler_with_writer, store_article

ARTICLE = SITE / "www" / "2024/06/17/moscow-heat-wave-breaks-100-year-old-temperature-record-a89101"
ARTICLE_URL = "https://www.themoscowtimes.com/2024/06/17/moscow-heat-wave-breaks-100-year-old-temperature-record-a89101"
MORE = MoscowTimesSpider.rules.listing_more
LIVE_BLOG_PATH = "/2024/06/06/live-day-two-of-the-st-petersburg-international-economic-forum-a88620"


# -- Discovery: one bad link or number loses nothing else ---------------------------------


def test_a_link_that_is_no_url_loses_nothing_else_of_a_listing():
    html = ('<a href="http://[x">bad</a><a href="/2024/06/01/x-a5">X</a><a href="http://[::1">odd</a>'
            '<div y-use="More" data-url="/news/{{offset}}" data-start="19" data-step="18"></div>')
    listing = discovery.parse_listing(html, "http://h/news", MORE)
    assert "http://h/2024/06/01/x-a5" in listing.links
    assert (listing.more_start, listing.more_step) == (19, 18)


@pytest.mark.parametrize("start", ["²", "٣", "1" * 5000, "-1", "1e3", " ", "0x10"])
def test_a_pager_offset_that_is_no_small_number_stops_the_paging(start):
    html = f'<div y-use="More" data-url="/news/{{{{offset}}}}" data-start="{start}" data-step="{start}"></div>'
    listing = discovery.parse_listing(html, "http://h/news", MORE)
    assert (listing.more_start, listing.more_step) == (None, None)


def test_a_sitemap_keeps_every_entry_around_one_that_is_no_url():
    body = b"<urlset><url><loc>http://a/x-a1</loc></url><url><loc>http://[x</loc></url><url><loc>http://a/x-a2</loc></url></urlset>"
    assert [link.url for link in discovery.parse_sitemap(body)[1]] == ["http://a/x-a1", "http://[x", "http://a/x-a2"]


def test_a_feed_date_past_any_calendar_loses_nothing_else():
    body = (b"<rss><channel><item><link>http://a/1</link></item><item><link>http://a/2</link>"
            b"<pubDate>Mon, 01 Jan 2024 99999999999999999999:00:00 +0000</pubDate></item></channel></rss>")
    assert [(link.url, link.published) for link in discovery.parse_feed(body)] == [("http://a/1", None), ("http://a/2", None)]


def test_a_date_offset_in_seconds_is_written_as_a_moment_sqlite_reads():
    body = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="http://a/1"/>'
            b"<published>2024-01-01T10:00:30+01:00:30</published><updated>2024-01-01T10:00:00+01:00</updated>"
            b"</entry></feed>")
    [link] = discovery.parse_feed(body)
    assert (link.published, link.modified) == ("2024-01-01T09:00:00+00:00", "2024-01-01T10:00:00+01:00")
    julianday = sqlite3.connect(":memory:").execute("select julianday(?) - julianday('2024-01-01T09:00:00Z')", [link.published])
    assert julianday.fetchone() == (0.0,)


# Offsets of seconds at datetime's ends: the same moment in UTC falls outside its years.
UNREPRESENTABLE_DATES = ["0001-01-01T00:00:00+00:00:30", "9999-12-31T23:59:59-00:00:30"]


@pytest.mark.parametrize("date", UNREPRESENTABLE_DATES)
def test_a_sitemap_date_past_datetime_loses_nothing_else(date):
    body = (f"<urlset><url><loc>http://a/1</loc><lastmod>2024-01-01T10:00:00+00:00</lastmod></url>"
            f"<url><loc>http://a/2</loc><lastmod>{date}</lastmod></url>"
            f"<url><loc>http://a/3</loc><lastmod>2024-01-03T10:00:00+00:00</lastmod></url></urlset>").encode()
    assert [(link.url, link.modified) for link in discovery.parse_sitemap(body)[1]] == [
        ("http://a/1", "2024-01-01T10:00:00+00:00"), ("http://a/2", None), ("http://a/3", "2024-01-03T10:00:00+00:00")]


@pytest.mark.parametrize("date", UNREPRESENTABLE_DATES)
def test_a_feed_date_past_datetime_loses_nothing_else(date):
    body = (f"<rss><channel><item><link>http://a/1</link><pubDate>{date}</pubDate></item>"
            f"<item><link>http://a/2</link><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate></item>"
            f"</channel></rss>").encode()
    assert [(link.url, link.published) for link in discovery.parse_feed(body)] == [
        ("http://a/1", None), ("http://a/2", "2024-01-01T10:00:00+00:00")]


def test_an_item_inside_an_item_is_part_of_it():
    # read once with the item around it: reading each of many nested items whole takes the square of the time
    body = b"<rss><channel>" + b"<item>" * 200 + b"<link>http://a/x</link>" + b"</item>" * 200 + b"</channel></rss>"
    assert [link.url for link in discovery.parse_feed(body)] == ["http://a/x"]


def test_a_sitemap_of_ampersands_is_read_as_far_as_it_parses_in_bounded_memory():
    # more bare "&" than any sitemap holds: left to the parser's recovery, not escaped one by one
    # (re.sub holds about a hundred bytes per match at once: some 50 MB for these)
    body = (b"<urlset><url><loc>http://a/x-a1</loc></url><url><loc>"
            + b"&" * (discovery.ESCAPE_MAX_AMPERSANDS + 1) + b"</loc></url></urlset>")
    tracemalloc.start()
    try:
        urls = [link.url for link in discovery.parse_sitemap(body)[1]]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert urls[:1] == ["http://a/x-a1"] and peak < 10 * len(body)


def test_a_feed_text_of_angle_brackets_is_no_markup():
    link = discovery.Link("http://a/x", text="<" * 50_000 + "price < cost <b>again</b>")
    assert incremental.link_signal(link) == incremental.link_signal(discovery.Link("http://a/x", text="price < cost again"))


def test_a_pager_that_shows_nothing_new_stops():
    crawler = get_crawler(MoscowTimesSpider, {"DATABASE_PATH": "unused.db"})
    spider = MoscowTimesSpider.from_crawler(crawler, base_url="http://127.0.0.1:8800", since="2024-01-01")
    links = [discovery.Link("http://127.0.0.1:8800/2024/06/17/x-a1")]

    async def next_page(offset):
        return [r async for r in spider.next_listing_page(spider.sites[0], "/news/{{offset}}", offset, 18, links)]

    assert [r.url for r in asyncio.run(next_page(18))] == ["http://127.0.0.1:8800/news/18"]
    assert asyncio.run(next_page(36)) == []  # the same links at the next offset: the pager ignores it
    assert crawler.stats.get_value("discovery/listing-repeated") == 1


def test_sitemap_indexes_nested_past_the_bound_are_not_followed():
    crawler = get_crawler(MoscowTimesSpider, {"DATABASE_PATH": "unused.db"})
    spider = MoscowTimesSpider.from_crawler(crawler, base_url="http://127.0.0.1:8800")
    body = b"<sitemapindex><sitemap><loc>http://127.0.0.1:8800/sitemap.xml?n=4</loc></sitemap></sitemapindex>"
    request = scrapy.Request("http://127.0.0.1:8800/sitemap.xml?n=3",
                             meta={"site": "moscowtimes", "sitemap_depth": MAX_SITEMAP_DEPTH})

    async def followed():
        return [r async for r in spider.parse_sitemap(XmlResponse(request.url, body=body, request=request))]

    assert asyncio.run(followed()) == []
    assert crawler.stats.get_value("discovery/sitemap-too-deep") == 1


def test_a_run_requests_at_most_max_sitemaps_of_a_site_the_newest_first(tmp_path):
    crawler, writer = crawler_with_writer(MoscowTimesSpider, {"DATABASE_PATH": str(tmp_path / "articles.db"),
                                                              "MAX_SITEMAPS": 3})
    spider = MoscowTimesSpider.from_crawler(crawler, base_url="http://127.0.0.1:8800", since="2023-01-01")
    spider.state = incremental.CrawlState(writer)
    body = ("<sitemapindex>" + "".join(f"<sitemap><loc>http://127.0.0.1:8800/sitemap/2023-{month}.xml</loc></sitemap>"
                                       for month in range(1, 13)) + "</sitemapindex>").encode()
    request = scrapy.Request("http://127.0.0.1:8800/sitemap/sitemap.xml", meta={"site": "moscowtimes"})

    async def followed():
        return [r.url async for r in spider.parse_sitemap(XmlResponse(request.url, body=body, request=request))]

    assert asyncio.run(followed()) == [f"http://127.0.0.1:8800/sitemap/2023-{month}.xml" for month in (12, 11, 10)]
    assert crawler.stats.get_value("discovery/sitemap-capped") == 9
    writer.close()


def test_a_sitemap_is_read_in_memory_that_does_not_grow_with_its_links(tmp_path):
    # each link a Link and a Sighting: a list of a sitemap's 150,000 took some 75 MB, its tree as much
    def read_sitemap(links: int) -> int:
        """Peak traced memory while the spider reads and records a sitemap of ``links`` article links."""
        crawler, writer = crawler_with_writer(MoscowTimesSpider, {"DATABASE_PATH": str(tmp_path / f"{links}.db")})
        spider = MoscowTimesSpider.from_crawler(crawler, base_url="http://127.0.0.1:8800")
        spider.state = incremental.CrawlState(writer)
        body = ("<urlset>" + "".join(f"<url><loc>http://127.0.0.1:8800/2024/06/17/story-a{n}</loc></url>"
                                     for n in range(links)) + "</urlset>").encode()
        request = scrapy.Request("http://127.0.0.1:8800/sitemap/2024-6.xml", meta={"site": "moscowtimes", "record": True})
        response = XmlResponse(request.url, body=body, request=request, headers={"ETag": '"v1"'})

        async def read():
            return [r async for r in spider.parse_sitemap(response)]

        tracemalloc.start()
        try:
            asyncio.run(read())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        writer.close()
        db = open_db(tmp_path / f"{links}.db")
        assert db["article_links"].count == links == crawler.stats.get_value("discovery/sitemap")
        assert [row["etag"] for row in db["discovery_documents"].rows] == ['"v1"']  # recorded with the last links
        return peak

    assert read_sitemap(30_000) < 1.5 * read_sitemap(10_000)


def test_live_posts_nested_past_what_json_parses_drop_the_live_blog(tmp_path):
    crawler, writer = crawler_with_writer(MoscowTimesSpider, {"DATABASE_PATH": str(tmp_path / "articles.db")})
    spider = MoscowTimesSpider.from_crawler(crawler)
    spider.state = incremental.CrawlState(writer)
    page_url = "https://www.themoscowtimes.com" + LIVE_BLOG_PATH
    page = HtmlResponse(page_url, body=b"<html></html>", request=scrapy.Request(page_url))
    request = scrapy.Request("https://www.themoscowtimes.com/live/88620/0", meta={"site": "moscowtimes"})
    assert list(spider.parse_live_posts(TextResponse(request.url, body=b"[" * 100_000, request=request), page)) == []
    assert crawler.stats.get_value("articles/drop/bad-live-posts") == 1
    writer.close()


def test_the_spider_skips_links_that_are_no_urls_and_follows_the_rest():
    crawler = get_crawler(MoscowTimesSpider, {"DATABASE_PATH": "unused.db"})
    spider = MoscowTimesSpider.from_crawler(crawler, base_url="http://127.0.0.1:8800")
    site = spider.sites[0]
    assert spider.admit("http://[x", site.base_url, site) is None
    assert spider.admit("/2024/06/17/x-a1", site.base_url, site) == "http://127.0.0.1:8800/2024/06/17/x-a1"
    assert crawler.stats.get_value("frontier/refused/invalid-url") == 1


# -- Metadata: JSON-LD that is valid JSON and nothing a page should say -----------------------


@pytest.mark.parametrize("jsonld", [
    '{"@type": {}}',
    '{"@type": [[], {"x": 1}, "NewsArticle"], "author": {"name": {"x": 1}}, "headline": ["x"]}',
    "[" * 100_000 + "]" * 100_000,
    '{"@graph": ' * 5000 + "{}" + "}" * 5000,
    '{"@type": "BreadcrumbList", "itemListElement": [{"position": 1e999, "name": "a"}, {"position": NaN}]}',
    '{"@type": "NewsArticle", "image": [[[]]], "keywords": [{}, 1, null], "inLanguage": {"x": 1}}',
    '{"@type": "BreadcrumbList", "itemListElement": [' + '{"item": ' * 5000 + "{}" + "}" * 5000 + "]}",
])
def test_hostile_json_ld_never_breaks_extraction(jsonld):
    html = ARTICLE.read_text().replace("</head>", f'<script type="application/ld+json">{jsonld}</script></head>', 1)
    record = extract(html, ARTICLE_URL)
    assert record["title"] and record["body"]


@pytest.mark.parametrize("date", UNREPRESENTABLE_DATES)
def test_a_page_date_past_datetime_is_none_and_the_article_is_read(date):
    html = ARTICLE.read_text()
    meta = '<meta property="article:published_time" content="2024-06-17T19:20:00+03:00" />'
    assert meta in html and '"datePublished":"2024-06-17T19:20:00+03:00"' in html
    record = extract(html.replace(meta, meta.replace("2024-06-17T19:20:00+03:00", date)), ARTICLE_URL)
    assert record["published"] == "2024-06-17T19:20:00+03:00"  # from the JSON-LD
    record = extract(html.replace("2024-06-17T19:20:00+03:00", date), ARTICLE_URL)  # meta and JSON-LD, both dates
    assert (record["published"], record["modified"]) == (None, None)
    assert record["title"] == "Moscow Heat Wave Breaks 100-Year-Old Temperature Record" and record["body"]


def test_a_breadcrumb_link_that_is_no_url_still_names_the_section():
    crumbs = ('{"@type": "BreadcrumbList", "itemListElement": [{"position": 1, "name": "Home", "item": "https://x/"},'
              ' {"position": 2, "name": "World", "item": "http://[x"}]}')
    story = "<p>The council said on Tuesday that the bridge would open next spring, three years late.</p>" * 4
    html = (f'<html><head><title>Bridge</title><script type="application/ld+json">{crumbs}</script></head>'
            f"<body><article><h1>Bridge</h1>{story}</article></body></html>")
    assert extract(html, "https://news.example/2024/06/17/bridge")["section"] == "World"


# -- One guard around extraction -------------------------------------------------------------


def test_an_exception_no_rule_foresaw_is_a_failed_page_with_a_reason():
    live_blog = SITE / "www" / LIVE_BLOG_PATH.lstrip("/")
    record = extract_or_error(live_blog.read_bytes(), "https://www.themoscowtimes.com" + LIVE_BLOG_PATH,
                              live_posts=[1, 2])  # posts that are no objects
    assert record["error"] == "attribute-error" and "AttributeError" in record["detail"]


def test_extraction_stops_at_its_cpu_limit():
    with pytest.raises(ExtractionTimeout), cpu_time_limit(0.05):
        while True:  # never ends: only the limit can stop it
            pass


def test_a_page_past_its_cpu_limit_fails_as_extract_timeout():
    # Thousands of paragraphs: far more than one tick of the CPU timer to extract on any machine.
    paragraphs = "".join(f"<p>Paragraph {n} of a story that goes on, sentence after sentence.</p>" for n in range(5000))
    block = '<div data-id="article-block-type"'
    html = ARTICLE.read_text().replace(block, paragraphs + block, 1)
    assert paragraphs in html
    record = extract_or_error(html, ARTICLE_URL, cpu_limit=0.001)
    assert record["error"] == "extract-timeout"


def test_a_body_longer_than_the_cap_is_refused():
    with pytest.raises(ExtractionError) as refused:
        extract(ARTICLE.read_bytes(), ARTICLE_URL, max_body=100)
    assert refused.value.reason == "body-too-long"
    assert extract(ARTICLE.read_bytes(), ARTICLE_URL, max_body=100_000)["body"]


def test_article_requests_carry_the_article_size_limit_into_their_retries():
    crawler = get_crawler(MoscowTimesSpider, {"DATABASE_PATH": "unused.db", "ARTICLE_MAXSIZE": 1000,
                                              "DOWNLOAD_MAXSIZE": 5000})
    spider = MoscowTimesSpider.from_crawler(crawler, base_url="http://127.0.0.1:8800")
    request = spider.fetch(spider.sites[0], "1", "http://127.0.0.1:8800/2024/06/17/x-a1", "new")
    assert request.meta["download_maxsize"] == 1000
    again = rebuild_request(request.url, retry_request(request), spider)
    assert again.meta["download_maxsize"] == 1000 and again.callback == spider.parse_article


# -- DOCTYPE: dropped however it is written --------------------------------------------------

URLSET = b"<urlset><url><loc>http://a/x-a1</loc></url></urlset>"


@pytest.mark.parametrize("prolog", [
    b'<!DOCTYPE urlset [<!ENTITY a "]>">]>',  # "]" and ">" inside the internal subset
    b"<!DOCTYPE urlset [<!-- ]> --><!ENTITY a 'x'>]>",
    b'<!DOCTYPE urlset SYSTEM "http://a/b>c.dtd">',
    b"<?xml version='1.0'?>" + b"<!--" + b"x" * 100_000 + b"-->\n<!DOCTYPE urlset [<!ENTITY a 'b'>]>",
    b"\xef\xbb\xbf<!doctype urlset>",
])
def test_the_doctype_is_found_however_it_is_written(prolog):
    start, end = doctype_span(prolog + URLSET)
    assert (prolog + URLSET)[end:] == URLSET


@pytest.mark.parametrize("body", [URLSET, b"<rss><![CDATA[<!DOCTYPE html>]]></rss>", b"<!DOCTYPE urlset [ <!ENTITY a"])
def test_no_doctype_before_the_first_element_is_none(body):
    span = doctype_span(body)
    assert span is None or span == (0, len(body))  # an unterminated one runs to the end


@pytest.mark.parametrize("cls, content_type", [(XmlResponse, "text/xml"), (TextResponse, "text/plain")])
def test_the_doctype_of_a_sitemap_is_dropped_whatever_its_content_type(cls, content_type):
    crawler = get_crawler()
    guard = ContentGuardMiddleware.from_crawler(crawler)
    body = b'<!DOCTYPE urlset [<!ENTITY a "]">]>' + URLSET
    request = scrapy.Request("http://a/sitemap.xml")
    response = cls(request.url, body=body, headers={"Content-Type": content_type}, request=request)
    assert guard.process_response(request, response).body == URLSET
    assert crawler.stats.get_value("guard/doctype_dropped") == 1


def guarded_html(body: bytes):
    crawler = get_crawler()
    request = scrapy.Request("http://a/news")
    response = HtmlResponse(request.url, body=body, headers={"Content-Type": "text/html"}, request=request)
    return ContentGuardMiddleware.from_crawler(crawler).process_response(request, response), crawler.stats


def test_a_tag_of_more_attributes_than_any_element_needs_loses_them():
    # libxml2 compares each attribute with those before it: 100,000 hold the parser for minutes
    flood = b"<div " + b" ".join(b"a%d=x" % i for i in range(MAX_ATTRIBUTES + 1)) + b">"
    image = b'<img src="data:image/png;base64,' + b"A" * 50_000 + b'" alt="a chart">'  # long, with two
    response, stats = guarded_html(b"<html><body>" + flood + b"<p>Story</p></div>" + image + b"</body></html>")
    assert response.body == b"<html><body><div><p>Story</p></div>" + image + b"</body></html>"
    assert stats.get_value("guard/attributes_dropped") == 1


def test_a_script_that_reads_like_a_flood_of_attributes_is_left_alone():
    script = b"<script>if (a<b " + b" ".join(b"x%d=1;" % i for i in range(MAX_ATTRIBUTES + 1)) + b"</script>"
    body = b"<html><head>" + script + b"</head><body><p>Story</p></body></html>"
    response, stats = guarded_html(body)
    assert response.body == body and stats.get_value("guard/attributes_dropped") is None


# -- The re-check window ---------------------------------------------------------------------


def test_a_future_published_date_does_not_keep_an_article_in_the_recheck_window(tmp_path):
    db = open_db(tmp_path / "articles.db")
    record = extract(ARTICLE.read_bytes(), ARTICLE_URL)
    first_fetch = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
    future = dict(record, article_id="1", url=ARTICLE_URL + "1", published="2999-01-01T00:00:00+00:00")
    store_article(db, article_row(future), [], first_fetch.isoformat(timespec="seconds"))

    def rechecked(hours_later: int) -> list:
        now = (first_fetch + timedelta(hours=hours_later)).isoformat(timespec="seconds")
        return [reason for _, _, reason in take_rechecks(db, "moscowtimes", now, 48, 6)]

    assert rechecked(7) == ["recheck"]  # within the window of when it was first seen
    assert rechecked(24 * 30) == []  # and not for ever


def test_retry_requests_are_json():
    request = scrapy.Request("http://a/x", callback=MoscowTimesSpider.parse_article, meta={"download_maxsize": 7})
    assert json.loads(retry_request(request))["meta"] == {"download_maxsize": 7}


def test_an_error_in_start_has_no_page_to_record(tmp_path):
    "spider_error without a response (the spider's start() raised) is counted, not a crash of the ledger."
    crawler, writer = crawler_with_writer(MoscowTimesSpider, {"DATABASE_PATH": str(tmp_path / "articles.db")})
    crawler.spider = MoscowTimesSpider.from_crawler(crawler)
    log = FailureLog.from_crawler(crawler)
    log.writer = writer
    log.spider_error(Failure(ValueError("start failed")), None, crawler.spider)
    assert writer.submit(lambda db: db["failures"].count).result() == 0
    assert crawler.stats.get_value("failures/unrecorded") == 1
    writer.close()
