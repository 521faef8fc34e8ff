"""Faults of servers, content and the database, each against a real crawl of the replica.

Every fault ends in a stored article or in a row of ``failures`` and a log
line, never in a crash. One replica serves the module; each crawl sets its
faults (``ReplicaServer.faults``) and reads the requests it caused from the
replica's log. Three crawls carry most faults at once, one per URL: the
article matrix (every article of the site, most of them faulted), a clean
rerun of it, and a discovery crawl whose only sources are hostile sitemaps
and feeds.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import brotli
import pytest
import scrapy
from backports import zstd
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.charset import decode_html
from crawler.extensions import download_reason
from crawler.failures import backoff, record_failure, retry_after
from crawler.middlewares import MetaRefreshMiddleware, Refused, decode_whole
from crawler.serve import datasette_args
from crawler.settings import ROBOTSTXT_MAXSIZE, USER_AGENT
from crawler.storage import is_unwritable, open_db
from tests.conftest import ROOT, SITE, crawl_command, run_crawl
from tests.replica_server import FaultRules, ReplicaServer, gzip_bomb
from tests.scoring import score_database

# Fast failures: one retry, short waits, a small size cap, due again at once.
SETTINGS = {
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "1",
    "RETRY_BACKOFF_BASE": "0.2",
    "RETRY_DELAY_MAX": "5",
    "DOWNLOAD_MAXSIZE": str(2_000_000),
    "EXTRACT_WORKERS": "1",
    "FAILURE_RETRY_BASE": "0",
}
FULL = ("-a", "since=2000-01-01")
CRAWL_OK = (0, 3)
# asyncio may end a sleep up to its clock resolution early; the replica stamps its log with time.time().
CLOCK_SLACK = 0.01  # ok, or degraded: a crawl full of faults may well be
CYRILLIC = "Жара в Москве побила рекорд."
LISTINGS = r"^/(news|opinion|meanwhile|arts-and-life|business|climate|diaspora|features|ukraine-war|lectures|videos|galleries)$"


def truth(article_id: int) -> dict:
    return json.loads((SITE / "truth" / f"{article_id}.json").read_text())


def page(article_id: int) -> str:
    return (SITE / "www" / truth(article_id)["url_path"].lstrip("/")).read_text("utf-8")


def on(article_id: int, fault: str, **spec) -> dict:
    """A fault on the page of one article (any of its URL forms)."""
    return {"regex": f"-a{article_id}/?$", "fault": fault, **spec}


def html_body(article_id: int, html: str | bytes, content_type: str = "text/html; charset=UTF-8") -> dict:
    content = html if isinstance(html, bytes) else html.encode()
    return on(article_id, "body", content_b64=base64.b64encode(content).decode(), content_type=content_type)


@dataclass
class Crawl:
    result: subprocess.CompletedProcess
    requests: list[dict]  # the replica's log lines of this crawl

    def requested(self, suffix: str) -> list[dict]:
        return [r for r in self.requests if r["path"].rstrip("/").endswith(suffix)]


def crawl(server, db_path: Path, faults: list[dict], *args: str, **settings) -> Crawl:
    """A crawl with ``faults``; its requests are told from earlier crawls' late ones by its User-Agent."""
    server.faults = FaultRules(faults)
    agent = f"{USER_AGENT} test-crawl/{next(CRAWLS)}"
    result = run_crawl(server.base_url, db_path, *args, settings={**SETTINGS, "USER_AGENT": agent, **settings})
    lines = server.log_path.read_text().splitlines() if server.log_path.exists() else []
    requests = [entry for entry in map(json.loads, lines) if entry["user_agent"] == agent]
    return Crawl(result, requests)


CRAWLS = itertools.count()


def rows(db_path: Path, sql: str, params=()) -> list[dict]:
    with closing(sqlite3.connect(db_path)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params)]


def article(db_path: Path, article_id: int) -> dict | None:
    found = rows(db_path, "select * from articles where article_id = ?", [str(article_id)])
    return found[0] if found else None


def assert_failed(snapshot, suffix: str, stage: str, reason: str, status: int | None = None) -> dict:
    """The URL ending in ``suffix`` has its failure row and its log line."""
    row = snapshot.failure(suffix)
    assert row, f"no failure recorded for {suffix}"
    assert (row["stage"], row["reason"], row["http_status"]) == (stage, reason, status)
    assert row["attempts"] == 1 and row["first_seen"] == row["last_seen"]
    assert f"Failed {row['url']} at {stage}: {reason} " in snapshot.log
    return row


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ReplicaServer(SITE, log_path=tmp_path_factory.mktemp("replica") / "requests.jsonl") as server:
        yield server


# -- The article matrix: one fault per article page --------------------------------

