"""The ``Essentials`` add-on: the extensions every run needs, whatever ``EXTENSIONS`` it is given.

A dict setting given on the command line (``-s 'EXTENSIONS={…}'``) replaces the project's
whole dict: a run given an extension of its own lost its run log and its database, and its
spider broke down while the run exited 0. Set by an add-on, at add-on priority, these are
there beside any run's own, and a run that names one of them has its way (``null`` turns
it off, as `scrapy parse` does with the run log and the failure ledger).
"""

from __future__ import annotations

EXTENSIONS = {
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
}


class Essentials:
    """Scrapy add-on: the project's ``EXTENSIONS``, at add-on priority."""

    def update_settings(self, settings):
        for path, order in EXTENSIONS.items():
            settings["EXTENSIONS"].set(path, order, "addon")
