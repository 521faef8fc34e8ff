"""Store one article the way the store pipeline stores a batch."""

from crawler.storage import Fetched, store_articles


def store_article(db, row, removed, now, page=None) -> str:
    return store_articles(db, [Fetched(row, removed, page)], now)[0]
