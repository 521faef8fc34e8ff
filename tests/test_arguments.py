"""A crawl's arguments and settings are checked before it starts, and every run records them."""

import json
import os
import socket
import sqlite3
import subprocess
from contextlib import closing

import pytest
from scrapy import signals
from scrapy.settings import default_settings
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.settings_check import CHECKS
from pipelines.extract import ExtractPipeline
from tests.conftest import ROOT, run_crawl, scrapy_command
from tests.storing import write_newer_database


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
    (["-a", "base_url=https://exa mple.org"], {}, "bad argument: base_url must be an http(s) URL"),
    (["-a", "since=20240101"], {}, "bad argument: since must be a date as YYYY-MM-DD, not '20240101'"),
    (["-a", "since=2024-W10-1"], {}, "bad argument: since must be a date as YYYY-MM-DD, not '2024-W10-1'"),
    (["-a", "since="], {}, "bad argument: spider argument since is empty: give it a value or leave it out"),
    (["-a", "since=2024-01-01", "-a", "since=2024-02-01"], {},
     "bad argument: spider argument since is given more than once: it takes one value"),
    (["-a", "since=2024-01-01", "-a", "base_url=http://127.0.0.1:8"], {},  # beside the one run_crawl gives
     "bad argument: spider argument base_url is given more than once: it takes one value"),
    ([], {"MIN_FIELD_COVERAGE": '{"title": "0.5"}'}, "bad setting: MIN_FIELD_COVERAGE must map fields to shares"),
    ([], {"MIN_FIELD_COVERAGE": '{"nope": 0.5}'},
     "bad setting: MIN_FIELD_COVERAGE names 'nope', no field of an article"),
    ([], {"STORE_PAGES": "maybe"}, "bad setting: STORE_PAGES must be True or False (or 1 or 0), not 'maybe'"),
    ([], {"CLUSTER_ROLE": "boss"}, "bad setting: CLUSTER_ROLE must be 'main' or 'worker', not 'boss'"),
    ([], {"CLUSTER_SHARED_CALLBACKS": "bogus"},
     "bad setting: CLUSTER_SHARED_CALLBACKS may list parse_article, not 'bogus'"),
    ([], {"REDIS_URL": "notaurl"}, "bad setting: REDIS_URL must be a Redis URL such as redis://10.0.0.5:6379/0"),
    ([], {"DOWNLOAD_DELAY": "abc"}, "bad setting: DOWNLOAD_DELAY must be a number, 0 or more, not 'abc'"),
    ([], {"AUTOTHROTTLE_ENABLED": "maybe"}, "bad setting: AUTOTHROTTLE_ENABLED must be True or False"),
    ([], {"ROBOTSTXT_OBEY": "perhaps"}, "bad setting: ROBOTSTXT_OBEY must be True or False"),
    ([], {"CONCURRENT_REQUESTS_PER_DOMAIN": "x"},
     "bad setting: CONCURRENT_REQUESTS_PER_DOMAIN must be a whole number, 1 or more, not 'x'"),
])
def test_a_bad_argument_ends_with_one_line_before_the_crawl_starts(tmp_path, args, settings, line):
    db_path, base_url = tmp_path / "articles.db", "http://127.0.0.1:9"
    if args[:1] == ["-a"] and args[1].startswith("base_url="):  # in place of the one run_crawl gives
        base_url, args = args[1].removeprefix("base_url="), args[2:]
    result = run_crawl(base_url, db_path, *args, settings=settings)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"crawl moscowtimes: {line}")
    assert "Traceback" not in result.stderr
    assert not db_path.exists()  # no run row, no database


def test_the_checks_name_settings_the_project_or_scrapy_has():
    assert set(CHECKS) <= {name for module in (project_settings, default_settings)
                           for name in dir(module) if name.isupper()}


@pytest.mark.parametrize("args", [
    ["-a", "base_url=http://user:secret@127.0.0.1:9"],
    ["-a", "site=https://user:secret@example.org"],
    ["-a", "site=moscowtimes http://user:secret@127.0.0.1:9"],
    ["-a", "sites={sites}"],
])
def test_a_site_given_with_credentials_is_refused_and_its_password_kept_nowhere(tmp_path, args):
    sites = tmp_path / "sites.txt"
    sites.write_text("https://example.net\nhttps://user:secret@example.org\n")
    db_path = tmp_path / "articles.db"
    spider = "moscowtimes" if "base_url" in args[1] else "news"
    command = scrapy_command("crawl", spider, *[arg.format(sites=sites) for arg in args],
                             settings={"DATABASE_PATH": str(db_path)})
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith("must not carry a user name or password: the crawl never logs in")
    assert "secret" not in result.stderr
    assert not db_path.exists()


