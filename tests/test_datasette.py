"""The shipped Datasette configuration, checked through a real server's JSON API."""

import hashlib
import json
import re
from contextlib import closing, contextmanager
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html import unescape

import pytest
import yaml
from datasette.utils import path_from_row_pks, tilde_encode

from crawler.serve import CONFIG_DIR, datasette_args, main, served_path
from crawler.storage import open_db, pack_page
from tests.conftest import ROOT
from tests.storing import store_article
from tests.paths import DEV_SITE
from tests.scoring import truth_row

TRUTH = DEV_SITE / "truth"
METADATA = yaml.safe_load((CONFIG_DIR / "metadata.yml").read_text())
QUERIES = METADATA["databases"]["articles"]["queries"]
# Sensible values for the named parameters of the canned queries.
QUERY_PARAMS = {"q": "Karabakh", "author": "Chernova", "section": "News", "since": "2000-01-01", "site": "moscowtimes"}

SEARCH_HIT = "Putin, Erdogan Urge 'Joint Efforts' to End Karabakh Conflict"  # an AFP story
SEARCH = "Karabakh"  # only in that story
RANKED_SEARCH = "efforts"  # in its title, and in the body of newer articles
HOSTILE_ID = "hostile-1"
# An article of a site without rules: keyed on its host and path.
GENERIC_KEY = {"site": "127.0.0.1:8801", "article_id": "/2024/06/17/heat-wave/"}
HOSTILE_TITLE = "<script>alert(1)</script> Hostile headline"
# Keys a URL path must escape: a port, an IPv6 host, letters outside ASCII; an id with a space, a
# plus, a percent sign, a tilde, a query and a fragment, ending in what the stored page's path ends in.
AWKWARD_KEYS = [
    {"site": "127.0.0.1:8802", "article_id": "/news/2024/06/11/story-1.html"},
    {"site": "[::1]:8803", "article_id": "/a b+c%2F~d?e=1#f/page"},
    {"site": "пример.example", "article_id": "/новости/1"},
]

# Tables later migrations add; created here, only if absent, so that every canned query runs.
PENDING_TABLES = {
    "article_versions": (
        {"id": int, "site": str, "article_id": str, "url": str, "fetched": str,
         "title": str, "body": str, "content_hash": str},
        "id",
    ),
    "crawl_runs": (
        {"id": int, "started": str, "finished": str, "status": str, "finish_reason": str,
         "requests": int, "new": int, "updated": int, "unchanged": int, "failed": int,
         "removed_blocks": int, "message": str},
        "id",
    ),
    "failures": (
        {"url": str, "stage": str, "reason": str, "http_status": int, "attempts": int,
         "first_seen": str, "last_seen": str},
        ("url", "stage"),
    ),
}


@pytest.fixture(scope="module")
def archive_db(request, tmp_path_factory):
    """A copy of the crawled archive (or, until conftest has ``crawled_db``, one built
    from the replica's truth), plus a hostile article that was updated once."""
    path = tmp_path_factory.mktemp("datasette") / "articles.db"
    try:
        crawled = request.getfixturevalue("crawled_db")
    except pytest.FixtureLookupError:
        crawled = None
    if crawled:
        with closing(sqlite3.connect(crawled)) as source, closing(sqlite3.connect(path)) as copy:
            source.backup(copy)
    db = open_db(path)
    if not crawled:
        for truth_path in sorted(TRUTH.glob("[0-9]*.json")):
            truth = json.loads(truth_path.read_text())
            store_article(
                db, truth_row(truth, "http://127.0.0.1:8800"), truth_removed_blocks(truth), "2024-06-20T09:00:00+00:00"
            )
    for name, (columns, pk) in PENDING_TABLES.items():
        db[name].create(columns, pk=pk, if_not_exists=True)
    body = "First <script>alert(2)</script> paragraph.\n\nSecond paragraph."
    store_article(db, hostile_row(body), [], "2024-06-21T09:00:00+00:00")
    store_article(db, hostile_row(body + "\n\nAdded later."), [], "2024-06-22T09:00:00+00:00")
    store_article(db, dict(hostile_row("A story of a site without rules."), **GENERIC_KEY, paywalled=0,
                           url="http://127.0.0.1:8801" + GENERIC_KEY["article_id"], title="Generic story",
                           section="World", authors="[]"), [], "2024-06-22T09:00:00+00:00")
    for number, key in enumerate(AWKWARD_KEYS):
        row = dict(hostile_row(f"Awkward story {number}."), **key, url=f"http://{key['site']}{key['article_id']}",
                   title=f"Awkward {number}", section="World", authors="[]", paywalled=0,
                   published=f"2001-01-0{number + 1}T00:00:00+00:00")
        block = {"position": 0, "kind": "donation", "text": f"Give to awkward {number}",
                 "rule": f"test:awkward-{number}", "removed": 1}
        store_article(db, row, [block], "2024-06-22T09:00:00+00:00", pack_page(f"Stored page {number}".encode(), None))
    db.close()
    return path


