"""The database schema, one small migration per change.

The schema is the project's public interface: people query it for years.
Never edit an applied migration; add a new one. Every column is documented
in docs/schema.md.
"""

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("news")

ARTICLE_COLUMNS = {
    "url": str,
    "site": str,
    "article_id": str,
    "kind": str,
    "title": str,
    "subtitle": str,
    "lead": str,
    "authors": str,
    "section": str,
    "tags": str,
    "published": str,
    "modified": str,
    "language": str,
    "image_url": str,
    "image_caption": str,
    "body": str,
    "word_count": int,
    "paywalled": int,
    "content_hash": str,
    "first_seen": str,
    "last_fetched": str,
    "last_changed": str,
}

FTS_COLUMNS = ["title", "subtitle", "lead", "body"]


@migrations()
def create_articles(db: Database) -> None:
    db["articles"].create(
        ARTICLE_COLUMNS,
        pk=("site", "article_id"),
        not_null={"url", "site", "article_id", "title", "body"},
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["published"])
    db["articles"].create_index(["section"])


@migrations()
def create_removed_blocks(db: Database) -> None:
    db["removed_blocks"].create(
        {
            "id": int,
            "site": str,
            "article_id": str,
            "url": str,
            "position": int,
            "kind": str,
            "text": str,
            "rule": str,
            "removed": int,
            "fetched": str,
        },
        pk="id",
        not_null={"url", "kind", "rule"},
    )
    db["removed_blocks"].create_index(["site", "article_id"])
    db["removed_blocks"].create_index(["kind", "rule"])


@migrations()
def add_articles_fts(db: Database) -> None:
    db["articles"].enable_fts(FTS_COLUMNS, create_triggers=True, tokenize="porter")


def migrate(db: Database) -> None:
    """Bring ``db`` up to the current schema (idempotent)."""
    migrations.apply(db)
