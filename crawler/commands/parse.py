"""`scrapy parse`: one page through the spider's own callbacks, printed, the archive untouched.

    scrapy parse --spider=moscowtimes URL

The spider's ``parse`` sends the page to the callback its URL asks for (an
article page, robots.txt, a feed, a listing or a sitemap). An article is
printed as feed exports write it (crawler.items.ArticleItem), extracted with
``STRIP_MODE``. Nothing reaches ``DATABASE_PATH``: the spider keeps its
crawl state in a scratch database, and the run log, the failure ledger and
the store stage are off.

Exit codes: 0 the page was parsed, 1 it could not be downloaded (or the run
broke down), 2 a wrong command line (an unknown spider, a spider argument the
spider refuses), in one line as ``scrapy crawl`` says them.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path

from scrapy.commands import parse
from scrapy.exceptions import ScrapyDeprecationWarning, UsageError

from crawler.commands import CommandLine, SpiderArguments, one_line_usage, unknown_spider
from crawler.extract import extract_or_error
from crawler.items import FetchedArticle, exported

logger = logging.getLogger(__name__)

ARCHIVE_WRITERS = {
    "EXTENSIONS": ("crawler.runlog.RunLog", "crawler.extensions.FailureLog"),
    "ITEM_PIPELINES": ("pipelines.store.SQLitePipeline",),
}


class Command(CommandLine, SpiderArguments, parse.Command):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        self.scratch = tempfile.TemporaryDirectory(prefix="news-crawler-parse-")
        self.settings.set("DATABASE_PATH", str(Path(self.scratch.name) / "state.db"), priority="cmdline")
        for name, components in ARCHIVE_WRITERS.items():
            self.settings.set(name, {**self.settings.getdict(name), **dict.fromkeys(components)}, priority="cmdline")

    @one_line_usage
    def run(self, args, opts) -> None:
        # Scrapy logs an unknown spider and exits 0 having parsed nothing.
        if opts.spider and opts.spider not in self.crawler_process.spider_loader.list():
            raise unknown_spider(opts.spider)
        # Scrapy's parse command wraps the spider's callbacks in one that returns a Deferred, which
        # Scrapy's spider middleware then calls deprecated: a warning about Scrapy, on every page.
        warnings.filterwarnings("ignore", r"<function \S+ at \w+> returned a Deferred", ScrapyDeprecationWarning)
        super().run(args, opts)

    def start_parsing(self, url, opts) -> None:
        """Scrapy's, judging the crawl's task: a spider argument the spider refuses is a usage error
        (Scrapy left it to asyncio's "Task exception was never retrieved" and a traceback), and a
        page that was not downloaded fails the command (Scrapy logged it and exited 0)."""
        self.pcrawler = self._create_crawler(self.spidercls)
        task = self.crawler_process.crawl(self.pcrawler, **opts.spargs)
        self.crawler_process.start()
        error = task.exception() if task.done() else None
        if isinstance(error, UsageError):
            raise UsageError(f"bad argument: {error}")
        if error is not None:
            logger.error("Parse failed", exc_info=error)
        if error is not None or not self.first_response:
            self.exitcode = 1
        if not self.first_response:
            logger.error("No response downloaded for: %(url)s", {"url": url})

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
