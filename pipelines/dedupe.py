"""DedupePipeline: one record per native article id in a run, whatever URL led to it."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem


class DedupePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = (adapter["site"], adapter["article_id"])
        if key in self.seen:
            self.crawler.stats.inc_value("articles/dedupe/duplicate")
            raise DropItem(f"duplicate: {key[0]} article {key[1]} ({adapter['url']})")
        self.seen.add(key)
        return item