def truth_removed_blocks(truth):
    return [
        {"position": position, "kind": "donation", "text": text,
         "rule": "site:moscowtimes:div.contribute-banner", "removed": 1}
        for position, text in enumerate(truth["must_not_contain"][:2])
    ]


def hostile_row(body):
    return {
        "url": "http://127.0.0.1:8800/2024/06/21/hostile-a1",
        "site": "moscowtimes",
        "article_id": HOSTILE_ID,
        "kind": "news",
        "title": HOSTILE_TITLE,
        "authors": json.dumps(["<b>Mallory</b>"]),
        "section": "News",
        "tags": json.dumps([]),
        "published": "2024-06-21T01:30:00+03:00",
        "body": body,
        "paywalled": 1,
        "content_hash": hashlib.sha256(body.encode()).hexdigest(),
    }


@contextmanager
def running_datasette(db):
    """Base URL of a real Datasette server serving ``db``, started as ``crawler.serve`` would."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = db.with_name("datasette.log")
    with open(log_path, "wb") as log:
        server = subprocess.Popen(datasette_args(db, port, "127.0.0.1"), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/-/versions.json", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("datasette did not start:\n" + log_path.read_text())
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def datasette_url(archive_db):
    with running_datasette(archive_db) as url:
        yield url


def fetch(url, data=None, headers=None):
    """(status, body text) of a request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get_json(url):
    status, body = fetch(url)
    assert status == 200, body
    return json.loads(body)


def query_db(path, sql, params=()):
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql, params).fetchall()


def search(datasette_url, q):
    return get_json(f"{datasette_url}/articles/search.json?" + urllib.parse.urlencode({"_shape": "array", "q": q}))


def test_search_ranks_the_right_article_first(datasette_url):
    rows = search(datasette_url, RANKED_SEARCH)
    assert rows[0]["title"] == SEARCH_HIT
    assert "[efforts]" in rows[0]["snippet"].lower()
    # Ranked by relevance, not by date: a newer article also mentions it.
    assert max(row["published"] for row in rows) > rows[0]["published"]
    scores = [row["score"] for row in rows]
    assert all(score > 0 for score in scores) and scores == sorted(scores, reverse=True)


def titles_found(archive_db, match):
    sql = "select title from articles where rowid in (select rowid from articles_fts where articles_fts match ?)"
    return {title for (title,) in query_db(archive_db, sql, [match])}


@pytest.mark.parametrize("q, match", [
    ("putin OR erdogan", "putin OR erdogan"),
    ("mosc*", "mosc*"),
    ('"joint efforts"', '"joint efforts"'),
    ("karabakh conflict", "karabakh AND conflict"),
])
def test_search_takes_the_syntax_people_know(datasette_url, archive_db, q, match):
    expected = titles_found(archive_db, match)
    assert expected and {row["title"] for row in search(datasette_url, q)} == expected


@pytest.mark.parametrize("q", ['"unbalanced (', "OR", "NOT putin OR", "***", "a-b:c^d", "NEAR(x"])
def test_search_never_fails_on_what_people_type(datasette_url, q):
    search(datasette_url, q)  # 200, a list: no FTS syntax error reaches the reader


