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
not at the engine's next idle check. Taking, renewing and checking whether
the crawl is over are awaited on the process's asyncio Redis client
(crawler.cluster.outbox), and pushes go out with the process's other
writes; the dupefilter stays on scrapy-redis's blocking client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import partial
from weakref import WeakSet

from scrapy import signals
from scrapy.core.scheduler import Scheduler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler import incremental
from crawler.cluster import FEED_FAILED, LEASE, REDIS_LOST, Poll, is_worker, stop_on_redis_error
from crawler.cluster.outbox import Outbox
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
        self.refill = max(self.capacity // 4, 1)  # leases ended that make the feed take at once, not at its next poll
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
        self.waiting = 0  # the main process's requests in the frontier: as last read (``feed``), and pushed since
        self.settled_requests: WeakSet = WeakSet()
        self.crawl_key = ""
        self.joined: str | None = None  # the id of the crawl this process works for
        self.renewed = 0.0
        self.outbox = Outbox.of(crawler)
        self.feeder: Poll | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        scheduler = cls(
            get_redis_from_settings(settings), crawler,
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
        self.crawl_key = f"{self.queue.key}:crawl"
        if not self.worker:
            self.joined = self.start_or_resume()
        self.feeder = Poll(self.feed, self.poll_interval)
        return self.local.open(spider)

    def close(self, reason):
        return deferred_from_coro(self.close_async(reason))

    async def close_async(self, reason):
        if self.feeder is not None:
            await self.feeder.stop()
        await self.outbox.drain()  # a worker's outcomes and acknowledgements, before its leases go back
        if reason != REDIS_LOST:  # else what this process held comes back when its leases expire
            self.give_back(reason)
        if (closed := self.local.close(reason)) is not None:
            await maybe_deferred_to_future(closed)

    def give_back(self, reason) -> None:
        if self.held:
            logger.info("Putting %d unfinished requests back in the frontier", len(self.held))
            self.queue.release(self.held)
            self.held.clear()
        if not self.worker and reason == "finished":
            # The crawl is done: the next one starts afresh, and the workers that joined this one close.
            self.df.clear()
            self.queue.clear()
            self.server.delete(self.crawl_key)

    def enqueue_request(self, request) -> bool:
        token = request.meta.get(LEASE)
        if token is None and self.is_shared(request):
            if not request.dont_filter and self.df.request_seen(request):
                return False
            self.queue.push(request)
            self.waiting += 1
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
        # The requests waiting in the frontier count: the main process's spider plans
        # MAX_SCHEDULED_ARTICLES of them at a time, wherever they wait (spiders/news.py). Not once
        # the feed stopped on a bug and no longer reads them: start() would wait for room for ever,
        # and the idle check that closes the crawl never come.
        if self.feeder is None or self.feeder.failed:
            return len(self.local)
        return len(self.local) + self.waiting

    def is_shared(self, request) -> bool:
        return getattr(request.callback, "__name__", None) in self.shared_callbacks

    # -- The crawl this process works for ------------------------------------------

    def start_or_resume(self) -> str:
        """The id of the crawl of this main process: the one a killed main process left, or a new one."""
        crawl = self.server.get(self.crawl_key)
        if crawl is not None:
            self.waiting = len(self.queue)
            logger.info("Resuming cluster crawl %s: %d requests queued, %d leased",
                        crawl.decode(), self.waiting, self.queue.leases())
            return crawl.decode()
        crawl = str(self.server.incr(f"{self.crawl_key}s"))
        self.server.set(self.crawl_key, crawl)
        logger.info("Started cluster crawl %s", crawl)
        return crawl

    async def crawl_running(self) -> bool:
        """Whether this process works for a running crawl (a worker joins the first it sees)."""
        crawl = await self.outbox.server.get(self.crawl_key)
        crawl = crawl.decode() if crawl is not None else None
        if self.joined is None and crawl is not None:
            self.joined = crawl
            logger.info("Joined cluster crawl %s", crawl)
        return crawl is not None and crawl == self.joined

    async def is_done(self) -> bool:
        """Whether the main process's share of the crawl is over: the frontier is empty,
        no lease is held and every outcome handed to it is stored."""
        await self.outbox.drain()  # its pushes and acknowledgements first
        queue = self.queue
        pipe = self.outbox.server.pipeline(transaction=False)
        queued, leased = await pipe.zcard(queue.key).zcard(queue.deadlines_key).execute()
        return not queued and not leased and await self.crawler.get_extension(ClusterWriter).is_drained()

    def spider_idle(self):
        if self.feeder is not None and self.feeder.failed:  # logged: close rather than wait for a feed that is gone
            raise CloseSpider(FEED_FAILED)
        raise DontCloseSpider  # the feed closes the spider once its share is done, or Redis fails

    def finish(self) -> None:
        """Close now the work is over, not at the engine's next idle check (every 5 seconds)."""
        self.feeder.running = False
        asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="finished"))

    # -- Leases ----------------------------------------------------------------------

    @stop_on_redis_error
    async def feed(self):
        """Take as many requests as there is room for, renew the leases held; finish once done.

        A worker is done once the crawl it joined is over, the main process once ``is_done``.
        """
        engine = self.crawler.engine
        if not engine.running:
            return
        if self.worker and not await self.crawl_running():
            if self.joined is not None and engine.spider_is_idle():
                self.finish()
            return
        now = time.monotonic()
        if self.held and now - self.renewed > self.lease_seconds / 3:
            await self.queue.renew(self.held)
            self.renewed = now
        room = max(self.capacity - len(self.held), 0)
        if not room and self.worker:
            return
        # The leases that ended are acknowledged before more are taken: a process killed
        # at any moment has at most CONCURRENT_REQUESTS leases to come back.
        waiting = self.waiting  # the pushes queued so far are in the frontier once drained
        await self.outbox.drain()
        # The main process takes even without room: the frontier's length is read with it.
        requeued, queued, taken = await self.queue.take(room)
        if not self.worker:
            self.count_waiting(waiting, queued, requeued, len(taken))
        if not taken and not self.worker and engine.spider_is_idle() and await self.is_done():
            self.finish()
        if requeued:
            logger.warning("%d leased requests of a process that stopped are back in the frontier", requeued)
            self.stats.inc_value("cluster/requeued", requeued)
        for token, request in taken:
            request.meta[LEASE] = token
            self.held[token] = 1
            self.stats.inc_value("cluster/taken")
            self.crawler.engine.crawl(request)

    def count_waiting(self, waiting: int, queued: int, requeued: int, taken: int) -> None:
        """The frontier held ``queued`` requests once this process took ``taken`` of the ``waiting`` it
        counted before draining its pushes; tell the spider how many other processes took meanwhile."""
        # Pushed while the take was under way: they may be in ``queued`` too, counted twice
        # until the next read (the spider then plans fewer, never more).
        self.waiting = queued + self.waiting - waiting
        if (elsewhere := waiting + requeued - taken - queued) > 0:
            self.crawler.signals.send_catch_log(incremental.requests_taken, count=elsewhere)

    def opened(self, token: str) -> None:
        """One more request or item came of the lease."""
        self.held[token] += 1

    def settle(self, token: str) -> None:
        """A request or item of the lease is done; the last one acknowledges it."""
        self.held[token] -= 1
        if not self.held[token]:
            del self.held[token]
            self.queue.acknowledge(token)
            if self.capacity - len(self.held) >= self.refill:
                self.feeder.wake()

    def request_scheduled(self, request, spider):
        token = request.meta.get(LEASE)
        errback = request.errback
        if token is None or (isinstance(errback, partial) and errback.func == self.failed):
            return  # retries and redirects are copies that keep the errback
        request.errback = partial(self.failed, errback)

    def failed(self, errback, failure):
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
