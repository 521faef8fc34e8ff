"""ExtractPipeline: turn a fetched page into article fields, in worker processes.

Extraction is CPU bound and Scrapy runs on one thread, so pages are extracted
in a process pool (``EXTRACT_WORKERS``, default one per core) while the
reactor keeps downloading. Each page gets at most ``EXTRACT_CPU_LIMIT``
seconds of CPU and ``BODY_MAX_CHARS`` characters of body.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from functools import partial

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from crawler.extract import extract_or_error
from crawler.pool import ExtractionPool
from crawler.failures import SKIPPED
from crawler.settings_check import CHECKS
from crawler.storage import pack_page


def extract_page(html: bytes, url: str, keep_page: bool, **options) -> dict:
    """Run in a worker: ``extract_or_error``'s record, with the packed ``page`` if ``keep_page``."""
    record = extract_or_error(html, url, **options)
    if keep_page and "error" not in record:
        # compressed here, off the reactor's thread
        record["page"] = pack_page(html, options.get("live_posts"), options.get("charset"))
    return record


class ExtractPipeline:
    def __init__(self, crawler, mode: str, workers: int, keep_pages: bool, cpu_limit: float, max_body: int):
        self.crawler = crawler
        CHECKS["STRIP_MODE"].check_value("STRIP_MODE", mode)  # a pipeline built outside the commands
        self.mode = mode
        self.keep_pages = keep_pages
        self.budget = {"cpu_limit": cpu_limit, "max_body": max_body}
        self.workers = workers or os.cpu_count() or 1
        self.pool: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            crawler,
            crawler.settings.get("STRIP_MODE", "remove"),
            crawler.settings.getint("EXTRACT_WORKERS", 0),
            crawler.settings.getbool("STORE_PAGES", True),
            crawler.settings.getfloat("EXTRACT_CPU_LIMIT"),
            crawler.settings.getint("BODY_MAX_CHARS"),
        )

    def open_spider(self):
        self.pool = ExtractionPool(self.workers)

    def close_spider(self):
        if self.pool:
            self.pool.shutdown(cancel_futures=True)
            if self.pool.retried:
                self.crawler.stats.set_value("articles/worker_lost", self.pool.retried)

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        if not adapter.get("content_hash"):  # else extracted where it was fetched (a cluster worker)
            await self.extract(adapter)
        for kind, count in Counter(block["kind"] for block in adapter["removed"]).items():
            self.crawler.stats.inc_value(f"articles/strip/{kind}", count)
        return item

    async def extract(self, adapter: ItemAdapter) -> None:
        """Fill the article's fields from its page; DropItem if it is no article."""
        work = partial(
            extract_page, adapter["html"], adapter["url"], self.keep_pages, charset=adapter.get("charset"),
            site=adapter.get("site"), mode=self.mode,
            live_posts=adapter.get("live_posts"), frontier=self.crawler.spider.site_named(adapter["site"]).frontier,
            skip_non_articles=True, **self.budget,
        )
        record = await asyncio.wrap_future(self.pool.submit(work))
        if "error" in record:
            # A page that is no article (a tag page) is skipped; any other error drops an article.
            counted = record["error"] if record["error"].startswith(SKIPPED) else f"drop/{record['error']}"
            self.crawler.stats.inc_value(f"articles/{counted}")
            raise DropItem(f"{record['error']}: {adapter['url']}: {record['detail']}")
        for key, value in record.items():
            adapter[key] = value
