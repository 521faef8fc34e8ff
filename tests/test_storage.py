"""Storage: schema by migration, idempotent upserts, clear errors, nothing lost."""

import json

import pytest

from crawler.storage import StorageError, open_db, store_article

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


def test_a_failed_write_leaves_what_was_stored(db):
    store_article(db, ROW, [BLOCK], "t1")
    with pytest.raises(Exception):
        store_article(db, dict(ROW, title=None, content_hash="h2"), [BLOCK], "t2")
    assert db["articles"].get(("moscowtimes", "1"))["content_hash"] == "h1"
    assert db["removed_blocks"].count == 1


def test_path_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="cannot open database"):
        open_db(tmp_path / "file" / "articles.db")
