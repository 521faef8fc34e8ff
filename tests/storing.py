"""Store articles the way the crawl does: a batch through crawler.storage, or through a crawler's own writer."""

from contextlib import closing

from scrapy.extension import ExtensionManager
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.storage import DatabaseWriter, Fetched, open_db, store_articles

FUTURE_MIGRATIONS = ("add_articles_sentiment", "create_comments")


def store_article(db, row, removed, now, page=None) -> str:
    return store_articles(db, [Fetched(row, removed, page)], now)[0]


def crawler_with_writer(spidercls=None, settings: dict | None = None):
    """A crawler whose extensions are built, its DatabaseWriter (on ``DATABASE_PATH``) among them."""
    crawler = get_crawler(spidercls, {"EXTENSIONS": {"crawler.storage.DatabaseWriter": 150}, **(settings or {})})
    crawler.extensions = build_from_crawler(ExtensionManager, crawler)
    return crawler, crawler.get_extension(DatabaseWriter)


def write_newer_database(path) -> bytes:
    """An archive at ``path`` as a newer version of the crawler leaves it (``FUTURE_MIGRATIONS`` applied); its bytes."""
    with closing(open_db(path)) as db:
        db["_sqlite_migrations"].insert_all(
            {"migration_set": "news", "name": name, "applied_at": "2099-01-01 00:00:00+00:00"}
            for name in FUTURE_MIGRATIONS)
    return path.read_bytes()
