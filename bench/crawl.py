"""End-to-end crawl and re-extraction throughput against the extraction-only bound, on the same cores.

    python bench/crawl.py --articles 5000 [--articles 20000 ...] [--json PATH]

For each size: generate a synthetic replica (bench/synthetic_site.py), serve
it on loopback in its own process, run the real `scrapy crawl moscowtimes`
with politeness off, and measure articles per second, CPU seconds per article
and the peak RSS of the crawl's process tree. Then extract the same pages with
``crawler.extract.extract`` in a process pool of the same size, with no
crawling at all: that is the bound the crawl can at best reach. Last, run
`scrapy reextract` over the crawled database, measured the same way, and
plain ``trafilatura.extract`` over the same pages for the cost per page. The
ratios are printed with the numbers. The replica answers with keep-alive, as
a real server does.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic_site import generate  # noqa: E402
from crawler.extract import ExtractionError, extract  # noqa: E402
from tests.conftest import FAST, scrapy_command  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:1"


def process_tree(pid: int) -> Iterator[int]:
    """``pid`` and all its live descendants (Linux /proc)."""
    stack = [pid]
    while stack:
        current = stack.pop()
        yield current
        try:
            stack.extend(int(child) for child in Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except OSError:
            continue


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants."""
    total = 0
    for current in process_tree(pid):
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):  # it ended meanwhile
            continue
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by ``pid`` and its live descendants."""
    total = 0.0
    for current in process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


@contextmanager
def replica(site: Path, *options: str) -> Iterator[str]:
    """Serve ``site`` with tests/replica_server.py in its own process; its base URL."""
    port_file = site.parent / "port"
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "replica_server.py"), str(site), "--port", "0",
         "--port-file", str(port_file), "--keep-alive", *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        while not port_file.exists():
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        server.terminate()
        server.wait()


def run_measured(command: list[str], check: bool = True) -> dict:
    """Run ``command``; wall time, CPU seconds and peak RSS of its process tree (``check``: it must succeed)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak, cpu = 0, 0.0
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()))
    reader.start()
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        cpu = max(cpu, tree_cpu(process.pid))
        time.sleep(0.1)
    reader.join()
    if check and process.returncode:
        raise SystemExit(f"crawl failed ({process.returncode}):\n{''.join(stderr)[-3000:]}")
    return {"seconds": time.perf_counter() - started, "cpu_seconds": cpu, "peak_rss": peak}


def crawl(site: Path, db_path: Path, workers: int) -> dict:
    settings = {
        **FAST, "DATABASE_PATH": db_path, "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
        "EXTRACT_WORKERS": workers, "LOG_LEVEL": "WARNING",
    }
    with replica(site) as base_url:
        return run_measured(scrapy_command("crawl", "moscowtimes", "-a", f"base_url={base_url}",
                                           "-a", "since=2000-01-01", settings=settings))


def read_page(path: str) -> tuple[str, str]:
    """(html, url) of a replica page file, as the server sends it."""
    html = Path(path).read_text(encoding="utf-8").replace("{{www}}", BASE).replace("{{static}}", BASE)
    return html, BASE + "/" + path.split("/www/", 1)[1]


def extract_file(path: str) -> bool:
    html, url = read_page(path)
    try:
        extract(html, url, site="moscowtimes")
    except ExtractionError:
        return False
    return True


def trafilatura_file(path: str) -> bool:
    html, url = read_page(path)
    return trafilatura.extract(html, url=url) is not None


def extraction_bound(site: Path, paths: list[str], workers: int, function=extract_file) -> dict:
    """Pages per second of ``function`` alone over the pages, in a pool of ``workers`` processes."""
    files = [str(site / "www" / p.lstrip("/")) for p in paths]
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        done = sum(pool.map(function, files, chunksize=16))
    seconds = time.perf_counter() - started
    return {"pages": done, "seconds": seconds, "per_second": done / seconds}


def measure(articles: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        paths = [p for p in generate(site, articles) if not p.startswith("/archive/")]
        result = crawl(site, Path(tmp) / "articles.db", workers)
        stored = count_articles(Path(tmp) / "articles.db")
        bound = extraction_bound(site, paths, workers)
        plain = extraction_bound(site, paths, workers, trafilatura_file)
        again = run_measured(scrapy_command(
            "reextract", settings={"DATABASE_PATH": Path(tmp) / "articles.db", "EXTRACT_WORKERS": workers}))
    result.update(
        articles=stored,
        per_second=stored / result["seconds"],
        cpu_per_article=result["cpu_seconds"] / stored,
        bound_per_second=bound["per_second"],
        reextract_per_second=stored / again["seconds"],
        reextract_cpu_per_article=again["cpu_seconds"] / stored,
        reextract_peak_rss=again["peak_rss"],
        trafilatura_per_second=plain["per_second"],
    )
    result["extraction_cost"] = result["trafilatura_per_second"] / result["bound_per_second"]
    result["ratio"] = result["per_second"] / result["bound_per_second"]
    result["reextract_ratio"] = result["reextract_per_second"] / result["bound_per_second"]
    return result


def count_articles(db_path: Path) -> int:
    with sqlite3.connect(db_path) as db:
        return db.execute("select count(*) from articles").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, action="append", help="synthetic articles (repeatable)")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = {n: measure(n, args.workers) for n in (args.articles or [5000])}
    print("| articles stored | job | art/s | CPU s/article | peak RSS MiB | extraction-only art/s | ratio |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in results.values():
        print(f"| {r['articles']} | crawl | {r['per_second']:.1f} | {r['cpu_per_article']:.3f} | "
              f"{r['peak_rss'] / 2**20:.0f} | {r['bound_per_second']:.1f} | {r['ratio']:.2f} |")
        print(f"| {r['articles']} | reextract | {r['reextract_per_second']:.1f} | "
              f"{r['reextract_cpu_per_article']:.3f} | {r['reextract_peak_rss'] / 2**20:.0f} | "
              f"{r['bound_per_second']:.1f} | {r['reextract_ratio']:.2f} |")
    for r in results.values():
        print(f"\n{r['articles']} articles: extraction alone {r['bound_per_second']:.1f} pages/s, plain "
              f"trafilatura.extract {r['trafilatura_per_second']:.1f} pages/s: our cost per page is "
              f"{r['extraction_cost']:.2f}x trafilatura's.")
    if len(results) > 1:
        sizes = sorted(results)
        growth = results[sizes[-1]]["peak_rss"] / results[sizes[0]]["peak_rss"] - 1
        print(f"\nPeak crawl RSS grows {growth:+.0%} from {sizes[0]} to {sizes[-1]} articles.")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
