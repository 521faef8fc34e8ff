"""Across machines: one crawl shared by processes through a real Redis server.

The parts (leases, fingerprints, the host gate, outcomes) run against a
private redis-server; the crawls are real `scrapy crawl` processes, a main
process and workers, against the replica, read through its request log and
the database. Processes are killed on database counts, never after sleeps.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.test import get_crawler

from bench.synthetic_site import generate
from crawler.cluster import FEED_FAILED, LEASE, Poll
from crawler.cluster.frontier import FingerprintDupeFilter, LeasedQueue
from crawler.cluster.outbox import Outbox, async_redis
from crawler.cluster.outcomes import decode, encode, facts, stand_ins
from crawler.cluster.politeness import FULL_WAIT, HostGate
from crawler.cluster.scheduler import ClusterScheduler
from tests.conftest import FAST, ROOT, SITE, crawl_command, run_crawl, scrapy_command
from tests.redis_server import RedisServer
from tests.replica_server import ReplicaServer
from tests.replicas.score import score_crawl
from tests.replicas.wordpress import build_wordpress_site
from tests.scoring import score_database
from tests.test_incremental import BROKEN_LINKS, article_ids, stored_articles, take_log

WORKER = {"CLUSTER_ROLE": "worker"}
# Two cores: one extraction process per crawl process. Short leases: a killed worker's come back soon.
CLUSTER = {"EXTRACT_WORKERS": "1", "RECHECK_WINDOW": "0", "CLUSTER_LEASE_TIMEOUT": "6"}
CONCURRENT_REQUESTS = 16  # Scrapy's default, which the crawls keep


@pytest.fixture
def redis_server():
    with RedisServer() as server:
        yield server


class Spider(scrapy.Spider):
    name = "news"

    def parse_article(self, response):
        pass


def spider_with(settings: dict | None = None) -> scrapy.Spider:
    return Spider.from_crawler(get_crawler(Spider, settings))


# -- The parts ---------------------------------------------------------------------------


def leased_queue(redis_server) -> LeasedQueue:
    spider = spider_with({"REDIS_URL": redis_server.url, "CLUSTER_LEASE_TIMEOUT": 60})
    return LeasedQueue(redis_server.client(), spider, "%(spider)s:requests")


def test_leased_requests_come_back_unless_acknowledged(redis_server):
    async def check():
        queue = leased_queue(redis_server)
        assert queue.lease_ms == 60_000  # CLUSTER_LEASE_TIMEOUT
        for priority, path in enumerate(["/a", "/b", "/c"]):
            queue.push(scrapy.Request(f"http://h{path}", priority=priority))
        await queue.outbox.drain()

        _, queued, taken = await queue.take(2)
        assert [request.url for _, request in taken] == ["http://h/c", "http://h/b"]  # by priority
        assert queued == len(queue) == 1 and queue.leases() == 2
        (done, _), (stopped, _) = taken
        queue.acknowledge(done)
        await queue.outbox.drain()
        queue.release([stopped])  # a process stopping gives its work back at once
        assert len(queue) == 2 and queue.leases() == 0

        queue.lease_ms = 1  # held by a process that dies: no renewal
        _, _, taken = await queue.take(5)
        assert sorted(request.url for _, request in taken) == ["http://h/a", "http://h/b"]
        requeued = 0
        while not requeued:  # until the Redis server's clock passes the deadline
            requeued, queued, _ = await queue.take(0)
        assert queued == 2  # back in the queue, and counted
        queue.lease_ms = 60_000
        _, _, taken = await queue.take(5)
        assert [request.url for _, request in taken] == ["http://h/b", "http://h/a"]  # priorities kept
        await queue.renew(token for token, _ in taken)
        assert await queue.take(0) == (0, 0, []) and queue.leases() == 2
        await queue.outbox.close()

    asyncio.run(check())


def test_an_errback_of_a_component_is_not_sent_with_the_request(redis_server):
    async def check():
        queue = leased_queue(redis_server)
        spider = queue.spider
        queue.push(scrapy.Request("http://h/a", callback=spider.parse_article, errback=print))
        await queue.outbox.drain()
        (_, request), = (await queue.take(1))[2]
        assert request.callback == spider.parse_article and request.errback is None
        await queue.outbox.close()

    asyncio.run(check())


def test_the_outbox_sends_what_was_queued_in_one_turn_in_one_round_trip_in_order(redis_server):
    async def check():
        outbox = Outbox(async_redis(spider_with({"REDIS_URL": redis_server.url}).crawler.settings), print)
        await outbox.server.ping()  # connected: the count below is of the outbox's own round trips
        counter = redis_server.client()
        replies = counter.info("stats")["total_writes_processed"]  # one per command or pipeline received
        outbox.add("rpush", "l", "first")
        outbox.add("rpush", "l", "second")
        outbox.add("hset", "h", "k", "v")
        await outbox.drain()
        assert counter.info("stats")["total_writes_processed"] - replies == 2  # the transaction's and this INFO's
        assert await outbox.server.lrange("l", 0, -1) == [b"first", b"second"]
        await outbox.close()

    asyncio.run(check())


def test_writes_a_redis_server_refuses_are_lost_together_and_stop_the_outbox(redis_server):
    """An acknowledgement must never land without the hand-off queued before it."""
    async def check():
        failures = []
        outbox = Outbox(async_redis(spider_with({"REDIS_URL": redis_server.url}).crawler.settings), failures.append)
        await outbox.server.hset("leased", mapping={"7": "request", "8": "request"})
        await outbox.server.config_set("maxmemory", 1)  # every write that may grow is refused: out of memory
        outbox.add("xadd", "outcomes", {"outcome": "article"})
        outbox.add("hdel", "leased", "7")  # its lease's acknowledgement, in the same transaction
        await asyncio.sleep(0)  # the transaction is on its way
        outbox.add("hdel", "leased", "8")  # queued meanwhile, for the next one
        await outbox.drain()
        assert len(failures) == 1
        await outbox.server.config_set("maxmemory", 0)
        outbox.add("hdel", "leased", "8")  # after a loss, nothing more goes out
        await outbox.drain()
        assert await outbox.server.xlen("outcomes") == 0
        assert await outbox.server.hgetall("leased") == {b"7": b"request", b"8": b"request"}
        await outbox.close()

    asyncio.run(check())


def test_the_shared_dupefilter_uses_scrapys_fingerprints(redis_server):
    spider = spider_with({"REDIS_URL": redis_server.url})
    dupefilter = FingerprintDupeFilter.from_spider(spider)
    request = scrapy.Request("http://h/a?b=1&a=2")
    assert dupefilter.request_fingerprint(request) == spider.crawler.request_fingerprinter.fingerprint(request).hex()
    assert not dupefilter.request_seen(request)
    assert dupefilter.request_seen(scrapy.Request("http://h/a?a=2&b=1"))  # the same, canonically


def test_a_poll_checks_at_once_when_woken_not_at_its_interval():
    async def check():
        checks: asyncio.Queue = asyncio.Queue()
        poll = Poll(lambda: checks.put("checked"), interval=3600)
        assert await checks.get() == "checked"  # the first at once
        poll.wake()  # a lease ended: take now
        assert await checks.get() == "checked"
        await poll.stop()  # without waiting for the interval either

    asyncio.run(check())


def test_a_feed_that_stopped_on_a_bug_closes_the_crawl_at_idle_instead_of_hanging(caplog):
    async def check():
        async def broken():
            raise ValueError("a bug")

        poll = Poll(broken, interval=3600)
        with pytest.raises(ValueError):
            await poll.task
        assert poll.failed
        with pytest.raises(CloseSpider) as closed:
            ClusterScheduler.spider_idle(SimpleNamespace(feeder=poll))
        assert closed.value.reason == FEED_FAILED
        # and start() no longer waits for room in the frontier the feed reads no more
        assert ClusterScheduler.__len__(SimpleNamespace(feeder=poll, local=[], waiting=5)) == 0
        await poll.stop()  # closing the scheduler does not raise it again
        healthy = Poll(asyncio.Event().wait, interval=3600)  # a check under way: the feed is alive
        with pytest.raises(DontCloseSpider):
            ClusterScheduler.spider_idle(SimpleNamespace(feeder=healthy))
        healthy.task.cancel()

    asyncio.run(check())
    assert "A cluster poll stopped on an error" in caplog.text


def test_the_host_gate_spaces_requests_and_counts_them_across_processes(redis_server):
    async def check():
        gate = HostGate(Outbox.of(spider_with({"REDIS_URL": redis_server.url}).crawler), "bot:hosts", hold_seconds=60)
        assert await gate.try_enter("h", "first", delay=30.0, concurrency=2) == 0
        assert 29.0 < await gate.try_enter("h", "second", delay=30.0, concurrency=2) <= 30.0
        assert await gate.try_enter("other", "second", delay=30.0, concurrency=2) == 0  # per host

        assert await gate.try_enter("busy", "a", delay=0.0, concurrency=1) == 0
        assert await gate.try_enter("busy", "b", delay=0.0, concurrency=1) == FULL_WAIT
        gate.leave("busy", "a")
        await gate.outbox.drain()
        assert await gate.try_enter("busy", "b", delay=0.0, concurrency=1) == 0
        await gate.outbox.close()

    asyncio.run(check())


def test_an_outcome_becomes_the_request_and_response_it_came_from():
    spider = spider_with()
    original = scrapy.Request("http://h/article-a1", callback=spider.parse_article,
                              meta={"download_maxsize": 10, LEASE: "7", "redirect_urls": ["http://h/old-a1"]})
    response = scrapy.http.Response("http://h/article-a1", status=503, headers={"Retry-After": "120"},
                                    request=original)
    entry = encode("failure", **facts(response))  # as a worker appends it to the stream
    request, stand_in = stand_ins(decode({b"outcome": entry["outcome"]}), spider)
    assert request.url == "http://h/old-a1" and request.callback == spider.parse_article
    assert request.meta == {"download_maxsize": 10}
    assert stand_in.status == 503 and stand_in.headers["Retry-After"] == b"120" and stand_in.request is request


# -- Crawls ------------------------------------------------------------------------------------


def cluster_command(base_url: str, db_path: Path, redis_url: str, *args: str, settings: dict | None = None):
    return crawl_command(base_url, db_path, *args, settings={**CLUSTER, "REDIS_URL": redis_url, **(settings or {})})


def start(command: list[str], log: Path) -> subprocess.Popen:
    """A crawl process in a session of its own (a kill reaches its extraction worker), its log in ``log``."""
    with open(log, "w") as stderr:
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)


def wait_for(condition, *processes: subprocess.Popen) -> None:
    """Until ``condition()`` holds; fails if a process ends meanwhile."""
    while not condition():
        for process in processes:
            assert process.poll() is None, f"{process.args[-1]} exited with {process.returncode}"
        time.sleep(0.05)


def finish(process: subprocess.Popen, log: Path) -> str:
    process.wait(timeout=600)
    text = log.read_text()
    assert process.returncode == 0, text[-3000:]
    return text


def stat(log_text: str, name: str) -> int:
    """A stat from the dump at the end of a crawl's log."""
    line = next((line for line in log_text.splitlines() if f"'{name}':" in line), None)
    return int(line.split(":", 1)[1].strip(" ,")) if line else 0


