"""`scrapy reextract`: stored pages extracted again with the current rules, nothing fetched."""

from __future__ import annotations

import fcntl
import os
import pty
import resource
import signal
import sqlite3
import subprocess
import sys
import zlib
from contextlib import closing
from pathlib import Path

import pytest

from crawler.pool import WORKER_LOST, ExtractionPool
from crawler.reextract import bounded_map
from tests.conftest import ROOT, SITE, run_crawl, scrapy_command
from tests.test_pool import exit_on_death
from tests.scoring import contains, score_database
from tests.storing import write_newer_database

# What an older, worse extractor could have stored: a leaked appeal in every body.
STALE_BODY = "update articles set body = body || char(10, 10) || 'Support The Moscow Times!', content_hash = 'old'"


def reextract(db_path: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "scrapy", "reextract", "-s", f"DATABASE_PATH={db_path}", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture
def db_path(crawled_db, tmp_path) -> Path:
    """A copy of the crawled replica's database, to change at will."""
    path = tmp_path / "articles.db"
    with sqlite3.connect(crawled_db) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return path


def query(db_path: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(db_path) as db:
        return db.execute(sql, params).fetchall()


def test_a_crawl_keeps_every_stored_article_page(db_path):
    assert query(db_path, "select count(*) from articles") == query(db_path, "select count(*) from pages")
    missing = query(db_path, "select count(*) from articles left join pages using (site, article_id)"
                             " where pages.html is null")
    assert missing == [(0,)]
    assert query(db_path, "select count(*) from pages where live_posts is not null")[0][0] >= 1


def test_the_same_rules_change_nothing(db_path):
    before = query(db_path, "select site, article_id, body, content_hash, last_fetched from articles order by 1, 2")
    result = reextract(db_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"reextract: 0 updated, {len(before)} unchanged, 0 failed"
    assert query(db_path, "select site, article_id, body, content_hash, last_fetched from articles"
                          " order by 1, 2") == before


def test_bodies_stored_by_older_rules_are_extracted_again(db_path):
    query(db_path, STALE_BODY)
    query(db_path, "delete from removed_blocks")
    fetched = dict(query(db_path, "select article_id, fetched from pages"))
    total = len(fetched)
    result = reextract(db_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"reextract: {total} updated, 0 unchanged, 0 failed"
    assert score_database(db_path, SITE)["passed"]
    assert query(db_path, "select count(*) from article_versions where body like '%Support The Moscow Times!'") == [
        (total,)]
    # Nothing was fetched: the fetch times stay those of the pages.
    assert dict(query(db_path, "select article_id, last_fetched from articles")) == fetched
    assert query(db_path, "select count(distinct article_id) from removed_blocks")[0][0] > total / 2


def test_flag_mode_says_which_blocks_are_still_in_the_body(db_path):
    result = reextract(db_path, "-s", "STRIP_MODE=flag")
    assert result.returncode == 0, result.stderr
    rows = query(db_path, "select b.text, b.removed, a.body from removed_blocks b join articles a using (site, article_id)"
                          " where b.text != ''")
    assert rows and all(bool(removed) != contains(body, text) for text, removed, body in rows)


def test_a_bad_setting_ends_with_one_line_and_changes_nothing(db_path):
    before = query(db_path, "select article_id, body, content_hash from articles order by 1")
    result = reextract(db_path, "-s", "EXTRACT_WORKERS=-1")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(": error: EXTRACT_WORKERS must be a whole number, 0 or more, not '-1'")
    assert query(db_path, "select article_id, body, content_hash from articles order by 1") == before


def test_one_site_only(db_path):
    # An article of another site, stored before pages were kept: the site is there, with nothing to extract.
    query(db_path, "insert into articles (url, site, article_id, title, body) values "
                   "('https://elsewhere.example/a', 'elsewhere.example', 'a', 'T', 'B')")
    result = reextract(db_path, "--site", "elsewhere.example")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "reextract: 0 updated, 0 unchanged, 0 failed"


def test_a_site_with_no_articles_is_a_usage_error(db_path):
    before = db_path.read_bytes()
    result = reextract(db_path, "--site", "nosuch")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        f"error: no articles of site 'nosuch' in {db_path} (its sites: moscowtimes)")
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("name", ["typo.db", "."])
def test_a_database_that_does_not_exist_is_a_usage_error_and_not_created(tmp_path, name):
    path = tmp_path / name
    result = reextract(path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        f"error: DATABASE_PATH {path} is no database file: reextract works on a crawl's database")
    assert os.listdir(tmp_path) == []


def write_foreign_database(path) -> bytes:
    with closing(sqlite3.connect(path)) as db:
        db.execute("create view failures as select 1 as url")
    return path.read_bytes()


@pytest.mark.parametrize("write, reason", [
    (write_foreign_database, "it is no archive of this crawler: it holds failures and none of its migrations"),
    (write_newer_database, "a newer version of the crawler wrote it (migrations unknown to this one: "
                           "add_articles_sentiment, create_comments): run that version or a later one"),
], ids=["another application's", "a newer version's"])
def test_a_database_it_cannot_work_on_is_refused_and_left_as_it_was(tmp_path, write, reason):
    path = tmp_path / "articles.db"
    before = write(path)
    result = reextract(path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"reextract: cannot open database {path}: {reason}"]
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["articles.db"]


def test_a_damaged_page_leaves_its_article_and_is_reported(db_path):
    query(db_path, STALE_BODY)
    damaged = query(db_path, "select article_id from pages order by article_id limit 2")
    query(db_path, "update pages set html = x'00ff00ff' where article_id = ?", damaged[0])
    query(db_path, "update pages set html = zeroblob(0) where article_id = ?", damaged[1])
    total = query(db_path, "select count(*) from pages")[0][0]
    result = reextract(db_path)
    assert result.returncode == 3
    assert result.stderr.splitlines()[-1] == f"reextract: {total - 2} updated, 0 unchanged, 2 failed"
    assert "Not re-extracted" in result.stderr and "damaged-page" in result.stderr
    assert query(db_path, "select count(*) from articles where content_hash = 'old'") == [(2,)]
    assert query(db_path, "pragma integrity_check") == [("ok",)]


def test_a_page_that_no_longer_extracts_keeps_its_article(db_path):
    query(db_path, STALE_BODY)
    article_id = query(db_path, "select article_id from pages limit 1")[0][0]
    not_a_page = sqlite3.Binary(zlib.compress(b"<html><body>Oops! Page not found</body></html>"))
    query(db_path, "update pages set html = ? where article_id = ?", (not_a_page, article_id))
    result = reextract(db_path)
    assert result.returncode == 3
    assert "not-article" in result.stderr
    assert query(db_path, "select content_hash from articles where article_id = ?", (article_id,)) == [("old",)]


def test_refused_while_a_crawl_holds_the_database(db_path):
    fd = os.open(db_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = reextract(db_path)
    finally:
        os.close(fd)
    assert result.returncode == 75
    assert result.stderr.strip().splitlines()[-1].startswith("reextract: another crawl or reextract is running")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_stop_signal_to_the_process_group_ends_it_with_the_database_sound(db_path, signum):
    # Ctrl-C in a terminal and a service manager's stop reach the workers too.
    query(db_path, STALE_BODY)
    # The first page read fails, and its warning says the workers are at it.
    query(db_path, "update pages set html = x'00ff00ff' where rowid = (select min(rowid) from pages)")
    before = query(db_path, "select article_id, body, content_hash from articles order by 1")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("begin immediate")  # no batch is written before the signal is in
    # Started as from a terminal, with SIGINT's default action: a shell without job control starts
    # background commands (as a CI job may be) with SIGINT ignored, and a process keeps that.
    ignored = signal.signal(signal.SIGINT, signal.default_int_handler)  # a handler is reset to the default by exec
    try:
        process = subprocess.Popen(scrapy_command("reextract", settings={"DATABASE_PATH": db_path}), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    finally:
        signal.signal(signal.SIGINT, ignored)
    try:
        output = []
        for line in process.stderr:
            output.append(line)
            if "Not re-extracted" in line:
                os.killpg(process.pid, signum)
                break
    finally:
        holder.rollback()
        holder.close()
    # The end of its stderr: every process that could write to it has exited.
    output.append(process.communicate(timeout=300)[1])
    stderr = "".join(output)
    assert process.returncode == 1, stderr
    assert stderr.splitlines()[-1] == ("reextract: interrupted after 0 updated, 0 unchanged, 1 failed;"
                                       " the other pages keep their articles as stored")
    assert "Traceback" not in stderr
    assert query(db_path, "select article_id, body, content_hash from articles order by 1") == before
    assert query(db_path, "pragma integrity_check") == [("ok",)]
    assert reextract(db_path).returncode == 3  # and the next run goes through


def test_a_database_that_stops_taking_writes_ends_it_with_one_line_and_loses_nothing(db_path):
    query(db_path, STALE_BODY)
    before = query(db_path, "select article_id, body, content_hash from articles order by 1")
    limit = 50_000  # a full disk: the write-ahead log cannot hold the batch
    result = reextract(db_path, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert result.returncode == 1, result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("reextract: the database failed (") and last.endswith(
        "after 0 updated, 0 unchanged, 0 failed; the other pages keep their articles as stored")
    assert "Traceback" not in result.stderr
    assert query(db_path, "select article_id, body, content_hash from articles order by 1") == before
    assert query(db_path, "pragma integrity_check") == [("ok",)]
    assert reextract(db_path).returncode == 0  # with room again


def test_a_page_whose_worker_dies_is_extracted_once_more_and_lost_if_it_dies_again():
    # One worker: the page before the one that kills it is done; those after it were queued.
    with ExtractionPool(1) as pool:
        results = list(bounded_map(pool, exit_on_death, ["a", "death", "b", "c"], window=4))
    assert results == [("a", "a"), ("death", WORKER_LOST), ("b", "b"), ("c", "c")]
    assert pool.retried == 3  # the pages queued behind it died with its worker, and came back


def test_a_progress_bar_on_a_terminal(db_path):
    parent, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "reextract", "-s", f"DATABASE_PATH={db_path}"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=child,
    )
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(parent, 4096)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        output += chunk
    os.close(parent)
    assert process.wait(timeout=300) == 0
    total = query(db_path, "select count(*) from pages")[0][0]
    assert b"Re-extracting  [####" in output
    assert f"{total}/{total}".encode() in output or b"100%" in output


def test_no_pages_kept_when_turned_off(replica_url, tmp_path):
    db_path = tmp_path / "articles.db"
    result = run_crawl(replica_url, db_path, "-a", "since=2024-06-01", settings={"STORE_PAGES": "False"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert query(db_path, "select count(*) from articles")[0][0] > 0
    assert query(db_path, "select count(*) from pages") == [(0,)]


def test_a_page_that_breaks_extraction_in_a_way_no_rule_foresaw_does_not_stop_the_others(db_path):
    query(db_path, STALE_BODY)
    (article_id,), = query(db_path, "select article_id from pages where live_posts is not null limit 1")
    posts = sqlite3.Binary(zlib.compress(b"[1, 2]"))  # valid JSON, no posts: extraction raises AttributeError
    query(db_path, "update pages set live_posts = ? where article_id = ?", (posts, article_id))
    total = query(db_path, "select count(*) from pages")[0][0]
    result = reextract(db_path)
    assert result.returncode == 3
    assert result.stderr.splitlines()[-1] == f"reextract: {total - 1} updated, 0 unchanged, 1 failed"
    assert "attribute-error" in result.stderr
    assert query(db_path, "select content_hash from articles where article_id = ?", (article_id,)) == [("old",)]
