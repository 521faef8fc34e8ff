"""The frontier: a crawl never leaves the site, whatever its documents and pages name.

The acceptance test crawls a hostile copy of the replica whose robots.txt,
sitemap index and a month sitemap name other hosts, another port of the
replica's own address, private and link-local addresses, credentials, other
schemes and a URL of a megabyte, three of whose articles give canonicals off
the site, and three of whose pages redirect to another port, ``ftp:`` and
``file:``. Every other host is answered by a loopback proxy (``http_proxy``)
that records what reaches it: nothing may, nor may its own port, which stands
for another service on the replica's address.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
from contextlib import closing, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from parsel import Selector

from crawler import settings
from crawler.extract import canonical_url, extract_fields
from crawler.frontier import Frontier, redact
from crawler.middlewares import FrontierMiddleware, Refused
from crawler.site_rules import SITES, GenericSite
from spiders.news import SITE_SPIDERS

MoscowTimesSpider = SITE_SPIDERS["moscowtimes"]
from tests.conftest import ROOT, SITE, crawl_command
from tests.replica_server import FaultRules, ReplicaServer
from tests.scoring import score_database
from tests.test_crawl import assert_perfect

RULES = SITES["moscowtimes"]
SECRET = "s3cret-pass"
OFFSITE_CANONICAL, FILE_CANONICAL, OTHER_PORT_CANONICAL = 89101, 88977, 88967
# Every way a document can point off the site; {own} is the replica's host:port, {other} another
# port of its address.
HOSTILE_TARGETS = (
    "http://{other}{path}",
    "http://evil.example{path}",
    "https://evil.example{path}",
    "//evil.example{path}",  # scheme-relative
    "http://10.1.2.3{path}",  # private range
    "http://169.254.169.254{path}",  # instance metadata
    "http://127.0.0.2{path}",  # loopback, not the base's
    "http://[::1]{path}",
    "http://localhost{path}",
    "http://user:" + SECRET + "@{own}{path}",  # credentials, on the site's own host
    "http://user:" + SECRET + "@evil.example{path}",
    "file:///etc/hostname",
    "ftp://evil.example{path}",
    "data:text/plain,{path}",
    "http://[x{path}",  # unparsable
)


# Pages of the replica that redirect off it, by the path they are listed under.
REDIRECTS = {
    "/2024/06/17/to-other-port-a99997": "http://{other}/internal/admin",
    "/2024/06/17/to-ftp-a99996": "ftp://{own}/pub/x",
    "/2024/06/17/to-file-a99995": "file:///etc/hostname",
}
TOO_LONG = "/2024/06/17/" + "l" * 1_000_000 + "-a99994"  # far over URLLENGTH_LIMIT (2083)


def hostile_urls(own: str, other: str, path: str) -> list[str]:
    return [target.format(own=own, other=other, path=path) for target in HOSTILE_TARGETS]


class ProxyLog(ThreadingHTTPServer):
    """A loopback HTTP proxy standing in for every other host: it records each request and answers
    with a real article page, so anything it reached would show in the database."""

    def __init__(self, page: bytes):
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.page = page
        self.requests: list[str] = []


class _ProxyHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(f"{self.command} {self.path}")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.page)))
        self.end_headers()
        self.wfile.write(self.server.page)

    do_HEAD = do_POST = do_CONNECT = do_GET

    def log_message(self, format, *args):
        pass


@contextmanager
def proxy(page: bytes):
    server = ProxyLog(page)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def make_hostile(root: Path, own: str, other: str) -> None:
    """Point robots.txt, the sitemap index, a month sitemap and three articles off the site."""
    robots = root / "www" / "robots.txt"
    robots.write_text(robots.read_text() + "".join(
        f"Sitemap: {url}\n" for url in hostile_urls(own, other, "/sitemap/sitemap.xml")))
    index = root / "static" / "sitemap" / "sitemap.xml"
    entries = "".join(f"<sitemap><loc>{_xml(url)}</loc></sitemap>"
                      for url in hostile_urls(own, other, "/sitemap/2024-6.xml"))
    index.write_text(index.read_text().replace("</sitemapindex>", entries + "</sitemapindex>"))
    month = root / "static" / "sitemap" / "2024-6.xml"
    article_path = "/2024/06/17/moscow-heat-wave-breaks-100-year-old-temperature-record-a89101"
    listed = (hostile_urls(own, other, article_path) + hostile_urls(own, other, "/2024/06/17/planted-a99999")
              + [f"http://{own}{path}" for path in (*REDIRECTS, TOO_LONG)])
    locs = "".join(f"<url><loc>{_xml(url)}</loc></url>" for url in listed)
    month.write_text(month.read_text().replace("</urlset>", locs + "</urlset>"))
    for article_id, canonical in ((OFFSITE_CANONICAL, "http://evil.example" + article_path),
                                  (FILE_CANONICAL, "file:///etc/hostname"),
                                  (OTHER_PORT_CANONICAL, f"http://{other}" + _truth(OTHER_PORT_CANONICAL)["url_path"])):
        page = root / "www" / _truth(article_id)["url_path"].lstrip("/")
        html = re.sub(r'(<link rel="canonical" href=")[^"]*', rf"\g<1>{canonical}", page.read_text())
        page.write_text(re.sub(r'(<meta property="og:url" content=")[^"]*', rf"\g<1>{canonical}", html))


def _xml(url: str) -> str:
    return url.replace("&", "&amp;")


def _truth(article_id: int) -> dict:
    return json.loads((SITE / "truth" / f"{article_id}.json").read_text())


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    site = Path(shutil.copytree(SITE, directory / "site"))
    db_path = directory / "articles.db"
    stand_in = (SITE / "www" / _truth(OFFSITE_CANONICAL)["url_path"].lstrip("/")).read_bytes()
    with ReplicaServer(site, log_path=directory / "requests.jsonl") as server, proxy(stand_in) as other_hosts:
        own, other = server.base_url.removeprefix("http://"), f"127.0.0.1:{other_hosts.server_address[1]}"
        make_hostile(site, own, other)  # files are read per request
        server.faults = FaultRules([{"regex": f"{re.escape(path)}$", "fault": "redirect",
                                     "location": location.format(own=own, other=other)}
                                    for path, location in REDIRECTS.items()])
        proxied = f"http://{other}"
        env = {**_environ(), **{name: proxied for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")},
               "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
        result = subprocess.run(crawl_command(server.base_url, db_path, "-a", "since=2000-01-01"), cwd=ROOT,
                                capture_output=True, text=True, timeout=300, env=env)
        requests = [json.loads(line) for line in (directory / "requests.jsonl").read_text().splitlines()]
    return {"result": result, "db_path": db_path, "site": site, "base": server.base_url,
            "proxied": other_hosts.requests, "replica_requests": requests}


def _environ() -> dict:
    return {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}


def stats(log: str, prefix: str) -> dict[str, int]:
    """The crawl's final counts whose keys start with ``prefix``, from its log."""
    return {key: int(value) for key, value in re.findall(rf"'({re.escape(prefix)}[^']*)': (\d+),?\n", log)}


