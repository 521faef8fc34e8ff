"""A crawl shared by a main process and workers through Redis, against one process alone.

    python bench/cluster.py --articles 1200 [--workers 1] [--repeat 2] [--redis-rtt MS] [--json PATH]

Generates a synthetic replica (bench/synthetic_site.py), serves it on
loopback with a request log, starts a private redis-server
(tests/redis_server.py), then for each repetition crawls the whole replica

- alone: the real `scrapy crawl moscowtimes`, no ``REDIS_URL``;
- as a cluster: the same command as the main process with ``REDIS_URL``, and
  ``--workers`` worker processes (``CLUSTER_ROLE=worker``) started first and
  waiting for the crawl, as long-running workers would,

each process with ``EXTRACT_WORKERS=1`` (one extraction process per crawl
process, as on one core each) and politeness off. Articles per second are
counted from the main process's start to its exit (the crawl is stored
then), refetches from the replica's log (article pages asked for more than
once), CPU seconds per article over every process of the run (the main
process's and the workers' trees, extraction included): on a machine whose
cores are all busy the speed-up cannot pass what the CPU per article allows.
Redis round trips per article are the replies the Redis server wrote during
the cluster's run (``total_writes_processed``: one per command or pipeline
sent, a script included), what costs most once Redis is across a network.
``--redis-rtt`` puts it there: the crawl processes reach Redis through a
proxy on loopback that delays each direction by half that many milliseconds.
The load average of the machine is printed before and after: other work on
it moves the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.crawl import count_articles, replica, run_measured, tree_cpu  # noqa: E402
from bench.synthetic_site import generate  # noqa: E402
from tests.conftest import FAST, scrapy_command  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARTICLE_PAGE = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]*-a\d+$")
QUIET = {**FAST, "EXTRACT_WORKERS": 1, "LOG_LEVEL": "WARNING"}


def crawl_command(base_url: str, settings: dict) -> list[str]:
    return scrapy_command("crawl", "moscowtimes", "-a", f"base_url={base_url}", "-a", "since=2000-01-01",
                          settings={**QUIET, **settings})


def refetched(log: Path) -> int:
    """Article pages the replica served more than once; the log is emptied for the next run."""
    paths = Counter(json.loads(line)["path"] for line in log.read_text().splitlines())
    log.write_text("")
    return sum(1 for path, count in paths.items() if ARTICLE_PAGE.match(path) and count > 1)


def alone(base_url: str, db_path: Path, log: Path) -> dict:
    result = run_measured(crawl_command(base_url, {"DATABASE_PATH": db_path}))
    return dict(result, articles=count_articles(db_path), refetched=refetched(log), round_trips=0)


def sample_cpu(process: subprocess.Popen, into: list[float], index: int) -> None:
    """CPU seconds of ``process``'s tree, sampled until it exits, into ``into[index]``."""
    while process.poll() is None:
        into[index] = max(into[index], tree_cpu(process.pid))
        time.sleep(0.1)


def start_workers(base_url: str, redis_url: str, workers: int, logs: Path) -> list[subprocess.Popen]:
    """Worker processes, once each has opened its spider and waits for the crawl (as long-running ones do)."""
    started = []
    for n in range(workers):
        with open(logs / f"worker-{n}.log", "w") as log:
            started.append(subprocess.Popen(
                crawl_command(base_url, {"REDIS_URL": redis_url, "CLUSTER_ROLE": "worker", "LOG_LEVEL": "INFO"}),
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log))
    for n, worker in enumerate(started):
        while "Spider opened" not in (logs / f"worker-{n}.log").read_text():
            if worker.poll() is not None:
                raise SystemExit(f"a worker exited with {worker.returncode}")
            time.sleep(0.1)
    return started


