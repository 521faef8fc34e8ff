"""ExtractPipeline: turn a fetched page into article fields, in worker processes.

Extraction is CPU bound and Scrapy runs on one thread, so pages are extracted
in a process pool (``EXTRACT_WORKERS``, default one per core) while the
reactor keeps downloading.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.extract import check_strip_mode, extract_or_error
from crawler.storage import pack_page


def extract_page(html: bytes, url: str, site: str | None, mode: str, live_posts: list | None,
                 keep_page: bool) -> dict:
    """Run in a worker: ``extract_or_error``'s record, with the packed ``page`` if ``keep_page``."""
    record = extract_or_error(html, url, site=site, mode=mode, live_posts=live_posts)
    if keep_page and "error" not in record:
        record["page"] = pack_page(html, live_posts)  # compressed here, off the reactor's thread
    return record


class ExtractPipeline:
    def __init__(self, crawler, mode: str, workers: int, keep_pages: bool):
        self.crawler = crawler
        self.mode = check_strip_mode(mode)
        self.keep_pages = keep_pages
        self.workers = workers or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            crawler,
            crawler.settings.get("STRIP_MODE", "remove"),
            crawler.settings.getint("EXTRACT_WORKERS", 0),
            crawler.settings.getbool("STORE_PAGES", True),
        )

    def open_spider(self):
        # Workers forked from a server process that only imported the extractor,
        # not from the crawl: forking a process that runs threads is unsafe.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crawler.extract"])
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)

    def close_spider(self):
        if self.pool:
            self.pool.shutdown(cancel_futures=True)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        loop = asyncio.get_running_loop()
        record = await loop.run_in_executor(
            self.pool, extract_page, adapter["html"], adapter["url"], adapter.get("site"), self.mode,
            adapter.get("live_posts"), self.keep_pages,
        )
        stats = self.crawler.stats
        if "error" in record:
            stats.inc_value(f"articles/drop/{record['error']}")
            raise DropItem(f"{record['error']}: {adapter['url']}: {record['detail']}")
        for kind, count in Counter(block["kind"] for block in record["removed"]).items():
            stats.inc_value(f"articles/strip/{kind}", count)
        for key, value in record.items():
            adapter[key] = value
        return item
