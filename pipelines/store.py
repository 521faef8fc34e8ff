"""SQLitePipeline: store articles and their removed blocks (see crawler.storage)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from crawler.migrations import ARTICLE_COLUMNS
from crawler.storage import open_db, store_article

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

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.get("DATABASE_PATH"))

    def open_spider(self):
        self.db = open_db(self.path)

    def close_spider(self):
        if self.db is not None:
            self.db.close()

    def process_item(self, item):
        adapter = ItemAdapter(item)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        status = store_article(self.db, article_row(adapter), adapter.get("removed") or [], now)
        self.crawler.stats.inc_value(f"articles/stored/{status}")
        return item
