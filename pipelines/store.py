"""SQLitePipeline: store articles, their removed blocks and pages (see crawler.storage).

Articles are written in batches, one transaction each: whatever arrived
within ``FLUSH_INTERVAL``, or ``STORE_BATCH_SIZE`` articles. The writes run on
the crawl's database writer (crawler.storage.DatabaseWriter), a thread of its
own, so the reactor's thread goes on crawling meanwhile. An item is done once its batch is committed, so a
refused row still fails its own item, and a crawl killed before a commit
loses nothing: those articles' links are still due, and the next crawl
fetches them again.

An article dropped on the way (not an article, invalid) is recorded too, so
later crawls do not fetch it again until discovery says so; a second copy of
an article stored in the same run changes nothing.
"""

from __future__ import annotations

import asyncio
import sqlite3

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from crawler.items import exported
from crawler.incremental import CrawlState
from crawler.storage import DatabaseWriter, Fetched, article_row, store_articles, utc_now

# Short enough that waiting items hold few responses in Scrapy's scraper slot,
# long enough that a fast crawl commits dozens of articles at once.
FLUSH_INTERVAL = 0.25


class SQLitePipeline:
    def __init__(self, crawler, path: str, batch_size: int):
        if not path:
            raise NotConfigured("DATABASE_PATH is empty")
        self.crawler = crawler
        self.batch_size = max(batch_size, 1)
        self.writer: DatabaseWriter | None = None
        self.state: CrawlState | None = None
        self.batch: list[tuple[Fetched, asyncio.Future]] = []
        self.stored: set[tuple[str, str]] = set()  # keys of this run's articles, from when they join a batch
        self.flusher = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler, crawler.settings.get("DATABASE_PATH"), crawler.settings.getint("STORE_BATCH_SIZE"))
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        self.writer = self.crawler.get_extension(DatabaseWriter)
        self.state = CrawlState(self.writer)
        self.flusher = create_looping_call(self.flush)
        self.flusher.start(FLUSH_INTERVAL, now=False)

    async def close_spider(self):
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        if self.batch:
            await self.flush()
        if self.writer is not None:
            await self.writer.drain()  # the drops recorded too

    async def process_item(self, item):
        adapter = ItemAdapter(item)
        committed = asyncio.get_running_loop().create_future()
        # Known from now on, not from the commit: a duplicate dropped meanwhile must not mark the link dropped
        # after the batch stored the article, whichever the timer flushes first.
        self.stored.add((adapter["site"], adapter["article_id"]))
        fetched = Fetched(article_row(adapter), adapter.get("removed") or [], adapter.get("page"), adapter.get("link_id"))
        self.batch.append((fetched, committed))
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
        written = asyncio.wrap_future(self.writer.submit(store_articles, [f for f, _ in batch], utc_now()))

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
        key = (adapter["site"], adapter["article_id"])
        if key in self.stored:  # a second copy of an article stored in this run changes nothing
            return
        for article_id in dict.fromkeys(filter(None, (key[1], adapter.get("link_id")))):
            self.state.drop(key[0], article_id, str(exception))

