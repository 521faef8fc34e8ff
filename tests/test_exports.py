"""Scrapy's own feed exports (`scrapy crawl moscowtimes -O FILE`) of a real crawl of the replica."""

import csv
import json
import socket
import sqlite3
from contextlib import closing

import pytest

from crawler.items import EXPORTED_FIELDS
from tests.conftest import run_crawl
from tests.ftp_server import FtpServer

ARTICLES = 46  # the replica's articles
PASSWORD = "s3cret-feed-pw"  # of a feed's FTP target: in no log line and no row


def test_every_format_holds_the_documented_fields(replica_url, tmp_path):
    outputs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("jsonl", "json", "csv")}
    feeds = [arg for path in outputs.values() for arg in ("-O", str(path))]
    result = run_crawl(replica_url, tmp_path / "a.db", "-a", "since=2000-01-01", *feeds)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Error storing" not in result.stderr

    jsonl = [json.loads(line) for line in outputs["jsonl"].read_text().splitlines()]
    records = json.loads(outputs["json"].read_text())
    with open(outputs["csv"], newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == EXPORTED_FIELDS
        rows = list(reader)
    assert len(jsonl) == len(records) == len(rows) == ARTICLES
    assert jsonl == records
    for record in records:
        assert list(record) == EXPORTED_FIELDS
        assert all(set(block) >= {"kind", "text", "rule", "position", "removed"} for block in record["removed"])
    by_id = {record["article_id"]: record for record in records}
    for row in rows:  # lists and blocks as JSON, as the database holds them; no Python reprs
        record = by_id[row["article_id"]]
        assert json.loads(row["authors"]) == record["authors"]
        assert json.loads(row["removed"]) == record["removed"]
        assert row["body"] == record["body"]
    with closing(sqlite3.connect(tmp_path / "a.db")) as db:  # the pages still reach the archive
        assert db.execute("select count(*) from pages").fetchone() == (ARTICLES,)


def test_a_feed_that_cannot_be_stored_fails_the_run(replica_url, tmp_path):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        result = run_crawl(replica_url, tmp_path / "a.db", "-o", f"ftp://u:{PASSWORD}@127.0.0.1:{port}/out.jsonl")
    assert result.returncode == 1
    assert "failed: 1 feed export(s) could not be stored" in result.stderr
    assert f"Error storing jsonl feed ({ARTICLES} items) in: ftp://127.0.0.1:{port}/out.jsonl" in result.stderr
    assert PASSWORD not in result.stderr
    with closing(sqlite3.connect(tmp_path / "a.db")) as db:
        ((status, settings),) = db.execute("select status, settings from crawl_runs").fetchall()
        assert PASSWORD not in json.dumps(db.execute("select * from crawl_runs").fetchall())
    assert status == "failed"
    assert f"ftp://***@127.0.0.1:{port}/out.jsonl" in settings  # the row is public: no password


def test_a_feed_stored_on_ftp_is_logged_without_its_password(replica_url, tmp_path):
    (tmp_path / "ftp").mkdir()
    with FtpServer(tmp_path / "ftp", "u", PASSWORD) as server:
        result = run_crawl(replica_url, tmp_path / "a.db", "-o", f"ftp://u:{PASSWORD}@127.0.0.1:{server.port}/out.jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Stored jsonl feed ({ARTICLES} items) in: ftp://127.0.0.1:{server.port}/out.jsonl" in result.stderr
    assert PASSWORD not in result.stderr
    assert len((tmp_path / "ftp" / "out.jsonl").read_text().splitlines()) == ARTICLES


@pytest.mark.parametrize("feed", [
    {"{tmp_path}/articles.jsonl": {"format": "jsonl", "batch_item_count": 10}},  # batches need %(batch_id)d
    {"sftp://example.org/articles.jsonl": {"format": "jsonl"}},  # a storage Scrapy has not
], ids=["batches-in-one-file", "unknown-storage"])
def test_a_feed_scrapy_cannot_use_fails_the_run_before_it_fetches(replica_url, tmp_path, feed):
    feeds = json.dumps(feed).replace("{tmp_path}", str(tmp_path))
    result = run_crawl(replica_url, tmp_path / "a.db", "-a", "since=2000-01-01", settings={"FEEDS": feeds})
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("crawl moscowtimes: failed: a feed export cannot be opened (")
    assert "Scrapy cannot export there" in result.stderr.splitlines()[-1] and "Traceback" not in result.stderr
    with closing(sqlite3.connect(tmp_path / "a.db")) as db:
        assert db.execute("select status, requests from crawl_runs").fetchall() == [("failed", 0)]


@pytest.mark.parametrize("target", ["directory", "under-a-file"])
def test_a_feed_that_cannot_be_opened_fails_the_run_before_it_fetches(replica_url, tmp_path, target):
    (tmp_path / "a-file").write_text("")
    feed = {"directory": f"{tmp_path}:jsonl", "under-a-file": str(tmp_path / "a-file" / "out.jsonl")}[target]
    result = run_crawl(replica_url, tmp_path / "a.db", "-a", "since=2000-01-01", "-O", feed)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("crawl moscowtimes: failed: a feed export cannot be opened (")
    assert "Traceback" not in result.stderr
    with closing(sqlite3.connect(tmp_path / "a.db")) as db:
        assert db.execute("select status, requests from crawl_runs").fetchall() == [("failed", 0)]
