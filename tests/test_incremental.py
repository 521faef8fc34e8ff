"""Incremental, cron-safe crawls: fetch decisions, state, history, run log, lock, exit codes.

The end-to-end tests run the real `scrapy crawl` against the replica served
with conditional GET, and read the server's request log.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import signal
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler
from sqlite_utils import Database

from bench.crawl import process_tree
from crawler import incremental
from crawler.discovery import Link
from crawler.failures import due_failures
from crawler.migrations import migrations
from crawler.pool import WORKER_LOST
from crawler.runlog import CrawlBusy, judge, lock_database, run_counts
from crawler.storage import (
    StorageError,
    begin_run,
    discovery_documents,
    finish_run,
    mark_dropped,
    open_db,
    record_discovery,
    take_due,
    take_rechecks,
)
from pipelines.extract import ExtractPipeline
from tests.conftest import ROOT, SITE, SITE_V2, crawl_command, run_crawl
from tests.replica_server import FaultRules, ReplicaServer
from tests.scoring import score_database
from tests.storing import store_article

ARTICLE_PAGE = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]*-a(\d+)$")
# What v2 adds to and changes in the dev replica (FORMAT.md §6, truth/ of v2).
ADDED = {"89320", "89321", "89323", "89324", "89326"}
UPDATED = {"65457", "72572", "77241"}
FEED_ITEM = "<p>Putin met Erdogan.</p>"
ARTICLES = 46  # the replica's articles


# -- Fetch decisions -------------------------------------------------------------------


def test_a_signal_ignores_markup_but_not_words():
    plain = incremental.link_signal(Link("u", title="Talks", text=FEED_ITEM))
    assert plain == incremental.link_signal(Link("u", title="Talks", text='<p class="x">Putin  met\nErdogan.</p>'))
    assert plain == incremental.link_signal(Link("u", title="Talks", text="Putin met Erdogan&#46;"))
    assert plain != incremental.link_signal(Link("u", title="Talks", text="<p>Putin met Erdogan again.</p>"))
    assert plain != incremental.link_signal(Link("u", title="Talks, updated", text=FEED_ITEM))
    assert incremental.link_signal(Link("u", modified="2024-06-20T10:00:00+03:00")) != incremental.link_signal(
        Link("u", modified="2024-06-20T11:00:00+03:00"))
    assert incremental.link_signal(Link("u", published="2024-06-20T10:00:00+03:00")) is None


@pytest.mark.parametrize("known, due, previous, signal, reason", [
    (False, None, None, None, "new"),
    (True, None, None, None, None),
    (True, None, None, "s1", None),  # the first signal of a document is a baseline
    (True, None, "s1", "s1", None),
    (True, None, "s1", None, None),
    (True, None, "s1", "s2", "changed"),
    (True, "new", "s1", "s1", "new"),  # still due from a crawl that did not finish
])
def test_fetch_reason(known, due, previous, signal, reason):
    assert incremental.fetch_reason(known, due, previous, signal) == reason


def test_conditional_headers_and_unchanged_sitemaps():
    document = incremental.Document("u", etag='"e"', last_modified="Thu, 20 Jun 2024 09:00:00 GMT",
                              sitemap_lastmod="2024-06-20T12:00:00+03:00")
    assert incremental.conditional_headers(document) == {
        "If-None-Match": '"e"', "If-Modified-Since": "Thu, 20 Jun 2024 09:00:00 GMT"}
    assert incremental.conditional_headers(incremental.Document("u")) == {}
    assert incremental.conditional_headers(None) == {}
    assert not incremental.sitemap_changed("2024-06-20T12:00:00+03:00", document)
    assert incremental.sitemap_changed("2024-06-21T12:00:00+03:00", document)
    assert incremental.sitemap_changed(None, document)  # no lastmod: always read
    assert incremental.sitemap_changed("2024-06-20T12:00:00+03:00", None)


# -- The run's verdict -----------------------------------------------------------------

LIMITS = {"max_failed_share": 0.2, "min_coverage": {"authors": 0.5, "body": 0.9}}
HEALTHY = {
    "downloader/request_count": 60, "discovery/documents": 20, "discovery/feed/documents": 8,
    "discovery/feed": 300, "articles/stored/new": 40, "articles/stored/unchanged": 5,
    "failed/extract/not-article": 2, "articles/strip/donation": 40, "articles/strip/promo": 7,
    "coverage/pages": 47, "coverage/authors": 40, "coverage/body": 45,
}


def test_counts_of_a_run():
    assert run_counts(dict(HEALTHY, **{"failed/download/http-500": 1, "articles/drop/not-article": 2})) == {
        "requests": 60, "new": 40, "updated": 0, "unchanged": 5, "skipped": 0, "failed": 3, "removed_blocks": 47}


@pytest.mark.parametrize("reason, change, status, message", [
    ("finished", {}, "ok", "40 new, 0 updated, 5 unchanged, 2 failed"),
    ("shutdown", {}, "interrupted", "interrupted (shutdown)"),
    ("closespider_errorcount", {}, "failed", "closed early: closespider_errorcount"),
    ("finished", {"discovery/documents": 0, "failed/download/connection-refused": 21}, "failed",
     "site unreachable: no discovery document could be fetched (23 requests failed)"),
    ("finished", {"discovery/documents": 0, "discovery/not-modified": 20, "coverage/pages": 0,
                  "articles/stored/new": 0, "articles/stored/unchanged": 0, "failed/extract/not-article": 0},
     "ok", "0 new"),
    ("finished", {"failed/extract/empty-body": 20}, "degraded", "22 of 67 pages failed (more than 20%)"),
    ("finished", {"discovery/feed": 0}, "degraded", "8 feed documents list no article"),
    ("finished", {"coverage/authors": 10}, "degraded", "authors found in 21% of 47 articles (minimum 50%)"),
    ("finished", {"coverage/pages": 9, "coverage/authors": 0}, "ok", "40 new"),  # too few to judge
])
def test_judge(reason, change, status, message):
    verdict = judge(reason, dict(HEALTHY, **change), **LIMITS)
    assert verdict[0] == status
    assert message in verdict[1]


def test_every_problem_is_in_the_one_line():
    status, message = judge("finished", dict(HEALTHY, **{"coverage/body": 0, "discovery/feed": 0}), **LIMITS)
    assert status == "degraded" and "\n" not in message
    assert "body found in 0%" in message and "feed documents list no article" in message


# -- State in the database -------------------------------------------------------------

SITE_NAME = "moscowtimes"
ROW = {"url": "http://h/2024/06/20/x-a1", "site": SITE_NAME, "article_id": "1", "title": "T",
       "body": "One.", "authors": "[]", "tags": "[]", "published": "2024-06-20T10:00:00+03:00",
       "content_hash": "h1"}


def sighting(article_id="1", signal=None):
    return incremental.Sighting(article_id, f"http://h/2024/06/20/x-a{article_id}", "2024-06-20T10:00:00+03:00",
                          None, signal)


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "articles.db")


def test_new_links_are_due_until_stored(db):
    assert record_discovery(db, SITE_NAME, "feed", [sighting("1"), sighting("2")], "t1") == [
        ("1", "http://h/2024/06/20/x-a1", "new"), ("2", "http://h/2024/06/20/x-a2", "new")]
    # A crawl killed now finds both still due, and no more once stored.
    assert [row[0] for row in take_due(db, SITE_NAME, 10)] == ["1", "2"]
    store_article(db, ROW, [], "t2")
    assert record_discovery(db, SITE_NAME, "feed", [sighting("1"), sighting("2")], "t3") == [
        ("2", "http://h/2024/06/20/x-a2", "new")]
    link = db["article_links"].get((SITE_NAME, "1"))
    assert (link["due"], link["fetched"], link["discovered"]) == (None, "t2", "t1")


def test_a_changed_signal_makes_a_stored_article_due_until_fetched_again(db):
    record_discovery(db, SITE_NAME, "feed", [sighting(signal="s1")], "t1")
    store_article(db, ROW, [], "t2")
    assert record_discovery(db, SITE_NAME, "feed", [sighting(signal="s1")], "t3") == []
    # Another document's view of the same article is compared with its own.
    assert record_discovery(db, SITE_NAME, "other", [sighting(signal="x")], "t3") == []
    assert record_discovery(db, SITE_NAME, "feed", [sighting(signal="s2")], "t4") == [
        ("1", ROW["url"], "changed")]
    # Killed before the fetch: the next crawl still knows, though the signal is recorded.
    assert record_discovery(db, SITE_NAME, "feed", [sighting(signal="s2")], "t5") == [
        ("1", ROW["url"], "changed")]
    store_article(db, dict(ROW, body="One. Two.", content_hash="h2"), [], "t6")
    assert record_discovery(db, SITE_NAME, "feed", [sighting(signal="s2")], "t7") == []


def test_a_dropped_link_is_not_fetched_again_until_it_changes(db):
    record_discovery(db, SITE_NAME, "feed", [sighting(signal="s1")], "t1")
    mark_dropped(db, SITE_NAME, "1", "not-article: soft 404", "t2")
    assert record_discovery(db, SITE_NAME, "feed", [sighting(signal="s1")], "t3") == []
    assert db["article_links"].get((SITE_NAME, "1"))["dropped"] == "not-article: soft 404"
    assert record_discovery(db, SITE_NAME, "feed", [sighting(signal="s2")], "t4") == [("1", ROW["url"], "changed")]
    store_article(db, ROW, [], "t5")
    assert db["article_links"].get((SITE_NAME, "1"))["dropped"] is None


def test_document_validators_are_written_with_the_links(db):
    document = incremental.Document("http://h/rss/all", etag='"e1"', last_modified="Thu, 20 Jun 2024 09:00:00 GMT")
    with pytest.raises(sqlite3.IntegrityError):  # a link without a URL breaks the transaction
        record_discovery(db, SITE_NAME, "feed", [sighting("1"), incremental.Sighting("2", None, None, None, None)],
                         "t1", document)
    assert discovery_documents(db, ["http://h/rss/all"]) == {}
    assert db["article_links"].count == 0
    record_discovery(db, SITE_NAME, "feed", [sighting("1")], "t1", document)
    assert discovery_documents(db, ["http://h/rss/all", "http://h/other"]) == {"http://h/rss/all": document}


def test_recent_articles_are_rechecked_within_the_window_every_interval(db):
    store_article(db, ROW, [], "2024-06-20T08:00:00+00:00")  # published 07:00 UTC
    old = dict(ROW, article_id="2", url="http://h/2024/06/01/y-a2", published="2024-06-01T10:00:00+03:00")
    store_article(db, old, [], "2024-06-20T08:00:00+00:00")

    def rechecked(now, window, interval=6):
        return take_rechecks(db, SITE_NAME, now, window, interval)

    assert rechecked("2024-06-20T15:00:00+00:00", 48) == [("1", ROW["url"], "recheck")]
    assert rechecked("2024-06-20T13:00:00+00:00", 48) == []  # fetched 5 hours ago
    assert rechecked("2024-06-20T13:00:00+00:00", 48, interval=4) == [("1", ROW["url"], "recheck")]
    assert rechecked("2024-06-22T08:00:00+00:00", 48) == []  # 49 hours old
    assert rechecked("2024-06-20T15:00:00+00:00", 0) == []  # re-checking off


def test_an_update_keeps_the_previous_version(db):
    store_article(db, ROW, [], "t1")
    store_article(db, ROW, [], "t2")
    assert db["article_versions"].count == 0
    store_article(db, dict(ROW, title="T2", body="One. Two.", content_hash="h2"), [], "t3")
    store_article(db, dict(ROW, title="T3", body="Three.", content_hash="h3"), [], "t4")
    versions = list(db.query("select article_id, url, fetched, title, body, content_hash from article_versions"
                             " order by id"))
    assert versions == [
        {"article_id": "1", "url": ROW["url"], "fetched": "t1", "title": "T", "body": "One.", "content_hash": "h1"},
        {"article_id": "1", "url": ROW["url"], "fetched": "t3", "title": "T2", "body": "One. Two.",
         "content_hash": "h2"},
    ]
    assert db["articles"].get((SITE_NAME, "1"))["last_changed"] == "t4"


def test_an_upgraded_database_knows_its_articles(tmp_path):
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="create_article_versions")
    db["articles"].insert(dict(ROW, first_seen="t1", last_fetched="t2", last_changed="t1"))
    db.close()
    db = open_db(tmp_path / "old.db")
    link = db["article_links"].get((SITE_NAME, "1"))
    assert (link["url"], link["due"], link["discovered"], link["fetched"]) == (ROW["url"], None, "t1", "t2")
    assert record_discovery(db, SITE_NAME, "feed", [sighting("1")], "t3") == []


def test_an_upgraded_database_keeps_its_failures_and_runs_and_retries_them(tmp_path):
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="add_site_to_failures_and_crawl_runs")
    db["failures"].insert({"url": ROW["url"], "stage": "download", "reason": "http-500", "attempts": 1,
                           "first_seen": "t1", "last_seen": "t1", "next_retry": "2000-01-01T00:00:00+00:00",
                           "retry_request": '{"callback": "parse_article", "cb_kwargs": {}}'})
    db["crawl_runs"].insert({"started": "t1", "status": "ok"})
    db.close()
    db = open_db(tmp_path / "old.db")
    assert db["failures"].get(ROW["url"])["site"] is None and db["crawl_runs"].get(1)["site"] is None
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert [row["url"] for row in due_failures(db, SITE_NAME, now)] == [ROW["url"]]  # one site was crawled then


def test_a_run_that_died_is_marked_killed_by_the_next(db):
    first = begin_run(db, "t1")
    second = begin_run(db, "t2")
    finish_run(db, second, {"finished": "t3", "status": "ok"})
    rows = {row["id"]: row for row in db["crawl_runs"].rows}
    assert rows[first]["status"] == "killed" and "died" in rows[first]["message"]
    assert rows[second]["status"] == "ok"


def test_the_lock_keeps_a_second_crawl_out(tmp_path):
    path = tmp_path / "sub" / "articles.db"
    fd = lock_database(path)
    try:
        with pytest.raises(CrawlBusy, match=r"another crawl or reextract is running on .*articles.db; not starting"):
            lock_database(path)
        db = open_db(path)
        begin_run(db, "t1")
        db.close()
        with pytest.raises(CrawlBusy, match=r"articles.db \(run 1, started t1\); not starting"):
            lock_database(path)
    finally:
        os.close(fd)
    os.close(lock_database(path))


def test_the_lock_on_a_bad_path_is_a_storage_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="cannot open database"):
        lock_database(tmp_path / "file" / "articles.db")


# -- Real crawls against the replica -----------------------------------------------------

QUIET = {"RECHECK_WINDOW": "0"}
# Documents always read whole: robots.txt (once, for Scrapy's rules and the spider's sitemaps)
# and the two sitemap indexes, which say which sitemaps changed.
ALWAYS_READ = {"/robots.txt", "/_static/sitemap/sitemap.xml", "/_static/sitemap/newsmap.xml"}


def take_log(path: Path) -> list[dict]:
    """The requests the replica logged since the last call."""
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    path.write_text("")
    return lines


def article_ids(requests: list[dict]) -> list[str]:
    return [match[1] for match in (ARTICLE_PAGE.match(r["path"]) for r in requests) if match]


def runs(db_path: Path) -> list[dict]:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("select * from crawl_runs order by id")]


def counts(run: dict) -> tuple:
    return run["status"], run["finish_reason"], run["new"], run["updated"], run["unchanged"], run["failed"]


def test_recrawls_fetch_only_new_and_changed_articles_and_keep_history(tmp_path):
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    with ReplicaServer(SITE, conditional=True, log_path=log) as server:
        first = run_crawl(server.base_url, db_path, "-a", "since=2000-01-01", settings=QUIET)
        assert first.returncode == 0, first.stderr[-3000:]
        first_requests = take_log(log)
        stored = sqlite3.connect(db_path).execute("select count(*) from articles").fetchone()[0]
        assert len(article_ids(first_requests)) == stored

        unchanged = run_crawl(server.base_url, db_path, settings=QUIET)
        assert unchanged.returncode == 0 and unchanged.stderr.count("ERROR") == 0, unchanged.stderr[-3000:]
        unchanged_requests = take_log(log)
        port = server.port
    assert article_ids(unchanged_requests) == []
    assert [sum(r["path"] == "/robots.txt" for r in requests) for requests in (first_requests, unchanged_requests)] \
        == [1, 1]
    revalidated = [r for r in unchanged_requests if r["path"] not in ALWAYS_READ]
    assert {r["path"] for r in revalidated} >= {"/rss/all", "/_static/sitemap/news.xml", "/news"}
    assert all(r["if_none_match"] and r["status"] == 304 for r in revalidated), revalidated
    # Month files the index shows unchanged are not even asked for.
    assert not any(re.search(r"/\d{4}-\d{1,2}\.xml$", r["path"]) for r in unchanged_requests)

    with ReplicaServer(SITE_V2, conditional=True, log_path=log, port=port) as server:
        next_day = run_crawl(server.base_url, db_path, settings=QUIET)
    assert next_day.returncode == 0, next_day.stderr[-3000:]
    next_day_requests = take_log(log)
    assert sorted(article_ids(next_day_requests)) == sorted(ADDED | UPDATED)
    feed = next(r for r in next_day_requests if r["path"] == "/rss/all")
    assert feed["if_none_match"] and feed["status"] == 200
    assert "/_static/sitemap/2024-6.xml" in {r["path"] for r in next_day_requests}

    db = Database(db_path)
    assert score_database(db_path, SITE_V2)["passed"]
    versions = list(db.query("select article_id, body, content_hash from article_versions"))
    assert {v["article_id"] for v in versions} == UPDATED and len(versions) == len(UPDATED)
    for version in versions:
        article = db["articles"].get(("moscowtimes", version["article_id"]))
        assert version["content_hash"] != article["content_hash"]
        assert article["body"].startswith(version["body"]) and article["last_changed"] > article["first_seen"]
    changed = {row["article_id"] for row in db.query("select article_id from articles where last_changed > first_seen")}
    assert changed == UPDATED

    assert [counts(run) for run in runs(db_path)] == [
        ("ok", "finished", stored, 0, 0, 0),
        ("ok", "finished", 0, 0, 0, 0),
        ("ok", "finished", len(ADDED), len(UPDATED), 0, 0),
    ]
    assert [run["requests"] for run in runs(db_path)] == [
        len(first_requests), len(unchanged_requests), len(next_day_requests)]
    assert all(run["finished"] >= run["started"] for run in runs(db_path))


def test_recent_articles_are_rechecked(tmp_path):
    db_path = tmp_path / "articles.db"
    with ReplicaServer(SITE, log_path=tmp_path / "requests.jsonl") as server:
        assert run_crawl(server.base_url, db_path, "-a", "since=2000-01-01", settings=QUIET).returncode == 0
        stored = len(article_ids(take_log(tmp_path / "requests.jsonl")))
        # Every replica article is younger than a century; the first crawl was less than an hour ago.
        century = {"RECHECK_WINDOW": str(100 * 365 * 24)}
        assert run_crawl(server.base_url, db_path, settings=dict(century, RECHECK_INTERVAL="1")).returncode == 0
        assert article_ids(take_log(tmp_path / "requests.jsonl")) == []
        assert run_crawl(server.base_url, db_path, settings=dict(century, RECHECK_INTERVAL="0")).returncode == 0
        assert len(article_ids(take_log(tmp_path / "requests.jsonl"))) == stored
    assert counts(runs(db_path)[-1]) == ("ok", "finished", 0, 0, stored, 0)


@pytest.mark.parametrize("signals", [
    [signal.SIGKILL],
    [signal.SIGTERM],  # Scrapy closes the spider
    [signal.SIGTERM, signal.SIGTERM],  # and stops at once on the second
], ids=["SIGKILL", "SIGTERM", "SIGTERM-twice"])
def test_a_killed_crawl_leaves_a_sound_database_and_the_next_one_finishes(tmp_path, signals):
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    # One page held unanswered: the crawl cannot end before the signal, however fast it runs.
    held = [{"regex": "-a89101$", "fault": "hold"}]
    with ReplicaServer(SITE, conditional=True, log_path=log, faults=held) as server:
        # A page is fetched only once the one before it is stored (Scrapy backs out while a response
        # waits in its scraper): however slowly the machine extracts, most of the site is still to
        # fetch when the signal comes, not downloaded and waiting for the stop to store it.
        slow = dict(QUIET, DOWNLOAD_DELAY="0.05", CONCURRENT_REQUESTS_PER_DOMAIN="2", DOWNLOAD_TIMEOUT="600",
                    SCRAPER_SLOT_MAX_ACTIVE_SIZE="1")
        crawl = subprocess.Popen(crawl_command(server.base_url, db_path, "-a", "since=2000-01-01", settings=slow),
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
        while stored_articles(db_path) < 10:
            assert crawl.poll() is None, crawl.stderr.read()[-3000:]
            time.sleep(0.05)
        for signum in signals:
            os.killpg(crawl.pid, signum)  # the extraction workers too
        server.released.set()  # a crawl stopping gracefully waits for the page it is downloading
        _, stderr = crawl.communicate(timeout=120)
        server.faults = FaultRules([])
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        before = {row[0] for row in sqlite3.connect(db_path).execute("select article_id from articles")}
        take_log(log)
        left_results = list(Path(tempfile.gettempdir()).glob(f"crawler-results-{crawl.pid}-*"))

        resumed = run_crawl(server.base_url, db_path, "-a", "since=2000-01-01", settings=QUIET)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        # The held request of the killed crawl is logged when released, which may come after take_log above.
        fetched_again = article_ids([request for request in take_log(log) if request["fault"] != "hold"])

    report = score_database(db_path, SITE)
    assert report["passed"] and report["missing"] == [] and report["extra"] == [], {k: v for k, v in report.items() if k in ("missing", "extra", "duplicates", "leaks", "field_mismatches", "field_accuracy", "body_f1")}
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) = count(distinct article_id) from articles").fetchone() == (1,)
        after = {row[0] for row in conn.execute("select article_id from articles")}
    # Only what the killed crawl had not stored, each once.
    assert after - before and sorted(fetched_again) == sorted(after - before)
    killed, finished = runs(db_path)
    if signals == [signal.SIGKILL]:
        assert crawl.returncode == -signal.SIGKILL
        assert killed["status"] == "killed" and killed["finished"] is None and "died" in killed["message"]
        # What its extraction pool could not remove, the next run's removed.
        assert left_results and not any(path.exists() for path in left_results)
    else:
        assert crawl.returncode == 1
        assert stderr.strip().splitlines()[-1].startswith("crawl moscowtimes: interrupted")
        assert killed["status"] == "interrupted" and killed["finished"]
        if len(signals) == 1:
            assert killed["finish_reason"] == "shutdown"
    assert finished["status"] == "ok"


def test_the_extraction_pool_outlives_a_stop_signal_to_the_process_group():
    # Ctrl-C and a service manager's SIGTERM reach every process of the group. A worker that died
    # of one while writing its result left the pool waiting for the rest, and the crawl never
    # stopped (the SIGTERM case above, about once in fifteen runs under load); a fork server that
    # died of one took the pool's view of its workers with it.
    before = set(process_tree(os.getpid()))

    def signal_the_pool():
        for pid in set(process_tree(os.getpid())) - before:
            for signum in (signal.SIGINT, signal.SIGTERM):
                os.kill(pid, signum)

    pipeline = ExtractPipeline.from_crawler(get_crawler(settings_dict={"EXTRACT_WORKERS": 1}))
    pipeline.open_spider()
    try:
        first = pipeline.pool.submit(os.getpid)  # starts the worker, which is still importing
        signal_the_pool()
        worker = first.result()
        signal_the_pool()
        assert pipeline.pool.submit(os.getpid).result() == worker
    finally:
        pipeline.close_spider()


def test_a_crawl_counts_the_pages_whose_extraction_worker_died():
    pipeline = ExtractPipeline.from_crawler(get_crawler(settings_dict={"EXTRACT_WORKERS": 1}))
    pipeline.open_spider()
    try:
        assert pipeline.pool.submit(os._exit, 1).result() == WORKER_LOST  # it dies, and again
    finally:
        pipeline.close_spider()
    assert pipeline.crawler.stats.get_value("articles/worker_lost") == 1


def test_a_crawl_whose_extraction_workers_die_stores_every_article(tmp_path):
    db_path = tmp_path / "articles.db"
    # One article held unanswered until the workers are dead: every other one is stored by then,
    # so the workers are idle, and the held one is extracted after.
    held = [{"regex": "-a89101$", "fault": "hold"}]
    with ReplicaServer(SITE, faults=held) as server:
        command = crawl_command(server.base_url, db_path, "-a", "since=2000-01-01",
                                settings=dict(QUIET, DOWNLOAD_TIMEOUT="600"))
        crawl = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            while stored_articles(db_path) < ARTICLES - 1:
                assert crawl.poll() is None, crawl.stderr.read()[-3000:]
                time.sleep(0.05)
            workers = [pid for pid in process_tree(crawl.pid)
                       if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]  # not the resource tracker
            assert workers
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
        finally:
            server.released.set()
        _, stderr = crawl.communicate(timeout=300)
    assert crawl.returncode == 0, stderr[-3000:]
    report = score_database(db_path, SITE)
    assert report["passed"] and report["missing"] == [], report["missing"]
    assert rows_of(db_path, "select url from failures") == []
    assert "An extraction worker died" in stderr


def stored_articles(db_path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            return conn.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created or not migrated yet


def test_a_second_crawl_started_at_the_same_time_exits_at_once(tmp_path):
    db_path = tmp_path / "articles.db"
    # The feed is held until the second crawl has given up: the first holds the lock till then.
    held_feed = [{"regex": "^/rss/all$", "fault": "hold"}]
    with ReplicaServer(SITE, faults=held_feed) as server:
        command = crawl_command(server.base_url, db_path, settings=dict(QUIET, DOWNLOAD_TIMEOUT="600"))
        crawls = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                  for _ in range(2)]
        outputs = {}
        while not outputs:  # the one that did not get the lock ends on its own
            for crawl in crawls:
                if crawl.poll() is not None:
                    outputs[crawl] = crawl.communicate()[1]
            time.sleep(0.05)
        server.released.set()
        results = [(crawl.returncode if crawl in outputs else crawl.wait(timeout=300),
                    outputs.get(crawl) or crawl.communicate(timeout=300)[1]) for crawl in crawls]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 75], results
    busy = next(stderr for code, stderr in results if code == 75)
    assert busy.strip().splitlines()[-1].startswith(f"crawl moscowtimes: another crawl or reextract is running on {db_path}")
    assert [run["status"] for run in runs(db_path)] == ["ok"]


def test_an_unreachable_site_fails_with_one_line_after_its_first_attempts(tmp_path):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        base_url = "http://127.0.0.1:%d" % closed.getsockname()[1]
        result = run_crawl(base_url, tmp_path / "articles.db", "--logfile", str(tmp_path / "crawl.log"),
                           settings=QUIET)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "crawl moscowtimes: failed: site unreachable: the first 3 attempts could not connect"]
    assert "Traceback" not in (tmp_path / "crawl.log").read_text()
    (run,) = runs(tmp_path / "articles.db")
    # robots.txt and its retries, not every start request with its own: stopped within seconds.
    assert (run["status"], run["finish_reason"], run["requests"]) == ("failed", "site_unreachable", 3)


def test_a_crawl_that_breaks_down_on_the_way_is_recorded_as_failed(tmp_path):
    # A component that cannot be built once the run has begun.
    pipelines = json.dumps({"pipelines.missing.Pipeline": 100})
    result = run_crawl("http://127.0.0.1:9", tmp_path / "articles.db", settings={"ITEM_PIPELINES": pipelines})
    assert result.returncode == 1
    line = "crawl moscowtimes: failed: No module named 'pipelines.missing'"
    assert result.stderr.strip().splitlines()[-1] == line
    (run,) = runs(tmp_path / "articles.db")
    assert (run["status"], run["message"]) == ("failed", line.split("failed: ", 1)[1])


def test_a_crawl_that_cannot_open_its_database_fails_with_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run_crawl("http://127.0.0.1:9", tmp_path / "file" / "articles.db")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("crawl moscowtimes: failed: cannot open database")


def hide_publication_dates(src: Path, dst: Path) -> Path:
    """The replica after a redesign that renamed the publication date in every article's metadata."""
    shutil.copytree(src, dst)
    for page in dst.glob("www/[0-9][0-9][0-9][0-9]/**/*-a*"):
        text = page.read_text("utf-8")
        page.write_text(text.replace("article:published_time", "article:shown_time")
                        .replace('"datePublished"', '"dateShown"'), "utf-8")
    return dst


