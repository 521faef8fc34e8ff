"""`scrapy crawl` for cron: an exit code per outcome and a one-line reason on stderr;
``-a site=`` may be repeated (a crawl of several sites), no other argument.

Exit codes: 0 ok, 1 failed or interrupted, 2 a bad argument or setting (checked
before the crawl starts), 3 degraded (see crawler.runlog), 75 another crawl
holds the database. With the log in a file (``--logfile``),
a run that went well prints nothing, so cron mails only when something is wrong.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys

from scrapy.commands import crawl
from scrapy.exceptions import UsageError

from crawler.commands import EXIT_USAGE, CommandLine, SpiderArguments, one_line_usage, unknown_spider
from crawler.runlog import EXIT_BUSY, EXIT_CODES, CrawlBusy, CrawlCannotStart, RunLog, judge_close
from crawler.settings_check import check_settings
from crawler.storage import StorageError

logger = logging.getLogger(__name__)

# Scrapy allocates hundreds of objects per request; at Python's default
# threshold (700) the crawl's process collects after every few responses,
# and its full collections walk the whole request queue (see BENCHMARKS.md).
# Extraction workers are separate processes and keep the default.
GC_THRESHOLD = 50_000


class Command(CommandLine, SpiderArguments, crawl.Command):
    def long_desc(self) -> str:
        return (
            "Run a spider; exit 0 when the crawl went well, 1 when it failed or was interrupted, "
            "2 for a bad argument or setting, 3 when it was degraded, 75 when another crawl is "
            "running on the same database."
        )

    @one_line_usage
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        gc.set_threshold(GC_THRESHOLD)
        try:
            crawler = self.crawler_process.create_crawler(args[0])
        except KeyError:  # Scrapy's spider loader: no spider of that name
            raise unknown_spider(args[0]) from None
        # Checked before the crawl starts, as the spider checks its arguments when it is built.
        try:
            check_settings(crawler.settings)
        except ValueError as exc:
            self.exitcode, reason = EXIT_USAGE, f"bad setting: {exc}"
        else:
            task = self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
            self.exitcode, reason = outcome(crawler, task)
        if reason:
            print(f"crawl {args[0]}: {reason}", file=sys.stderr)


def outcome(crawler, task: asyncio.Task) -> tuple[int, str | None]:
    """(exit code, one-line reason or None) of a finished crawl."""
    error = task.exception() if task.done() else None
    if isinstance(error, CrawlBusy):
        return EXIT_BUSY, str(error)
    if isinstance(error, UsageError):  # a spider argument: the crawl did not start
        logger.debug("Bad argument", exc_info=error)
        return EXIT_USAGE, f"bad argument: {error}"
    try:
        runlog = crawler.get_extension(RunLog)
    except RuntimeError:  # the crawl broke down before its extensions existed
        runlog = None
    verdict = None  # the crawl's own, unless it never reached its end
    if not task.done():  # a second SIGTERM or Ctrl-C stopped the reactor mid-crawl
        verdict = "interrupted", "forced shutdown before the end; the next run resumes"
    elif error is not None:
        # A database that cannot be opened or a server that does not answer needs its one line;
        # anything else its traceback.
        if isinstance(error, (StorageError, CrawlCannotStart)):
            logger.debug("Crawl failed", exc_info=error)
        else:
            logger.error("Crawl failed", exc_info=error)
        verdict = "failed", (str(error) or type(error).__name__).splitlines()[0]
    if runlog is not None:
        # A verdict that raised (logged by the signal's dispatcher) leaves none: the row must not stay running.
        runlog.settle(*(verdict or ("failed", "the run could not be judged (see the log)")))
    if verdict is None and runlog is not None:
        verdict = runlog.status, runlog.message
    elif verdict is None:  # no run log (a cluster worker): its crawl went well unless it closed early
        stats = crawler.stats.get_stats()
        verdict = judge_close(stats.get("finish_reason"), stats) or ("ok", None)
    status, message = verdict
    code = EXIT_CODES[status]
    return code, f"{status}: {message}" if code else None
