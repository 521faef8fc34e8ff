"""SQLitePipeline: store articles, their removed blocks and pages (see crawler.storage).

Articles are written in batches, one transaction each: whatever arrived
within ``FLUSH_INTERVAL``, or ``STORE_BATCH_SIZE`` articles. The writes run on
a thread of their own (SQLite works without the GIL), so the reactor's thread
goes on crawling meanwhile. An item is done once its batch is committed, so a
refused row still fails its own item, and a crawl killed before a commit
loses nothing: those articles' links are still due, and the next crawl
fetches them again.

An article dropped on the way (not an article, invalid, a duplicate) is
recorded too, so later crawls do not fetch it again until discovery says so.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.items import exported, link_dropped
from crawler.storage import Fetched, article_row, mark_dropped, open_db, store_articles, utc_now

logger = logging.getLogger(__name__)

# Short enough that waiting items hold few responses in Scrapy's scraper slot,
# long enough that a fast crawl commits dozens of articles at once.
FLUSH_INTERVAL = 0.25


class SQLitePipeline:
    def __init__(self, crawler, path: str, batch_size: int):
        if not path:
            raise NotConfigured("DATABASE_PATH is empty")
        self.crawler = crawler
        self.path = path
        self.batch_size = max(batch_size, 1)
        # One thread owns the connection: every write goes through it, in order.
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self.db = None
        self.batch: list[tuple[Fetched, asyncio.Future]] = []
        self.stored: set[tuple[str, str]] = set()  # keys of this run's articles, from when they join a batch
        self.flusher = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler, crawler.settings.get("DATABASE_PATH"), crawler.settings.getint("STORE_BATCH_SIZE"))
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.link_dropped, signal=link_dropped)
        return pipeline

    def open_spider(self):
        self.db = self.writer.submit(open_db, self.path).result()
        self.flusher = create_looping_call(self.flush)
        self.flusher.start(FLUSH_INTERVAL, now=False)

    async def close_spider(self):
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        if self.batch:
            await self.flush()
        if self.db is not None:
            await asyncio.wrap_future(self.writer.submit(self.db.close))
        self.writer.shutdown()

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        committed = asyncio.get_running_loop().create_future()
        # Known from now on, not from the commit: a duplicate dropped meanwhile must not mark the link dropped
        # after the batch stored the article, whichever the timer flushes first.
        self.stored.add((adapter["site"], adapter["article_id"]))
        self.batch.append((Fetched(article_row(adapter), adapter.get("removed") or [], adapter.get("page")), committed))
        if len(self.batch) >= self.batch_size:
            self.flush()
        status = await committed
        if status.startswith("invalid"):
            raise sqlite3.IntegrityError(f"{adapter['url']}: {status}")  # recorded as a store failure
        self.crawler.stats.inc_value(f"articles/stored/{status}")
        return exported(item)  # the page is stored: feed exports get the article alone

    def flush(self) -> asyncio.Future | None:
        """Hand the articles waiting for their batch to the writer; their items go on once it committed."""
        batch, self.batch = self.batch, []
        if not batch:
            return None
        written = asyncio.wrap_future(self.writer.submit(store_articles, self.db, [f for f, _ in batch], utc_now()))

        def settle(written: asyncio.Future) -> None:
            error = written.exception()
            if error is not None:  # the database failed (disk full, locked too long): every item fails
                for _, committed in batch:
                    committed.set_exception(error)
                return
            for (_, committed), status in zip(batch, written.result()):
                committed.set_result(status)

        written.add_done_callback(settle)
        return written

    def item_dropped(self, item, exception):
        adapter = ItemAdapter(item)
        self.link_dropped(adapter["site"], adapter["article_id"], str(exception))

    def link_dropped(self, site, article_id, reason):
        if (site, article_id) not in self.stored:  # a second copy of an article stored in this run changes nothing
            self.writer.submit(mark_dropped, self.db, site, article_id, reason, utc_now()).add_done_callback(_log_failure)


def _log_failure(future) -> None:
    if future.exception() is not None:
        logger.error("Could not record a dropped article: %s", future.exception())
