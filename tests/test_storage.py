"""Storage: schema by migration, idempotent upserts, clear errors, nothing lost."""

import json
import sqlite3
from contextlib import closing

import pytest

from crawler.storage import Fetched, StorageError, open_db, pack_page, store_articles, unpack_page, writing
from tests.storing import FUTURE_MIGRATIONS, store_article, write_newer_database

ROW = {"url": "http://h/2024/01/02/x-a1", "site": "moscowtimes", "article_id": "1", "title": "T",
       "body": "One.\n\nTwo.", "authors": json.dumps(["A"]), "tags": "[]", "content_hash": "h1"}
BLOCK = {"kind": "donation", "text": "Support us", "rule": "site:x", "position": 0, "removed": 1}


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "sub" / "articles.db")


def test_open_creates_the_directory_wal_and_every_table(db):
    assert db.journal_mode == "wal"
    assert {"articles", "removed_blocks", "articles_fts", "_sqlite_migrations"} <= set(db.table_names())


def test_opening_twice_applies_no_migration_again(tmp_path):
    open_db(tmp_path / "a.db").close()
    db = open_db(tmp_path / "a.db")
    names = [row["name"] for row in db["_sqlite_migrations"].rows]
    assert len(names) == len(set(names))


def test_new_unchanged_updated(db):
    assert store_article(db, ROW, [BLOCK], "t1") == "new"
    assert store_article(db, ROW, [BLOCK], "t2") == "unchanged"
    assert store_article(db, dict(ROW, body="One.", content_hash="h2"), [], "t3") == "updated"
    row = db["articles"].get(("moscowtimes", "1"))
    assert (row["first_seen"], row["last_fetched"], row["last_changed"]) == ("t1", "t3", "t3")
    assert db["removed_blocks"].count == 0


def test_unchanged_refetch_only_moves_last_fetched(db):
    store_article(db, ROW, [BLOCK], "t1")
    store_article(db, ROW, [], "t2")
    row = db["articles"].get(("moscowtimes", "1"))
    assert (row["last_fetched"], row["last_changed"]) == ("t2", "t1")
    assert db["removed_blocks"].count == 1


def test_search_index_follows_updates(db):
    store_article(db, ROW, [], "t1")
    store_article(db, dict(ROW, body="Heat wave.", content_hash="h2"), [], "t2")
    hits = list(db.query("select rowid from articles_fts where articles_fts match 'heat'"))
    assert len(hits) == 1


def test_a_refused_row_leaves_what_was_stored_and_the_rest_of_its_batch(db):
    store_article(db, ROW, [BLOCK], "t1")
    other = dict(ROW, article_id="2", url="http://h/2024/01/02/y-a2")
    statuses = store_articles(db, [Fetched(dict(ROW, title=None, content_hash="h2"), [BLOCK]), Fetched(other)], "t2")
    assert statuses[0].startswith("invalid: NOT NULL constraint failed: articles.title")
    assert statuses[1] == "new"
    assert db["articles"].get(("moscowtimes", "1"))["content_hash"] == "h1"
    assert db["removed_blocks"].count == 1


def test_a_page_is_stored_compressed_with_its_article(db):
    html = "<html><body><p>Привет</p></body></html>".encode() * 50
    store_article(db, ROW, [], "t1", pack_page(html, [{"body": "post"}]))
    page = db["pages"].get(("moscowtimes", "1"))
    assert (page["url"], page["fetched"]) == (ROW["url"], "t1")
    assert len(page["html"]) < len(html) / 5
    assert unpack_page(page["html"], page["live_posts"]) == (html, [{"body": "post"}])
    store_article(db, ROW, [], "t2", pack_page(b"<p>new</p>", None))
    page = db["pages"].get(("moscowtimes", "1"))
    assert (page["fetched"], unpack_page(page["html"], page["live_posts"])) == ("t2", (b"<p>new</p>", None))


def test_path_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="cannot open database"):
        open_db(tmp_path / "file" / "articles.db")


@pytest.mark.parametrize("theirs", ["create view failures as select 1 as url", "create table articles (x)",
                                    "create table users (name)"])
def test_a_database_of_another_application_is_refused_before_anything_is_written(tmp_path, theirs):
    path = tmp_path / "theirs.db"
    with closing(sqlite3.connect(path)) as db:
        db.execute(theirs)
    before = path.read_bytes()
    with pytest.raises(StorageError, match="it is no archive of this crawler"):
        open_db(path)
    assert path.read_bytes() == before  # neither the migrations' table nor WAL mode


def test_a_database_of_a_newer_version_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "articles.db"
    before = write_newer_database(path)
    with pytest.raises(StorageError, match=f"a newer version of the crawler wrote it "
                                           rf"\(migrations unknown to this one: {', '.join(FUTURE_MIGRATIONS)}\)"):
        open_db(path)
    assert path.read_bytes() == before


def test_an_empty_file_is_a_new_archive(tmp_path):
    (tmp_path / "articles.db").touch()
    assert "articles" in open_db(tmp_path / "articles.db").table_names()


def test_a_write_transaction_holds_the_write_lock_from_its_start(tmp_path):
    """A crawl writes through several connections at once: none may commit between another's read and write."""
    first, second = open_db(tmp_path / "a.db"), open_db(tmp_path / "a.db")
    second.execute("pragma busy_timeout = 0")
    with writing(first):
        first.execute("select count(*) from articles").fetchone()
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            store_article(second, ROW, [], "t1")
        store_article(first, dict(ROW, article_id="2", url="http://h/2024/01/02/y-a2"), [], "t1")
    assert store_article(second, ROW, [], "t2") == "new"
    assert first.execute("select count(*) from articles").fetchone() == (2,)
