"""Any news site: the real `scrapy crawl news` against generated replicas of sites with no rules,
with rules of their own, and several sites in one run (tests/replicas, scored by tests.replicas.score)."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.site_rules import SITES, GenericSite, rules_for
from spiders.news import NewsSpider, Site
from tests.conftest import ROOT, SITE, run_news_crawl
from tests.replica_server import ReplicaServer
from tests import probes
from tests.replicas import prose
from tests.replicas.feedonly import NOW, SITEMAP_LOCATIONS, build_feed_site
from tests.replicas.mixed import build_mixed_site
from tests.replicas.score import score_crawl
from tests.replicas.wordpress import build_wordpress_site
from tests.replicas.writer import ReplicaWriter, json_ld
from tests.scoring import score_database
from tests.test_extract import QUOTING
from tests.test_frontier import stats
from tests.test_reextract import reextract

SINCE = ("-a", "since=2000-01-01")


def query(db_path: Path, sql: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql, params).fetchall()


def assert_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory):
    directory = build_wordpress_site(tmp_path_factory.mktemp("wordpress"), seed=0)
    with ReplicaServer(directory) as server:
        yield directory, server.base_url


# -- A site nobody wrote rules for, assembled from real article pages -------------------------


@pytest.fixture(scope="module")
def mixed_crawl(tmp_path_factory):
    directory = build_mixed_site(tmp_path_factory.mktemp("mixed"), seed=0)
    db_path = tmp_path_factory.mktemp("mixed-db") / "articles.db"
    with ReplicaServer(directory) as server:
        result = run_news_crawl(db_path, "-a", f"site={server.base_url}")
        report = score_crawl(db_path, directory, server.base_url)
    return {"result": result, "db_path": db_path, "report": report, "base_url": server.base_url}


def test_an_unknown_site_gives_its_articles_and_nothing_else(mixed_crawl):
    assert_ok(mixed_crawl["result"])
    report = mixed_crawl["report"]
    assert report["found"] / report["expected"] >= 0.95, report["missing"]
    assert report["non_articles_stored"] == []
    assert report["foreign_rows"] == []  # canonicals name the publishers' hosts: the fetched URL stands
    assert report["duplicates"] == []


def test_an_unknown_site_is_extracted_better_than_trafilatura(mixed_crawl):
    criteria = mixed_crawl["report"]["criteria"]
    assert criteria["body_f1"]["met"], criteria["body_f1"]  # trafilatura's best configuration + 0.01
    assert criteria["appeal_leak"]["met"] and criteria["without_leak"]["met"], criteria


def test_pages_that_are_no_articles_are_skipped_and_counted_never_failed(mixed_crawl):
    log = mixed_crawl["result"].stderr
    skipped = stats(log, "articles/skipped/")
    for kind in ("category", "author", "product", "forum", "service", "documentation"):
        assert skipped.get(f"articles/skipped/{kind}"), (kind, skipped)
    assert query(mixed_crawl["db_path"], "select count(*) from failures where reason like 'skipped%'") == [(0,)]


def test_articles_without_a_native_id_are_keyed_on_their_path_under_the_host(mixed_crawl):
    site = mixed_crawl["base_url"].removeprefix("http://")  # 127.0.0.1:PORT: the host, with its port
    rows = query(mixed_crawl["db_path"], "select site, article_id, url from articles")
    assert {row[0] for row in rows} == {site}
    assert all(url.endswith(article_id) and article_id.startswith("/") for _, article_id, url in rows)
    # Every link the crawl stored an article for is settled: a second run fetches nothing.
    assert query(mixed_crawl["db_path"], "select count(*) from article_links where due is not null") == [(0,)]
    runs = query(mixed_crawl["db_path"], "select site, status from crawl_runs")
    assert runs == [(site, "ok")]


# -- A WordPress site: generic, then with its rules -------------------------------------------


def test_a_wordpress_site_without_rules(wordpress, tmp_path):
    directory, base_url = wordpress
    result = run_news_crawl(tmp_path / "wp.db", "-a", f"site={base_url}")
    assert_ok(result)
    report = score_crawl(tmp_path / "wp.db", directory, base_url, baseline=False)
    assert report["missing"] == [] and report["non_articles_stored"] == [] and report["foreign_rows"] == []
    assert report["body_f1"] >= 0.99
    # Yoast's page, category, tag and author sitemaps are not read; its redirects to the index are followed once.
    assert stats(result.stderr, "discovery/sitemap-skipped") == {"discovery/sitemap-skipped": 4}


def test_a_wordpress_site_with_its_rules(wordpress, tmp_path):
    directory, base_url = wordpress
    db_path = tmp_path / "wp.db"
    result = run_news_crawl(db_path, "-a", f"site=harbourledger {base_url}")
    assert_ok(result)
    report = score_crawl(db_path, directory, base_url, baseline=False)
    assert report["missing"] == [] and report["non_articles_stored"] == [] and report["leaks"] == {}
    assert report["body_f1"] == 1.0
    truth = {json.loads(path.read_text())["url_path"]: json.loads(path.read_text())
             for path in (directory / "truth").glob("[0-9]*.json")}
    rows = query(db_path, "select site, article_id, url, title, authors, published, section from articles")
    for site, article_id, url, title, authors, published, section in rows:
        expected = truth[url.removeprefix(base_url)]
        assert (site, article_id) == ("harbourledger", str(expected["post_id"]))  # WordPress's own post id
        assert (title, json.loads(authors), published, section) == (
            expected["title"], expected["authors"], expected["published"], expected["section"])
    # Keyed on the post id, found by the permalink: storing settles the link, so a rerun fetches nothing.
    again = run_news_crawl(db_path, "-a", f"site=harbourledger {base_url}")
    assert_ok(again)
    assert stats(again.stderr, "articles/fetch/") == {}
    runs = query(db_path, "select new, updated, unchanged from crawl_runs order by id")
    assert runs == [(len(rows), 0, 0), (0, 0, 0)]


def test_since_skips_the_sitemaps_not_modified_since_and_the_articles_before(wordpress, tmp_path):
    directory, _ = wordpress
    log = tmp_path / "requests.jsonl"
    with ReplicaServer(directory, log_path=log) as server:
        result = run_news_crawl(tmp_path / "wp.db", "-a", f"site=harbourledger {server.base_url}",
                                "-a", "since=2025-05-01")
    assert_ok(result)
    requested = {json.loads(line)["path"] for line in log.read_text().splitlines()}
    # The index says post-sitemap.xml last changed in April: nothing in it is from May on.
    assert "/post-sitemap2.xml" in requested and "/post-sitemap.xml" not in requested
    articles = json.loads((directory / "truth/site.json").read_text())["articles"]
    expected = {path for path in articles if path[1:11].replace("/", "-") >= "2025-05-01"}  # the permalink's day
    stored = {url.removeprefix(server.base_url) for (url,) in query(tmp_path / "wp.db", "select url from articles")}
    assert stored == expected


def test_a_site_is_added_by_its_rules_file_alone():
    # crawler/site_rules/harbourledger.py is registered by being there: no list names it.
    assert SITES["harbourledger"].__module__ == "crawler.site_rules.harbourledger"
    assert rules_for("https://www.harbourledger.example/2025/06/19/x/") is SITES["harbourledger"]
    assert rules_for("https://elsewhere.example/") is GenericSite
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True)
    assert set(listed.stdout.split()) == {"news", *SITES}


def test_a_declared_sitemap_must_be_there_and_a_probed_one_may_be_missing():
    class Declared(GenericSite):
        sitemaps = ("/feeds/articles.xml",)  # where robots.txt does not say

    spider = NewsSpider.from_crawler(get_crawler(NewsSpider, {"DATABASE_PATH": "unused.db", "MAX_SITEMAPS": 10}),
                                     site="http://127.0.0.1:8800")
    site = Site("declared", Declared, "http://127.0.0.1:8800")

    async def first_requests():
        return {request.url: request.meta["handle_httpstatus_list"] async for request in spider.discovery_start(site)}

    statuses = asyncio.run(first_requests())
    assert 404 not in statuses["http://127.0.0.1:8800/feeds/articles.xml"]  # missing: a failure of the site
    assert 404 in statuses["http://127.0.0.1:8800/sitemap.xml"]  # missing: counted as absent


# -- A feed, and nothing else -----------------------------------------------------------------


def test_a_site_with_only_a_feed(tmp_path):
    directory = build_feed_site(tmp_path / "feedonly", seed=0)
    with ReplicaServer(directory) as server:
        result = run_news_crawl(tmp_path / "feed.db", "-a", f"site={server.base_url}")
        report = score_crawl(tmp_path / "feed.db", directory, server.base_url, baseline=False)
    assert_ok(result)
    assert report["missing"] == [] and report["non_articles_stored"] == [] and report["leaks"] == {}
    # Every common sitemap location answered 404: looked at, no failure.
    assert stats(result.stderr, "discovery/absent")["discovery/absent"] >= 5
    assert stats(result.stderr, "discovery/feed/documents") == {"discovery/feed/documents": 1}
    assert query(tmp_path / "feed.db", "select count(*) from failures") == [(0,)]


def test_a_site_with_neither_sitemap_nor_feed_is_read_from_its_home_page(tmp_path):
    directory = build_feed_site(tmp_path / "homeonly", seed=0)
    (directory / "www" / "atom.xml").unlink()
    home = directory / "www" / "index.html"
    home.write_text(re.sub(r'<link rel="alternate"[^>]*>', "", home.read_text()))
    with ReplicaServer(directory) as server:
        result = run_news_crawl(tmp_path / "home.db", "-a", f"site={server.base_url}")
        report = score_crawl(tmp_path / "home.db", directory, server.base_url, baseline=False)
    assert_ok(result)
    assert report["missing"] == [] and report["non_articles_stored"] == []
    assert stats(result.stderr, "discovery/home/documents") == {"discovery/home/documents": 1}
    assert stats(result.stderr, "articles/skipped/service") == {"articles/skipped/service": 1}  # /about/


# -- A page whose charset only its HTTP header declares ----------------------------------------


STORY = ("Residents said the repairs took two years longer than the city had planned for.",
         "Traffic now runs both ways, and pedestrians have a lit pavement with new railings.")


def build_header_charset_site(dest: Path, charset: str) -> Path:
    """A site with one article in ``charset``, declared by its Content-Type header alone (no ``<meta charset>``)."""
    writer = ReplicaWriter(dest, NOW.isoformat(), "headercharset")
    writer.page("/robots.txt", "User-agent: *\nSitemap: {{www}}/news.xml\n", "robots")
    writer.page("/news.xml", "<urlset><url><loc>{{www}}/2025/06/17/bridge/</loc></url></urlset>", "sitemap")
    title = "The bridge is open again"
    writer.page("/2025/06/17/bridge/", f"<!doctype html><html><head><title>{title}</title>" + json_ld(
        {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}) +
        f"</head><body><article><h1>{title}</h1>{QUOTING}{''.join(f'<p>{text}</p>' for text in STORY)}"
        "</article></body></html>", "article")
    page = dest / "www" / "2025" / "06" / "17" / "bridge" / "index.html"
    page.write_bytes(page.read_text("utf-8").encode(charset))
    writer.content_type(r"\.xml$", "application/xml")
    writer.content_type(r"^/2025/", f"text/html; charset={charset}")
    for path in SITEMAP_LOCATIONS:
        writer.missing(path)
    return writer.finish(seed=0, name="Header charset")


def test_a_charset_declared_by_the_header_alone_decodes_the_page_in_the_crawl_and_in_reextract(tmp_path):
    db_path = tmp_path / "articles.db"
    with ReplicaServer(build_header_charset_site(tmp_path / "site", "windows-1251")) as server:
        assert_ok(run_news_crawl(db_path, "-a", f"site={server.base_url}"))
    body = "\n\n".join([QUOTING.removeprefix("<p>").removesuffix("</p>"), *STORY])
    assert query(db_path, "select body from articles") == [(body,)]
    assert query(db_path, "select charset from pages") == [("cp1251",)]  # as the header said it
    with closing(sqlite3.connect(db_path)) as db, db:  # as an extractor that read the page wrong left it
        db.execute("update articles set body = 'stale', content_hash = 'old'")
    result = reextract(db_path)
    assert result.stderr.splitlines()[-1] == "reextract: 1 updated, 0 unchanged, 0 failed"
    assert query(db_path, "select body from articles") == [(body,)]


# -- Sitemaps listing more links than a crawl should hold ---------------------------------------


def build_sitemaps_site(dest: Path, sitemaps: int, links: int) -> Path:
    """A site whose robots.txt names an index of ``sitemaps`` urlsets of ``links`` articles each."""
    writer = ReplicaWriter(dest, NOW.isoformat(), "bigsitemaps")
    writer.page("/robots.txt", "User-agent: *\nSitemap: {{www}}/index.xml\n", "robots")
    writer.page("/index.xml", "<sitemapindex>" + "".join(
        f"<sitemap><loc>{{{{www}}}}/s{i}.xml</loc></sitemap>" for i in range(sitemaps)) + "</sitemapindex>", "sitemap")
    for i in range(sitemaps):
        writer.page(f"/s{i}.xml", "<urlset>" + "".join(
            f"<url><loc>{{{{www}}}}/{i}/{j}/</loc></url>" for j in range(links)) + "</urlset>", "sitemap")
        for j in range(links):
            title = f"Story {j} of sitemap {i}"
            rng = random.Random(f"{i}/{j}")
            story = "".join(f"<p>{prose.paragraph(rng)}</p>" for _ in range(4))
            writer.page(f"/{i}/{j}/", f"<!doctype html><html><head><title>{title}</title>" + json_ld(
                {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}) +
                f"</head><body><article><h1>{title}</h1>{story}</article></body></html>", "article")
    writer.content_type(r"\.xml$", "application/xml")
    for path in SITEMAP_LOCATIONS:
        writer.missing(path)
    return writer.finish(seed=0, name="Big sitemaps")


def test_the_links_sitemaps_list_wait_in_the_database_not_in_the_scheduler(tmp_path):
    with ReplicaServer(build_sitemaps_site(tmp_path / "site", sitemaps=3, links=40)) as server:
        result = run_news_crawl(tmp_path / "big.db", "-a", f"site={server.base_url}", settings={
            "MAX_SCHEDULED_ARTICLES": 5, "EXTENSIONS": json.dumps(probes.EXTENSIONS)})
    assert_ok(result)
    assert query(tmp_path / "big.db", "select count(*) from articles") == [(120,)]
    # A batch of article requests at a time, beside the discovery documents not yet read
    # (robots.txt, the sitemaps at the common locations, the index, its three sitemaps).
    assert stats(result.stderr, probes.STAT)[probes.STAT] <= 5 + 12


# -- Several sites in one run -----------------------------------------------------------------


def test_two_sites_in_one_run_keep_their_rows_apart(wordpress, replica_url, tmp_path):
    directory, base_url = wordpress
    db_path = tmp_path / "two.db"
    result = run_news_crawl(db_path, "-a", f"site=moscowtimes {replica_url}", "-a", f"site=harbourledger {base_url}",
                            *SINCE)
    assert_ok(result)
    assert score_database(db_path, SITE, only_site="moscowtimes")["passed"]
    report = score_crawl(db_path, directory, base_url, site="harbourledger", baseline=False)
    assert report["missing"] == [] and report["non_articles_stored"] == [] and report["foreign_rows"] == []
    for table in ("articles", "article_links", "removed_blocks", "pages"):
        sites = {site for (site,) in query(db_path, f"select distinct site from {table}")}
        assert sites == {"moscowtimes", "harbourledger"}, table
    mt_urls = {url for (url,) in query(db_path, "select url from articles where site = 'moscowtimes'")}
    assert all(url.startswith(replica_url) for url in mt_urls)
    (run,) = query(db_path, "select site, base_url, status from crawl_runs")
    assert run == ("moscowtimes, harbourledger", f"{replica_url}, {base_url}", "ok")


def test_a_sites_file_names_the_sites_of_a_run_and_each_host_gets_its_own_politeness(tmp_path):
    wp_dir = build_wordpress_site(tmp_path / "wordpress", seed=1)
    feed_dir = build_feed_site(tmp_path / "feedonly", seed=1)
    logs = {"wp": tmp_path / "wp.jsonl", "feed": tmp_path / "feed.jsonl"}
    with ReplicaServer(wp_dir, log_path=logs["wp"]) as wp, ReplicaServer(feed_dir, log_path=logs["feed"]) as feed:
        sites = tmp_path / "sites.txt"
        sites.write_text(f"# one site a line\nharbourledger {wp.base_url}\n\n{feed.base_url}\n")
        result = run_news_crawl(tmp_path / "two.db", "-a", f"sites={sites}")
    assert_ok(result)
    counts = dict(query(tmp_path / "two.db", "select site, count(*) from articles group by site"))
    assert counts == {"harbourledger": len(json.loads((wp_dir / "truth/site.json").read_text())["articles"]),
                      feed.base_url.removeprefix("http://"): len(
                          json.loads((feed_dir / "truth/site.json").read_text())["articles"])}
    # robots.txt is read from each host before anything else is asked of it.
    for log in logs.values():
        paths = [json.loads(line)["path"] for line in log.read_text().splitlines()]
        assert paths[0] == "/robots.txt" and paths.count("/robots.txt") >= 1


@pytest.mark.parametrize("args, line", [
    ([], "bad argument: news needs a site: -a site=URL"),
    (["-a", "site=nosuchsite"], "bad argument: site must be a rules name (harbourledger, moscowtimes), an http(s) URL"),
    (["-a", "site=ftp://example.org"], "bad argument: site must be an http(s) URL"),
    (["-a", "sites=/no/such/file"], "bad argument: sites cannot be read"),
    (["-a", "site=moscowtimes", "-a", "site=https://example.org", "-a", "base_url=http://127.0.0.1:9"],
     "bad argument: base_url names where one site is served"),
    (["-a", "site=https://example.org", "-a", "base_url=http://127.0.0.1:9"],
     "bad argument: base_url names where a site given by its rules name is served, not a site given by its URL"),
    (["-a", "site=moscowtimes http://127.0.0.1:8", "-a", "base_url=http://127.0.0.1:9"],
     "bad argument: base_url names where a site given by its rules name is served, not a site given by its URL"),
    (["-a", "site=moscowtimes", "-a", "sites=a.txt", "-a", "sites=b.txt"],
     "bad argument: spider argument sites is given more than once: it takes one value"),
])
def test_a_bad_site_ends_with_one_line_before_the_crawl_starts(tmp_path, args, line):
    result = run_news_crawl(tmp_path / "articles.db", *args)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"crawl news: {line}")
    assert not (tmp_path / "articles.db").exists()


def test_a_failure_is_recorded_under_the_site_of_its_url(tmp_path):
    sites = {"wp": build_wordpress_site(tmp_path / "wordpress", seed=2),
             "feed": build_feed_site(tmp_path / "feed", seed=2)}
    gone = {name: json.loads((directory / "truth/site.json").read_text())["articles"][0]
            for name, directory in sites.items()}
    servers = {name: ReplicaServer(directory, faults=[{"fault": "status", "status": 410, "regex": f"^{gone[name]}$"}])
               for name, directory in sites.items()}
    with servers["wp"] as wp, servers["feed"] as feed:
        result = run_news_crawl(tmp_path / "two.db", "-a", f"site=harbourledger {wp.base_url}",
                                "-a", f"site={feed.base_url}")
    assert result.returncode in (0, 3), result.stderr[-3000:]
    assert sorted(query(tmp_path / "two.db", "select url, site, reason from failures")) == sorted([
        (wp.base_url + gone["wp"], "harbourledger", "http-410"),
        (feed.base_url + gone["feed"], feed.base_url.removeprefix("http://"), "http-410")])
