"""The ``Essentials`` add-on: the components every run needs, whatever component settings it is given.

A dict setting given on the command line (``-s 'EXTENSIONS={…}'``) replaces the project's
whole dict: a run given an extension of its own lost its run log and its database, and its
spider broke down while the run exited 0; one given a downloader middleware of its own lost
the on-site check. Set by an add-on, at add-on priority, these are there beside any run's own,
and a run that names one of them has its way (``null`` turns it off, as `scrapy parse` does
with the run log and the failure ledger). The pipelines' order stays in ``crawler/settings.py``.
"""

from __future__ import annotations

COMPONENTS = {
    "EXTENSIONS": {
        # One crawl_runs row per run, the lock against overlapping runs, the verdict.
        "crawler.runlog.RunLog": 100,
        # The crawl's one connection to the database, on a thread of its own, opened once
        # the run log holds the lock: the spider's state, the store stage, the failure ledger.
        "crawler.storage.DatabaseWriter": 150,
        # Failed URLs into the failures table, due ones retried (docs/faults.md).
        "crawler.extensions.FailureLog": 200,
        # Scrapy's feed exports (-O FILE), a feed that cannot be opened failing the run before it fetches.
        "scrapy.extensions.feedexport.FeedExporter": None,
        "crawler.exporters.FeedExporter": 0,
    },
    "DOWNLOADER_MIDDLEWARES": {
        # Before robots.txt: no request or redirect off the site makes another host fetch its robots.txt.
        "crawler.middlewares.FrontierMiddleware": 60,
        # Right after Scrapy's RobotsTxtMiddleware (100): it sees the robots.txt that middleware gets, after retries.
        "crawler.middlewares.RobotsTxtOnceMiddleware": 110,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.BackoffRetryMiddleware": 550,
        # Scrapy's, failing a compressed body cut short instead of passing on what it had decoded.
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "crawler.middlewares.HttpCompressionMiddleware": 590,
        # After HttpCompressionMiddleware (590) has decoded Content-Encoding.
        "crawler.middlewares.RobotsTxtSizeMiddleware": 586,
        "crawler.middlewares.ContentGuardMiddleware": 585,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
        "crawler.middlewares.MetaRefreshMiddleware": 580,
        # Inside the retry middleware (550): sees every attempt's connection failure.
        "crawler.reachability.SiteReachability": 600,
    },
    "SPIDER_MIDDLEWARES": {
        # The frontier refuses a URL longer than URLLENGTH_LIMIT itself, counted, before its link is recorded.
        "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    },
}


class Essentials:
    """Scrapy add-on: the project's extensions and middlewares, at add-on priority."""

    def update_settings(self, settings):
        for name, components in COMPONENTS.items():
            for path, order in components.items():
                settings[name].set(path, order, "addon")
