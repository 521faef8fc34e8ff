"""ClusterWriter: the main process stores what the workers hand it, as the one writer of the database.

It reads the outcomes stream (crawler.cluster.outcomes) in its consumer
group: an article goes through the main process's own item pipelines
(extraction is done; validation, the crawl-wide dedupe and the store stage
run here), a dropped article to the handlers of ``item_dropped`` (the store
stage and the failure ledger), a failure into the failure ledger, a dropped
link to the spider's crawl state. An entry is acknowledged (and deleted) only once that is done, an
article only once its batch is committed: a main process killed meanwhile
leaves the entry pending, and the next one, under the same consumer name,
reads its pending entries first. Upserts make the replay harmless.
Reads are awaited on the process's asyncio Redis client, up to
``STORE_BATCH_SIZE`` entries at a time, and acknowledgements go out with its
other writes (crawler.cluster.outbox). The main process closes once the
stream is drained (crawler.cluster.scheduler).
"""

from __future__ import annotations

import asyncio
from functools import partial

from redis.exceptions import ResponseError
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy_redis.connection import get_redis_from_settings

from crawler.cluster import Poll, is_worker, outcomes, stop_on_redis_error
from crawler.cluster.outbox import Outbox
from crawler.extensions import FailureLog
from crawler.items import FetchedArticle

CONSUMER = "main"  # one name for every main process: a restarted one owns what the killed one had read


class ClusterWriter:
    def __init__(self, crawler, server, poll_interval: float, limit: int):
        self.crawler = crawler
        self.server = server  # blocking, for the stream's consumer group when the spider opens
        self.outbox = Outbox.of(crawler)
        self.poll_interval = poll_interval
        self.limit = max(limit, 1)
        self.stream = ""
        self.cursor = "0"  # entries a killed main process read and never acknowledged, then ">": new ones
        self.in_flight = 0
        self.reader: Poll | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if is_worker(crawler.settings):
            raise NotConfigured("a cluster worker hands its outcomes on")
        settings = crawler.settings
        writer = cls(crawler, get_redis_from_settings(settings), settings.getfloat("CLUSTER_POLL_INTERVAL"),
                     settings.getint("STORE_BATCH_SIZE"))
        crawler.signals.connect(writer.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(writer.spider_closed, signal=signals.spider_closed)
        return writer

    def spider_opened(self, spider):
        self.stream = outcomes.stream_key(spider)
        try:
            self.server.xgroup_create(self.stream, outcomes.GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):  # the group of a crawl being resumed
                raise
        self.reader = Poll(self.read, self.poll_interval)

    async def is_drained(self) -> bool:
        """Whether every outcome handed to the main process is stored."""
        return not self.in_flight and not await self.outbox.server.xlen(self.stream)

    async def spider_closed(self, reason):
        if self.reader is not None:
            await self.reader.stop()
        if reason == "finished":
            await self.outbox.server.delete(self.stream)

    @stop_on_redis_error
    async def read(self):
        room = self.limit - self.in_flight
        if room <= 0 or not self.crawler.engine.running:
            return
        answer = await self.outbox.server.xreadgroup(outcomes.GROUP, CONSUMER, {self.stream: self.cursor}, count=room)
        entries = answer[0][1] if answer else []
        if self.cursor != ">":
            self.cursor = entries[-1][0] if entries else ">"
        for entry_id, fields in entries:
            self.handle(entry_id, outcomes.decode(fields))

    def handle(self, entry_id, outcome: dict) -> None:
        spider = self.crawler.spider
        kind = outcome["kind"]
        self.crawler.stats.inc_value(f"cluster/stored/{kind}")
        if kind == "link_dropped":
            spider.state.drop(outcome["site"], outcome["article_id"], outcome["reason"])
            self.acknowledge(entry_id)
            return
        request, response = outcomes.stand_ins(outcome, spider)
        if kind == "failure":
            self.crawler.get_extension(FailureLog).record(request, outcome["stage"], outcome["reason"], response)
        elif kind == "item_dropped":
            self.crawler.signals.send_catch_log(signals.item_dropped, item=FetchedArticle(**outcome["item"]),
                                                response=response, exception=DropItem(outcome["reason"]),
                                                spider=spider)
        else:  # an article: its page was answered, and it goes through the pipelines from here
            self.crawler.signals.send_catch_log(signals.response_received, response=response, request=request,
                                                spider=spider)
            self.in_flight += 1
            stored = asyncio.ensure_future(self.crawler.engine.scraper.start_itemproc_async(
                FetchedArticle(**outcome["item"]), response=response))
            stored.add_done_callback(partial(self.item_done, entry_id))
            return
        self.acknowledge(entry_id)

    def item_done(self, entry_id, stored: asyncio.Future) -> None:
        self.in_flight -= 1
        # Scrapy's scraper checks whether a closing spider is done only when a response is;
        # an item it was given alone (start_itemproc_async) must check too, or a spider closing
        # meanwhile (Ctrl-C, a lost Redis server) waits for ever.
        self.crawler.engine.scraper._check_if_closing()
        if not stored.cancelled():  # else the process is stopping: the next main process reads it again
            self.acknowledge(entry_id)

    def acknowledge(self, entry_id) -> None:
        self.outbox.add("xack", self.stream, outcomes.GROUP, entry_id)
        self.outbox.add("xdel", self.stream, entry_id)
