"""A crawl's arguments and settings are checked before it starts, and every run records them."""

import json
import sqlite3
from contextlib import closing

import pytest

from crawler import settings as project_settings
from crawler.settings_check import BOUNDS
from tests.conftest import run_crawl


@pytest.mark.parametrize("args, settings, line", [
    (["-a", "base_url=notaurl"], {},
     "bad argument: base_url must be an http(s) URL such as https://www.themoscowtimes.com, not 'notaurl'"),
    (["-a", "base_url=www.themoscowtimes.com"], {}, "bad argument: base_url must be an http(s) URL"),
    (["-a", "base_url=http://[::1"], {}, "bad argument: base_url must be an http(s) URL"),
    (["-a", "base_url=http://127.0.0.1:99999"], {}, "bad argument: base_url must be an http(s) URL"),
    (["-a", "since=yesterday"], {}, "bad argument: since must be a date as YYYY-MM-DD, not 'yesterday'"),
    (["-a", "sinse=2024-01-01"], {}, "bad argument: unknown spider argument sinse: moscowtimes takes base_url, since"),
    (["-a", "site=https://example.org"], {}, "bad argument: unknown spider argument site: moscowtimes takes base_url, since"),
    ([], {"STRIP_MODE": "bogus"}, "bad setting: STRIP_MODE must be 'remove' or 'flag', not 'bogus'"),
    ([], {"EXTRACT_WORKERS": "-1"}, "bad setting: EXTRACT_WORKERS must be a whole number, 0 or more, not '-1'"),
    ([], {"STORE_BATCH_SIZE": "1.5"}, "bad setting: STORE_BATCH_SIZE must be a whole number, 1 or more, not '1.5'"),
    ([], {"ROBOTSTXT_MAXSIZE": "1000"},
     "bad setting: ROBOTSTXT_MAXSIZE must be a whole number, 512000 or more, not '1000'"),
    ([], {"MAX_FAILED_SHARE": "20"}, "bad setting: MAX_FAILED_SHARE must be a number, from 0 to 1, not '20'"),
    ([], {"RECHECK_WINDOW": "two days"}, "bad setting: RECHECK_WINDOW must be a number, 0 or more, not 'two days'"),
    ([], {"EXTRACT_CPU_LIMIT": "nan"}, "bad setting: EXTRACT_CPU_LIMIT must be a number, 0 or more, not 'nan'"),
    ([], {"CLUSTER_LEASE_TIMEOUT": "0"}, "bad setting: CLUSTER_LEASE_TIMEOUT must be a number, more than 0, not '0'"),
    ([], {"MIN_FIELD_COVERAGE": '{"title": 95}'},
     "bad setting: MIN_FIELD_COVERAGE must map fields to shares from 0 to 1, as JSON, not '{\"title\": 95}'"),
    ([], {"MIN_FIELD_COVERAGE": "title=0.9"}, "bad setting: MIN_FIELD_COVERAGE must map fields to shares"),
    ([], {"REDIRECT_LOGIN_PATTERN": "(login"}, "bad setting: REDIRECT_LOGIN_PATTERN must be a regular expression: "),
])
def test_a_bad_argument_ends_with_one_line_before_the_crawl_starts(tmp_path, args, settings, line):
    db_path = tmp_path / "articles.db"
    result = run_crawl("http://127.0.0.1:9", db_path, *args, settings=settings)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"crawl moscowtimes: {line}")
    assert "Traceback" not in result.stderr
    assert not db_path.exists()  # no run row, no database


def test_the_bounds_name_settings_the_project_has():
    assert set(BOUNDS) <= {name for name in dir(project_settings) if name.isupper()}


def test_the_traceback_of_a_bad_argument_is_in_the_debug_log(tmp_path):
    result = run_crawl("http://127.0.0.1:9", tmp_path / "articles.db", "-a", "since=yesterday", "-L", "DEBUG")
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_a_database_that_cannot_be_opened_ends_with_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run_crawl("http://127.0.0.1:9", tmp_path / "file" / "articles.db")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("crawl moscowtimes: failed: cannot open database")
    assert "Traceback" not in result.stderr


def test_a_since_in_the_future_warns(replica_url, tmp_path):
    result = run_crawl(replica_url, tmp_path / "articles.db", "-a", "since=2999-01-01")
    assert "since=2999-01-01 is in the future: no article is in the window" in result.stderr


def test_runs_record_their_arguments_and_the_articles_skipped_as_unchanged(replica_url, tmp_path):
    db_path = tmp_path / "articles.db"
    for _ in range(2):
        result = run_crawl(replica_url, db_path, "-a", "since=2000-01-01", settings={"STRIP_MODE": "remove"})
        assert result.returncode == 0, result.stderr[-3000:]
    with closing(sqlite3.connect(db_path)) as db:
        db.row_factory = sqlite3.Row
        first, second = db.execute("select * from crawl_runs order by id").fetchall()
    assert first["base_url"] == second["base_url"] == replica_url
    assert json.loads(second["arguments"]) == {"base_url": replica_url, "since": "2000-01-01"}
    assert json.loads(second["settings"])["STRIP_MODE"] == "remove"
    assert (first["new"], first["skipped"]) == (46, 0)
    assert (second["new"], second["unchanged"], second["skipped"]) == (0, 0, 46)
    assert second["message"].endswith("; 46 known articles skipped as unchanged")
