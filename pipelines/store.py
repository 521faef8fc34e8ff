"""SQLitePipeline: store articles and their removed blocks (see crawler.storage).

An article dropped on the way (not an article, invalid, a duplicate) is
recorded too, so later crawls do not fetch it again until discovery says so.
"""

from __future__ import annotations

import json

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.migrations import ARTICLE_COLUMNS
from crawler.storage import mark_dropped, open_db, store_article, utc_now

JSON_COLUMNS = ("authors", "tags")


def article_row(adapter: ItemAdapter) -> dict:
    """The ``articles`` columns of an item, lists as JSON arrays."""
    row = {name: adapter.get(name) for name in ARTICLE_COLUMNS if name in adapter}
    for name in JSON_COLUMNS:
        row[name] = json.dumps(row.get(name) or [], ensure_ascii=False)
    return row


class SQLitePipeline:
    def __init__(self, crawler, path: str):
        if not path:
            raise NotConfigured("DATABASE_PATH is empty")
        self.crawler = crawler
        self.path = path
        self.db = None
        self.stored: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler, crawler.settings.get("DATABASE_PATH"))
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        self.db = open_db(self.path)

    def close_spider(self):
        if self.db is not None:
            self.db.close()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        status = store_article(self.db, article_row(adapter), adapter.get("removed") or [], utc_now())
        self.crawler.stats.inc_value(f"articles/stored/{status}")
        self.stored.add((adapter["site"], adapter["article_id"]))
        return item

    def item_dropped(self, item, exception):
        adapter = ItemAdapter(item)
        key = (adapter["site"], adapter["article_id"])
        if key not in self.stored:  # a second copy of an article stored in this run changes nothing
            mark_dropped(self.db, *key, str(exception), utc_now())
