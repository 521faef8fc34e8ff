"""Handoff: a cluster worker's failure ledger and store stage, writing to the main process instead of SQLite.

A worker has no database. What the main process would write, the worker
appends to the outcomes stream (crawler.cluster.outcomes) before the lease of
the request it came from is acknowledged: each article that passed its
pipelines (with its packed page), each failure the ledger's rules record, and
each link that gave no article. The main process stores them as its own.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy_redis.connection import get_redis_from_settings

from crawler.cluster import is_worker, outcomes
from crawler.extensions import FailureLog
from crawler.items import link_dropped

# Field the main process does not need: the page travels packed (``page``).
NOT_HANDED = ("html",)


class Handoff(FailureLog):
    def __init__(self, crawler, server):
        super().__init__(crawler, path=None, base=0.0, cap=0.0)
        self.server = server
        self.stream = ""
        self.handed: set[tuple[str, str]] = set()  # keys of the articles handed on

    @classmethod
    def from_crawler(cls, crawler):
        if not is_worker(crawler.settings):
            raise NotConfigured("not a cluster worker")
        handoff = cls(crawler, get_redis_from_settings(crawler.settings))
        handoff.connect()
        crawler.signals.connect(handoff.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(handoff.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(handoff.link_dropped, signal=link_dropped)
        return handoff

    def spider_opened(self, spider):
        self.stream = outcomes.stream_key(spider)

    def send(self, kind: str, **fields) -> None:
        self.server.xadd(self.stream, outcomes.encode(kind, **fields))
        self.crawler.stats.inc_value(f"cluster/handed/{kind}")

    def item_scraped(self, item, response):
        adapter = ItemAdapter(item)
        self.handed.add((adapter["site"], adapter["article_id"]))
        fields = {name: value for name, value in adapter.items() if name not in NOT_HANDED}
        self.send("item", item=fields, request=outcomes.request_facts(response.request),
                  response=outcomes.response_facts(response))

    def item_dropped(self, item, response, exception, spider):
        super().item_dropped(item, response, exception, spider)  # the failure, unless a duplicate
        adapter = ItemAdapter(item)
        if (adapter["site"], adapter["article_id"]) not in self.handed:
            self.link_dropped(adapter["site"], adapter["article_id"], str(exception))

    def link_dropped(self, site, article_id, reason):
        self.send("link_dropped", site=site, article_id=article_id, reason=reason)

    def commit(self, request, stage, reason, response=None):
        self.send("failure", stage=stage, reason=reason, request=outcomes.request_facts(request),
                  response=outcomes.response_facts(response))

    # The main process retries due failures and clears those that succeeded.
    def engine_started(self):
        pass

    def spider_closed(self, spider):
        pass
