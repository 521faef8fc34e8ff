"""Components a test adds to a real crawl to see what its log and database do not show."""

from __future__ import annotations

from scrapy import signals

STAT = "probe/scheduler/most"


class SchedulerWatch:
    """Counts the most requests the scheduler held at once (stat ``probe/scheduler/most``)."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def request_scheduled(self, request, spider):
        # Sent before the request is enqueued: it is one more.
        self.crawler.stats.max_value(STAT, len(self.crawler.engine.scheduler) + 1)


EXTENSIONS = {f"{__name__}.SchedulerWatch": 900}
