"""The generated replicas are well-formed, consistent with their truth and deterministic per seed,
and the crawl scorer counts what it says. Nothing here runs the crawler."""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import sqlite3
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from tests.replica_server import ReplicaServer
from tests.replicas.build import BUILDERS
from tests.replicas.build import main as build_main
from tests.replicas.feedonly import SITEMAP_LOCATIONS
from tests.replicas.mixed import OTHER_KINDS, build_mixed_site
from tests.replicas.score import main as score_main
from tests.replicas.score import score_crawl
from tests.replicas.wordpress import POSTS_PER_SITEMAP
from tests.scoring import contains, load_truth

GENERATED = ("wordpress", "feedonly")  # sites whose every page we wrote
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    return {name: build(tmp_path_factory.mktemp(name), seed=0) for name, build in BUILDERS.items()}


@pytest.fixture(scope="module")
def served(built):
    servers = {name: ReplicaServer(directory) for name, directory in built.items()}
    for server in servers.values():
        server.start()
    yield {name: server.base_url for name, server in servers.items()}
    for server in servers.values():
        server.stop()


def fetch(base_url: str, target: str) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed."""
    parts = urlsplit(urljoin(base_url + "/", target))
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def ok(base_url: str, target: str) -> bytes:
    status, _, body = fetch(base_url, target)
    assert status == 200, target
    return body


def sitemap_locs(base_url: str, target: str) -> list[str]:
    """Every page URL an index (followed) or urlset lists."""
    root = lxml.etree.fromstring(ok(base_url, target))
    if root.tag.endswith("sitemapindex"):
        return [url for loc in root.findall("s:sitemap/s:loc", SITEMAP_NS) for url in sitemap_locs(base_url, loc.text)]
    return [loc.text for loc in root.findall("s:url/s:loc", SITEMAP_NS)]


def paths_of(base_url: str, urls: list[str]) -> list[str]:
    assert all(url.startswith(base_url + "/") for url in urls)
    return [urlsplit(url).path for url in urls]


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# -- Determinism -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATED)
def test_a_seed_gives_the_same_site_and_another_seed_another(name, built, tmp_path):
    again = BUILDERS[name](tmp_path / "again", seed=0)
    other = BUILDERS[name](tmp_path / "other", seed=1)
    assert tree_digest(again) == tree_digest(built[name])
    assert load_truth(other)[0]["articles"] != load_truth(again)[0]["articles"]


def test_the_mixed_site_picks_the_same_corpus_pages_per_seed(built, tmp_path):
    again = build_mixed_site(tmp_path / "again", seed=0, wcxb_pages=45, fundus_pages=30)
    other = build_mixed_site(tmp_path / "other", seed=1, wcxb_pages=5, fundus_pages=5)
    assert tree_digest(again) == tree_digest(built["mixed"])
    sources = {truth["source"]["key"] for truth in load_truth(built["mixed"])[1].values()}
    assert not {truth["source"]["key"] for truth in load_truth(other)[1].values()} <= sources


# -- Truth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILDERS)
def test_truth_is_consistent(name, built):
    site, truths = load_truth(built[name])
    assert sorted(truths) == site["articles"]
    assert not set(site["articles"]) & set(site["non_articles"])
    assert set(site["kinds"]) == set(site["articles"]) | set(site["non_articles"])
    for path, truth in truths.items():
        assert truth["body_paragraphs"] and all(p.strip() for p in truth["body_paragraphs"]), path
        assert set(truth["trap_paragraphs"]) <= set(truth["body_paragraphs"]), path
        story = "\n\n".join(truth["body_paragraphs"])
        assert not [text for text in truth["must_not_contain"] if contains(story, text)], path


@pytest.mark.parametrize("name", GENERATED)
def test_generated_truth_has_sizes_and_times_the_brief_asks_for(name, built):
    site, truths = load_truth(built[name])
    assert (30 <= len(truths) <= 60) if name == "wordpress" else (10 <= len(truths) <= 15)
    for truth in truths.values():
        assert datetime.fromisoformat(truth["published"]).tzinfo, truth["url_path"]
        assert truth["published"] <= truth["modified"] or (
            datetime.fromisoformat(truth["published"]) <= datetime.fromisoformat(truth["modified"]))
        assert truth["authors"] and truth["title"]
    assert any(truth["trap_paragraphs"] for truth in truths.values())
    assert any(truth["appeals"] for truth in truths.values())


def test_the_mixed_site_has_both_corpus_sets_and_every_other_page_kind(built):
    site, truths = load_truth(built["mixed"])
    sets = [truth["source"]["set"] for truth in truths.values()]
    assert len(truths) >= 60 and {"wcxb-dev", "fundus"} == set(sets)
    kinds = list(site["kinds"].values())
    assert all(kinds.count(kind) == count for kind, count in OTHER_KINDS.items())


# -- Discovery ---------------------------------------------------------------------------------


def test_wordpress_discovery_is_yoast_s(built, served):
    base, (site, _) = served["wordpress"], load_truth(built["wordpress"])
    robots = ok(base, "/robots.txt").decode()
    assert f"Sitemap: {base}/sitemap_index.xml" in robots
    for path in ("/sitemap.xml", "/wp-sitemap.xml"):
        status, headers, _ = fetch(base, path)
        assert (status, headers["Location"]) == (301, f"{base}/sitemap_index.xml")
    index = lxml.etree.fromstring(ok(base, "/sitemap_index.xml"))
    children = paths_of(base, [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)])
    assert children == ["/post-sitemap.xml", "/post-sitemap2.xml", "/page-sitemap.xml", "/category-sitemap.xml",
                        "/post_tag-sitemap.xml", "/author-sitemap.xml"]
    posts = paths_of(base, sitemap_locs(base, "/post-sitemap.xml") + sitemap_locs(base, "/post-sitemap2.xml"))
    assert sorted(posts) == site["articles"] and len(sitemap_locs(base, "/post-sitemap.xml")) == POSTS_PER_SITEMAP
    assert paths_of(base, sitemap_locs(base, "/page-sitemap.xml")) == ["/", "/about/", "/contact/", "/privacy-policy/"]
    for kind, sitemap in (("category", "category"), ("tag", "post_tag"), ("author", "author")):
        assert {site["kinds"][p] for p in paths_of(base, sitemap_locs(base, f"/{sitemap}-sitemap.xml"))} == {kind}


@pytest.mark.parametrize("feed", ["/feed/", "/category/politics/feed/"])
def test_wordpress_feeds_are_rss_of_articles(feed, built, served):
    base, (_, truths) = served["wordpress"], load_truth(built["wordpress"])
    status, headers, body = fetch(base, feed)
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    items = lxml.etree.fromstring(body).findall("channel/item")
    assert 1 <= len(items) <= 10
    for item in items:
        path = paths_of(base, [item.findtext("link")])[0]
        assert truths[path]["title"] == item.findtext("title")


def test_wordpress_redirects_answer_as_the_truth_says(built, served):
    base, (site, _) = served["wordpress"], load_truth(built["wordpress"])
    assert len(site["redirects"]) > 2 * len(site["articles"])
    for redirect in site["redirects"]:
        status, headers, _ = fetch(base, redirect["from"])
        assert (status, headers["Location"]) == (redirect["status"], base + redirect["to"]), redirect


def test_the_feed_only_site_has_no_sitemap_but_an_announced_feed(built, served):
    base, (site, _) = served["feedonly"], load_truth(built["feedonly"])
    assert "sitemap" not in ok(base, "/robots.txt").decode().lower()
    assert all(fetch(base, path)[0] == 404 for path in SITEMAP_LOCATIONS)
    home = lxml.html.fromstring(ok(base, "/"))
    [feed] = home.xpath('//link[@rel="alternate"][@type="application/atom+xml"]/@href')
    atom = lxml.etree.fromstring(ok(base, feed))
    links = atom.xpath('//a:entry/a:link[@rel="alternate"]/@href', namespaces={"a": "http://www.w3.org/2005/Atom"})
    assert sorted(paths_of(base, links)) == site["articles"]


def test_the_mixed_site_lists_every_page_in_its_sitemaps_and_home_page(built, served):
    base, (site, _) = served["mixed"], load_truth(built["mixed"])
    assert f"Sitemap: {base}/sitemap.xml" in ok(base, "/robots.txt").decode()
    listed = sorted(paths_of(base, sitemap_locs(base, "/sitemap.xml")))
    pages = sorted(path for path, kind in site["kinds"].items() if kind not in ("home", "sitemap", "robots"))
    assert listed == pages
    home = lxml.html.fromstring(ok(base, "/"))
    assert sorted(paths_of(base, home.xpath('//ul[@class="everything"]//a/@href'))) == pages
    # Every sitemap file mixes articles with other kinds of page.
    for number in (1, 2, 3):
        kinds = {site["kinds"][p] for p in paths_of(base, sitemap_locs(base, f"/sitemaps/sitemap-{number}.xml"))}
        assert "article" in kinds and len(kinds) > 2


@pytest.mark.parametrize("name", BUILDERS)
def test_every_page_of_the_truth_is_served(name, built, served):
    base, (site, _) = served[name], load_truth(built[name])
    for path in site["kinds"]:
        status, headers, body = fetch(base, path)
        assert status == 200 and body, path
        assert b"{{www}}" not in body, path
    assert all(fetch(base, path)[0] == 404 for path in site["missing"])


# -- Article pages -----------------------------------------------------------------------------


def page_text(html: bytes) -> str:
    """The page's text, its elements' texts apart (text_content() runs list items together), and
    the labels of its submit buttons."""
    tree = lxml.html.fromstring(html)
    return " ".join([*tree.itertext(), *tree.xpath("//input/@value")])


@pytest.mark.parametrize("name", GENERATED)
def test_generated_article_pages_show_their_truth(name, built, served):
    base, (_, truths) = served[name], load_truth(built[name])
    for path, truth in truths.items():
        html = ok(base, path)
        tree = lxml.html.fromstring(html)
        assert tree.xpath('//link[@rel="canonical"]/@href') == [base + path]
        assert tree.xpath('//meta[@property="og:type"]/@content') == ["article"]
        [ld] = [json.loads(text) for text in tree.xpath('//script[@type="application/ld+json"]/text()')]
        [node] = [n for n in ld.get("@graph", [ld]) if n["@type"] in ("NewsArticle", "BlogPosting")]
        authors = node["author"] if isinstance(node["author"], list) else [node["author"]]
        assert (node["headline"], [a["name"] for a in authors]) == (truth["title"], truth["authors"])
        assert datetime.fromisoformat(node["datePublished"]) == datetime.fromisoformat(truth["published"])
        assert datetime.fromisoformat(node["dateModified"]) == datetime.fromisoformat(truth["modified"])
        text = page_text(html)
        # What the body must keep and what it must not take are both on the page.
        assert all(contains(text, p) for p in truth["body_paragraphs"] + truth["must_not_contain"]), path


def test_wordpress_story_markup_holds_appeals_inside_entry_content(built, served):
    base, (_, truths) = served["wordpress"], load_truth(built["wordpress"])
    inside = 0
    for path, truth in truths.items():
        [content] = lxml.html.fromstring(ok(base, path)).xpath('//div[@class="entry-content"]')
        assert content.xpath("./p") and content.xpath('.//div[@class="ledger-support-box"]')
        inside += any(contains(" ".join(content.itertext()), line) for a in truth["appeals"] for line in a["lines"])
    assert inside > len(truths) // 3


def test_mixed_article_pages_are_the_corpus_pages_with_publishers_canonicals(built, served):
    base, (_, truths) = served["mixed"], load_truth(built["mixed"])
    foreign = 0
    for path in truths:
        tree = lxml.html.fromstring(ok(base, path))
        canonicals = tree.xpath('//link[@rel="canonical"]/@href') + tree.xpath('//meta[@property="og:url"]/@content')
        assert not any(urlsplit(c).netloc == urlsplit(base).netloc for c in canonicals), path
        foreign += bool(canonicals)
    assert foreign > len(truths) // 2


def test_mixed_other_pages_are_no_articles_by_their_metadata(built, served):
    base, (site, _) = served["mixed"], load_truth(built["mixed"])
    for path, kind in site["kinds"].items():
        if kind in OTHER_KINDS:
            tree = lxml.html.fromstring(ok(base, path))
            assert tree.xpath('//meta[@property="og:type"]/@content') != ["article"], path
            types = re.findall(r'"@type": "(\w+)"', "".join(tree.xpath("//script/text()")))
            assert not {"Article", "NewsArticle", "BlogPosting"} & set(types), path


# -- Scoring -----------------------------------------------------------------------------------


def write_db(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE articles (url TEXT, site TEXT, title TEXT, body TEXT)")
        connection.executemany("INSERT INTO articles (url, site, body) VALUES (?, ?, ?)", rows)
    connection.close()
    return path


def test_a_perfect_crawl_passes(built, served, tmp_path):
    base, (_, truths) = served["feedonly"], load_truth(built["feedonly"])
    rows = [(base + path, "valleydispatch", "\n\n".join(t["body_paragraphs"])) for path, t in truths.items()]
    report = score_crawl(write_db(tmp_path / "perfect.db", rows), built["feedonly"], base)
    assert report["passed"], report["criteria"]
    assert (report["found"], report["body_f1"], report["leaks"]) == (len(truths), 1.0, {})
    assert report["comparison"]["trafilatura"]["without_leak"] > 0  # the footer box leaks into trafilatura's output


def test_the_scorer_counts_misses_strays_foreign_rows_and_leaks(built, served, tmp_path):
    base, (_, truths) = served["feedonly"], load_truth(built["feedonly"])
    first, second, *rest = sorted(truths)
    leak = truths[first]["must_not_contain"][0]
    rows = [(base + first.rstrip("/"), "v", "\n\n".join(truths[first]["body_paragraphs"] + [leak])),
            (base + "/about/", "v", "About this site"),
            ("https://elsewhere.example" + second, "v", "\n\n".join(truths[second]["body_paragraphs"])),
            *((base + path, "v", "\n\n".join(truths[path]["body_paragraphs"])) for path in rest),
            (base + rest[0], "other", "a second replica's row")]
    db = write_db(tmp_path / "flawed.db", rows)
    report = score_crawl(db, built["feedonly"], base, site="v")
    assert report["missing"] == [second]
    assert report["non_articles_stored"] == [base + "/about/"]
    assert report["foreign_rows"] == ["https://elsewhere.example" + second]
    assert report["leaks"] == {first: [leak]} and report["body_f1"] < 1.0
    assert not report["passed"]
    failed = {name for name, criterion in report["criteria"].items() if not criterion["met"]}
    assert {"non_articles_stored", "foreign_rows"} <= failed
    assert score_crawl(db, built["feedonly"], base, baseline=False)["duplicates"] == [rest[0]]


def test_the_scorer_runs_from_the_command_line(built, served, tmp_path, capsys):
    base, (_, truths) = served["feedonly"], load_truth(built["feedonly"])
    db = write_db(tmp_path / "empty.db", [])
    assert score_main([str(db), str(built["feedonly"]), base, "--no-baseline"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["found"], report["expected"]) == (0, len(truths))


# -- Serving details ---------------------------------------------------------------------------


def test_conditional_get_uses_the_article_s_modification_time(built):
    _, truths = load_truth(built["wordpress"])
    path, truth = next(iter(truths.items()))
    with ReplicaServer(built["wordpress"], conditional=True) as server:
        status, headers, _ = fetch(server.base_url, path)
        assert status == 200
        assert parsedate_to_datetime(headers["Last-Modified"]) == datetime.fromisoformat(truth["modified"])
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", path, headers={"If-None-Match": headers["ETag"]})
        assert connection.getresponse().status == 304
        connection.close()


def test_the_build_command_writes_a_replica(tmp_path, capsys):
    build_main(["feedonly", str(tmp_path / "site"), "--seed", "3"])
    assert Path(capsys.readouterr().out.strip()) == tmp_path / "site"
    assert (tmp_path / "site" / "routes.json").is_file() and load_truth(tmp_path / "site")[0]["seed"] == 3
