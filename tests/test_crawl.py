"""End to end: the real `scrapy crawl moscowtimes` against the replica, scored against its truth."""

import json
import re
import sqlite3

import pytest

from tests.conftest import SITE, SITE_V2, run_crawl
from tests.replica_server import ReplicaServer
from tests.scoring import score_database
from tests.variants import inject_trap_paragraphs, rename_appeal_classes


def assert_perfect(report: dict) -> None:
    assert report["missing"] == []
    assert report["extra"] == []
    assert report["leaks"] == {} or not any(report["leaks"].values())
    assert report["field_accuracy"] == 1.0, report["field_mismatches"]
    assert report["body_f1"] >= 0.97
    assert report["passed"]


def test_full_crawl_finds_every_article_exactly(crawled_db):
    report = score_database(crawled_db, SITE)
    assert_perfect(report)


def test_full_crawl_stores_one_row_per_article_and_audits_stripping(crawled_db):
    db = sqlite3.connect(crawled_db)
    (rows,), (ids,) = db.execute("select count(*) from articles"), db.execute(
        "select count(distinct article_id) from articles")
    assert rows == ids
    kinds = {kind for (kind,) in db.execute("select distinct kind from removed_blocks")}
    assert {"donation", "promo", "ad", "share", "related"} <= kinds
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)


def test_crawl_of_the_next_day_scores_the_same(tmp_path):
    with ReplicaServer(SITE_V2) as server:
        result = run_crawl(server.base_url, tmp_path / "v2.db", "-a", "since=2000-01-01")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_perfect(score_database(tmp_path / "v2.db", SITE_V2))


def test_appeals_with_class_names_never_seen_are_still_stripped(tmp_path):
    renamed = tmp_path / "renamed"
    rename_appeal_classes(SITE, renamed, seed=7)
    variant = tmp_path / "variant"
    inject_trap_paragraphs(renamed, variant)
    with ReplicaServer(variant) as server:
        result = run_crawl(server.base_url, tmp_path / "variant.db", "-a", "since=2000-01-01")
    assert result.returncode == 0, result.stderr[-3000:]
    report = score_database(tmp_path / "variant.db", variant)
    assert_perfect(report)
    assert report["traps_missing"] == [] and report["traps_kept"]


def test_recent_window_without_since_reads_only_the_two_newest_month_files(tmp_path):
    log = tmp_path / "requests.jsonl"
    with ReplicaServer(SITE, log_path=log) as server:
        result = run_crawl(server.base_url, tmp_path / "recent.db")
    assert result.returncode == 0, result.stderr[-3000:]
    paths = [json.loads(line)["path"] for line in log.read_text().splitlines()]
    months = {p.rsplit("/", 1)[1] for p in paths if re.search(r"/sitemap/\d{4}-\d+\.xml$", p)}
    assert months == {"2024-6.xml", "2024-5.xml"}
    assert any(p.endswith("/sitemap/newsmap.xml") for p in paths)


@pytest.mark.parametrize("since", ["yesterday", "2024-13-01"])
def test_a_bad_since_is_a_clear_error(replica_url, tmp_path, since):
    result = run_crawl(replica_url, tmp_path / "x.db", "-a", f"since={since}")
    assert result.returncode != 0
    assert "since must be a date as YYYY-MM-DD" in result.stderr