@pytest.mark.parametrize("args, line", [
    (["crawl", "moscowtimes", "-L", "NOPE"], "LOG_LEVEL must be 'CRITICAL' or 'FATAL' or 'ERROR' or 'WARN' or "
                                             "'WARNING' or 'INFO' or 'DEBUG' or 'NOTSET', not 'NOPE'"),
    (["crawl", "nosuchspider", "-L", "WARNING"], "no spider named 'nosuchspider': `scrapy list` names them"),
    (["crawl", "moscowtimes", "--bogus-opt"], "unknown option --bogus-opt: -h lists the options"),
    (["crawl", "moscowtimes", "-s", "FEEDS={bad"], 'FEEDS must be a JSON object such as {"NAME": VALUE}, '
                                                   "not '{bad': Expecting property name enclosed in double quotes"),
    (["crawl", "moscowtimes", "-s", "EXTENSIONS=[1]"],
     'EXTENSIONS must be a JSON object such as {"NAME": VALUE}, not \'[1]\''),
    (["reextract", "extra"], "reextract takes no arguments"),
    (["reextract", "--bogus-opt"], "unknown option --bogus-opt: -h lists the options"),
    (["reextract", "-L", "NOPE"], "LOG_LEVEL must be 'CRITICAL' or 'FATAL'"),
])
def test_a_wrong_command_line_is_one_line_naming_what_is_wrong(tmp_path, args, line):
    db_path = tmp_path / "articles.db"
    result = subprocess.run(scrapy_command(*args, settings={"DATABASE_PATH": str(db_path)}),
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    [error] = result.stderr.splitlines()  # no usage block, no traceback
    assert error.startswith(f"scrapy: error: {line}")
    assert not db_path.exists()


class SpoiledStats:
    """A stat the run's verdict cannot add up, as a bug would leave one: judging the run raises."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler.stats)
        crawler.signals.connect(extension.spoil, signal=signals.spider_opened)
        return extension

    def spoil(self):
        self.stats.set_value("feedexport/failed_count/spoiled", "?")


def test_a_run_that_cannot_be_judged_ends_failed_with_one_line(replica_url, tmp_path):
    db_path, log = tmp_path / "articles.db", tmp_path / "crawl.log"
    extensions = {f"{__name__}.SpoiledStats": 0}  # beside the project's own (crawler.addon)
    result = run_crawl(replica_url, db_path, "--logfile", str(log), settings={"EXTENSIONS": json.dumps(extensions)})
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["crawl moscowtimes: failed: the run could not be judged (see the log)"]
    assert "Error caught on signal handler" in log.read_text()  # with its traceback
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("select status, message from crawl_runs").fetchall() == [
            ("failed", "the run could not be judged (see the log)")]


def test_extensions_given_on_the_command_line_keep_the_project_s_own(tmp_path):
    db_path, feed = tmp_path / "articles.db", tmp_path / "a-file" / "articles.jsonl"
    feed.parent.write_text("")
    extensions = {"scrapy.extensions.closespider.CloseSpider": 0}
    result = run_crawl("http://127.0.0.1:9", db_path, "-O", str(feed), settings={"EXTENSIONS": json.dumps(extensions)})
    # The project's feed exporter opened the feed as the spider opened; the run log recorded the run.
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("crawl moscowtimes: failed: a feed export cannot be opened")
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("select status from crawl_runs").fetchall() == [("failed",)]


def test_downloader_middlewares_given_on_the_command_line_keep_the_project_s_own(tmp_path):
    middlewares = {"scrapy.downloadermiddlewares.stats.DownloaderStats": 850}
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        result = run_crawl("http://127.0.0.1:%d" % closed.getsockname()[1], tmp_path / "articles.db",
                           settings={"DOWNLOADER_MIDDLEWARES": json.dumps(middlewares)})
    # The project's middlewares are enabled (the frontier first), and the site's reachability judged the run.
    enabled = result.stderr.split("Enabled downloader middlewares:", 1)[1].split("]", 1)[0]
    assert "crawler.middlewares.FrontierMiddleware" in enabled and "crawler.reachability.SiteReachability" in enabled
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "crawl moscowtimes: failed: site unreachable: the first 3 attempts could not connect"


@pytest.mark.parametrize("foreign", ["create view failures as select 1 as url", "create table articles (x)"])
def test_a_database_of_another_application_is_refused_and_left_as_it_was(tmp_path, foreign):
    db_path = tmp_path / "theirs.db"
    with closing(sqlite3.connect(db_path)) as db:
        db.execute(foreign)
    before = db_path.read_bytes()
    result = run_crawl("http://127.0.0.1:9", db_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"crawl moscowtimes: failed: cannot open database {db_path}: it is no archive of this crawler")
    assert "Traceback" not in result.stderr
    assert db_path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["theirs.db"]


def test_a_database_of_a_newer_version_is_refused_and_left_as_it_was(tmp_path):
    db_path = tmp_path / "articles.db"
    before = write_newer_database(db_path)
    result = run_crawl("http://127.0.0.1:9", db_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"crawl moscowtimes: failed: cannot open database {db_path}: a newer version of the crawler wrote it "
        "(migrations unknown to this one: add_articles_sentiment, create_comments): run that version or a later one")
    assert "Traceback" not in result.stderr
    assert db_path.read_bytes() == before and os.listdir(tmp_path) == ["articles.db"]


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


def test_an_extract_pipeline_built_outside_the_commands_refuses_an_unknown_strip_mode():
    with pytest.raises(ValueError, match="STRIP_MODE must be 'remove' or 'flag', not 'bogus'"):
        ExtractPipeline.from_crawler(get_crawler(settings_dict={"STRIP_MODE": "bogus"}))
