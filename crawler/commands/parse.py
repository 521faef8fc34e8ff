"""`scrapy parse`: one page through the spider's own callbacks, printed, the archive untouched.

    scrapy parse --spider=moscowtimes URL

The spider's ``parse`` sends the page to the callback its URL asks for (an
article page, robots.txt, a feed, a listing or a sitemap). An article is
printed as feed exports write it (crawler.items.ArticleItem), extracted with
``STRIP_MODE``. Nothing reaches ``DATABASE_PATH``: the spider keeps its
crawl state in a scratch database, and the run log, the failure ledger and
the store stage are off.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from scrapy.commands import parse

from crawler.extract import extract_or_error
from crawler.items import FetchedArticle, exported

logger = logging.getLogger(__name__)

ARCHIVE_WRITERS = {
    "EXTENSIONS": ("crawler.runlog.RunLog", "crawler.extensions.FailureLog"),
    "ITEM_PIPELINES": ("pipelines.store.SQLitePipeline",),
}


class Command(parse.Command):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        self.scratch = tempfile.TemporaryDirectory(prefix="news-crawler-parse-")
        self.settings.set("DATABASE_PATH", str(Path(self.scratch.name) / "state.db"), priority="cmdline")
        for name, components in ARCHIVE_WRITERS.items():
            self.settings.set(name, {**self.settings.getdict(name), **dict.fromkeys(components)}, priority="cmdline")

    def add_items(self, lvl, new_items):
        super().add_items(lvl, [self.extracted(item) for item in new_items])

    def extracted(self, item):
        """The article a fetched page gives, as exports write it; the reason when it gives none."""
        if not isinstance(item, FetchedArticle):
            return item
        record = extract_or_error(item.html, item.url, charset=item.charset, site=item.site,
                                  mode=self.settings.get("STRIP_MODE"),
                                  live_posts=item.live_posts)
        if "error" in record:
            logger.warning("No article at %s: %s", item.url, record["detail"])
            return {"url": item.url, "error": record["error"], "detail": record["detail"]}
        return exported(record)