def test_home_page_lists_every_canned_query(datasette_url):
    _, html = fetch(datasette_url + "/")
    for name, query in QUERIES.items():
        assert f'href="/articles/{name}">{query["title"]}</a>' in html
    assert 'href="/dashboard"' in html and 'id="ranked-q"' in html


def test_articles_table_folds_its_column_descriptions_and_offers_one_search_box(datasette_url):
    _, html = fetch(datasette_url + "/articles/articles")
    assert '<details class="columns"><summary>' in html
    assert html.count('type="search"') == 2  # the ranked box, and Datasette's own hidden by CSS
    assert ".table-articles .search-row, .table-articles dl.column-descriptions { display: none; }" in html


def test_table_search_box_filters_articles(datasette_url):
    data = get_json(f"{datasette_url}/articles/articles.json?_shape=objects&_search={SEARCH}")
    assert [row["title"] for row in data["rows"]] == [SEARCH_HIT]


def test_articles_are_newest_first(datasette_url, archive_db):
    data = get_json(f"{datasette_url}/articles/articles.json?_shape=objects&_col=published")
    published = [row["published"] for row in data["rows"]]
    assert published == sorted(published, reverse=True)
    assert published[0] == query_db(archive_db, "select max(published) from articles")[0][0]


ARRAY_COUNTS = (
    "select j.value, count(distinct articles.rowid) from articles, json_each({}) j group by 1"
)
FACET_SQL = {
    ("site", "column"): "select site, count(*) from articles group by 1",
    ("section", "column"): "select section, count(*) from articles group by 1",
    ("kind", "column"): "select kind, count(*) from articles group by 1",
    ("authors", "array"): ARRAY_COUNTS.format("authors"),
    ("tags", "array"): ARRAY_COUNTS.format("tags"),
    ("published", "month"): "select substr(published, 1, 7), count(*) from articles group by 1",
    ("published", "day"): "select substr(published, 1, 10), count(*) from articles group by 1",
}


def test_facet_counts_match_the_database(datasette_url, archive_db):
    data = get_json(f"{datasette_url}/articles/articles.json?_facet_size=max")
    facets = {(facet["name"], facet["type"]): facet for facet in data["facet_results"].values()}
    assert set(facets) == set(FACET_SQL)
    for key, sql in FACET_SQL.items():
        counts = {value["value"]: value["count"] for value in facets[key]["results"]}
        assert counts == dict(query_db(archive_db, sql)), key


def test_day_facet_keeps_the_local_date(datasette_url):
    # Published 01:30 Moscow time: the 20th in UTC, the 21st to its readers.
    data = get_json(f"{datasette_url}/articles/articles.json?article_id={HOSTILE_ID}")
    days = [f for f in data["facet_results"].values() if f["type"] == "day"][0]["results"]
    assert [(day["value"], day["count"]) for day in days] == [("2024-06-21", 1)]
    assert "published__startswith=2024-06-21" in days[0]["toggle_url"]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_canned_query_runs(datasette_url, name):
    params = {
        key: value for key, value in QUERY_PARAMS.items() if f":{key}" in QUERIES[name]["sql"]
    }
    query = urllib.parse.urlencode({"_shape": "objects", **params})
    data = get_json(f"{datasette_url}/articles/{name}.json?{query}")
    assert data["ok"], data


@pytest.mark.parametrize(
    "name, where",
    [
        ("latest_by_section", "section = 'News' order by published desc limit 10"),
        ("articles_by_author", "authors like '%Chernova%'"),
        ("paywalled_articles", "paywalled = 1"),
        ("changed_since", "last_changed > first_seen"),
    ],
)
def test_canned_query_finds_articles(datasette_url, archive_db, name, where):
    query = urllib.parse.urlencode({"_shape": "array", **QUERY_PARAMS})
    rows = get_json(f"{datasette_url}/articles/{name}.json?{query}")
    expected = query_db(archive_db, f"select article_id from articles where {where}")
    expected = {article_id for (article_id,) in expected}
    assert expected and {row["article_id"] for row in rows} == expected


