"""Store articles the way the crawl does: a batch through crawler.storage, or through a crawler's own writer."""

from scrapy.extension import ExtensionManager
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.storage import DatabaseWriter, Fetched, store_articles


def store_article(db, row, removed, now, page=None) -> str:
    return store_articles(db, [Fetched(row, removed, page)], now)[0]


def crawler_with_writer(spidercls=None, settings: dict | None = None):
    """A crawler whose extensions are built, its DatabaseWriter (on ``DATABASE_PATH``) among them."""
    crawler = get_crawler(spidercls, {"EXTENSIONS": {"crawler.storage.DatabaseWriter": 150}, **(settings or {})})
    crawler.extensions = build_from_crawler(ExtensionManager, crawler)
    return crawler, crawler.get_extension(DatabaseWriter)
