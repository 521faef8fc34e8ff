"""A crawl in which 30 % of all requests fail at random, then a clean rerun: nothing is lost."""

import json
import sqlite3
from contextlib import closing

from tests.conftest import SITE, run_crawl
from tests.replica_server import Chaos, ReplicaServer
from tests.scoring import score_database
from tests.test_faults import FULL, SETTINGS

CHAOS = 0.3  # 500, 503 with Retry-After, reset, truncated, timeout (replica_server.CHAOS_FAULTS)


def test_chaos_then_a_clean_rerun_stores_every_article_exactly_once(tmp_path):
    db_path, log = tmp_path / "articles.db", tmp_path / "requests.jsonl"
    with ReplicaServer(SITE, log_path=log, chaos=CHAOS, chaos_seed=11) as server:
        chaotic = run_crawl(server.base_url, db_path, *FULL, settings=SETTINGS)
        assert chaotic.returncode in (0, 3), chaotic.stderr[-3000:]  # 3: degraded, as it should be
        requests = [json.loads(line) for line in log.read_text().splitlines()]
        with closing(sqlite3.connect(db_path)) as db:
            failed = db.execute("select count(*) from failures").fetchone()[0]
        server.chaos = Chaos(0.0, 0)
        clean = run_crawl(server.base_url, db_path, *FULL, settings=SETTINGS)
        assert clean.returncode == 0, clean.stderr[-3000:]
    assert sum(1 for r in requests if r["fault"]) / len(requests) >= 0.2
    assert failed and "Traceback" not in chaotic.stderr
    report = score_database(db_path, SITE)
    assert report["passed"], report
    assert report["missing"] == [] and report["extra"] == [] and report["duplicates"] == []
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("select count(*), count(distinct article_id) from articles").fetchone() == (46, 46)
        assert db.execute("select count(*) from failures").fetchone() == (0,)
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
