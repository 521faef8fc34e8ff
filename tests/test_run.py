"""run.py: the job it starts is the process a signal reaches (SIGTERM from a supervisor, Ctrl-C)."""

import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing

import pytest

from crawler.storage import open_db
from tests.conftest import FAST, ROOT, SITE
from tests.replica_server import ReplicaServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refuses(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def run_py(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, **kwargs)


def wait_until(ready, process: subprocess.Popen, what: str) -> None:
    """Poll ``ready()`` until it holds; fail if the process ended first (a hang is pytest-timeout's)."""
    while not ready():
        assert process.poll() is None, f"{what} ended early"
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5)
    except OSError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_run_py_stops_the_replica(tmp_path, signum):
    port_file = tmp_path / "port"
    process = run_py("replica", str(SITE), "--port-file", str(port_file), stdout=subprocess.DEVNULL)
    wait_until(lambda: port_file.exists() and port_file.read_text().strip(), process, "replica")
    port = int(port_file.read_text())
    assert answers(f"http://127.0.0.1:{port}/robots.txt")
    process.send_signal(signum)
    process.wait(timeout=30)
    assert refuses(port)


def test_a_signal_to_run_py_stops_datasette_serving_any_file(tmp_path):
    db_path = tmp_path / "replica.db"  # not articles.db: serve takes any file name
    open_db(db_path).close()
    port = free_port()
    process = run_py("serve", str(db_path), "--port", str(port), stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    wait_until(lambda: answers(f"http://127.0.0.1:{port}/articles/articles.json"), process, "datasette")
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert refuses(port)


def test_sigterm_to_run_py_interrupts_the_crawl(tmp_path):
    db_path = tmp_path / "articles.db"
    settings = {**FAST, "DOWNLOAD_DELAY": "0.5", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "DATABASE_PATH": str(db_path)}
    with ReplicaServer(SITE) as server:
        args = ["crawl", "-a", f"base_url={server.base_url}", "-a", "since=2000-01-01"]
        for name, value in settings.items():
            args += ["-s", f"{name}={value}"]
        process = run_py(*args, stderr=subprocess.PIPE, text=True)
        for line in process.stderr:  # the crawl runs: half a second per request, about a hundred to go
            if "Crawl run" in line:
                pytest.fail("the crawl ended before it was signalled")
            if "Spider opened" in line:
                break
        process.send_signal(signal.SIGTERM)
        process.stderr.read()
        assert process.wait(timeout=120) == 1
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("select status from crawl_runs").fetchall() == [("interrupted",)]
