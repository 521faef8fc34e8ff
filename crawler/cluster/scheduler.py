"""ClusterScheduler: Scrapy's scheduler for what stays in this process, the shared frontier for the rest.

Which requests are shared is data: those whose callback is named in
``CLUSTER_SHARED_CALLBACKS`` (article pages) go to the frontier in Redis;
discovery (robots.txt, sitemaps, feeds, listings) stays with the main
process, which alone reads and writes the crawl state it depends on.

Every process takes requests from the frontier while it has room (at most
``CONCURRENT_REQUESTS`` leases at a time, so a process killed with work in
hand costs at most that many refetches), renews their leases while it works,
and acknowledges each once all it led to is settled: its response handled,
the pages that failed recorded or handed on, and on a worker the items it
gave handed to the main process. The main process's own items need no lease
past their response: an article it has not committed is still due in its
database, and the next run, or the main process restarted, fetches it again.
Requests a leased request leads to in this process (retries, redirects,
live-blog posts) share its lease and stay here.

A worker joins the crawl the main process runs (the ``:crawl`` key) and
closes when that crawl is finished; the main process closes when the
frontier is empty, no lease is held and every outcome handed to it is
stored, and then clears the crawl's keys. Both close as soon as that is so,
not at the engine's next idle check.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial
from weakref import WeakSet

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.core.scheduler import Scheduler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.cluster import LEASE, REDIS_LOST, is_worker, stop_on_redis_error
from crawler.cluster.writer import ClusterWriter

logger = logging.getLogger(__name__)


class ClusterScheduler(RedisScheduler):
    def __init__(self, server, crawler, **kwargs):
        super().__init__(server, persist=True, **kwargs)  # the first process to close must not clear the frontier
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.worker = is_worker(settings)
        self.shared_callbacks = set(settings.getlist("CLUSTER_SHARED_CALLBACKS"))
        self.capacity = settings.getint("CONCURRENT_REQUESTS")
        self.lease_seconds = settings.getfloat("CLUSTER_LEASE_TIMEOUT")
        self.poll_interval = settings.getfloat("CLUSTER_POLL_INTERVAL")
        self.local = Scheduler(
            build_from_crawler(load_object(settings["DUPEFILTER_CLASS"]), crawler),
            mqclass=load_object(settings["SCHEDULER_MEMORY_QUEUE"]),
            pqclass=load_object(settings["SCHEDULER_PRIORITY_QUEUE"]),
            stats=crawler.stats,
            crawler=crawler,
        )
        self.held: dict[str, int] = {}  # lease token -> requests and items of it not settled yet
        self.settled_requests: WeakSet = WeakSet()
        self.crawl_key = ""
        self.joined: str | None = None  # the id of the crawl this process works for
        self.renewed = 0.0
        self.feeder = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        server = get_redis_from_settings(settings)
        server.ping()  # fail at once, not at the first request, when Redis is unreachable
        scheduler = cls(
            server, crawler,
            queue_key=settings.get("SCHEDULER_QUEUE_KEY", "%(spider)s:requests"),
            queue_cls="crawler.cluster.frontier.LeasedQueue",
            dupefilter_key=settings.get("SCHEDULER_DUPEFILTER_KEY", "%(spider)s:dupefilter"),
            dupefilter_cls="crawler.cluster.frontier.FingerprintDupeFilter",
        )
        crawler.signals.connect(scheduler.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        if scheduler.worker:  # the main process's items are settled by its database (see the module)
            for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
                crawler.signals.connect(scheduler.item_settled, signal=signal)
        return scheduler

    # -- Scheduler interface -----------------------------------------------------

    def open(self, spider):
        super().open(spider)
        self.queue.lease_ms = int(self.lease_seconds * 1000)
        self.crawl_key = f"{self.queue.key}:crawl"
        if not self.worker:
            self.joined = self.start_or_resume()
        self.feeder = create_looping_call(self.feed)
        self.feeder.start(self.poll_interval, now=False)
        return self.local.open(spider)

    def close(self, reason):
        if self.feeder is not None and self.feeder.running:
            self.feeder.stop()
        if reason == REDIS_LOST:  # what this process held comes back when its leases expire
            return self.local.close(reason)
        if self.held:
            logger.info("Putting %d unfinished requests back in the frontier", len(self.held))
            self.queue.release(self.held)
            self.held.clear()
        if not self.worker and reason == "finished":
            # The crawl is done: the next one starts afresh, and the workers that joined this one close.
            self.df.clear()
            self.queue.clear()
            self.server.delete(self.crawl_key)
        return self.local.close(reason)

    def enqueue_request(self, request) -> bool:
        token = request.meta.get(LEASE)
        if token is None and self.is_shared(request):
            if not request.dont_filter and self.df.request_seen(request):
                return False
            self.queue.push(request)
            self.stats.inc_value("cluster/pushed")
            return True
        if self.local.enqueue_request(request):
            return True
        if token is not None:  # a redirect filtered as seen: nothing more comes of it
            self.settle_request(request)
        return False

    def next_request(self):
        return self.local.next_request()

    def has_pending_requests(self) -> bool:
        return self.local.has_pending_requests()

    def __len__(self):
        return len(self.local)

    def is_shared(self, request) -> bool:
        return getattr(request.callback, "__name__", None) in self.shared_callbacks

    # -- The crawl this process works for ------------------------------------------

    def start_or_resume(self) -> str:
        """The id of the crawl of this main process: the one a killed main process left, or a new one."""
        crawl = self.server.get(self.crawl_key)
        if crawl is not None:
            logger.info("Resuming cluster crawl %s: %d requests queued, %d leased",
                        crawl.decode(), len(self.queue), self.queue.leases())
            return crawl.decode()
        crawl = str(self.server.incr(f"{self.crawl_key}s"))
        self.server.set(self.crawl_key, crawl)
        logger.info("Started cluster crawl %s", crawl)
        return crawl

    def crawl_running(self) -> bool:
        """Whether this process works for a running crawl (a worker joins the first it sees)."""
        crawl = self.server.get(self.crawl_key)
        crawl = crawl.decode() if crawl is not None else None
        if self.joined is None and crawl is not None:
            self.joined = crawl
            logger.info("Joined cluster crawl %s", crawl)
        return crawl is not None and crawl == self.joined

    def is_done(self) -> bool:
        """Whether this process's share of the crawl is over.

        A worker's once the crawl it joined finished; the main process's once the
        frontier is empty, no lease is held and every outcome handed to it is stored.
        """
        if self.worker:
            return self.joined is not None and not self.crawl_running()
        writer = self.crawler.get_extension(ClusterWriter)
        return not len(self.queue) and not self.queue.leases() and writer.is_drained()

    def spider_idle(self):
        try:
            done = self.is_done()
        except RedisError as exc:
            raise CloseSpider(REDIS_LOST) from exc
        if not done:
            raise DontCloseSpider

    def close_if_done(self) -> None:
        """Close as soon as the work is over, not at the engine's next idle check (every 5 seconds)."""
        engine = self.crawler.engine
        if engine.spider_is_idle() and self.is_done():
            self.feeder.stop()
            asyncio.ensure_future(engine.close_spider_async(reason="finished"))

    # -- Leases ----------------------------------------------------------------------

    @stop_on_redis_error
    def feed(self):
        """Take as many requests as there is room for, renew the leases held."""
        if not self.crawler.engine.running:
            return
        if self.worker and not self.crawl_running():
            self.close_if_done()
            return
        now = time.monotonic()
        if self.held and now - self.renewed > self.lease_seconds / 3:
            self.queue.renew(self.held)
            self.renewed = now
        room = self.capacity - len(self.held)
        if room <= 0:
            return
        requeued, taken = self.queue.take(room)
        if not taken:
            self.close_if_done()
        if requeued:
            logger.warning("%d leased requests of a process that stopped are back in the frontier", requeued)
            self.stats.inc_value("cluster/requeued", requeued)
        for token, request in taken:
            request.meta[LEASE] = token
            self.held[token] = 1
            self.stats.inc_value("cluster/taken")
            self.crawler.engine.crawl(request)

    def opened(self, token: str) -> None:
        """One more request or item came of the lease."""
        self.held[token] += 1

    def settle(self, token: str) -> None:
        """A request or item of the lease is done; the last one acknowledges it."""
        self.held[token] -= 1
        if not self.held[token]:
            del self.held[token]
            self.queue.acknowledge(token)

    def request_scheduled(self, request, spider):
        token = request.meta.get(LEASE)
        errback = request.errback
        if token is None or (isinstance(errback, partial) and errback.func == self.failed):
            return  # retries and redirects are copies that keep the errback
        request.errback = partial(self.failed, token, errback)

    def failed(self, token, errback, failure):
        """A request of the lease failed: its errback (the failure ledger) first, then settle."""
        try:
            return errback(failure) if errback is not None else None
        finally:
            self.settle_request(failure.request)

    def settle_request(self, request) -> None:
        """The request's response or failure was handled.

        Once, whichever paths report it: a response a spider middleware refuses
        (an HTTP error status) reaches the errback and then the spider output.
        """
        if request not in self.settled_requests:
            self.settled_requests.add(request)
            self.settle(request.meta[LEASE])

    def item_settled(self, item, response):
        token = getattr(response, "meta", {}).get(LEASE)
        if token is not None:
            self.settle(token)
