"""Serve the archive in Datasette with the project's configuration.

    python -m crawler.serve [DB] [--port N] [--host H] [datasette serve options...]

Datasette runs in its default mutable mode, so it keeps serving while a crawl
writes to the (WAL) database. Options this module does not know, such as
``--root``, are passed on to ``datasette serve``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

CONFIG_DIR = Path(__file__).parent / "datasette"

# metadata.yml describes a database named "articles": another file is served through a link of that name.
DATABASE_NAME = "articles"

SETTINGS = {
    # Bodies run to thousands of characters: the table shows their start, the row page all.
    "truncate_cells_html": 300,
    # The configured facets are the useful ones; suggestions only push the rows down.
    "suggest_facets": "off",
}


def datasette_args(db_path, port: int = 8001, host: str = "127.0.0.1") -> list[str]:
    """The command line that serves ``db_path`` with the shipped configuration."""
    args = [
        sys.executable, "-m", "datasette", "serve", str(db_path),
        "--metadata", str(CONFIG_DIR / "metadata.yml"),
        "--plugins-dir", str(CONFIG_DIR / "plugins"),
        "--template-dir", str(CONFIG_DIR / "templates"),
        "--host", host,
        "--port", str(port),
    ]
    for name, value in SETTINGS.items():
        args += ["--setting", name, str(value)]
    return args


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.serve",
        description="Serve the archive in Datasette; other options go to `datasette serve`.",
    )
    parser.add_argument("db", nargs="?", default="output/articles.db", help="default: %(default)s")
    parser.add_argument("--port", type=int, default=8001, help="default: %(default)s")
    parser.add_argument("--host", default="127.0.0.1", help="default: %(default)s")
    args, extra = parser.parse_known_args(argv)
    db = Path(args.db)
    problem = unservable(db)
    if problem:
        parser.error(problem)
    command = datasette_args(served_path(db), args.port, args.host) + extra
    os.execv(command[0], command)


def unservable(db: Path) -> str | None:
    """Why ``db`` cannot be served, in one line (Datasette would answer with a traceback), or None."""
    if not db.exists():
        return f"{db} does not exist: run a crawl first"
    if not db.is_file():
        return f"{db} is a directory, not a database file"
    try:  # read-only: a file that is no database stays as it is
        with closing(sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
            connection.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.Error as exc:
        return f"{db} is no SQLite database: {exc}"
    return None


def served_path(db: Path) -> Path:
    """``db``, or a link to it named ``articles.db``: Datasette names a database after its file.

    SQLite follows the link, so its WAL is the crawl's own and the archive is
    served live whatever the file is called.
    """
    if db.name == f"{DATABASE_NAME}.db":
        return db
    target = db.resolve()
    folder = Path(tempfile.gettempdir()) / f"news-crawler-serve-{hashlib.sha256(bytes(target)).hexdigest()[:12]}"
    folder.mkdir(exist_ok=True)
    link = folder / f"{DATABASE_NAME}.db"
    link.unlink(missing_ok=True)
    link.symlink_to(target)
    return link


if __name__ == "__main__":
    main()
