"""One crawl shared by processes on many machines, through a Redis server (README: "Across machines").

Without ``REDIS_URL`` none of this is loaded. With it, the ``Cluster`` add-on
wires the pieces by settings:

- ``scheduler.ClusterScheduler``: discovery stays in the main process, article
  requests go to the shared frontier (``frontier``: scrapy-redis's queue with
  leases, Scrapy's fingerprints), every process takes from it;
- ``middlewares.ClusterSpiderMiddleware``: ``start()`` plans the run on the main
  process only; leases follow the requests and items a response gives;
- ``politeness.GatedDownloadHandler``: per-host delay and concurrency hold for
  the cluster;
- on a worker (``CLUSTER_ROLE=worker``), ``handoff.Handoff`` sends items,
  failures and dropped links to the main process instead of to SQLite;
- on the main process, ``writer.ClusterWriter`` stores them: it stays the one
  writer of the database;
- all of them reach Redis through the process's ``outbox.Outbox``: its asyncio
  client, and its writes nothing waits for, sent together.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from redis.exceptions import RedisError
from scrapy.exceptions import NotConfigured
from scrapy_redis.connection import get_redis_from_settings

from crawler.frontier import redact
from crawler.runlog import CrawlCannotStart

logger = logging.getLogger(__name__)

LEASE = "cluster_lease"  # request meta: the token of the frontier lease the request belongs to
REDIS_LOST = "cluster_redis_lost"  # the close reason when the Redis server fails
FEED_FAILED = "cluster_feed_failed"  # the close reason when the feed stopped on an error of ours (a bug, logged)


def is_worker(settings) -> bool:
    return bool(settings.get("REDIS_URL")) and settings.get("CLUSTER_ROLE") == "worker"


def check_reachable(settings) -> None:
    """CrawlCannotStart, naming the server and why, unless the Redis server of ``REDIS_URL`` answers."""
    try:
        get_redis_from_settings(settings).ping()
    except RedisError as exc:
        # The system's words when it gave them ("connection refused"), not redis-py's sentence around them.
        cause = exc.__cause__
        why = cause.strerror.lower() if isinstance(cause, OSError) and cause.strerror else str(exc)
        raise CrawlCannotStart(f"redis unreachable at {redact(settings.get('REDIS_URL'))}: {why}") from exc


def stop_crawl(crawler, exc: RedisError) -> None:
    """A Redis server that fails (down, unreachable) stops the crawl with ``REDIS_LOST``; the next run resumes.

    Called once per process, by its outbox (``Outbox.fail``), whichever call failed.
    """
    logger.error("The cluster's Redis server failed: %s; stopping", exc)
    asyncio.ensure_future(crawler.engine.close_spider_async(reason=REDIS_LOST))


def stop_on_redis_error(method):
    """For the periodic coroutines of a component with an ``outbox``: ``stop_crawl`` on a RedisError."""

    @functools.wraps(method)
    async def call(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except RedisError as exc:
            self.outbox.fail(exc)

    return call


class Poll:
    """Awaits ``check()`` every ``interval`` seconds, each time after the previous one ended,
    or at once when woken, until stopped."""

    def __init__(self, check, interval: float):
        self.running = True
        self.woken = asyncio.Event()
        self.task = asyncio.ensure_future(self.loop(check, interval))
        self.task.add_done_callback(self.report)

    @staticmethod
    def report(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("A cluster poll stopped on an error", exc_info=task.exception())

    @property
    def failed(self) -> bool:
        "Did the loop end on an error of its check?"
        return self.task.done() and not self.task.cancelled() and self.task.exception() is not None

    async def loop(self, check, interval: float) -> None:
        while self.running:
            self.woken.clear()
            await check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), interval)

    def wake(self) -> None:
        """Check again as soon as the check under way, if any, has ended."""
        self.woken.set()

    async def stop(self) -> None:
        """Once the check under way, if any, has ended."""
        self.running = False
        self.wake()
        await asyncio.wait([self.task])  # an error of its check was reported when it ended


class Cluster:
    """Scrapy add-on: the cluster's components, at add-on priority, when ``REDIS_URL`` is set."""

    def __init__(self, crawler):
        # CLUSTER_ROLE and REDIS_URL were checked with the other settings (crawler.settings_check).
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured  # one process alone, as without this add-on

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def update_settings(self, settings):
        settings.set("SCHEDULER", "crawler.cluster.scheduler.ClusterScheduler", "addon")
        settings["SPIDER_MIDDLEWARES"].set("crawler.cluster.middlewares.ClusterSpiderMiddleware", 50, "addon")
        for scheme in ("http", "https"):
            settings["DOWNLOAD_HANDLERS"].set(scheme, "crawler.cluster.politeness.GatedDownloadHandler", "addon")
        if settings.get("CLUSTER_ROLE") == "worker":
            settings["EXTENSIONS"].set("crawler.cluster.handoff.Handoff", 200, "addon")
            # Whatever the command line says: a worker never opens the database, so the
            # run log, the failure ledger and the store stage are off (Handoff stands in).
            settings.set("DATABASE_PATH", "", "cmdline")
        else:
            settings["EXTENSIONS"].set("crawler.cluster.writer.ClusterWriter", 300, "addon")
