"""Handoff: a cluster worker's failure ledger, store stage and crawl state, writing to the main process.

A worker has no database. What the main process would write, the worker
appends to the outcomes stream (crawler.cluster.outcomes) before the lease of
the request it came from is acknowledged: each article that passed its
pipelines (with its packed page), each article its pipelines dropped, each
failure the ledger's rules record, and each link its spider found to give no
article (the one call a worker's callbacks make to their crawl state,
``CrawlState.drop``). The main process handles them as its own. Entries go
out with the process's other writes (crawler.cluster.outbox), before the
acknowledgements of the leases they came from.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.cluster import is_worker, outcomes
from crawler.cluster.outbox import Outbox
from crawler.extensions import NOT_FAILED_DROPS, FailureLog, drop_reason
from crawler.incremental import CrawlState

# Field the main process does not need: the page travels packed (``page``).
NOT_HANDED = ("html",)


class HandedState(CrawlState):
    """A worker's crawl state: it plans nothing (``start()`` runs on the main process) and hands drops on."""

    def __init__(self, handoff: Handoff):
        super().__init__(writer=None)
        self.handoff = handoff

    def drop(self, site: str, article_id: str, reason: str) -> None:
        self.handoff.send("link_dropped", site=site, article_id=article_id, reason=reason)


class Handoff(FailureLog):
    def __init__(self, crawler, outbox: Outbox):
        super().__init__(crawler, base=0.0, cap=0.0)
        self.outbox = outbox
        self.stream = ""

    @classmethod
    def from_crawler(cls, crawler):
        if not is_worker(crawler.settings):
            raise NotConfigured("not a cluster worker")
        handoff = cls(crawler, Outbox.of(crawler))
        handoff.connect()
        crawler.signals.connect(handoff.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(handoff.item_scraped, signal=signals.item_scraped)
        return handoff

    def spider_opened(self, spider):
        self.stream = outcomes.stream_key(spider)
        # After the spider's own handler, which found no database to keep its state in.
        spider.state = HandedState(self)

    def send(self, kind: str, **fields) -> None:
        self.outbox.add("xadd", self.stream, outcomes.encode(kind, **fields))
        self.crawler.stats.inc_value(f"cluster/handed/{kind}")

    def item_scraped(self, item, response):
        self.send("item", item=handed_fields(item), **outcomes.facts(response))

    def item_dropped(self, item, response, exception, spider):
        # The main process's pipelines and ledger take it as their own drop; a copy of
        # an article this worker handed on is left to the main process's crawl-wide dedupe.
        if drop_reason(exception) not in NOT_FAILED_DROPS:
            self.send("item_dropped", item=handed_fields(item), reason=str(exception), **outcomes.facts(response))

    def commit(self, request, stage, reason, response=None):
        self.send("failure", stage=stage, reason=reason, request=outcomes.request_facts(request),
                  response=outcomes.response_facts(response))

    # The main process retries due failures and clears those that succeeded.
    def engine_started(self):
        pass

    def spider_closed(self, spider):
        pass


def handed_fields(item) -> dict:
    """The item's fields but the page's bytes, which travel packed (``page``)."""
    return {name: value for name, value in ItemAdapter(item).items() if name not in NOT_HANDED}