def test_stripping_audit_counts_removed_blocks(datasette_url, archive_db):
    rows = get_json(f"{datasette_url}/articles/stripping_audit.json?_shape=array")
    blocks, removed = query_db(archive_db, "select count(*), sum(removed) from removed_blocks")[0]
    assert sum(row["removed"] + row["flagged"] for row in rows) == blocks
    assert sum(row["removed"] for row in rows) == removed
    assert all(row["example"] for row in rows)  # blocks without text say so
    assert all(fetch(datasette_url + row["audit"])[0] == 200 for row in rows)


def article_key(archive_db, title=SEARCH_HIT):
    ((site, article_id),) = query_db(archive_db, "select site, article_id from articles where title = ?", [title])
    return site, article_id


def test_article_page_links_to_its_audit_blocks_versions_and_page(datasette_url, archive_db):
    site, article_id = article_key(archive_db)
    _, html = fetch(f"{datasette_url}/articles/articles/{site},{article_id}")
    key = urllib.parse.urlencode({"site": site, "article_id": article_id}).replace("&", "&amp;")
    for link in (f"/audit/{site}/{article_id}", f"/articles/removed_blocks?{key}",
                 f"/articles/article_versions?{key}", f"/audit/{site}/{article_id}/page"):
        assert f'href="{link}"' in html, link


def test_audit_view_shows_every_stripped_block_among_the_paragraphs(datasette_url, archive_db):
    site, article_id = article_key(archive_db)
    status, html = fetch(f"{datasette_url}/audit/{site}/{article_id}")
    assert status == 200
    blocks = query_db(archive_db, "select kind, rule from removed_blocks where site = ? and article_id = ?"
                      " order by position", [site, article_id])
    ((body,),) = query_db(archive_db, "select body from articles where site = ? and article_id = ?", [site, article_id])
    assert html.count('<aside class="stripped') == len(blocks) > 0
    assert html.count('<p class="kept">') == len(body.split("\n\n"))
    for kind, rule in blocks:
        assert f'data-kind="{kind}"' in html and rule.rsplit(":", 1)[-1].split(",")[0] in html
    # Placed by the stored page: the related-articles list comes after the last paragraph.
    if "related" in {kind for kind, _ in blocks}:
        assert html.rindex('<p class="kept">') < html.index('data-kind="related"')


def test_audit_of_an_article_without_a_stored_page(datasette_url):
    status, html = fetch(f"{datasette_url}/audit/moscowtimes/{HOSTILE_ID}")
    assert status == 200 and "no page\n    is stored for this article" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hostile headline" in html and "<script>alert" not in html
    assert fetch(f"{datasette_url}/audit/moscowtimes/{HOSTILE_ID}/page")[0] == 404
    assert fetch(f"{datasette_url}/audit/moscowtimes/no-such-article")[0] == 404


def test_stored_page_is_served_sandboxed(datasette_url, archive_db):
    site, article_id = article_key(archive_db)
    with urllib.request.urlopen(f"{datasette_url}/audit/{site}/{article_id}/page", timeout=30) as response:
        policy = response.headers["Content-Security-Policy"]
        assert SEARCH_HIT.split(",")[0] in response.read().decode()
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy


def test_an_archive_no_crawl_has_migrated_since_the_page_charset_is_served(archive_db, tmp_path):
    # Upgraded, and served before a crawl or reextract added pages.charset: the audit still reads its pages.
    old = tmp_path / "articles.db"
    with closing(sqlite3.connect(archive_db)) as source, closing(sqlite3.connect(old)) as copy:
        source.backup(copy)
        copy.execute("alter table pages drop column charset")
        copy.execute("delete from _sqlite_migrations where name = 'add_pages_charset'")
        copy.commit()
    site, article_id = article_key(archive_db)
    with running_datasette(old) as url:
        status, html = fetch(f"{url}/audit/{site}/{article_id}")
        assert status == 200 and SEARCH_HIT.split(",")[0] in unescape(html)
        status, page = fetch(f"{url}/audit/{site}/{article_id}/page")
        assert status == 200 and SEARCH_HIT.split(",")[0] in page