def test_site_rules_that_stopped_matching_make_a_degraded_run(tmp_path):
    redesigned = hide_publication_dates(SITE, tmp_path / "redesigned")
    with ReplicaServer(redesigned) as server:
        result = run_crawl(server.base_url, tmp_path / "articles.db", "-a", "since=2000-01-01",
                           "--logfile", str(tmp_path / "crawl.log"), settings=QUIET)
    assert result.returncode == 3
    (line,) = result.stderr.splitlines()
    assert line.startswith("crawl moscowtimes: degraded: ")
    assert "published found in 0% of" in line and "site or its markup may have changed" in line
    assert runs(tmp_path / "articles.db")[0]["status"] == "degraded"


def test_feeds_that_list_no_article_make_a_degraded_run(tmp_path):
    empty_feeds = [{"regex": "^/rss/", "fault": "body", "content_type": "text/xml",
                    "content": "<rss><channel><title>MT</title></channel></rss>"}]
    with ReplicaServer(SITE, faults=empty_feeds) as server:
        result = run_crawl(server.base_url, tmp_path / "articles.db", settings=QUIET)
    assert result.returncode == 3
    assert "8 feed documents list no article" in result.stderr.splitlines()[-1]


def test_article_pages_that_fail_make_a_degraded_run_and_stay_due(tmp_path):
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    broken = [{"regex": ARTICLE_PAGE.pattern, "fault": "status", "status": 500}]
    with ReplicaServer(SITE, faults=broken, log_path=log) as server:
        # Due again at once: the next run is their back-off period's end.
        failing = run_crawl(server.base_url, db_path, settings=dict(QUIET, RETRY_TIMES="0", FAILURE_RETRY_BASE="0"))
        port = server.port
    assert failing.returncode == 3, failing.stderr[-3000:]
    failed = set(article_ids(take_log(log)))
    assert failed and "pages failed" in failing.stderr.splitlines()[-1]
    assert runs(db_path)[0]["failed"] >= len(failed)
    with ReplicaServer(SITE, log_path=log, port=port) as server:
        repaired = run_crawl(server.base_url, db_path, settings=QUIET)
    assert repaired.returncode == 0, repaired.stderr[-3000:]
    assert sorted(article_ids(take_log(log))) == sorted(failed)
    assert counts(runs(db_path)[1]) == ("ok", "finished", len(failed), 0, 0, 0)


