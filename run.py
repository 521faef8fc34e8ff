#!/usr/bin/env python3
"""Set up the project's virtualenv on first use, then run one of its jobs.

    python3 run.py crawl [scrapy crawl options]   crawl into output/articles.db
    python3 run.py test [pytest options]          run the whole test suite offline
    python3 run.py serve [DB] [--port N]          explore the archive in Datasette
    python3 run.py replica DIR [--port N]         serve a site replica on loopback
    python3 run.py reextract [options]            extract the stored pages again

Needs only Python 3.11+. The virtualenv lives in .venv and is rebuilt when
requirements.lock changes. The job then runs in place of this process, so
signals (SIGTERM, Ctrl-C) and the exit code are the job's own.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_venv() -> Path:
    """Create .venv and install the locked dependencies unless already done for this lock."""
    python = BIN / "python"
    stamp = VENV / f".installed-{hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]}"
    if stamp.exists():
        return python
    if not python.exists():
        venv.create(VENV, with_pip=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    return python


COMMANDS = {
    "crawl": ["-m", "scrapy", "crawl", "moscowtimes"],
    "test": ["-m", "pytest"],
    "serve": ["-m", "crawler.serve"],
    "replica": [str(ROOT / "tests" / "replica_server.py")],
    "reextract": ["-m", "scrapy", "reextract"],
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    python = ensure_venv()
    os.chdir(ROOT)
    # The job replaces this process: SIGTERM and Ctrl-C reach it, and its exit code is ours.
    os.execv(python, [str(python), *COMMANDS[argv[0]], *argv[1:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
