"""RunLog: one ``crawl_runs`` row per crawl, the lock that keeps crawls apart, and the verdict.

Cron runs the crawl every hour, so a run must not overlap the previous one,
and a run that failed or went wrong must say so in one line. The lock is an
``flock`` on the database file itself: no side file, and the kernel releases
it however the process ends, SIGKILL included. The verdict (``status``,
``message``) goes to the run's row; the ``crawl`` command turns it into the
exit code.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sqlite3
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler import storage
from crawler.exporters import CLOSE_REASON as FEED_UNOPENABLE
from crawler.failures import SKIPPED
from crawler.reachability import CLOSE_REASON as UNREACHABLE

logger = logging.getLogger(__name__)

# Exit codes of `scrapy crawl` (see crawler/commands/crawl.py).
EXIT_CODES = {"ok": 0, "failed": 1, "interrupted": 1, "degraded": 3}
EXIT_BUSY = 75  # EX_TEMPFAIL: another crawl holds the database, try later
# Shares of fewer pages than this say nothing about the site.
MIN_PAGES = 10
DISCOVERY_KINDS = ("feed", "sitemap", "listing")
URL_PASSWORD = re.compile(r"://[^/@\s\"]+@")


class CrawlBusy(Exception):
    """Another crawl holds the database."""


class CrawlCannotStart(Exception):
    """A server the crawl needs does not answer (the cluster's Redis server); the message names it and why."""


def lock_database(path: str | os.PathLike) -> int:
    """Take the crawl lock on the database file (created if missing); its descriptor.

    Raises CrawlBusy when another process holds it, StorageError when the
    file cannot be opened. The descriptor is never closed: closing any
    descriptor of the database file would drop the SQLite locks this process
    holds on it, and the kernel releases the lock when the process exits.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise storage.StorageError(f"cannot open database {path}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)  # this process has no SQLite connection to the file yet
        run = storage.running_run(path)
        since = f" (run {run['id']}, started {run['started']})" if run else ""
        raise CrawlBusy(f"another crawl or reextract is running on {path}{since}; not starting a second one") from None
    return fd


def run_counts(stats: dict) -> dict[str, int]:
    """The ``crawl_runs`` counts of a crawl's stats."""

    def total(prefix: str) -> int:
        return sum(value for key, value in stats.items() if key.startswith(prefix))

    return {
        "requests": stats.get("downloader/request_count", 0),
        "new": stats.get("articles/stored/new", 0),
        "updated": stats.get("articles/stored/updated", 0),
        "unchanged": stats.get("articles/stored/unchanged", 0),
        "skipped": stats.get("articles/skipped/unchanged", 0),
        "failed": total("failed/"),  # the failure log's, one per failure recorded
        "removed_blocks": total("articles/strip/"),
    }


def judge_close(reason: str, stats: dict) -> tuple[str, str] | None:
    """(status, one-line message) of a crawl that did not run to its end, else None."""
    if reason == "shutdown":
        return "interrupted", "interrupted (shutdown) before the end; the next run resumes"
    if reason == storage.UNWRITABLE:
        return "failed", (f"the database cannot be written ({stats.get('database/unwritable')}); "
                          "what was not stored stays due for the next run")
    if reason == FEED_UNOPENABLE:
        return "failed", f"a feed export cannot be opened ({stats.get('feedexport/unopenable')}); nothing was fetched"
    if reason == UNREACHABLE:
        failed = sum(value for key, value in stats.items() if key.startswith("unreachable/"))
        return "failed", f"site unreachable: the first {failed} attempts could not connect"
    if reason != "finished":
        return "failed", f"closed early: {reason}"
    return None


def judge(reason: str, stats: dict, max_failed_share: float, min_coverage: dict[str, float]) -> tuple[str, str]:
    """(status, one-line message) of a finished crawl.

    ``interrupted`` when it was stopped (SIGTERM, Ctrl-C); ``failed`` when it
    did not run to its end otherwise, reached nothing of the site or could not
    open or store a feed export; ``degraded`` when too many pages failed, discovery documents
    list no article, or the site's rules stopped finding fields (the publisher
    changed its markup); else ``ok``.
    """
    if (closed_early := judge_close(reason, stats)) is not None:
        return closed_early
    counts = run_counts(stats)
    feeds_failed = sum(value for key, value in stats.items() if key.startswith("feedexport/failed_count/"))
    if feeds_failed:
        return "failed", f"{feeds_failed} feed export(s) could not be stored (see the log)"
    if not stats.get("discovery/documents", 0) + stats.get("discovery/not-modified", 0):
        return "failed", f"site unreachable: no discovery document could be fetched ({counts['failed']} requests failed)"
    problems = []
    attempted = sum(counts[name] for name in ("new", "updated", "unchanged", "failed"))
    if attempted >= MIN_PAGES and counts["failed"] / attempted > max_failed_share:
        problems.append(f"{counts['failed']} of {attempted} pages failed (more than {max_failed_share:.0%})")
    for kind in DISCOVERY_KINDS:
        documents = stats.get(f"discovery/{kind}/documents", 0)
        if documents and not stats.get(f"discovery/{kind}", 0):
            problems.append(f"{documents} {kind} documents list no article")
    pages = stats.get("coverage/pages", 0)
    if pages >= MIN_PAGES:
        for field, minimum in min_coverage.items():
            share = stats.get(f"coverage/{field}", 0) / pages
            if share < minimum:
                problems.append(f"{field} found in {share:.0%} of {pages} articles (minimum {minimum:.0%})")
    if problems:
        return "degraded", "; ".join(problems) + ": the site or its markup may have changed"
    return "ok", (", ".join(f"{counts[name]} {name}" for name in ("new", "updated", "unchanged", "failed"))
                  + f"; {counts['skipped']} known articles skipped as unchanged")


def run_details(crawler) -> dict:
    """What tells a run apart: the site's base URL, its spider arguments and command-line settings."""
    spider, settings = crawler.spider, crawler.settings
    given = {name: value.copy_to_dict() if isinstance(value, BaseSettings) else value
             for name, value in settings.items() if settings.getpriority(name) == SETTINGS_PRIORITIES["cmdline"]}
    return {
        "base_url": ", ".join(site.base_url for site in spider.sites),
        "arguments": json.dumps(getattr(spider, "arguments", {}), ensure_ascii=False),
        # Datasette shows the row to anyone: no password of a feed URI (ftp://user:password@…).
        "settings": URL_PASSWORD.sub("://***@", json.dumps(given, ensure_ascii=False, default=str)),
    }


def has_feed_exports(crawler) -> bool:
    """Whether the crawl writes feeds (``-o``/``-O``, ``FEEDS``)."""
    return crawler.get_extension(FeedExporter) is not None


class RunLog:
    def __init__(self, crawler, path: str, max_failed_share: float, min_coverage: dict[str, float]):
        self.crawler = crawler
        self.max_failed_share = max_failed_share
        sites = crawler.spider.sites
        # A field some site's rules do not promise (a byline on a site without rules) says nothing of its markup.
        self.min_coverage = {field: share for field, share in min_coverage.items()
                             if all(site.rules.coverage_fields is None or field in site.rules.coverage_fields
                                    for site in sites)}
        self.lock = lock_database(path)  # held until the process exits
        # Its own connection: a crawl that broke down after the writer stopped is recorded too.
        self.db = storage.open_db(path)
        try:
            self.run_id = storage.begin_run(self.db, storage.utc_now(), ", ".join(site.name for site in sites),
                                            **run_details(crawler))
        except sqlite3.Error as exc:  # a full disk takes no run either
            self.db.close()
            raise storage.StorageError(f"cannot write to database {path}: {exc}") from exc
        self.status: str | None = None
        self.message: str | None = None
        self.reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("DATABASE_PATH")
        if not path:
            raise NotConfigured("DATABASE_PATH is empty")
        ext = cls(
            crawler,
            path,
            crawler.settings.getfloat("MAX_FAILED_SHARE"),
            crawler.settings.getdict("MIN_FIELD_COVERAGE"),
        )
        crawler.signals.connect(ext.item_done, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.feeds_closed, signal=signals.feed_exporter_closed)
        return ext

    def item_done(self, item):
        """Count the fields every article page gave, stored or dropped."""
        adapter = ItemAdapter(item)
        stats = self.crawler.stats
        stats.inc_value("coverage/pages")
        for field in self.min_coverage:
            if adapter.get(field):
                stats.inc_value(f"coverage/{field}")

    def item_dropped(self, item, exception):
        if not str(exception).startswith(SKIPPED):  # a tag page has no byline to count
            self.item_done(item)

    def spider_closed(self, reason):
        self.reason = reason
        # Feeds (-O FILE) are stored while the spider closes: wait for them to judge.
        if not has_feed_exports(self.crawler):
            self.judge_run()

    def feeds_closed(self):
        self.judge_run()

    def judge_run(self):
        stats = self.crawler.stats.get_stats()
        status, message = judge(self.reason, stats, self.max_failed_share, self.min_coverage)
        self.finish(status, message, self.reason, run_counts(stats))

    def settle(self, status: str, message: str) -> None:
        """Record a crawl that ended before its spider could close (broke down, forced to stop)."""
        if self.status is None:
            self.finish(status, message, None, run_counts(self.crawler.stats.get_stats()))

    def finish(self, status: str, message: str, reason: str | None, counts: dict) -> None:
        self.status, self.message = status, message
        values = dict(counts, finished=storage.utc_now(), status=status, finish_reason=reason, message=message)
        try:
            storage.finish_run(self.db, self.run_id, values)
        except sqlite3.Error as exc:  # a full disk: the next run marks the row killed
            logger.error("Crawl run %s not recorded as finished: %s", self.run_id, exc)
        finally:
            self.db.close()
        log = logger.info if status == "ok" else logger.error
        log("Crawl run %(id)s %(status)s: %(message)s", {"id": self.run_id, "status": status, "message": message})