def test_a_failing_article_is_requested_once_per_back_off_period_not_once_per_run(tmp_path):
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    gone = [{"regex": "-a89254$", "fault": "status", "status": 404}]
    with ReplicaServer(SITE, faults=gone, log_path=log) as server:
        for _ in range(2):  # the second run comes well inside the first failure's hour
            assert run_crawl(server.base_url, db_path, settings=QUIET).returncode == 0
        within = [r for r in take_log(log) if r["path"].endswith("-a89254")]
        with closing(sqlite3.connect(db_path)) as conn, conn:
            conn.execute("update failures set next_retry = '2000-01-01T00:00:00+00:00'")  # the hour is over
        assert run_crawl(server.base_url, db_path, settings=QUIET).returncode == 0
        after = [r for r in take_log(log) if r["path"].endswith("-a89254")]
    assert len(within) == 1 and len(after) == 1  # asked by the failure log alone, not by the spider too
    (row,) = rows_of(db_path, "select site, attempts, reason from failures")
    assert row == ("moscowtimes", 2, "http-404")
    assert rows_of(db_path, "select distinct site from crawl_runs") == [("moscowtimes",)]
    # Each failure counted once, by the failure log, in the run it happened in.
    assert rows_of(db_path, "select failed from crawl_runs order by id") == [(1,), (0,), (1,)]


