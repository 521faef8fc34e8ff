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


@migrations()
def create_article_versions(db: Database) -> None:
    db["article_versions"].create(
        {
            "id": int,
            "site": str,
            "article_id": str,
            "url": str,
            "fetched": str,
            "title": str,
            "body": str,
            "content_hash": str,
        },
        pk="id",
        not_null={"site", "article_id", "content_hash"},
    )
    db["article_versions"].create_index(["site", "article_id"])


@migrations()
def create_crawl_runs(db: Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "status": str,
            "finish_reason": str,
            "requests": int,
            "new": int,
            "updated": int,
            "unchanged": int,
            "failed": int,
            "removed_blocks": int,
            "message": str,
        },
        pk="id",
        not_null={"started", "status"},
    )


@migrations()
def create_article_links(db: Database) -> None:
    db["article_links"].create(
        {
            "site": str,
            "article_id": str,
            "url": str,
            "published": str,
            "modified": str,
            "discovered": str,
            "due": str,
            "fetched": str,
            "dropped": str,
        },
        pk=("site", "article_id"),
        not_null={"site", "article_id", "url"},
    )
    db["article_links"].create_index(["due"])
    # Articles stored before this table existed are known and current, so an
    # upgraded database does not fetch its whole archive again.
    db.execute(
        """insert into article_links (site, article_id, url, published, modified, discovered, fetched)
        select site, article_id, url, published, modified, first_seen, last_fetched from articles"""
    )


@migrations()
def create_link_signals(db: Database) -> None:
    db["link_signals"].create(
        {"site": str, "article_id": str, "source": str, "signal": str, "seen": str},
        pk=("site", "article_id", "source"),
        not_null={"signal"},
    )


@migrations()
def create_discovery_documents(db: Database) -> None:
    db["discovery_documents"].create(
        {"url": str, "etag": str, "last_modified": str, "sitemap_lastmod": str, "fetched": str},
        pk="url",
    )


@migrations()
def create_failures(db: Database) -> None:
    db["failures"].create(
        {
            "url": str,
            "stage": str,
            "reason": str,
            "http_status": int,
            "attempts": int,
            "first_seen": str,
            "last_seen": str,
            "next_retry": str,
            "retry_request": str,
        },
        pk="url",
        not_null={"stage", "reason", "attempts", "first_seen", "last_seen", "next_retry"},
    )
    db["failures"].create_index(["next_retry"])


@migrations()
def create_pages(db: Database) -> None:
    # Apart from ``articles``: full-text search and Datasette never read these blobs.
    db["pages"].create(
        {"site": str, "article_id": str, "url": str, "fetched": str, "html": bytes, "live_posts": bytes},
        pk=("site", "article_id"),
        not_null={"site", "article_id", "url", "fetched", "html"},
    )


@migrations()
def add_crawl_runs_arguments(db: Database) -> None:
    # Runs against a replica or with other arguments can be told apart; "skipped"
    # counts the known articles a run did not fetch because nothing said they changed.
    db["crawl_runs"].add_column("base_url", str)
    db["crawl_runs"].add_column("arguments", str)
    db["crawl_runs"].add_column("settings", str)
    db["crawl_runs"].add_column("skipped", int)


@migrations()
def add_site_to_failures_and_crawl_runs(db: Database) -> None:
    # Rows written before stay null: one site was crawled then.
    db["failures"].add_column("site", str)
    db["crawl_runs"].add_column("site", str)


@migrations()
def add_site_to_discovery_documents(db: Database) -> None:
    # Crawls of several sites share the database: each document says whose it is.
    db["discovery_documents"].add_column("site", str)


@migrations()
def add_pages_charset(db: Database) -> None:
    # The header's charset is no part of the bytes, and precedes the page's own (crawler.charset).
    # Pages stored before have none: they are decoded as they were.
    db["pages"].add_column("charset", str)


def migrate(db: Database) -> None:
    """Bring ``db`` up to the current schema (idempotent)."""
    migrations.apply(db)


def refuse_foreign(db: Database) -> None:
    """ValueError when ``db`` is another application's: it holds tables or views and no migration of ours.

    Read before anything is written: migrating such a file would add this project's tables to
    it, or stop half way on a name it uses for something else (a view named ``failures``).
    """
    names = [name for name in db.table_names() + db.view_names()
             if not name.startswith("sqlite_") and name != migrations.migrations_table]
    if names and not migrations.applied(db):
        raise ValueError(f"it is no archive of this crawler: it holds {', '.join(sorted(names)[:5])} "
                         "and none of its migrations")


def refuse_newer(db: Database) -> None:
    """ValueError when a newer version of the crawler migrated ``db``: it lists migrations this one does not know.

    Read before anything is written: this version would write rows without the columns
    and tables those migrations added, which the newer version counts on.
    """
    # Every migration of ours is pending on an empty database (the set lists them to no one else).
    known = {migration.name for migration in migrations.pending(Database(memory=True))}
    unknown = [migration.name for migration in migrations.applied(db) if migration.name not in known]
    if unknown:
        raise ValueError(f"a newer version of the crawler wrote it (migrations unknown to this one: "
                         f"{', '.join(unknown)}): run that version or a later one")