def test_dashboard_draws_its_charts_offline(datasette_url):
    status, html = fetch(f"{datasette_url}/dashboard")
    assert status == 200
    for panel in ("articles-per-day", "articles-per-site", "blocks-per-kind", "crawl-runs"):
        section = html.split(f'id="{panel}"', 1)[1].split("</section>", 1)[0]
        assert "<svg" in section and "<rect" in section, panel
    assert "<script src" not in html and 'src="http' not in html


def test_every_column_is_described(archive_db):
    tables = METADATA["databases"]["articles"]["tables"]
    names = query_db(
        archive_db,
        "select name from sqlite_master where type = 'table'"
        " and name not like 'articles_fts%' and name not like 'sqlite%'",
    )
    for (table,) in names:
        columns = [row[1] for row in query_db(archive_db, f"pragma table_info([{table}])")]
        described = tables.get(table, {}).get("columns", {})
        assert set(columns) == set(described), table


@pytest.mark.parametrize(
    "sql, refused_with",
    [
        ("select 1", 403),  # no arbitrary SQL for anonymous users
        # Datasette rejects anything but a select before it checks permissions.
        ("update articles set title = 'defaced'", 400),
        ("drop table articles", 400),
    ],
)
def test_anonymous_cannot_run_sql(datasette_url, archive_db, sql, refused_with):
    titles = query_db(archive_db, "select title from articles order by rowid")
    status, _ = fetch(f"{datasette_url}/articles.json?" + urllib.parse.urlencode({"sql": sql}))
    assert status == refused_with
    assert query_db(archive_db, "select title from articles order by rowid") == titles


def test_anonymous_cannot_insert_through_the_api(datasette_url, archive_db):
    count = query_db(archive_db, "select count(*) from articles")
    row = {"row": {"site": "x", "article_id": "1", "url": "u", "title": "t", "body": "b"}}
    status, _ = fetch(
        f"{datasette_url}/articles/articles/-/insert",
        data=json.dumps(row).encode(),
        headers={"Content-Type": "application/json"},
    )
    # 0.65 has no write API (404); 1.0 has one that only grants insert-row to root (403).
    assert status in (403, 404)
    assert query_db(archive_db, "select count(*) from articles") == count


def test_hostile_text_is_escaped(datasette_url):
    pages = [
        f"/articles/articles/moscowtimes,{HOSTILE_ID}",
        "/articles/articles?_search=hostile",
        "/articles/search?q=hostile",
    ]
    for page in pages:
        status, html = fetch(datasette_url + page)
        assert status == 200, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Hostile headline" in html, page
        assert "<script>alert" not in html and "<b>Mallory" not in html, page


def test_article_page_shows_body_as_paragraphs(datasette_url):
    _, html = fetch(f"{datasette_url}/articles/articles/moscowtimes,{HOSTILE_ID}")
    assert (
        "<p>First &lt;script&gt;alert(2)&lt;/script&gt; paragraph.</p>"
        "<p>Second paragraph.</p><p>Added later.</p>"
    ) in html


def test_query_results_link_to_the_article(datasette_url, archive_db):
    _, html = fetch(f"{datasette_url}/articles/search?q={SEARCH}")
    ((site, article_id),) = query_db(
        archive_db, "select site, article_id from articles where title = ?", [SEARCH_HIT]
    )
    assert f'href="/articles/articles/{tilde_encode(site)},{tilde_encode(article_id)}"' in html


def test_serves_what_a_running_crawl_writes(datasette_url, archive_db):
    db = open_db(archive_db)
    row = dict(
        hostile_row("Written while serving."),
        article_id="live-1",
        url="http://127.0.0.1:8800/2024/06/22/live-a2",
        title="Live",
        published="2024-06-22T10:00:00+03:00",
    )
    store_article(db, row, [], "2024-06-23T09:00:00+00:00")
    db.close()
    data = get_json(f"{datasette_url}/articles/articles.json?_shape=objects&article_id=live-1")
    assert [row["title"] for row in data["rows"]] == ["Live"]


