"""`scrapy parse --spider=moscowtimes URL`: one page through the spider's callbacks, the archive untouched."""

import ast
import re
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from crawler.site_rules import SITES
from tests.test_extract import HAND_WRITTEN

DATED = next(t for t in HAND_WRITTEN if SITES["moscowtimes"].article_id(t["url_path"]))


def scrapy_parse(url: str, db_path, *args: str) -> subprocess.CompletedProcess:
    "`scrapy parse` of ``url`` on the replica: the site is where the URL is (-a base_url), as for a crawl."
    base_url = re.match(r"https?://[^/]+", url).group()
    command = [sys.executable, "-m", "scrapy", "parse", "--spider=moscowtimes", url, "-a", f"base_url={base_url}",
               "-s", f"DATABASE_PATH={db_path}", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def section(result, header: str) -> str:
    """What `scrapy parse` printed under ``# header``."""
    return result.stdout.split(f"# {header}", 1)[1].split("\n", 1)[1].split("\n# ", 1)[0].strip()


def test_an_article_page_prints_the_article_as_exports_write_it(replica_url, tmp_path):
    truth = DATED
    result = scrapy_parse(replica_url + truth["url_path"], tmp_path / "articles.db")
    assert result.returncode == 0, result.stderr[-3000:]
    (article,) = ast.literal_eval(section(result, "Scraped Items"))
    assert article["title"] == truth["title"] and article["body"]
    assert "html" not in article and "page" not in article
    assert not (tmp_path / "articles.db").exists()  # no run, no failure, no article stored
    assert "WARNING" not in result.stderr  # nor Scrapy's deprecation of the callback its parse command wraps


@pytest.mark.parametrize("path", ["/robots.txt", "/rss/news", "/news"])
def test_a_discovery_document_prints_the_requests_it_leads_to(replica_url, tmp_path, path):
    result = scrapy_parse(replica_url + path, tmp_path / "articles.db")
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"<GET http://\S+>", section(result, "Requests")), result.stdout
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "articles.db").exists()


def test_a_page_that_is_gone_leaves_no_failure_in_the_archive(replica_url, tmp_path):
    result = scrapy_parse(replica_url + "/2024/01/01/gone-a1", tmp_path / "articles.db")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "articles.db").exists()


@pytest.mark.parametrize("args, error", [
    (["-a", "since=bad"], "scrapy: error: bad argument: since must be a date as YYYY-MM-DD, not 'bad'"),
    (["-a", "since=2024-01-01", "-a", "since=2024-02-01"],
     "scrapy: error: bad argument: spider argument since is given more than once: it takes one value"),
    (["--spider=nosuch"], "scrapy: error: no spider named 'nosuch': `scrapy list` names them"),
    (["--bogus-opt"], "scrapy: error: unknown option --bogus-opt: -h lists the options"),
])
def test_a_wrong_command_line_ends_with_one_line_and_exit_code_2(replica_url, tmp_path, args, error):
    result = scrapy_parse(replica_url + "/news", tmp_path / "articles.db", *args)
    assert result.returncode == 2 and result.stderr.splitlines()[-1] == error, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "never retrieved" not in result.stderr
    assert not (tmp_path / "articles.db").exists()


def test_a_page_that_cannot_be_downloaded_fails_the_command(tmp_path):
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        result = scrapy_parse(f"http://127.0.0.1:{closed.getsockname()[1]}/news", tmp_path / "articles.db")
    assert result.returncode == 1 and "No response downloaded for" in result.stderr
    assert "Traceback" not in result.stderr
