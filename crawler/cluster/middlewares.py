"""ClusterSpiderMiddleware: the spider's start() runs on the main process only; leases follow callbacks' output.

scrapy-redis's ``RedisSpider`` reads its start URLs in ``start_requests()``,
which Scrapy 2.16 no longer calls. Here the spider keeps its own
``async def start()``, which plans the run from the database: a worker has
no database and takes its requests from the frontier, so its start is empty.

A request yielded while handling a leased response shares its lease (it stays
in this process), and so does each item a worker extracts: the lease is
acknowledged once all of them are settled (crawler.cluster.scheduler).
"""

from __future__ import annotations

from scrapy import Request

from crawler.cluster import LEASE, check_reachable, is_worker


class ClusterSpiderMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.worker = is_worker(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        # Built with the engine, before the spider opens: a Redis server that does not answer
        # fails the crawl here with its one line. Scrapy builds the scheduler as the spider opens,
        # and its error there was lost behind one of its own ("Engine slot not assigned").
        check_reachable(crawler.settings)
        return cls(crawler)

    async def process_start(self, start):
        if self.worker:
            return
        async for item_or_request in start:
            yield item_or_request

    async def process_spider_output(self, response, result):
        token = response.meta.get(LEASE)
        if token is None:
            async for output in result:
                yield output
            return
        scheduler = self.crawler.engine.scheduler
        try:
            async for output in result:
                if isinstance(output, Request):
                    output.meta[LEASE] = token
                    scheduler.opened(token)
                elif output is not None and self.worker:
                    scheduler.opened(token)  # until it is handed to the main process
                yield output
        finally:
            scheduler.settle_request(response.request)