def test_a_hostile_site_is_crawled_whole_and_nothing_else(hostile_crawl):
    result = hostile_crawl["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert hostile_crawl["proxied"] == []  # no other host was asked for anything
    # Every request the crawl sent reached the replica: no file:, ftp:, data: or proxied fetch.
    assert stats(result.stderr, "downloader/request_count") == {
        "downloader/request_count": len(hostile_crawl["replica_requests"])}
    assert_perfect(score_database(hostile_crawl["db_path"], SITE))


def test_nothing_from_elsewhere_and_no_credentials_are_stored(hostile_crawl):
    with closing(sqlite3.connect(hostile_crawl["db_path"])) as db:
        dump = "\n".join(db.iterdump())
        for table in ("articles", "article_links", "failures", "discovery_documents", "pages", "removed_blocks"):
            urls = [url for (url,) in db.execute(f"select url from {table}")]
            assert all(url.startswith(hostile_crawl["base"] + "/") for url in urls), table
            assert all(len(url) <= 2083 for url in urls), table  # URLLENGTH_LIMIT: no link left due for ever
    assert SECRET not in dump and "evil.example" not in dump and "file:" not in dump
    assert SECRET not in hostile_crawl["result"].stderr


def test_off_site_canonicals_leave_the_fetched_url(hostile_crawl):
    with closing(sqlite3.connect(hostile_crawl["db_path"])) as db:
        stored = dict(db.execute("select article_id, url from articles"))
    for article_id in (OFFSITE_CANONICAL, FILE_CANONICAL, OTHER_PORT_CANONICAL):
        assert stored[str(article_id)] == hostile_crawl["base"] + _truth(article_id)["url_path"]


def test_redirects_to_another_port_or_scheme_fail_as_off_the_site(hostile_crawl):
    with closing(sqlite3.connect(hostile_crawl["db_path"])) as db:
        failed = dict(db.execute("select url, reason from failures where reason = 'offsite-redirect'"))
    assert failed == {hostile_crawl["base"] + path: "offsite-redirect" for path in REDIRECTS}


def test_each_refused_url_is_counted_and_logged_once(hostile_crawl):
    log = hostile_crawl["result"].stderr
    counted = {key.rsplit("/", 1)[1]: value for key, value in stats(log, "frontier/refused/").items()}
    assert set(counted) == {"offsite", "private-address", "credentials", "scheme", "invalid-url", "too-long"}
    # One line per refused URL (credentials cut from it, and a long one cut short); a redirect's is its failure's.
    lines = re.findall(r"Not following (\S+): ", log) + re.findall(r"Failed \S+ at download: offsite-redirect", log)
    assert len(lines) == sum(counted.values())
    assert max(map(len, lines)) < 1000


# -- The frontier on its own --------------------------------------------------------------

BASE = "http://127.0.0.1:8800"


@pytest.mark.parametrize("url, reason", [
    (f"{BASE}/2024/06/17/x-a1", None),
    # The base's address on another port or scheme: another service, as a browser's origin is
    ("http://127.0.0.1:9/other-port", "private-address"),
    ("http://127.0.0.1/x", "private-address"),
    ("https://127.0.0.1/x", "private-address"),
    ("https://127.0.0.1:8800/x", "private-address"),
    ("https://www.themoscowtimes.com/2024/06/17/x-a1", None),  # the rules' hosts, on the default ports
    ("http://www.themoscowtimes.com/2024/06/17/x-a1", None),
    ("https://www.themoscowtimes.com:443/2024/06/17/x-a1", None),
    ("https://www.themoscowtimes.com:8443/x", "offsite"),
    ("http://www.themoscowtimes.com:443/x", "offsite"),
    ("https://static.themoscowtimes.com/sitemap/sitemap.xml", None),
    ("https://themoscowtimes.com.evil.example/x", "offsite"),
    ("https://evilthemoscowtimes.com/x", "offsite"),
    ("http://evil.example/x", "offsite"),
    ("http://10.0.0.1/x", "private-address"),
    ("http://169.254.169.254/latest/meta-data/", "private-address"),
    ("http://127.0.0.2/x", "private-address"),
    ("http://[::1]/x", "private-address"),
    ("http://localhost/x", "private-address"),
    ("http://8.8.8.8/x", "ip-address"),
    ("http://user:pw@127.0.0.1:8800/x", "credentials"),
    ("http://user@www.themoscowtimes.com/x", "credentials"),
    ("file:///etc/hostname", "scheme"),
    ("ftp://www.themoscowtimes.com/x", "scheme"),
    ("data:text/plain,x", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("http://[x", "invalid-url"),
    ("http://127.0.0.1:99999999/x", "invalid-url"),
    ("http:///x", "invalid-url"),
    # urlsplit's host ends in the site's name; Scrapy and browsers read "\\" as "/" and fetch evil.example
    ("https://evil.example\\.themoscowtimes.com/x", "invalid-url"),
    ("http://localhost\x00.themoscowtimes.com/x", "invalid-url"),  # a resolver stops at the NUL
    ("http://evil.example .themoscowtimes.com/x", "invalid-url"),
])
def test_the_frontier_admits_the_site_only(url, reason):
    assert Frontier.of(RULES, BASE).refusal(url) == reason


@pytest.mark.parametrize("base, url, reason", [
    # Served on the default ports: http and https are one site (a site moving to https redirects its links)
    ("http://news.example", "https://www.news.example/x", None),
    ("https://www.news.example", "http://news.example/x", None),
    ("https://news.example", "https://news.example:8443/x", "offsite"),
    # On a port of its own: that scheme and port alone
    ("http://news.example:8080", "http://www.news.example:8080/x", None),
    ("http://news.example:8080", "http://static.news.example:8080/x", None),
    ("http://news.example:8080", "http://news.example/x", "offsite"),
    ("http://news.example:8080", "https://news.example:8080/x", "offsite"),
    ("http://news.example:8080", "http://news.example:6379/x", "offsite"),
    ("http://news.example:80", "https://news.example/x", None),  # a default port named is no port of its own
])
def test_a_site_is_its_hosts_where_the_base_is_served(base, url, reason):
    assert Frontier.of(GenericSite, base).refusal(url) == reason


def test_a_url_longer_than_the_limit_is_refused():
    frontier = Frontier.of(RULES, BASE, max_length=2083)
    assert frontier.refusal(BASE + "/" + "a" * 2060) is None
    assert frontier.refusal(BASE + "/" + "a" * 2083) == "too-long"
    assert Frontier.of(RULES, BASE).refusal(BASE + "/" + "a" * 1_000_000) is None  # 0: no limit, as Scrapy's
    assert len(redact(BASE + "/" + "a" * 1_000_000)) < 1000  # logged cut short


def test_relative_and_scheme_relative_links_resolve_against_their_document():
    frontier = Frontier.of(RULES, BASE)
    assert frontier.resolve("/2024/x-a1", BASE + "/news") == (BASE + "/2024/x-a1", None)
    assert frontier.resolve("//evil.example/x", BASE + "/news") == (None, "offsite")
    assert frontier.resolve("http://[x", BASE) == (None, "invalid-url")


def test_robots_txt_adds_hosts_of_the_base_domain_only():
    frontier = Frontier.of(RULES, "https://mirror.example.org")
    assert frontier.refusal("https://static.example.org/sitemap.xml") == "offsite"
    assert frontier.add_robots_host("https://static.example.org/sitemap.xml")
    assert not frontier.add_robots_host("https://evil.example/sitemap.xml")
    assert not frontier.add_robots_host("https://example.co.uk/sitemap.xml")
    assert not frontier.add_robots_host("http://10.0.0.1/sitemap.xml")
    assert not Frontier.of(RULES, BASE).add_robots_host("http://127.0.0.2/sitemap.xml")  # an IP base names no domain
    assert frontier.refusal("https://static.example.org/sitemap.xml") is None
    assert frontier.refusal("https://evil.example/sitemap.xml") == "offsite"


def test_a_tenant_of_a_hosting_platform_shares_no_domain_with_the_others():
    frontier = Frontier.of(GenericSite, "https://harbour.github.io")
    assert not frontier.add_robots_host("https://github.io/sitemap.xml")
    assert frontier.add_robots_host("https://static.harbour.github.io/sitemap.xml")
    assert frontier.refusal("https://othertenant.github.io/x") == "offsite"


def test_credentials_never_reach_a_log_line():
    assert redact("http://user:pw@h.example/x?q=1") == "http://h.example/x?q=1"
    assert redact("http://h.example/x") == "http://h.example/x"
    assert SECRET not in redact("http://[x:" + SECRET)


def middleware_and_spider():
    crawler = get_crawler(MoscowTimesSpider, {"DATABASE_PATH": "unused.db",
                                              "REDIRECT_LOGIN_PATTERN": settings.REDIRECT_LOGIN_PATTERN})
    crawler.spider = MoscowTimesSpider.from_crawler(crawler, base_url=BASE)
    return FrontierMiddleware.from_crawler(crawler), crawler


def test_requests_off_the_site_are_dropped_and_redirects_off_it_fail():
    middleware, crawler = middleware_and_spider()
    assert middleware.process_request(scrapy.Request(BASE + "/news")) is None
    for _ in range(2):
        with pytest.raises(IgnoreRequest) as dropped:
            middleware.process_request(scrapy.Request("http://169.254.169.254/latest"))
        assert not isinstance(dropped.value, Refused)  # policy, not a failure of the page
    assert crawler.stats.get_value("frontier/refused/private-address") == 1  # counted once
    redirected = scrapy.Request("http://user:pw@127.0.0.1:8800/x", meta={"redirect_urls": [BASE + "/a"]})
    with pytest.raises(Refused) as refused:
        middleware.process_request(redirected)
    assert refused.value.reason == "offsite-redirect" and "pw" not in str(refused.value)
    assert crawler.stats.get_value("frontier/refused/credentials") == 1


def test_file_ftp_s3_and_data_urls_have_no_download_handler():
    assert all(settings.DOWNLOAD_HANDLERS[scheme] is None for scheme in ("file", "ftp", "s3", "data"))


@pytest.mark.parametrize("canonical, stored", [
    ("http://evil.example/2024/06/17/x-a5", "https://www.themoscowtimes.com/2024/06/17/real-a1"),
    ("file:///etc/hostname", "https://www.themoscowtimes.com/2024/06/17/real-a1"),
    ("http://user:pw@www.themoscowtimes.com/2024/06/17/x-a5", "https://www.themoscowtimes.com/2024/06/17/real-a1"),
    ("http://[x", "https://www.themoscowtimes.com/2024/06/17/real-a1"),
    ("https://evil.example\\.themoscowtimes.com/2024/06/17/x-a1", "https://www.themoscowtimes.com/2024/06/17/real-a1"),
    ("https://www.themoscowtimes.com/2024/06/17/moved-a1", "https://www.themoscowtimes.com/2024/06/17/moved-a1"),
    ("https://static.themoscowtimes.com/2024/06/17/x-a1", "https://static.themoscowtimes.com/2024/06/17/x-a1"),
    ("http://www.themoscowtimes.com/2024/06/17/moved-a1", "http://www.themoscowtimes.com/2024/06/17/moved-a1"),
    ("https://www.themoscowtimes.com:6379/2024/06/17/x-a5", "https://www.themoscowtimes.com/2024/06/17/real-a1"),
])
def test_a_canonical_is_used_only_when_it_is_on_the_site(canonical, stored):
    sel = Selector(text=f'<html><head><link rel="canonical" href="{canonical}"></head><body></body></html>')
    fields = extract_fields(sel, [], RULES, "https://www.themoscowtimes.com/2024/06/17/real-a1", None)
    assert (fields["url"], fields["article_id"]) == (stored, "1")


@pytest.mark.parametrize("canonical", ["http://[x", "http://news.example:99999999/x"])
def test_a_canonical_that_is_no_url_is_ignored_without_the_fetched_url(canonical):
    sel = Selector(text=f'<html><head><link rel="canonical" href="{canonical}"></head><body></body></html>')
    assert canonical_url(sel, GenericSite, None, None) is None


@pytest.mark.parametrize("fetched, canonical, stored", [
    ("https://news.example/news/story-1001", "/resources/top-tips", "https://news.example/news/story-1001"),
    ("https://news.example/news/story-1001", "top-tips", "https://news.example/news/story-1001"),
    ("https://news.example/news/story-1001?utm_source=rss", "/news/story-1001", "https://news.example/news/story-1001"),
    ("https://news.example/news/story-1001", "https://news.example/resources/top-tips",
     "https://news.example/resources/top-tips"),
])
def test_a_relative_canonical_names_only_the_page_fetched(fetched, canonical, stored):
    """A relative canonical is a path on whatever host serves the page: on a page copied from
    another site it names a path this one never had. It may drop the fetched URL's query; only a
    whole URL moves the article to another path (and its key with it, on a site keyed by paths)."""
    sel = Selector(text=f'<html><head><link rel="canonical" href="{canonical}"></head><body></body></html>')
    fields = extract_fields(sel, [], GenericSite, fetched, None)
    assert (fields["url"], fields["article_id"]) == (stored, stored.removeprefix("https://news.example"))


@pytest.mark.parametrize("head, stored", [
    ('<link rel="canonical" href="/2024/06/17/moved-a1"><meta property="og:url" content="https://publisher.example/a">',
     "https://www.themoscowtimes.com/2024/06/17/real-a1"),
    ('<link rel="canonical" href="/2024/06/17/moved-a1">'
     '<meta property="og:url" content="https://www.themoscowtimes.com/2024/06/17/moved-a1">',
     "https://www.themoscowtimes.com/2024/06/17/moved-a1"),
    ('<meta property="og:url" content="/2024/06/17/moved-a1">', "https://www.themoscowtimes.com/2024/06/17/real-a1"),
    ('<meta property="og:url" content="//www.themoscowtimes.com/2024/06/17/moved-a1">',
     "https://www.themoscowtimes.com/2024/06/17/moved-a1"),
])
def test_a_page_that_names_a_home_off_the_site_is_a_copy(head, stored):
    """A relative canonical copied with a page from another site names a path this site never
    served: with og:url naming the other site, the fetched URL stands. An og:url is a whole URL;
    a relative one (a copied page's too) names nothing."""
    sel = Selector(text=f"<html><head>{head}</head><body></body></html>")
    fields = extract_fields(sel, [], RULES, "https://www.themoscowtimes.com/2024/06/17/real-a1", None)
    assert (fields["url"], fields["article_id"]) == (stored, "1")
