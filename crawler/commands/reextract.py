"""`scrapy reextract`: apply improved extraction rules to the stored pages (crawler.reextract).

Exit codes: 0 every page extracted, 1 the database is unusable (also midway: a full
disk) or the run was interrupted (Ctrl-C, SIGTERM; the pages not yet written keep their articles), 2 a
wrong command line, 3 some pages no longer extract (their articles stay as stored),
75 a crawl holds the database.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import CommandLine, one_line_usage
from crawler.runlog import EXIT_BUSY, EXIT_CODES, CrawlBusy, lock_database
from crawler.storage import StorageError, open_db


class Command(CommandLine, ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[options]"

    def short_desc(self) -> str:
        return "Extract the stored pages again and update their articles, without fetching"

    def long_desc(self) -> str:
        return (
            "Run extraction and stripping again over every page kept in the database (STORE_PAGES), "
            "in EXTRACT_WORKERS processes, and update the articles and removed blocks. Exit 0 when every "
            "page extracted, 3 when some no longer do (their articles stay as stored), 75 when a crawl "
            "is running on the database."
        )

    def add_options(self, parser) -> None:
        super().add_options(parser)
        parser.add_argument("--site", help="only the pages of this site (its rules name, e.g. moscowtimes)")

    @one_line_usage
    def run(self, args, opts) -> None:
        if args:
            raise UsageError("reextract takes no arguments")
        settings = self.settings
        # Here, not at the top: Scrapy imports every command to list them, and the
        # extractor would slow down the start of every `scrapy crawl`.
        from crawler.reextract import Stopped, count_pages, reextract, stored_sites
        from crawler.settings_check import check_settings

        try:
            check_settings(settings)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

        path = settings.get("DATABASE_PATH")
        # A typo in the path would otherwise be a new, empty archive, and "0 updated" a success.
        if not Path(path).is_file():
            raise UsageError(f"DATABASE_PATH {path} is no database file: reextract works on a crawl's database")
        try:
            lock_database(path)  # held until the process exits
            db = open_db(path)
        except (CrawlBusy, StorageError) as exc:
            self.exitcode = EXIT_BUSY if isinstance(exc, CrawlBusy) else 1
            print(f"reextract: {exc}", file=sys.stderr)
            return
        if opts.site is not None and opts.site not in (sites := stored_sites(db)):
            db.close()
            raise UsageError(f"no articles of site {opts.site!r} in {path} (its sites: {', '.join(sites) or 'none'})")
        total = count_pages(db, opts.site)
        stop = threading.Event()
        # Ctrl-C and a service manager's stop (SIGTERM) end the run after the pages in hand: a
        # KeyboardInterrupt, raised wherever the main thread is, can leave a lock of the pool held
        # for good. Ctrl-C is left alone where the process was started to ignore it (nohup, `&`).
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, lambda *_: stop.set())
        try:
            # click draws the bar only on a terminal, as sqlite-utils does.
            with click.progressbar(length=total, label="Re-extracting", file=sys.stderr) as bar:
                counts = reextract(db, site=opts.site, mode=settings.get("STRIP_MODE"),
                                   workers=settings.getint("EXTRACT_WORKERS"), progress=bar.update,
                                   cpu_limit=settings.getfloat("EXTRACT_CPU_LIMIT"),
                                   max_body=settings.getint("BODY_MAX_CHARS"), stop=stop)
        except Stopped as exc:
            self.exitcode = EXIT_CODES[exc.status]
            print(f"reextract: {exc} after {summary(exc.counts)}; the other pages keep their articles as stored",
                  file=sys.stderr)
            return
        finally:
            db.close()
        print(f"reextract: {summary(counts)}", file=sys.stderr)
        if counts["failed"]:
            self.exitcode = EXIT_CODES["degraded"]


def summary(counts) -> str:
    """The pages of a run by status, as its last line says them."""
    return ", ".join(f"{counts[name]} {name}" for name in ("updated", "unchanged", "failed"))