def test_serve_takes_any_file_name(tmp_path):
    other = tmp_path / "replica.db"
    open_db(other).close()
    link = served_path(other)
    assert link.name == "articles.db" and link.resolve() == other.resolve()
    assert served_path(link) == link


def test_serve_refuses_a_missing_database(tmp_path):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing.db")])


@pytest.mark.parametrize("name, reason", [
    ("README.md", "is no SQLite database: file is not a database"),
    ("docs", "is a directory, not a database file"),
    ("missing.db", "does not exist: run a crawl first"),
])
def test_serve_says_in_one_line_why_it_cannot_serve_a_path(name, reason):
    result = subprocess.run([sys.executable, "-m", "crawler.serve", name, "--port", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == f"python -m crawler.serve: error: {name} {reason}"


@pytest.mark.parametrize("query", [
    "_facet_day={", '_facet_day={"x":1}', "_facet_day=", '_facet_day="published', "_facet_day=nosuch",
    '_facet_month={"column":"nosuch"}', "_facet_month={",
])
def test_a_malformed_date_facet_is_a_bad_request_not_a_server_error(datasette_url, query):
    assert fetch(f"{datasette_url}/articles/articles.json?{query}")[0] == 400


def test_the_docs_warn_that_listening_on_every_interface_publishes_everything():
    text = (ROOT / "docs" / "datasette.md").read_text()
    warning = text[text.index("`--host 0.0.0.0` publishes"):].split("\n\n")[0]
    assert "hidden ones included" in warning and "`pages`" in warning


@pytest.mark.parametrize("name", sorted(name for name, query in QUERIES.items() if ":site" in query["sql"]))
def test_canned_queries_of_another_site_find_none_of_these_rows(datasette_url, name):
    query = urllib.parse.urlencode({"_shape": "array", **QUERY_PARAMS, "site": "example.org"})
    assert get_json(f"{datasette_url}/articles/{name}.json?{query}") == []


def test_the_audit_view_of_an_article_keyed_on_its_path(datasette_url):
    site, article_id = GENERIC_KEY["site"], GENERIC_KEY["article_id"]
    status, html = fetch(f"{datasette_url}/audit/{site}/{urllib.parse.quote(article_id)}")
    assert status == 200 and "A story of a site without rules." in html
    assert fetch(f"{datasette_url}/audit/{site}/{urllib.parse.quote(article_id)}/page")[0] == 404  # no page stored


def links(html, text):
    """The targets of the links whose text starts with ``text``."""
    return [unescape(href) for href in re.findall(rf'<a href="([^"]*)"[^>]*>(?:<strong>)?{re.escape(text)}', html)]


@pytest.mark.parametrize("key", AWKWARD_KEYS, ids=lambda key: key["site"])
def test_every_link_to_the_audit_view_and_the_stored_page_opens_them(datasette_url, key):
    status, html = fetch(f"{datasette_url}/articles/articles/{path_from_row_pks(key, list(key), False)}")
    assert status == 200
    (audit,) = links(html, "Audit view")
    assert links(html, "Stored page") == [audit + "/page"]
    query = urllib.parse.urlencode({"_shape": "array", "site": key["site"]})
    assert [row["audit"] for row in get_json(f"{datasette_url}/articles/stripping_audit.json?{query}")] == [audit]
    assert f'href="{audit}"' in fetch(f"{datasette_url}/articles/stripping_audit?{query}")[1]
    status, html = fetch(datasette_url + audit)
    number = AWKWARD_KEYS.index(key)
    assert status == 200 and f"Awkward story {number}." in html
    assert links(html, "Stored page") == [audit + "/page"]
    assert fetch(datasette_url + audit + "/page") == (200, f"Stored page {number}")
    records = links(html, "Article record") + links(html, key["article_id"] + "<")  # and the crumbs
    assert len(records) == 2
    for record in records:
        status, html = fetch(datasette_url + record)
        assert status == 200 and f"Awkward {number}<" in html, record