RETRY_AFTER_ONCE, RETRY_AFTER_LONG = 64344, 65457
RETRY_AFTER_HUGE, RETRY_AFTER_BOGUS = 87612, 88310  # 400 digits; "²", a digit to str.isdigit only
WAITING = (RETRY_AFTER_LONG, RETRY_AFTER_HUGE)  # not due again by the rerun
HTTP_ERRORS = {69195: 500, 69466: 502, 70230: 404, 71057: 410}
TIMEOUT, SLOW_TRICKLE, GENTLE_TRICKLE, RESET, TRUNCATED = 71134, 71742, 72453, 72572, 73695
REDIRECT_LOOP, OFFSITE_REDIRECT, LOGIN_REDIRECT, SCRIPT_REDIRECT = 74018, 74344, 77241, 88203
UTF8_AS_CP1251, CP1251_AS_UTF8, BOM, NUL = 77392, 78191, 79490, 80175
PDF, IMAGE, JSON_BODY, EMPTY, SOFT_404 = 80509, 80968, 80974, 81539, 83364
OVERSIZED, GZIP_BOMB, HOSTILE = 83367, 85635, 87967
GATED = 66890
FAULTED = {
    RETRY_AFTER_ONCE, RETRY_AFTER_LONG, RETRY_AFTER_HUGE, RETRY_AFTER_BOGUS, *HTTP_ERRORS, TIMEOUT, SLOW_TRICKLE, GENTLE_TRICKLE, RESET, TRUNCATED,
    REDIRECT_LOOP, OFFSITE_REDIRECT, LOGIN_REDIRECT, SCRIPT_REDIRECT, UTF8_AS_CP1251, CP1251_AS_UTF8, BOM, NUL,
    PDF, IMAGE, JSON_BODY, EMPTY, SOFT_404, OVERSIZED, GZIP_BOMB, HOSTILE, GATED,
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def with_cyrillic(html: str, article_id: int) -> str:
    first = truth(article_id)["body_paragraphs"][0]
    return html.replace(f"<p>{first}", f"<p>{CYRILLIC} {first}", 1)


def hostile_page() -> str:
    html = page(HOSTILE)
    title = truth(HOSTILE)["title"]
    first = truth(HOSTILE)["body_paragraphs"][0]
    html = html.replace(
        f">{title}</a>",
        '>&lt;script&gt;alert("title")&lt;/script&gt; New Hospital Wing '
        '<b onmouseover="alert(3)">Opens</b> in Krasnoyarsk</a>',
        1,
    )
    return html.replace(
        f"<p>{first}",
        '<p onclick="alert(4)">Hostile: &lt;img src=x onerror=alert(5)&gt; and '
        '<a href="javascript:alert(6)">a link</a>.<script>alert(7)</script></p>'
        f"<p>{first}",
        1,
    )


def gated_page() -> str:
    """The article as a publisher's paywall serves it: its structured data says it is not free, and
    a prompt to subscribe stands where the story was."""
    html, (first, *others) = page(GATED), truth(GATED)["body_paragraphs"]
    assert '"isAccessibleForFree":true' in html
    html = html.replace(f"<p>{first}</p>", '<div class="gate"><h2>This article is for subscribers only</h2>'
                        "<p>Subscribe today to keep reading and get unlimited access to our journalism.</p>"
                        '<a class="button" href="/subscribe">Subscribe now</a></div>')
    for paragraph in others:
        html = html.replace(f"<p>{paragraph}</p>", "")
    return html.replace('"isAccessibleForFree":true', '"isAccessibleForFree":false')


def matrix_faults(server) -> list[dict]:
    nul_title = truth(NUL)["title"]
    nul_first = truth(NUL)["body_paragraphs"][0]
    return [
        on(RETRY_AFTER_ONCE, "status", status=429, retry_after=1, times=1),
        on(RETRY_AFTER_LONG, "status", status=503, retry_after=3600),
        on(RETRY_AFTER_HUGE, "status", status=503, retry_after="9" * 400),
        on(RETRY_AFTER_BOGUS, "status", status=503, retry_after="²"),
        *(on(article_id, "status", status=status) for article_id, status in HTTP_ERRORS.items()),
        on(TIMEOUT, "timeout", seconds=30),  # far past DOWNLOAD_TIMEOUT: the crawl gives up first
        on(SLOW_TRICKLE, "trickle", chunk=64, delay=0.1),
        on(GENTLE_TRICKLE, "trickle", chunk=8192, delay=0.05),
        on(RESET, "reset"),
        on(TRUNCATED, "truncate"),
        on(REDIRECT_LOOP, "redirect_loop"),
        on(OFFSITE_REDIRECT, "redirect", location=f"http://127.0.0.2:{server.port}/elsewhere"),
        on(LOGIN_REDIRECT, "redirect", location="{{www}}/account/login?next=/article"),
        on(SCRIPT_REDIRECT, "redirect", location="javascript:alert(1)"),
        html_body(
            UTF8_AS_CP1251,
            with_cyrillic(page(UTF8_AS_CP1251), UTF8_AS_CP1251).replace(
                '<meta charset="utf-8">', '<meta charset="windows-1251">'
            ),
            "text/html; charset=windows-1251",
        ),
        html_body(CP1251_AS_UTF8, with_cyrillic(page(CP1251_AS_UTF8), CP1251_AS_UTF8).encode("cp1251")),
        html_body(BOM, b"\xef\xbb\xbf" + page(BOM).encode()),
        html_body(
            NUL,
            page(NUL).replace(f">{nul_title}<", f">{nul_title}\x00<", 1)
            .replace(f"<p>{nul_first}", f"<p>\x00{nul_first}\x00", 1),
        ),
        html_body(PDF, (SITE / "data" / "pdf" / "64344.pdf").read_bytes(), "application/pdf"),
        html_body(IMAGE, PNG, "image/png"),
        html_body(JSON_BODY, b'{"error": "no such article"}', "application/json"),
        html_body(EMPTY, b""),
        html_body(SOFT_404, (SITE / "data" / "soft404.html").read_bytes()),
        html_body(OVERSIZED, page(OVERSIZED).replace("</body>", "<!-- padding -->" * 200_000 + "</body>")),
        on(GZIP_BOMB, "gzip_bomb", size=64 << 20),
        html_body(HOSTILE, hostile_page()),
        html_body(GATED, gated_page()),
    ]


@dataclass
class Snapshot:
    """The database and log right after a crawl, before the next one changes them."""

    crawl: Crawl
    db_path: Path
    articles: dict[int, dict]
    failures: list[dict]

    @property
    def log(self) -> str:
        return self.crawl.result.stderr

    def failure(self, suffix: str) -> dict | None:
        found = [row for row in self.failures if row["url"].rstrip("/").endswith(suffix)]
        assert len(found) <= 1, found
        return found[0] if found else None


def snapshot(crawl_: Crawl, db_path: Path) -> Snapshot:
    articles = {int(row["article_id"]): row for row in rows(db_path, "select * from articles")
                if row["article_id"].isdigit()}
    return Snapshot(crawl_, db_path, articles, rows(db_path, "select * from failures"))


@pytest.fixture(scope="module")
def matrix(server, tmp_path_factory) -> Snapshot:
    db_path = tmp_path_factory.mktemp("matrix") / "articles.db"
    first = crawl(server, db_path, matrix_faults(server), *FULL)
    assert first.result.returncode in CRAWL_OK, first.result.stderr[-3000:]
    return snapshot(first, db_path)


def test_retry_after_is_honoured(matrix):
    times = [r["time"] for r in matrix.crawl.requested(f"-a{RETRY_AFTER_ONCE}")]
    # A lower bound the crawl guarantees (it sleeps before asking again), however busy the machine.
    assert len(times) == 2 and times[1] - times[0] >= 1.0 - CLOCK_SLACK
    assert RETRY_AFTER_ONCE in matrix.articles
    assert matrix.failure(f"-a{RETRY_AFTER_ONCE}") is None


def test_a_retry_after_beyond_the_cap_is_left_to_a_later_run(matrix):
    assert len(matrix.crawl.requested(f"-a{RETRY_AFTER_LONG}")) == 1
    row = assert_failed(matrix, f"-a{RETRY_AFTER_LONG}", "download", "http-503", 503)
    wait = datetime.fromisoformat(row["next_retry"]) - datetime.fromisoformat(row["last_seen"])
    assert wait >= timedelta(seconds=3599)
    assert "Retry-After asks for 3600s" in matrix.log


def test_a_retry_after_of_any_size_is_capped_and_the_failure_recorded(matrix):
    assert len(matrix.crawl.requested(f"-a{RETRY_AFTER_HUGE}")) == 1
    row = assert_failed(matrix, f"-a{RETRY_AFTER_HUGE}", "download", "http-503", 503)
    wait = datetime.fromisoformat(row["next_retry"]) - datetime.fromisoformat(row["last_seen"])
    assert wait == timedelta(days=7)  # FAILURE_RETRY_MAX


def test_a_retry_after_that_is_no_number_is_no_wait(matrix):
    assert len(matrix.crawl.requested(f"-a{RETRY_AFTER_BOGUS}")) == 2  # retried after the usual backoff
    row = assert_failed(matrix, f"-a{RETRY_AFTER_BOGUS}", "download", "http-503", 503)
    assert row["next_retry"] == row["last_seen"]  # FAILURE_RETRY_BASE=0 here


@pytest.mark.parametrize("article_id, status", sorted(HTTP_ERRORS.items()))
def test_http_errors_are_retried_when_transient_and_recorded(matrix, article_id, status):
    times = [r["time"] for r in matrix.crawl.requested(f"-a{article_id}")]
    if status >= 500:  # retried once, after a backoff
        assert len(times) == 2 and times[1] - times[0] >= 0.2 - CLOCK_SLACK
    else:
        assert len(times) == 1
    assert article_id not in matrix.articles
    assert_failed(matrix, f"-a{article_id}", "download", f"http-{status}", status)


@pytest.mark.parametrize(
    "article_id, reason",
    [(TIMEOUT, "timeout"), (SLOW_TRICKLE, "timeout"), (RESET, "connection-failed"), (TRUNCATED, "truncated")],
)
def test_transport_faults_are_retried_and_recorded(matrix, article_id, reason):
    row = assert_failed(matrix, f"-a{article_id}", "download", reason)
    # The replica logs a timed-out request only once it gives up waiting: count in the crawl's log.
    assert f"Gave up retrying <GET {row['url']}> (failed 2 times)" in matrix.log
    assert article_id not in matrix.articles


def test_a_slow_response_within_the_timeout_is_stored(matrix):
    assert matrix.articles[GENTLE_TRICKLE]["title"] == truth(GENTLE_TRICKLE)["title"]
    assert matrix.failure(f"-a{GENTLE_TRICKLE}") is None


def test_a_redirect_loop_ends_at_the_redirect_limit(matrix):
    hops = matrix.crawl.requested(f"-a{REDIRECT_LOOP}")
    assert len(hops) == 11  # the page and REDIRECT_MAX_TIMES (10) redirects
    assert_failed(matrix, f"-a{REDIRECT_LOOP}", "download", "redirect-loop")


def test_redirects_off_the_site_to_a_login_page_or_to_javascript_are_not_followed(matrix):
    assert_failed(matrix, f"-a{OFFSITE_REDIRECT}", "download", "offsite-redirect")
    assert_failed(matrix, f"-a{LOGIN_REDIRECT}", "download", "login-redirect")
    assert_failed(matrix, f"-a{SCRIPT_REDIRECT}", "download", "invalid-url")
    assert not [r for r in matrix.crawl.requests if r["path"].startswith("/account")]
    assert not {OFFSITE_REDIRECT, LOGIN_REDIRECT, SCRIPT_REDIRECT} & set(matrix.articles)


@pytest.mark.parametrize("article_id", [UTF8_AS_CP1251, CP1251_AS_UTF8])
def test_a_wrong_charset_declaration_does_not_garble_the_text(matrix, article_id):
    stored = matrix.articles[article_id]
    assert stored["title"] == truth(article_id)["title"]
    assert stored["body"].startswith(f"{CYRILLIC} {truth(article_id)['body_paragraphs'][0]}")
    assert "\ufffd" not in stored["body"]
    assert matrix.failure(f"-a{article_id}") is None


def test_a_byte_order_mark_is_no_content(matrix):
    stored = matrix.articles[BOM]
    assert stored["title"] == truth(BOM)["title"]
    assert stored["body"].startswith(truth(BOM)["body_paragraphs"][0])


def test_nul_bytes_are_dropped(matrix):
    stored = matrix.articles[NUL]
    assert stored["title"] == truth(NUL)["title"]
    assert stored["body"].startswith(truth(NUL)["body_paragraphs"][0] + "\n\n")
    assert not [name for name, value in stored.items() if isinstance(value, str) and "\x00" in value]


@pytest.mark.parametrize(
    "article_id, stage, reason",
    [
        (PDF, "download", "not-text"),
        (IMAGE, "download", "not-text"),
        (JSON_BODY, "extract", "not-html"),  # no markup in it
        (EMPTY, "download", "empty-body"),
        (SOFT_404, "extract", "not-article"),
    ],
)
def test_what_is_no_article_page_is_recorded_not_stored(matrix, article_id, stage, reason):
    assert article_id not in matrix.articles
    assert_failed(matrix, f"-a{article_id}", stage, reason, None if stage == "download" else 200)


def test_a_gated_article_that_shows_none_of_its_story_is_recorded_as_paywalled(matrix):
    assert GATED not in matrix.articles
    assert_failed(matrix, f"-a{GATED}", "extract", "paywalled", 200)
    assert "'articles/drop/paywalled': 1," in matrix.log


@pytest.mark.parametrize("article_id", [OVERSIZED, GZIP_BOMB])
def test_size_caps_hold_on_download_and_on_decompression(matrix, article_id):
    assert article_id not in matrix.articles
    assert_failed(matrix, f"-a{article_id}", "download", "too-large")


def test_markup_in_titles_and_bodies_is_stored_as_plain_text(matrix):
    stored = matrix.articles[HOSTILE]
    assert stored["title"] == '<script>alert("title")</script> New Hospital Wing Opens in Krasnoyarsk'
    first, second = stored["body"].split("\n\n")[:2]
    assert first == "Hostile: <img src=x onerror=alert(5)> and a link."
    assert second == truth(HOSTILE)["body_paragraphs"][0]
    assert "alert(7)" not in stored["body"] and "onclick" not in stored["body"]


def test_the_other_articles_are_stored_untouched(matrix):
    report = score_database(matrix.db_path, SITE)

    def clean(paths):
        return [path for path in paths if int(path.rsplit("-a", 1)[1]) not in FAULTED]

    assert clean(report["missing"]) == []
    assert report["extra"] == [] and report["duplicates"] == []
    assert all(report["body_f1_by_article"][path] >= 0.97 for path in clean(report["found"]))


# -- Per-page budgets ------------------------------------------------------------------------

BIG_ARTICLE, COSTLY_ARTICLE = 88967, 83596
PADDING = "<!-- padding -->" * 75_000  # 1.2 MB


def test_an_article_page_has_a_smaller_size_limit_than_a_sitemap(server, tmp_path):
    month = (SITE / "static" / "sitemap" / "2024-6.xml").read_text().replace("</urlset>", PADDING + "</urlset>")
    faults = [document("/_static/sitemap/2024-6.xml", month),
              html_body(BIG_ARTICLE, page(BIG_ARTICLE).replace("</body>", PADDING + "</body>"))]
    result = crawl(server, tmp_path / "articles.db", faults, *FULL, ARTICLE_MAXSIZE="1000000")
    assert result.result.returncode in CRAWL_OK, result.result.stderr[-3000:]
    budget = snapshot(result, tmp_path / "articles.db")
    assert_failed(budget, f"-a{BIG_ARTICLE}", "download", "too-large")
    assert budget.failure("/2024-6.xml") is None  # as large, and read
    report = score_database(budget.db_path, SITE)
    assert report["missing"] == [truth(BIG_ARTICLE)["url_path"]] and report["extra"] == []


def test_a_page_whose_extraction_runs_past_its_cpu_limit_is_a_failure(server, tmp_path):
    # Thousands of paragraphs: far more than one tick of the CPU timer to extract on any machine.
    paragraphs = "".join(f"<p>Paragraph {n} of a story that goes on and on, sentence after sentence.</p>"
                         for n in range(5000))
    first = truth(COSTLY_ARTICLE)["body_paragraphs"][0]
    costly = page(COSTLY_ARTICLE).replace(f"<p>{first}", f"{paragraphs}<p>{first}", 1)
    assert paragraphs in costly
    result = crawl(server, tmp_path / "articles.db", [html_body(COSTLY_ARTICLE, costly)], *FULL,
                   EXTRACT_CPU_LIMIT="0.001")
    assert result.result.returncode in CRAWL_OK, result.result.stderr[-3000:]
    assert_failed(snapshot(result, tmp_path / "articles.db"), f"-a{COSTLY_ARTICLE}", "extract", "extract-timeout",
                  200)


def test_a_body_longer_than_its_cap_is_a_failure_not_a_stored_article(server, tmp_path):
    result = crawl(server, tmp_path / "articles.db", [], BODY_MAX_CHARS="100")
    budget = snapshot(result, tmp_path / "articles.db")
    assert budget.articles == {} and budget.failures
    assert {(row["stage"], row["reason"]) for row in budget.failures} == {("extract", "body-too-long")}


# -- Compressed bodies: all of one or none ----------------------------------------------------

CUT_GZIP = 89254  # in the recent window


def cut_gzip(article_id: int) -> dict:
    """The page of ``article_id`` gzip-encoded and cut at 60 %, in an HTTP message that is complete."""
    packed = gzip.compress(page(article_id).encode())
    return {**html_body(article_id, packed[:len(packed) * 6 // 10]), "headers": {"Content-Encoding": "gzip"}}


def test_a_compressed_page_cut_short_is_a_failure_and_never_replaces_the_stored_article(server, tmp_path):
    db_path = tmp_path / "articles.db"
    cut = crawl(server, db_path, [cut_gzip(CUT_GZIP)])
    assert cut.result.returncode in CRAWL_OK, cut.result.stderr[-3000:]
    assert_failed(snapshot(cut, db_path), f"-a{CUT_GZIP}", "download", "bad-gzip")
    assert article(db_path, CUT_GZIP) is None

    whole = crawl(server, db_path, [])  # the failure is due at once: requested again, and stored
    assert whole.result.returncode == 0, whole.result.stderr[-3000:]
    stored = article(db_path, CUT_GZIP)
    assert stored and stored["body"].count("\n\n") + 1 == len(truth(CUT_GZIP)["body_paragraphs"])

    # Rechecked (every article is young enough), and cut short again: the stored article stays whole.
    recheck = crawl(server, db_path, [cut_gzip(CUT_GZIP)], RECHECK_WINDOW="1000000", RECHECK_INTERVAL="0")
    assert recheck.result.returncode in CRAWL_OK, recheck.result.stderr[-3000:]
    assert recheck.requested(f"-a{CUT_GZIP}")
    assert_failed(snapshot(recheck, db_path), f"-a{CUT_GZIP}", "download", "bad-gzip")
    assert article(db_path, CUT_GZIP) == stored
    assert rows(db_path, "select * from article_versions") == []


# -- robots.txt: read as far as RFC 9309 asks ----------------------------------------------------

DISALLOWED_EARLY, STRADDLING = 89254, 89101  # /2024/06/11/…, /2024/06/17/…


def test_a_robots_txt_is_read_only_up_to_its_cap(server, tmp_path):
    head = "Sitemap: {{static}}/sitemap/sitemap.xml\nUser-agent: *\nDisallow: /2024/06/11/\n"
    # A rule cut at the cap's very byte would read "Disallow: /20", which keeps every article out.
    padding = "#" + "x" * (ROBOTSTXT_MAXSIZE - 13 - len(head) - 2) + "\n"
    robots = head + padding + "Disallow: /2024/06/17/\nDisallow: /\n"
    result = crawl(server, tmp_path / "articles.db", [document("/robots.txt", robots, "text/plain")])
    assert result.result.returncode in CRAWL_OK, result.result.stderr[-3000:]
    capped = snapshot(result, tmp_path / "articles.db")
    assert STRADDLING in capped.articles and len(capped.articles) > 40  # "Disallow: /" is past the cap
    assert not result.requested(f"-a{DISALLOWED_EARLY}")
    assert "'robotstxt/truncated': 1," in capped.log
    assert capped.log.count(f"Read {server.base_url}/robots.txt only up to ROBOTSTXT_MAXSIZE") == 1


# -- robots.txt: downloaded once, for Scrapy's rules and discovery's sitemaps -------------------


def test_a_robots_txt_that_is_absent_is_asked_for_once(server, tmp_path):
    # Scrapy's RobotsTxtMiddleware reads the 404 as "everything allowed"; discovery, given the
    # same answer, counts it absent and reads the sitemaps the site's rules name
    result = crawl(server, tmp_path / "articles.db", [{"regex": "^/robots.txt$", "fault": "status", "status": 404}])
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    assert len(result.requested("/robots.txt")) == 1
    absent = snapshot(result, tmp_path / "articles.db")
    assert "'robotstxt/shared': 1," in absent.log and "'discovery/absent': 1," in absent.log
    assert len(absent.articles) > 40


def test_a_robots_txt_that_could_not_be_downloaded_is_asked_for_again(server, tmp_path):
    # Scrapy's fetch and its one retry are reset; the spider's request downloads it, and reads
    # its Sitemap: lines
    result = crawl(server, tmp_path / "articles.db", [{"regex": "^/robots.txt$", "fault": "reset", "times": 2}])
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    assert [r["fault"] for r in result.requested("/robots.txt")] == ["reset", "reset", None]
    fetched = snapshot(result, tmp_path / "articles.db")
    assert "robotstxt/shared" not in fetched.log and len(fetched.articles) > 40


def test_without_robots_txt_rules_discovery_alone_downloads_it(server, tmp_path):
    # ROBOTSTXT_OBEY=False: Scrapy's RobotsTxtMiddleware is off, and so is the sharing
    result = crawl(server, tmp_path / "articles.db", [], ROBOTSTXT_OBEY="False")
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    assert len(result.requested("/robots.txt")) == 1
    assert "robotstxt/" not in result.result.stderr and "RobotsTxtOnceMiddleware" not in result.result.stderr


# -- Later runs: failures retried with backoff, resolved ones cleared ------------------


@pytest.fixture(scope="module")
def rerun(server, matrix) -> Snapshot:
    second = crawl(server, matrix.db_path, [], *FULL)
    assert second.result.returncode == 0, second.result.stderr[-3000:]
    return snapshot(second, matrix.db_path)


def test_a_clean_rerun_fetches_what_failed_and_is_due_and_clears_the_failures(matrix, rerun):
    # Due at once (FAILURE_RETRY_BASE=0), but for the pages whose Retry-After asked for longer.
    waiting = [row for row in matrix.failures if row["url"].endswith(tuple(f"-a{i}" for i in WAITING))]
    assert matrix.failures and waiting and rerun.failures == waiting
    for row in matrix.failures:
        assert bool(rerun.crawl.requested(row["url"].rsplit("/", 1)[1])) is (row not in waiting), row["url"]
    assert f"'failures/cleared': {len(matrix.failures) - len(WAITING)}," in rerun.log
    report = score_database(rerun.db_path, SITE)
    assert sorted(report["missing"]) == sorted(truth(i)["url_path"] for i in WAITING)
    assert report["extra"] == [] and report["duplicates"] == []


def test_later_runs_retry_due_failures_and_leave_the_others_waiting(server, rerun):
    due, waiting, unknown = (server.base_url + truth(i)["url_path"] for i in (66890, 66998, 68712))
    now = datetime.now(timezone.utc)
    db = open_db(rerun.db_path)
    spec = json.dumps({"callback": "parse_article", "cb_kwargs": {}})
    for url, when, callback in ((due, now - timedelta(hours=2), spec), (waiting, now, spec),
                                (unknown, now - timedelta(hours=2), spec.replace("parse_article", "gone"))):
        record_failure(db, url, site="moscowtimes", stage="download", reason="http-500", http_status=500, now=when,
                       base=3600, cap=86400, retry_request=callback)
    db.close()
    third = crawl(server, rerun.db_path, [], *FULL)
    assert third.result.returncode == 0, third.result.stderr[-3000:]
    assert third.requested("-a66890") and not third.requested("-a66998") and not third.requested("-a68712")
    long_waits = [server.base_url + truth(i)["url_path"] for i in WAITING]
    assert [row["url"] for row in rows(rerun.db_path, "select url from failures order by url")] == sorted(
        [waiting, unknown, *long_waits])
    assert f"Not retrying {unknown}: " in third.result.stderr


# -- Hostile content in Datasette ----------------------------------------------------------


@contextmanager
def serve_datasette(db_path: Path):
    """A real Datasette with the shipped configuration, as crawler.serve starts it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(datasette_args(db_path, port), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while get(url + "/-/versions.json")[0] != 200:
            assert server.poll() is None and time.monotonic() < deadline, "datasette did not start"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def test_datasette_shows_hostile_markup_as_text(matrix, tmp_path):
    copy = tmp_path / "articles.db"
    with closing(sqlite3.connect(matrix.db_path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    pages = {  # path: whether it shows the title
        f"/articles/articles/moscowtimes,{HOSTILE}": True,
        "/articles/articles?_search=Hostile": True,
        "/articles/search?q=Hostile": True,
        f"/articles/removed_blocks?article_id={HOSTILE}": False,
    }
    with serve_datasette(copy) as url:
        for path, shows_title in pages.items():
            status, html = get(url + path)
            assert status == 200, path
            assert ("&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html) is shows_title, path
            assert "<script>alert(" not in html and "<img src=x" not in html, path
            assert 'onclick="alert' not in html and 'href="javascript:' not in html, path
        row_page = get(f"{url}/articles/articles/moscowtimes,{HOSTILE}")[1]
        assert "<p>Hostile: &lt;img src=x onerror=alert(5)&gt; and a link.</p>" in row_page


# -- Hostile discovery documents: the only sources of the discovery crawl ----------------

AFTER_JS, ENTITIES, RAW_GZIP, ENCODED, TRUNCATED_MAP, HUGE_MAP, BIG_MAP = 66890, 66998, 68712, 71756, 73980, 80517, 84102
LOCAL_FILE, DATA_URL, GZIP_FEED, ENTITY_FEED = 85533, 86045, 86620, 87050
ENTITY_PROLOG = """<!DOCTYPE doc [
  <!ENTITY xxe SYSTEM "{{www}}/xxe-probe">
  <!ENTITY local SYSTEM "file:///etc/hostname">
  <!ENTITY lol "lol">
""" + "".join(
    '  <!ENTITY lol{} "{}">\n'.format(n, "&lol{};".format(n - 1 if n > 1 else "") * 10) for n in range(1, 10)
) + "]>"


CDATA_DOCTYPE = "<item><description><![CDATA[<!DOCTYPE html><p>An old page</p>]]></description></item>"


def broken_gzip(content: bytes) -> bytes:
    packed = gzip.compress(content + b" " * 5000)
    return packed[:12] + bytes([packed[12] ^ 0xFF]) + packed[13:]  # a flipped bit in the deflate stream


def urlset(*article_ids: int, extra: str = "", close: bool = True) -> str:
    locs = "".join(f"<url><loc>{{{{www}}}}{truth(i)['url_path']}</loc></url>" for i in article_ids)
    end = "</urlset>" if close else ""
    return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{extra}{locs}{end}'


def feed(*article_ids: int, prolog: str = "", extra: str = "") -> str:
    items = "".join(f"<item><title>t</title><link>{{{{www}}}}{truth(i)['url_path']}</link></item>"
                    for i in article_ids)
    return f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>t</title>{extra}{items}</channel></rss>'


def document(path: str, content: str | bytes, content_type: str = "application/xml", **spec) -> dict:
    content = content if isinstance(content, bytes) else content.encode()
    return {"regex": f"^{path}$", "fault": "body", "content_b64": base64.b64encode(content).decode(),
            "content_type": content_type, **spec}


def discovery_faults(server, leak: Path) -> list[dict]:
    def filled(text: str) -> bytes:  # compressed bodies get no placeholders filled
        return text.replace("{{www}}", server.base_url).encode()

    entity_locs = "<url><loc>&xxe;</loc></url><url><loc>{{www}}/leak/&local;</loc></url><url><loc>&lol9;</loc></url>"
    data_url = "data:application/xml," + urllib.request.quote(filled(urlset(DATA_URL)).decode())
    index = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             "<sitemap><loc>javascript:alert(1)</loc></sitemap>"
             f"<sitemap><loc>{data_url}</loc></sitemap>"
             "<sitemap><loc>{{www}}/hostile/after-js.xml</loc></sitemap></sitemapindex>")
    big = urlset(BIG_MAP, extra="".join(f"<url><loc>{{{{www}}}}/tag/t{i}</loc></url>" for i in range(20_000)))
    leak.write_bytes(filled(urlset(LOCAL_FILE)))
    closed = socket.socket()  # a port nothing listens on
    closed.bind(("127.0.0.1", 0))
    other_port = f"http://127.0.0.1:{closed.getsockname()[1]}/sitemap.xml"
    closed.close()
    sitemaps = ["javascript:alert(1)", f"file://{leak}", other_port, *(
        "{{www}}/hostile/" + name for name in (
            "index.xml", "entities.xml", "sitemap.xml.gz", "encoded.xml", "truncated.xml",
            "garbage.xml", "big.xml", "huge.xml", "bomb.xml.gz", "broken.xml.gz",
        ))]
    robots = "User-agent: *\nDisallow: /preview/\n\n" + "".join(f"Sitemap: {url}\n" for url in sitemaps)
    return [
        document("/robots.txt", robots, "text/plain"),
        document("/hostile/index.xml", index),
        document("/hostile/after-js.xml", urlset(AFTER_JS)),
        document("/hostile/entities.xml", '<?xml version="1.0"?>' + ENTITY_PROLOG + urlset(ENTITIES, extra=entity_locs)),
        document("/hostile/sitemap.xml.gz", gzip.compress(filled(urlset(RAW_GZIP))), "application/x-gzip"),
        document("/hostile/encoded.xml", gzip.compress(filled(urlset(ENCODED))), headers={"Content-Encoding": "gzip"}),
        document("/hostile/truncated.xml", urlset(TRUNCATED_MAP, extra="", close=False)
                 + "<url><loc>{{www}}/2022/12/05/bolshoi-the"),
        document("/hostile/garbage.xml", "Service temporarily unavailable, please come back later"),
        document("/hostile/big.xml", big),
        document("/hostile/huge.xml", urlset(HUGE_MAP, extra="<!-- padding -->" * 150_000)),
        document("/hostile/bomb.xml.gz", gzip_bomb(64 << 20), "application/x-gzip"),
        document("/hostile/broken.xml.gz", broken_gzip(filled(urlset(RAW_GZIP))), "application/x-gzip"),
        # Its HTML in CDATA has a DOCTYPE that is no DOCTYPE of the feed.
        document("/rss/news", gzip.compress(filled(feed(GZIP_FEED, extra=CDATA_DOCTYPE))), "text/xml",
                 headers={"Content-Encoding": "gzip"}),
        document("/rss/opinion", feed(ENTITY_FEED, prolog=ENTITY_PROLOG.replace("doc", "rss"),
                                      extra="<item><link>&xxe;</link></item><item><link>&lol9;</link></item>"),
                 "text/xml"),
        document("/rss/.*", feed(), "text/xml"),
        document(LISTINGS.strip("^$"), "<html><body></body></html>", "text/html"),
    ]


@pytest.fixture(scope="module")
def discovery(server, tmp_path_factory) -> Snapshot:
    directory = tmp_path_factory.mktemp("discovery")
    result = crawl(server, directory / "articles.db", discovery_faults(server, directory / "leak.xml"))
    assert result.result.returncode in CRAWL_OK, result.result.stderr[-3000:]
    return snapshot(result, directory / "articles.db")


def test_discovery_documents_give_every_article_they_safely_can(discovery):
    assert set(discovery.articles) == {
        AFTER_JS, ENTITIES, RAW_GZIP, ENCODED, TRUNCATED_MAP, BIG_MAP, GZIP_FEED, ENTITY_FEED,
    }


def test_javascript_data_and_file_urls_are_never_followed(discovery):
    assert LOCAL_FILE not in discovery.articles and DATA_URL not in discovery.articles
    assert AFTER_JS in discovery.articles  # listed after the javascript: entry
    assert not [row for row in discovery.failures if not row["url"].startswith("http")]
    assert "Missing scheme" not in discovery.log and "Spider error" not in discovery.log


def test_xml_entities_are_never_resolved(discovery):
    assert ENTITIES in discovery.articles and ENTITY_FEED in discovery.articles
    paths = [r["path"] for r in discovery.crawl.requests]
    assert "/xxe-probe" not in paths and not [p for p in paths if p.startswith("/leak/")]
    assert "lollollol" not in discovery.log
    assert "'guard/doctype_dropped': 2," in discovery.log


def test_compressed_sitemaps_and_feeds_are_read(discovery):
    assert {RAW_GZIP, ENCODED, GZIP_FEED} <= set(discovery.articles)


def test_a_truncated_sitemap_gives_the_links_it_has(discovery):
    assert TRUNCATED_MAP in discovery.articles
    assert discovery.failure("/hostile/truncated.xml") is None


def test_huge_sitemaps_are_read_up_to_the_size_cap(discovery):
    assert BIG_MAP in discovery.articles  # 20,000 entries, under DOWNLOAD_MAXSIZE
    assert HUGE_MAP not in discovery.articles
    assert_failed(discovery, "/hostile/huge.xml", "download", "too-large")
    assert_failed(discovery, "/hostile/bomb.xml.gz", "download", "too-large")


def test_what_is_no_xml_where_xml_was_expected_is_recorded(discovery):
    assert_failed(discovery, "/hostile/garbage.xml", "download", "not-xml")
    assert_failed(discovery, "/hostile/broken.xml.gz", "download", "bad-gzip")


def test_a_sitemap_on_another_port_of_the_host_is_never_requested(discovery):
    # Another port is another service, however its connection would go: refused before one is made.
    assert re.search(r"Not following http://127\.0\.0\.1:\d+/sitemap\.xml: private-address", discovery.log)
    assert discovery.failure("/sitemap.xml") is None


# -- The database ------------------------------------------------------------------------


@contextmanager
def immutable(path: Path):
    """``path`` read-only even for root (chattr +i), for the duration."""
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def unusable_database(tmp_path: Path, case: str):
    """A DATABASE_PATH the crawl cannot open or write."""
    if case == "directory is a file":
        (tmp_path / "data").write_text("not a directory")
        yield tmp_path / "data" / "articles.db"
    elif case == "read-only directory":
        directory = tmp_path / "data"
        directory.mkdir()
        with immutable(directory):
            yield directory / "articles.db"
    else:  # read-only database file
        db_path = tmp_path / "articles.db"
        open_db(db_path).close()
        with immutable(db_path):
            yield db_path


@pytest.mark.parametrize("case", ["directory is a file", "read-only directory", "read-only database file"])
def test_a_database_that_cannot_be_written_stops_the_crawl_before_any_request(server, tmp_path, case):
    with unusable_database(tmp_path, case) as db_path:
        result = crawl(server, db_path, [])
    assert result.result.returncode != 0
    assert f"cannot open database {db_path}" in result.result.stderr.strip().splitlines()[-1]
    assert [r for r in result.requests if r["fault"] is None] == []  # faulted ones: late log lines of earlier crawls


def refusing_runs(db_path: Path, when: str) -> None:
    """A database whose ``crawl_runs`` refuses a crawl's row, `when` it begins ("insert") or
    ends ("update"), as a database that just ran out of room would."""
    db = open_db(db_path)
    db.execute(f"create trigger refuse_run before {when} on crawl_runs begin select raise(abort, 'no room'); end")
    db.close()


def test_a_database_that_takes_no_run_stops_the_crawl_before_any_request(server, tmp_path):
    db_path = tmp_path / "articles.db"
    refusing_runs(db_path, "insert")
    result = crawl(server, db_path, [])
    assert result.result.returncode == 1
    assert result.result.stderr.strip().splitlines()[-1] == (
        f"crawl moscowtimes: failed: cannot write to database {db_path}: no room")
    assert "Traceback" not in result.result.stderr
    assert [r for r in result.requests if r["fault"] is None] == []


def test_a_run_whose_end_cannot_be_recorded_still_gives_its_verdict(server, tmp_path):
    db_path = tmp_path / "articles.db"
    refusing_runs(db_path, "update")
    result = crawl(server, db_path, [])
    assert result.result.returncode in CRAWL_OK, result.result.stderr[-3000:]
    assert "Crawl run 1 not recorded as finished: no room" in result.result.stderr
    assert "Traceback" not in result.result.stderr
    assert rows(db_path, "select status from crawl_runs") == [{"status": "running"}]  # the next run marks it killed


LOCK_HOLDER = """
import sqlite3, sys, time
from datetime import datetime, timezone
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("begin immediate")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
released = datetime.now(timezone.utc).isoformat(timespec="seconds")
db.execute("commit")
print(released, flush=True)
"""


def test_a_write_lock_held_by_another_process_is_waited_for(server, tmp_path):
    db_path = tmp_path / "articles.db"
    open_db(db_path).close()
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(db_path), "3"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "locked\n"
    result = crawl(server, db_path, [], *FULL)
    released = holder.stdout.readline().strip()
    assert holder.wait(timeout=10) == 0
    assert result.result.returncode == 0, result.result.stderr[-3000:]
    # Nothing was written before the lock was released: the crawl waited for it.
    assert min(row["first_seen"] for row in rows(db_path, "select first_seen from articles")) >= released
    assert score_database(db_path, SITE)["passed"]
    assert rows(db_path, "select * from failures") == []


def test_datasette_reads_while_a_crawl_writes(server, tmp_path):
    db_path = tmp_path / "articles.db"
    open_db(db_path).close()
    server.faults = FaultRules([on(HOSTILE, "status", status=404)])  # a failure to read too
    counts, statuses = [], set()
    with serve_datasette(db_path) as url:
        crawler = subprocess.Popen(crawl_command(server.base_url, db_path, *FULL, settings=SETTINGS), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while crawler.poll() is None or not counts:
            status, body = get(url + "/articles/articles.json?_size=1")
            statuses.add(status)
            counts.append(json.loads(body)["filtered_table_rows_count"] if status == 200 else None)
            for path in ("/articles/failures.json", "/articles/crawl_failures.json", "/articles/search.json?q=Moscow"):
                statuses.add(get(url + path)[0])
            time.sleep(0.05)
        last = get(url + "/articles/articles.json?_size=1")  # the crawl has ended: every article is committed
        counts.append(json.loads(last[1])["filtered_table_rows_count"] if last[0] == 200 else None)
        final = json.loads(get(url + "/articles/failures.json?_shape=array")[1])
    assert crawler.returncode == 0
    assert statuses == {200}
    assert counts == sorted(counts) and counts[-1] == len(score_database(db_path, SITE)["found"]) == 45
    assert [row["reason"] for row in final] == ["http-404"]


def test_sigkill_mid_crawl_leaves_a_sound_database_that_the_next_run_completes(server, tmp_path):
    db_path = tmp_path / "articles.db"
    # One page held unanswered: the crawl cannot end before it is killed, however fast it runs.
    server.released.clear()
    server.faults = FaultRules([on(HOSTILE, "hold")])
    held = {**SETTINGS, "DOWNLOAD_TIMEOUT": "600"}
    crawler = subprocess.Popen(crawl_command(server.base_url, db_path, *FULL, settings=held), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while not db_path.exists() or not stored_count(db_path):
        assert crawler.poll() is None
        time.sleep(0.02)
    os.killpg(crawler.pid, signal.SIGKILL)  # the crawl and its extraction workers
    crawler.wait()
    server.released.set()
    assert 0 < stored_count(db_path) < 46
    assert rows(db_path, "pragma integrity_check") == [{"integrity_check": "ok"}]
    rerun = crawl(server, db_path, [], *FULL)
    assert rerun.result.returncode == 0, rerun.result.stderr[-3000:]
    report = score_database(db_path, SITE)
    assert report["missing"] == [] and report["extra"] == [] and report["duplicates"] == []
    assert rows(db_path, "pragma integrity_check") == [{"integrity_check": "ok"}]


def test_a_database_that_stops_taking_writes_stops_the_crawl_and_the_next_run_completes(server, tmp_path):
    # A full disk, as a limit on the size of the files the crawl's process writes: no privileges
    # needed, and no other process's disk fills.
    db_path = tmp_path / "articles.db"
    server.faults = FaultRules([])
    limit = 1_000_000  # past the empty database, short of what a crawl of the replica writes
    result = subprocess.run(crawl_command(server.base_url, db_path, *FULL, settings=SETTINGS),
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1].startswith("crawl moscowtimes: failed: the database cannot be written (")
    assert "Closing spider (database_unwritable)" in result.stderr  # at the first write refused, not at the end
    assert rows(db_path, "pragma integrity_check") == [{"integrity_check": "ok"}]
    assert rows(db_path, "select * from failures") == []  # the database's failure, not the pages'
    rerun = crawl(server, db_path, [], *FULL)
    assert rerun.result.returncode == 0, rerun.result.stderr[-3000:]
    report = score_database(db_path, SITE)
    assert report["passed"] and report["missing"] == [] and report["duplicates"] == []


def test_a_full_database_takes_no_writes_and_a_locked_one_only_not_now(tmp_path):
    full = sqlite3.connect(tmp_path / "full.db")
    full.execute("create table t (x)")
    full.execute(f"pragma max_page_count = {full.execute('pragma page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.OperationalError) as refused:
        full.execute("insert into t values (zeroblob(100000))")
    assert is_unwritable(refused.value)
    full.close()
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    holder.execute("begin exclusive")
    with pytest.raises(sqlite3.OperationalError) as waited:
        sqlite3.connect(tmp_path / "locked.db", timeout=0).execute("create table t (x)")
    assert not is_unwritable(waited.value)
    holder.close()


def stored_count(db_path: Path) -> int:
    try:
        return rows(db_path, "select count(*) as n from articles")[0]["n"]
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.fixture(scope="module")
def refusing(server, tmp_path_factory) -> Snapshot:
    """A recent-window crawl into a database that refuses one article and one failure."""
    db_path = tmp_path_factory.mktemp("refusing") / "articles.db"
    db = open_db(db_path)
    db.executescript("""
        create trigger refuse_article before insert on articles when new.article_id = '89101'
        begin select raise(abort, 'article refused by the test'); end;
        create trigger refuse_failure before insert on failures when new.url like '%-a89254'
        begin select raise(abort, 'failure refused by the test'); end;
    """)
    db.close()
    result = crawl(server, db_path, [on(89254, "status", status=404)])
    assert result.result.returncode in CRAWL_OK, result.result.stderr[-3000:]
    return snapshot(result, db_path)


def test_an_article_the_database_refuses_is_a_store_failure(refusing):
    assert 89101 not in refusing.articles and 88977 in refusing.articles
    assert_failed(refusing, "-a89101", "store", "integrity-error", 200)


def test_a_failure_the_database_cannot_record_is_logged_and_the_crawl_goes_on(refusing):
    assert refusing.failure("-a89254") is None
    assert "-a89254 at download: http-404 (not recorded: failure refused by the test)" in refusing.log
    assert "'failures/unrecorded': 1," in refusing.log
    assert 89254 not in refusing.articles and 88977 in refusing.articles


# -- The retry policy and decoding, on their own ---------------------------------------------


def test_backoff_doubles_up_to_its_cap():
    assert [backoff(n, 60, 300) for n in (1, 2, 3, 4)] == [60, 120, 240, 300]


@pytest.mark.parametrize(
    "value, seconds",
    [("120", 120.0), (b"7", 7.0), ("Fri, 20 Jun 2025 12:01:00 GMT", 60.0),
     ("Fri, 20 Jun 2025 11:00:00 GMT", 0.0), ("soon", None), (None, None),
     ("²", None), ("٣", None), ("99999999999", 3600), ("9" * 400, 3600), ("9" * 5000, 3600),
     ("Fri, 20 Jun 9999 12:01:00 GMT", 3600), ("Fri, 99 Jun 2025 12:01:00 GMT", None), ("-5", None),
     (b"\xb2", None)],
)
def test_retry_after_reads_seconds_and_dates(value, seconds):
    assert retry_after(value, datetime(2025, 6, 20, 12, tzinfo=timezone.utc), 3600) == seconds


def test_a_failure_backs_off_with_each_attempt(tmp_path):
    db = open_db(tmp_path / "articles.db")
    start = datetime(2025, 6, 20, 12, tzinfo=timezone.utc)
    url = "https://example.com/2025/06/20/a-a1"
    first = record_failure(db, url, site="moscowtimes", stage="download", reason="timeout", now=start, base=60, cap=300,
                           retry_request='{"callback": "parse_article", "cb_kwargs": {}}')
    later = [record_failure(db, url, site="moscowtimes", stage="download", reason="http-503", http_status=503,
                            now=start + timedelta(hours=n), base=60, cap=300, wait=wait)
             for n, wait in ((1, None), (2, None), (3, 3600))]
    assert first["next_retry"] == "2025-06-20T12:01:00+00:00"
    assert [row["next_retry"][11:] for row in later] == ["13:02:00+00:00", "14:04:00+00:00", "16:00:00+00:00"]
    assert later[-1] | {"next_retry": None} == {
        "url": url, "site": "moscowtimes", "stage": "download", "reason": "http-503", "http_status": 503, "attempts": 4,
        "first_seen": "2025-06-20T12:00:00+00:00", "last_seen": "2025-06-20T15:00:00+00:00",
        "next_retry": None, "retry_request": '{"callback": "parse_article", "cb_kwargs": {}}',
    }
    assert rows(tmp_path / "articles.db", "select * from failures") == [dict(later[-1])]


@pytest.mark.parametrize("encoding, encode, reason", [
    ("gzip", gzip.compress, "bad-gzip"), ("x-gzip", gzip.compress, "bad-gzip"),
    ("deflate", zlib.compress, "bad-deflate"),
    ("deflate", lambda data: zlib.compress(data)[2:-4], "bad-deflate"),  # raw, as some servers send it
    ("br", brotli.compress, "bad-br"), ("zstd", zstd.compress, "bad-zstd"),
])
def test_a_content_encoding_is_decoded_whole_or_refused(encoding, encode, reason):
    content = "".join(f"<p>Paragraph {n} of a story.</p>" for n in range(20_000)).encode()  # many chunks
    packed = encode(content)
    assert decode_whole(packed, encoding, len(content)) == content
    for cut in (packed[:len(packed) * 6 // 10], packed[:-1]):
        with pytest.raises(Refused) as refused:
            decode_whole(cut, encoding, 0)
        assert refused.value.reason == reason
    with pytest.raises(ValueError, match="exceeded"):  # a bomb: Scrapy's too-large
        decode_whole(packed, encoding, len(content) - 1)
    assert decode_whole(b"", encoding, 0) == b""  # a 304 or a redirect with its Content-Encoding


def test_a_refused_connection_is_named():
    assert download_reason(DownloadConnectionRefusedError("Connection refused")) == "connection-refused"


def test_an_unforeseen_download_error_is_named_after_its_class():
    assert download_reason(CannotResolveHostError("example.invalid")) == "cannot-resolve-host-error"


def test_a_page_of_undetectable_bytes_still_decodes():
    body = b"<p>" + bytes(range(0x80, 0x100)) + b"</p>"  # no charset makes sense of all of them
    assert decode_html(body) == body.decode("cp1252", "replace")


@pytest.mark.parametrize("head, target", [
    ('<meta http-equiv="Refresh" content="0; url=/2024/06/17/moved-a2">', "http://h/2024/06/17/moved-a2"),
    ('<noscript><meta http-equiv="refresh" content="0; url=/x"></noscript>', None),  # ignored, as Scrapy does
    ("<META CONTENT='5;URL=/2024/06/17/moved-a2' HTTP-EQUIV=REFRESH>", "http://h/2024/06/17/moved-a2"),
    ('<meta name="refresh-note" content="x">', None),  # read, and no refresh found
    ("<title>Refreshing news</title>", None),  # never read
    ('<script>slots = {"refresh": 30}</script>', None),  # an ad slot's setting: never read
])
def test_meta_refresh_is_followed_and_other_pages_pass_untouched(head, target):
    middleware = MetaRefreshMiddleware.from_crawler(get_crawler())
    request = scrapy.Request("http://h/2024/06/17/old-a1")
    response = HtmlResponse(request.url, body=f"<html><head>{head}</head><body>x</body></html>".encode(),
                            encoding="utf-8", request=request)
    result = middleware.process_response(request, response)
    if target is None:
        assert result is response
    else:
        assert isinstance(result, scrapy.Request) and result.url == target
