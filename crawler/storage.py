"""SQLite storage: open and migrate the database, write articles atomically."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlite_utils import Database

from crawler.migrations import migrate


class StorageError(Exception):
    """The database cannot be opened or written."""


def open_db(path: str | os.PathLike) -> Database:
    """Open (creating if needed) the database at ``path`` in WAL mode and migrate it.

    Raises StorageError with a one-line reason when the directory is missing
    and cannot be created, or the file is not writable.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30)
        db = Database(conn)
        db.enable_wal()
        migrate(db)
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    return db


def store_article(
    db: Database, row: Mapping, removed: Iterable[Mapping], now: str
) -> str:
    """Insert or update one article and replace its removed blocks, in one transaction.

    Returns "new", "updated" or "unchanged" (same content hash as stored).
    ``first_seen`` survives updates; ``last_changed`` moves only when the content hash does.
    """
    key = (row["site"], row["article_id"])
    with db.atomic():
        previous = _stored_state(db, key)
        record = dict(row, last_fetched=now)
        if previous is None:
            status = "new"
            record.update(first_seen=now, last_changed=now)
        elif previous["content_hash"] == row["content_hash"]:
            db.execute(
                "update articles set last_fetched = ? where site = ? and article_id = ?",
                [now, *key],
            )
            return "unchanged"
        else:
            status = "updated"
            record.update(first_seen=previous["first_seen"], last_changed=now)
        db["articles"].upsert(record, pk=("site", "article_id"))
        db.execute(
            "delete from removed_blocks where site = ? and article_id = ?", list(key)
        )
        db["removed_blocks"].insert_all(
            (dict(block, site=key[0], article_id=key[1], url=row["url"], fetched=now)
             for block in removed),
            pk="id",
        )
    return status


def _stored_state(db: Database, key: tuple[str, str]) -> dict | None:
    rows = db.execute(
        "select content_hash, first_seen from articles where site = ? and article_id = ?",
        list(key),
    ).fetchall()
    return {"content_hash": rows[0][0], "first_seen": rows[0][1]} if rows else None
