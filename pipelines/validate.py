"""ValidatePipeline: drop records that would put a half-filled row in the archive."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

REQUIRED = ("url", "site", "article_id", "title", "body")


def validation_error(adapter: ItemAdapter, dated: bool = True) -> str | None:
    """The reason a record must not be stored, or None; ``dated``: it must have its publication time."""
    for name in REQUIRED:
        if not adapter.get(name):
            return f"missing-{name}"
    if dated and not adapter.get("published"):
        return "missing-published"
    return None


class ValidatePipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        site = self.crawler.spider.site_named(adapter.get("site"))
        reason = validation_error(adapter, dated=site is None or site.rules.dated)
        if reason:
            self.crawler.stats.inc_value(f"articles/drop/{reason}")
            raise DropItem(f"{reason}: {adapter.get('url')}")
        return item
