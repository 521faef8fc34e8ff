"""An hourly incremental crawl over a small and a large archive: neither time nor memory may grow with it.

    python bench/hourly.py --archive 100000 [--site-articles 2000] [--new 20] [--runs 3]

A synthetic replica (bench/synthetic_site.py) is served on loopback with
conditional responses, as the real site answers. It is crawled whole once;
then the ``new`` newest articles are taken out of that database, and the
month sitemap that lists them forgotten, as if they were published within
the last hour. The same hourly run (`scrapy crawl moscowtimes`, no ``since``,
politeness off) is then timed on a copy of that database and on a copy
grown by ``archive`` older articles (with their links, signals, removed
blocks and pages). The ratios large/small are printed with the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.crawl import replica, run_measured  # noqa: E402
from bench.synthetic_site import FIRST_ID, generate  # noqa: E402
from tests.conftest import FAST, scrapy_command  # noqa: E402

QUIET = {**FAST, "LOG_LEVEL": "WARNING"}
# Older articles, one every half hour from 2014: far outside every recent window.
GROW = """
with recursive n(i) as (select 1 union all select i + 1 from n where i < :count)
insert into {table} ({columns})
select {values} from n, (select * from {table} where site = 'moscowtimes' and article_id = :template) t
"""
STAMP = "strftime('%Y-%m-%dT%H:%M:%S+03:00', '2014-01-01', '+' || (n.i * 30) || ' minutes')"
OVERRIDES = {
    "articles": {"url": "t.url || '?archive=' || n.i", "article_id": "'bench-' || n.i", "published": STAMP,
                 "modified": STAMP, "title": "t.title || ' ' || n.i", "body": "t.body || ' ' || n.i"},
    "article_links": {"url": "t.url || '?archive=' || n.i", "article_id": "'bench-' || n.i", "published": STAMP},
    "link_signals": {"article_id": "'bench-' || n.i"},
    "pages": {"url": "t.url || '?archive=' || n.i", "article_id": "'bench-' || n.i"},
    "removed_blocks": {"id": "null", "article_id": "'bench-' || n.i", "url": "t.url || '?archive=' || n.i"},
}


def grow_archive(db_path: Path, count: int) -> None:
    """Add ``count`` old articles, modelled on a stored one, to every per-article table."""
    with closing(sqlite3.connect(db_path)) as db, db:
        template = db.execute("select article_id from articles where site = 'moscowtimes' limit 1").fetchone()[0]
        for table, overrides in OVERRIDES.items():
            columns = [row[1] for row in db.execute(f"pragma table_info({table})")]
            values = ", ".join(overrides.get(column, f"t.{column}") for column in columns)
            db.execute(GROW.format(table=table, columns=", ".join(columns), values=values),
                       {"count": count, "template": template})


def forget_newest(db_path: Path, new: int) -> None:
    """Make the ``new`` newest synthetic articles unknown again, and the month sitemap listing them unread."""
    with closing(sqlite3.connect(db_path)) as db, db:
        newest = [row[0] for row in db.execute(
            # Synthetic ids count back in time from FIRST_ID (their pages keep the template's dates).
            "select article_id from articles where cast(article_id as integer) >= ?"
            " order by cast(article_id as integer) limit ?",
            [FIRST_ID, new])]
        ids = json.dumps(newest)
        for table in ("articles", "article_links", "link_signals", "pages", "removed_blocks"):
            db.execute(f"delete from {table} where article_id in (select value from json_each(?))", [ids])
        db.execute("delete from discovery_documents where url like '%/sitemap/2024-6.xml'")


def copy_database(source: Path, target: Path) -> None:
    """A copy of ``source`` with everything committed, WAL included."""
    with closing(sqlite3.connect(source)) as db, closing(sqlite3.connect(target)) as copy:
        db.backup(copy)


def hourly_run(db_path: Path, base_url: str, workers: int) -> dict:
    settings = {**QUIET, "DATABASE_PATH": db_path, "EXTRACT_WORKERS": workers}
    result = run_measured(scrapy_command("crawl", "moscowtimes", "-a", f"base_url={base_url}", settings=settings))
    with closing(sqlite3.connect(db_path)) as db:
        result["articles"] = db.execute("select count(*) from articles").fetchone()[0]
        result["new"], result["requests"] = db.execute(
            "select new, requests from crawl_runs order by id desc limit 1").fetchone()
    return result


def measure(archive: int, site_articles: int, new: int, runs: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "site", site_articles)
        with replica(tmp / "site", "--conditional") as base_url:
            base = tmp / "base.db"
            run_measured(scrapy_command("crawl", "moscowtimes", "-a", f"base_url={base_url}", "-a", "since=2000-01-01",
                                        settings={**QUIET, "DATABASE_PATH": base, "EXTRACT_WORKERS": workers}))
            forget_newest(base, new)
            large = tmp / "large.db"
            copy_database(base, large)
            grow_archive(large, archive)
            results = {}
            for name, source in (("small", base), ("large", large)):
                samples = []
                for _ in range(runs):
                    copy = tmp / "run.db"
                    copy_database(source, copy)
                    # Written back first: the kernel flushing gigabytes of a fresh copy
                    # during the run would be timed as the crawl's.
                    os.sync()
                    samples.append(hourly_run(copy, base_url, workers))
                    for path in tmp.glob("run.db*"):
                        path.unlink()
                results[name] = {
                    "archive": samples[0]["articles"],
                    "new": samples[0]["new"],
                    "requests": samples[0]["requests"],
                    "seconds": statistics.median(s["seconds"] for s in samples),
                    "cpu_seconds": statistics.median(s["cpu_seconds"] for s in samples),
                    "peak_rss": statistics.median(s["peak_rss"] for s in samples),
                    "db_bytes": source.stat().st_size,
                }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=int, default=100_000, help="older articles added to the large database")
    parser.add_argument("--site-articles", type=int, default=2000)
    parser.add_argument("--new", type=int, default=20, help="articles published since the last run")
    parser.add_argument("--runs", type=int, default=3, help="hourly runs per database (the median is shown)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = measure(args.archive, args.site_articles, args.new, args.runs, args.workers)
    print("| archive (articles after the run) | database MiB | requests | new | seconds | CPU s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results.values():
        print(f"| {r['archive']} | {r['db_bytes'] / 2**20:.0f} | {r['requests']} | {r['new']} | {r['seconds']:.2f} | "
              f"{r['cpu_seconds']:.2f} | {r['peak_rss'] / 2**20:.0f} |")
    small, large = results["small"], results["large"]
    print(f"\nlarge/small: time {large['seconds'] / small['seconds']:.2f}x, CPU "
          f"{large['cpu_seconds'] / small['cpu_seconds']:.2f}x, peak RSS {large['peak_rss'] / small['peak_rss']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
