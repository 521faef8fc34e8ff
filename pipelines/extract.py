"""ExtractPipeline: turn a fetched page into article fields, in worker processes.

Extraction is CPU bound and Scrapy runs on one thread, so pages are extracted
in a process pool (``EXTRACT_WORKERS``, default one per core) while the
reactor keeps downloading.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.extract import ExtractionError, extract


def extract_page(html: bytes, url: str, site: str | None, mode: str, live_posts: list | None) -> dict:
    """Run in a worker: the record, or {"error": reason, "detail": text}."""
    try:
        return extract(html, url, site=site, mode=mode, live_posts=live_posts)
    except ExtractionError as exc:
        return {"error": exc.reason, "detail": str(exc)}


class ExtractPipeline:
    def __init__(self, crawler, mode: str, workers: int):
        if mode not in ("remove", "flag"):
            raise ValueError(f"STRIP_MODE must be 'remove' or 'flag', not {mode!r}")
        self.crawler = crawler
        self.mode = mode
        self.workers = workers or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            crawler,
            crawler.settings.get("STRIP_MODE", "remove"),
            crawler.settings.getint("EXTRACT_WORKERS", 0),
        )

    def open_spider(self):
        self.pool = ProcessPoolExecutor(max_workers=self.workers)

    def close_spider(self):
        if self.pool:
            self.pool.shutdown(cancel_futures=True)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        loop = asyncio.get_running_loop()
        record = await loop.run_in_executor(
            self.pool, extract_page, adapter["html"], adapter["url"], adapter.get("site"), self.mode,
            adapter.get("live_posts"),
        )
        stats = self.crawler.stats
        if "error" in record:
            stats.inc_value(f"articles/drop/{record['error']}")
            raise DropItem(f"{record['error']}: {adapter['url']}: {record['detail']}")
        for block in record["removed"]:
            stats.inc_value(f"articles/strip/{block['kind']}")
        for key, value in record.items():
            adapter[key] = value
        return item