def rows_of(db_path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(sql).fetchall()


def test_a_document_read_in_part_is_read_whole_by_the_next_crawl(tmp_path):
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    with ReplicaServer(SITE, conditional=True, log_path=log) as server:
        assert run_crawl(server.base_url, db_path, "-a", "since=2024-06-15", settings=QUIET).returncode == 0
        feed = f"{server.base_url}/rss/all"
        assert discovery_documents(Database(db_path), [feed])[feed] == incremental.Document(feed)
        take_log(log)
        assert run_crawl(server.base_url, db_path, settings=QUIET).returncode == 0
        requests = {r["path"]: r for r in take_log(log)}
    assert requests["/rss/all"]["if_none_match"] is None and requests["/rss/all"]["status"] == 200
    assert "/_static/sitemap/2024-6.xml" in requests
    assert Database(db_path)["articles"].get(("moscowtimes", "86045"))  # 2023: outside the first window


OLDER = "/2023/09/18/in-russias-far-north-timber-towns-bet-on-life-after-logging-a86045"
NEIGHBOUR = "/2024/05/28/drone-attack-sparks-fire-at-fuel-depot-in-russias-bryansk-region-a88310"
# Links since 2024-05-27 that give no article, each in its own way.
BROKEN_LINKS = [
    {"regex": "-a88967$", "fault": "redirect", "location": "{{www}}" + NEIGHBOUR},  # a second copy of it
    {"regex": "-a88977$", "fault": "redirect", "location": "{{www}}/news"},  # fetched as a listing too
    {"regex": "-a89254$", "fault": "redirect", "location": "{{www}}" + OLDER},
    {"regex": "-a89101$", "fault": "body", "content": (SITE / "data" / "soft404.html").read_text("utf-8")},
    {"regex": "^/live/88620/", "fault": "body", "content": "not json", "content_type": "application/json"},
]


def test_links_that_give_no_article_are_not_fetched_again(tmp_path):
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    with ReplicaServer(SITE, faults=BROKEN_LINKS, log_path=log) as server:
        run_crawl(server.base_url, db_path, "-a", "since=2024-05-27", settings=QUIET)
        port = server.port
    assert {"88967", "88977", "89254", "89101", "88620"} <= set(article_ids(take_log(log)))
    db = Database(db_path)
    links = {row["article_id"]: row for row in db.query("select * from article_links where due is null")}
    assert links["88977"]["dropped"] == "not-article-url"
    assert links["89254"]["dropped"] == links["88967"]["dropped"] == "redirected"
    assert links["88310"]["dropped"] is None and links["88310"]["fetched"]
    assert links["89101"]["dropped"].startswith("not-article: ")
    assert links["88620"]["dropped"] == "bad-live-posts"
    stored = {row["article_id"] for row in db.query("select article_id from articles")}
    assert {"86045", "88310"} <= stored and not {"88967", "88977", "89254", "89101", "88620"} & stored

    with ReplicaServer(SITE, log_path=log, port=port) as server:  # repaired, and not conditional
        assert run_crawl(server.base_url, db_path, "-a", "since=2024-05-27", settings=QUIET).returncode == 0
    assert article_ids(take_log(log)) == []
