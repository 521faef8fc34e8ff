"""Feed exports: a feed that cannot be used or opened stops the crawl at its start, no feed's
password in the log, and exporters for values a format cannot hold as they are."""

from __future__ import annotations

import json
import logging

from scrapy import exporters
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.extensions import feedexport

from crawler.frontier import redact

logger = logging.getLogger(__name__)

CLOSE_REASON = "feed_unopenable"


class FeedExporter(feedexport.FeedExporter):
    """Scrapy's feed exports, each feed's storage opened once as the spider opens.

    Scrapy opens a feed's file at the first item; when it cannot (a missing or read-only
    directory, a directory given as the file), it logs a traceback for every item, stores
    nothing, counts no failure, and the run would end ``ok``. Here each storage is opened and
    closed again before anything is fetched (the file itself; the temporary file of an FTP or
    S3 target). One that cannot be opened is a feed not stored, as Scrapy counts those
    (``feedexport/failed_count/<storage>``); its error goes to ``feedexport/unopenable``, and
    the spider closes as ``feed_unopenable``: the run is ``failed``.

    A feed Scrapy cannot use at all (batches without ``%(batch_id)d`` in the URI, a storage it
    does not have) switched every feed off, an error in the log, and the run went on
    to end ``ok`` with no export; it closes the spider the same way.

    A slot's URI is what the log names it by (Scrapy's ``Stored …`` and ``Error storing …``
    lines): it goes without the credentials of an FTP or S3 target, which its storage keeps.
    """

    def __init__(self, crawler):
        self.unusable = None  # the feeds asked for, when Scrapy cannot export to one of them
        try:
            super().__init__(crawler)
        except NotConfigured:
            if not self.feeds:  # none asked for
                raise
            self.unusable = ", ".join(redact(uri) for uri in self.feeds)

    def _start_new_batch(self, *args, **kwargs) -> feedexport.FeedSlot:
        slot = super()._start_new_batch(*args, **kwargs)
        slot.uri = redact(slot.uri)
        return slot

    def open_spider(self, spider) -> None:
        if self.unusable:
            reason = f"{self.unusable}: Scrapy cannot export there, see the log"
            self.crawler.stats.set_value("feedexport/unopenable", reason)
            raise CloseSpider(CLOSE_REASON)
        super().open_spider(spider)
        unopenable = [slot for slot in self.slots if not self.try_open(slot, spider)]
        if unopenable:
            # Left in, Scrapy would open an empty feed again as the spider closes, and fail with a traceback.
            self.slots = [slot for slot in self.slots if slot not in unopenable]
            raise CloseSpider(CLOSE_REASON)

    def try_open(self, slot, spider) -> bool:
        """Whether the slot's storage opens; Scrapy opens it for good at the first item."""
        if isinstance(slot.storage, feedexport.StdoutFeedStorage):
            return True  # always open, and closing it would close the process's stdout
        try:
            slot.storage.open(spider).close()
        except OSError as exc:
            logger.error("Feed export to %s cannot be opened (%s): stopping the crawl", slot.uri, exc)
            self.crawler.stats.inc_value(f"feedexport/failed_count/{type(slot.storage).__name__}")
            self.crawler.stats.set_value("feedexport/unopenable", str(exc))
            return False
        return True


class CsvItemExporter(exporters.CsvItemExporter):
    """Scrapy's CSV exporter, writing lists and objects as JSON.

    ``authors`` becomes ``["A", "B"]`` as in the ``articles`` table (a name
    with a comma survives), and ``removed`` JSON instead of a Python repr.
    """

    def serialize_field(self, field, name, value):
        if isinstance(value, (list, tuple, dict)) and "serializer" not in field:
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)