@contextmanager
def delayed(port: int, rtt: float):
    """The URL of a proxy on loopback to the Redis server on ``port``, ``rtt`` seconds away (none for 0)."""
    if not rtt:
        yield f"redis://127.0.0.1:{port}/0"
        return
    loop = asyncio.new_event_loop()
    connections: dict[asyncio.Task, list[asyncio.StreamWriter]] = {}

    async def pump(reader, writer):
        chunks: asyncio.Queue = asyncio.Queue()

        async def deliver():  # in order, each chunk half the round trip after it was read
            while (chunk := await chunks.get()) is not None:
                await asyncio.sleep(chunk[0] - loop.time())
                writer.write(chunk[1])
            writer.close()

        delivering = loop.create_task(deliver())
        try:
            while data := await reader.read(65536):
                chunks.put_nowait((loop.time() + rtt / 2, data))
        finally:
            chunks.put_nowait(None)
            await delivering

    async def connect(reader, writer):
        upstream, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        connections[asyncio.current_task()] = [writer, upstream_writer]
        await asyncio.gather(pump(reader, upstream_writer), pump(upstream, writer), return_exceptions=True)

    async def close():
        server.close()
        for writer in (writer for writers in connections.values() for writer in writers):
            writer.transport.abort()  # its reader ends: the pumps end
        await asyncio.gather(*connections, return_exceptions=True)

    server = loop.run_until_complete(asyncio.start_server(connect, "127.0.0.1", 0))
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    finally:
        asyncio.run_coroutine_threadsafe(close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def round_trips(redis_server: RedisServer) -> int:
    return redis_server.client().info("stats")["total_writes_processed"]


def cluster(base_url: str, db_path: Path, log: Path, redis_server: RedisServer, redis_url: str,
            workers: int) -> dict:
    before = round_trips(redis_server)
    started = start_workers(base_url, redis_url, workers, db_path.parent)
    worker_cpu = [0.0] * len(started)
    samplers = [threading.Thread(target=sample_cpu, args=(worker, worker_cpu, n)) for n, worker in enumerate(started)]
    for sampler in samplers:
        sampler.start()
    try:
        result = run_measured(crawl_command(base_url, {"DATABASE_PATH": db_path, "REDIS_URL": redis_url}))
        for worker in started:  # each closes once it sees the crawl finished
            if worker.wait(timeout=60):
                raise SystemExit(f"a worker exited with {worker.returncode}")
    finally:
        for worker in started:
            if worker.poll() is None:
                worker.kill()
        for sampler in samplers:
            sampler.join()
    result["cpu_seconds"] += sum(worker_cpu)
    return dict(result, articles=count_articles(db_path), refetched=refetched(log),
                round_trips=round_trips(redis_server) - before)


def measure(articles: int, workers: int, repeat: int, rtt: float) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp, RedisServer() as redis_server, \
            delayed(redis_server.port, rtt) as redis_url:
        tmp = Path(tmp)
        generate(tmp / "site", articles)
        log = tmp / "requests.jsonl"
        rows = []
        with replica(tmp / "site", "--log", str(log)) as base_url:
            for n in range(repeat):
                load = os.getloadavg()[0]
                one = alone(base_url, tmp / f"alone-{n}.db", log)
                many = cluster(base_url, tmp / f"cluster-{n}.db", log, redis_server, redis_url, workers)
                rows.append({"load_before": load, "load_after": os.getloadavg()[0], "alone": one, "cluster": many})
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1200, help="synthetic articles besides the dev replica's")
    parser.add_argument("--workers", type=int, default=1, help="worker processes beside the main one")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--redis-rtt", type=float, default=0.0, help="milliseconds between the crawls and Redis")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = measure(args.articles, args.workers, args.repeat, args.redis_rtt / 1000)
    print("| run | processes | articles stored | seconds | art/s | speed-up | article pages fetched twice "
          "| CPU s/article (all processes) | Redis round trips/article | load avg before / after |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for n, row in enumerate(rows, 1):
        one, many = row["alone"], row["cluster"]
        for name, result in (("1 alone", one), (f"main + {args.workers} worker", many)):
            speed = result["articles"] / result["seconds"]
            print(f"| {n} | {name} | {result['articles']} | {result['seconds']:.1f} | {speed:.1f} | "
                  f"{speed / (one['articles'] / one['seconds']):.2f} | {result['refetched']} | "
                  f"{result['cpu_seconds'] / result['articles']:.3f} | "
                  f"{result['round_trips'] / result['articles']:.1f} | "
                  f"{row['load_before']:.2f} / {row['load_after']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
