"""Shared fixtures: the replica site on loopback and real `scrapy crawl` runs against it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.paths import FIXTURES
from tests.replica_server import ReplicaServer

ROOT = Path(__file__).resolve().parents[1]
SITE = FIXTURES / "moscowtimes-site"
SITE_V2 = FIXTURES / "moscowtimes-site-v2"
# Politeness off for the loopback replica; everything else as shipped.
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}


@pytest.fixture(scope="session", autouse=True)
def temporary_directory(tmp_path_factory) -> Path:
    """The temporary directory of the tests and of every process they start: what the crawls they
    kill leave there (their extraction results) stays in pytest's own, which it prunes."""
    directory = tmp_path_factory.mktemp("tmp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", str(directory))
        patch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
        yield directory


def scrapy_command(name: str, *args: str, settings: dict | None = None) -> list[str]:
    """``python -m scrapy NAME ARGS``, each setting given as ``-s NAME=VALUE``."""
    command = [sys.executable, "-m", "scrapy", name, *args]
    for setting, value in (settings or {}).items():
        command += ["-s", f"{setting}={value}"]
    return command


def crawl_command(base_url: str, db_path: Path, *args: str, settings: dict | None = None) -> list[str]:
    """The real `scrapy crawl moscowtimes` against ``base_url``, politeness off."""
    return scrapy_command("crawl", "moscowtimes", "-a", f"base_url={base_url}", *args,
                          settings={**FAST, "DATABASE_PATH": str(db_path), **(settings or {})})


def run_crawl(base_url: str, db_path: Path, *args: str, settings: dict | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real `scrapy crawl moscowtimes` in a subprocess; its log is in the result."""
    command = crawl_command(base_url, db_path, *args, settings=settings)
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def run_news_crawl(db_path: Path, *args: str, settings: dict | None = None,
                   timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real `scrapy crawl news ARGS` (sites given as ``-a site=…``) in a subprocess, politeness off."""
    command = scrapy_command("crawl", "news", *args, settings={**FAST, "DATABASE_PATH": str(db_path), **(settings or {})})
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def replica_url():
    with ReplicaServer(SITE) as server:
        yield server.base_url


@pytest.fixture(scope="session")
def crawled_db(replica_url, tmp_path_factory) -> Path:
    """A database filled by a full crawl (since 2000) of the dev replica."""
    db_path = tmp_path_factory.mktemp("crawl") / "articles.db"
    result = run_crawl(replica_url, db_path, "-a", "since=2000-01-01")
    assert result.returncode == 0, result.stderr[-3000:]
    return db_path