def assert_stored_once(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) = count(distinct article_id) from articles").fetchone() == (1,)
        assert conn.execute("select count(*) from article_versions").fetchone() == (0,)
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)


def run_statuses(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [status for (status,) in conn.execute("select status from crawl_runs order by id")]


def fetched_twice(requests: list[dict]) -> list[str]:
    ids = article_ids(requests)
    return sorted({article_id for article_id in ids if ids.count(article_id) > 1})


def test_main_and_worker_crawl_a_site_once_between_them_and_an_unchanged_site_not_at_all(tmp_path, redis_server):
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    with ReplicaServer(SITE, conditional=True, log_path=log) as server:
        # The worker first: it waits for the crawl the main process starts, and joins it.
        worker = start(cluster_command(server.base_url, db_path, redis_server.url, settings=WORKER),
                       tmp_path / "worker.log")
        wait_for(lambda: "Spider opened" in (tmp_path / "worker.log").read_text(), worker)
        main = start(cluster_command(server.base_url, db_path, redis_server.url, "-a", "since=2000-01-01"),
                     tmp_path / "main.log")
        main_log, worker_log = finish(main, tmp_path / "main.log"), finish(worker, tmp_path / "worker.log")
        first = take_log(log)

        # The same site again, through the cluster: nothing changed, so no article page is asked for.
        worker = start(cluster_command(server.base_url, db_path, redis_server.url, settings=WORKER),
                       tmp_path / "worker-again.log")
        wait_for(lambda: "Spider opened" in (tmp_path / "worker-again.log").read_text(), worker)
        again = run_crawl(server.base_url, db_path, settings={**CLUSTER, "REDIS_URL": redis_server.url})
        assert again.returncode == 0, again.stderr[-3000:]
        finish(worker, tmp_path / "worker-again.log")
        assert article_ids(take_log(log)) == []

    report = score_database(db_path, SITE)
    assert report["passed"] and report["missing"] == [] and report["extra"] == []
    assert_stored_once(db_path)
    assert fetched_twice(first) == []
    handed = stat(worker_log, "cluster/handed/item")
    assert handed > 0 and stat(main_log, "cluster/stored/item") == handed
    for text in (main_log, worker_log):
        assert "ScrapyDeprecationWarning" not in text and "Traceback" not in text
    assert "Joined cluster crawl" in worker_log
    assert run_statuses(db_path) == ["ok", "ok"]


def outcomes_in(db_path: Path) -> dict:
    """What a crawl recorded besides its articles: failures (with how they are retried) and dropped links."""
    with sqlite3.connect(db_path) as conn:
        return {
            "articles": sorted(conn.execute("select article_id, content_hash from articles")),
            "failures": sorted(conn.execute("select url, stage, reason, http_status, retry_request,"
                                              " round((julianday(next_retry) - julianday(last_seen)) * 86400) from failures")),
            "links": sorted(conn.execute("select article_id, due, dropped from article_links")),
        }


def test_a_worker_hands_on_what_one_process_would_record(tmp_path, redis_server):
    faults = BROKEN_LINKS + [
        {"regex": "-a88844$", "fault": "status", "status": 503, "retry_after": 7200},
        {"regex": r"-a\d+[27]$", "fault": "status", "status": 404},  # a fifth: the worker meets some
    ]
    since = ("-a", "since=2000-01-01")
    with ReplicaServer(SITE, faults=faults, log_path=tmp_path / "requests.jsonl") as server:
        alone = run_crawl(server.base_url, tmp_path / "alone.db", *since, settings={**CLUSTER, "RETRY_TIMES": "0"})
        assert alone.returncode in (0, 3), alone.stderr[-3000:]
        worker = start(cluster_command(server.base_url, tmp_path / "unused.db", redis_server.url,
                                       settings={**WORKER, "RETRY_TIMES": "0"}), tmp_path / "worker.log")
        # The main process holds two requests at a time: the worker takes most pages.
        main = run_crawl(server.base_url, tmp_path / "cluster.db", *since, settings={
            **CLUSTER, "RETRY_TIMES": "0", "REDIS_URL": redis_server.url, "CONCURRENT_REQUESTS": "2"})
        assert main.returncode == alone.returncode, main.stderr[-3000:]
        worker_log = finish(worker, tmp_path / "worker.log")

    assert outcomes_in(tmp_path / "cluster.db") == outcomes_in(tmp_path / "alone.db")
    assert stat(worker_log, "cluster/handed/failure") and stat(worker_log, "cluster/handed/item")
    assert not (tmp_path / "unused.db").exists()  # a worker never opens a database


def test_the_sites_of_a_run_are_spread_over_the_workers(tmp_path, redis_server, replica_url):
    wordpress = build_wordpress_site(tmp_path / "wordpress", seed=0)
    db_path = tmp_path / "two.db"
    with ReplicaServer(wordpress) as server:
        sites = ["-a", f"site=moscowtimes {replica_url}", "-a", f"site=harbourledger {server.base_url}",
                 "-a", "since=2000-01-01"]
        command = scrapy_command("crawl", "news", *sites,
                                 settings={**FAST, **CLUSTER, "REDIS_URL": redis_server.url, "DATABASE_PATH": db_path})
        worker = start([*command, "-s", "CLUSTER_ROLE=worker"], tmp_path / "worker.log")
        main = start(command, tmp_path / "main.log")
        finish(main, tmp_path / "main.log")
        worker_log = finish(worker, tmp_path / "worker.log")
        report = score_crawl(db_path, wordpress, server.base_url, site="harbourledger", baseline=False)
    assert report["missing"] == [] and report["non_articles_stored"] == [] and report["foreign_rows"] == []
    assert score_database(db_path, SITE, only_site="moscowtimes")["passed"]
    assert_stored_once(db_path)
    assert stat(worker_log, "cluster/handed/item") > 0


@pytest.fixture(scope="module")
def large_site(tmp_path_factory) -> Path:
    """A replica with 240 synthetic articles besides the dev replica's."""
    site = tmp_path_factory.mktemp("cluster") / "site"
    generate(site, 240)
    return site


def crawl_a_third(base_url: str, db_path: Path, redis_url: str, tmp_path: Path):
    """A worker, then the main process, crawling the whole site: (main's command, main, worker)
    once about a third of its articles are stored."""
    command = cluster_command(base_url, db_path, redis_url, "-a", "since=2000-01-01")
    worker = start(cluster_command(base_url, db_path, redis_url, settings=WORKER), tmp_path / "worker.log")
    main = start(command, tmp_path / "main.log")
    wait_for(lambda: stored_articles(db_path) >= 90, main, worker)
    return command, main, worker


def test_the_frontier_holds_a_batch_of_the_links_due_at_a_time_refilled_as_workers_take(
        tmp_path, redis_server, large_site):
    batch = 20
    db_path = tmp_path / "articles.db"
    with ReplicaServer(large_site) as server, frontier_sizes(redis_server) as frontier:
        worker = start(cluster_command(server.base_url, db_path, redis_server.url, settings=WORKER),
                       tmp_path / "worker.log")
        main = run_crawl(server.base_url, db_path, "-a", "since=2000-01-01", settings={
            **CLUSTER, "REDIS_URL": redis_server.url, "MAX_SCHEDULED_ARTICLES": batch})
        assert main.returncode == 0, main.stderr[-3000:]
        worker_log = finish(worker, tmp_path / "worker.log")

    report = score_database(db_path, large_site)
    assert report["missing"] == [] and report["extra"] == []
    assert_stored_once(db_path)
    # The links due waited in the database: the frontier never held more than a batch of them
    # (discovery stays on the main process), and the worker took its share.
    assert frontier.now == 0 and 0 < frontier.most <= batch
    assert stat(worker_log, "cluster/taken") > batch


def test_a_killed_worker_costs_at_most_its_leases_and_the_crawl_completes(tmp_path, redis_server, large_site):
    site = large_site
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    with ReplicaServer(site, log_path=log) as server:
        _, main, worker = crawl_a_third(server.base_url, db_path, redis_server.url, tmp_path)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        replacement = start(cluster_command(server.base_url, db_path, redis_server.url, settings=WORKER),
                            tmp_path / "replacement.log")
        main_log = finish(main, tmp_path / "main.log")
        replacement_log = finish(replacement, tmp_path / "replacement.log")
        requests = take_log(log)

    report = score_database(db_path, site)
    assert report["missing"] == [] and report["extra"] == []
    assert_stored_once(db_path)
    assert len(fetched_twice(requests)) <= CONCURRENT_REQUESTS
    # What the killed worker held came back (to whichever process took next) and was fetched again.
    assert stat(main_log, "cluster/requeued") + stat(replacement_log, "cluster/requeued") >= 1
    assert "Crawl run 1 ok" in main_log


def test_a_killed_main_process_is_restarted_and_resumes_the_crawl(tmp_path, redis_server, large_site):
    site = large_site
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    with ReplicaServer(site, log_path=log) as server:
        command, main, worker = crawl_a_third(server.base_url, db_path, redis_server.url, tmp_path)
        os.killpg(main.pid, signal.SIGKILL)
        main.wait()
        before = stored_articles(db_path)
        restarted = start(command, tmp_path / "restarted.log")
        restarted_log = finish(restarted, tmp_path / "restarted.log")
        finish(worker, tmp_path / "worker.log")

    report = score_database(db_path, site)
    assert report["missing"] == [] and report["extra"] == []
    assert_stored_once(db_path)
    assert "Resuming cluster crawl 1" in restarted_log
    assert run_statuses(db_path) == ["killed", "ok"]
    assert stored_articles(db_path) > before


def test_a_crawl_whose_redis_server_fails_stops_and_the_next_run_completes_it(tmp_path, large_site):
    db_path = tmp_path / "articles.db"
    with ReplicaServer(large_site) as server, RedisServer() as redis_server:
        _, main, worker = crawl_a_third(server.base_url, db_path, redis_server.url, tmp_path)
        redis_server.stop()
        main.wait(timeout=300)
        worker.wait(timeout=300)
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
            # a download waiting at the host gate when Redis went is no failure of its page
            failed = conn.execute("select stage, reason, count(*) from failures group by 1, 2").fetchall()
        alone = run_crawl(server.base_url, db_path, "-a", "since=2000-01-01", settings=CLUSTER)
        redis_server.start()  # for the context manager to stop
    assert main.returncode == 1 and failed == []
    assert worker.returncode == 1  # a worker has no run log: the close reason is its verdict
    for log in ("main.log", "worker.log"):
        text = (tmp_path / log).read_text()
        assert text.splitlines()[-1] == "crawl moscowtimes: failed: closed early: cluster_redis_lost"
        assert "Traceback" not in text
        assert text.count("The cluster's Redis server failed") == 1  # not once per call that failed
    assert alone.returncode == 0, alone.stderr[-3000:]
    report = score_database(db_path, large_site)
    assert report["missing"] == [] and report["extra"] == []
    assert_stored_once(db_path)
    assert run_statuses(db_path) == ["failed", "ok"]


@contextmanager
def monitored(redis_server: RedisServer, handle):
    """``handle(event)`` for each command the Redis server runs while in the block, in the order it
    ran them (its MONITOR feed; a script's commands are the script's client's, ``lua``)."""
    end = "end of the watch"

    def read(monitor) -> None:
        for event in monitor.listen():
            if event["command"] == f"ECHO {end}":
                return
            handle(event)

    with redis_server.client().monitor() as monitor:
        reader = threading.Thread(target=read, args=(monitor,))
        reader.start()
        try:
            yield
        finally:
            redis_server.client().echo(end)
            reader.join()


@contextmanager
def gate_grants(redis_server: RedisServer):
    """The host gate's grants made while in the block, as (time, delay) in ms of the Redis server's
    clock: a grant sets its host's next start to its time plus its delay (``politeness.ENTER``).
    Times seen by the site would also hold the processes' scheduling."""
    grants: list[tuple[int, int]] = []

    def grant(event) -> None:
        words = event["command"].split()
        if event["client_type"] == "lua" and words[0] == "SET" and words[1].endswith(":next"):
            grants.append((int(words[2]) - int(words[4]), int(words[4])))

    with monitored(redis_server, grant):
        yield grants


@contextmanager
def frontier_sizes(redis_server: RedisServer, key: str = "moscowtimes:requests"):
    """How many requests the frontier held, and the most it held at once, while in the block: one
    more for each ``ZADD`` to it (a push, a lease put back), one less for each ``ZREM`` (a take)."""
    sizes = SimpleNamespace(now=0, most=0)

    def count(event) -> None:
        command, queue, *_ = event["command"].split(" ", 2) + [""]
        if queue == key and command in ("ZADD", "ZREM"):
            sizes.now += 1 if command == "ZADD" else -1
            sizes.most = max(sizes.most, sizes.now)

    with monitored(redis_server, count):
        yield sizes


def test_download_delay_holds_for_the_cluster_not_per_process(tmp_path, redis_server):
    delay = 0.6
    log, db_path = tmp_path / "requests.jsonl", tmp_path / "articles.db"
    polite = {"DOWNLOAD_DELAY": str(delay), "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
    with ReplicaServer(SITE, log_path=log) as server, gate_grants(redis_server) as grants:
        worker = start(cluster_command(server.base_url, db_path, redis_server.url, settings={**WORKER, **polite}),
                       tmp_path / "worker.log")
        result = run_crawl(server.base_url, db_path, settings={**CLUSTER, **polite, "REDIS_URL": redis_server.url})
        assert result.returncode == 0, result.stderr[-3000:]
        worker_log = finish(worker, tmp_path / "worker.log")
    assert stat(worker_log, "downloader/request_count") > 0  # two processes asked
    assert len(grants) >= len(take_log(log))  # every request the site saw passed the gate
    grants.sort()
    gaps = [later - earlier for (earlier, _), (later, _) in zip(grants, grants[1:])]
    assert all(delay_ms == delay * 1000 for _, delay_ms in grants)
    assert min(gaps) >= delay * 1000, sorted(gaps)[:5]


def test_a_bad_role_is_a_usage_error(tmp_path, replica_url, redis_server):
    bad_role = run_crawl(replica_url, tmp_path / "a.db", settings={"REDIS_URL": redis_server.url,
                                                                    "CLUSTER_ROLE": "boss"})
    assert bad_role.returncode == 2 and "CLUSTER_ROLE must be 'main' or 'worker'" in bad_role.stderr


@pytest.mark.parametrize("role", ["main", "worker"])
def test_an_unreachable_redis_fails_the_crawl_with_its_cause_in_one_line(tmp_path, replica_url, role):
    gone = RedisServer()  # a port where nothing listens
    gone.start()
    gone.stop()
    db_path = tmp_path / "articles.db"
    result = run_crawl(replica_url, db_path, settings={**CLUSTER, "REDIS_URL": gone.url, "CLUSTER_ROLE": role})
    assert result.returncode == 1
    line = f"crawl moscowtimes: failed: redis unreachable at {gone.url}: connection refused"
    assert result.stderr.strip().splitlines()[-1] == line
    assert "Traceback" not in result.stderr and "Engine slot" not in result.stderr
    if role == "main":
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("select status, message from crawl_runs").fetchall() == [
                ("failed", line.split("failed: ", 1)[1])]
            assert conn.execute("select count(*) from failures").fetchone() == (0,)
    else:
        assert not db_path.exists()  # a worker never opens a database
