"""The generic crawl and a rules class against trafilatura, on the generated replicas of other sites.

    python bench/sites.py [--seed 0] [--seed 1 ...] [--json PATH]

For each seed: build the replicas of tests/replicas (an unknown site assembled from real
article pages of many publishers, a WordPress site, a feed-only site), serve each on
loopback, run the real `scrapy crawl news -a site=URL` (and, for the WordPress site, with
its rules: `-a "site=harbourledger URL"`) with politeness off, and score the database with
tests/replicas/score.py: articles found, pages stored that are no articles, rows under
another host, body F1 and leak rates beside trafilatura's two configurations on the same
pages. Quality only: the time a crawl takes is bench/crawl.py's business.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import run_news_crawl  # noqa: E402
from tests.replica_server import ReplicaServer  # noqa: E402
from tests.replicas.feedonly import build_feed_site  # noqa: E402
from tests.replicas.mixed import build_mixed_site  # noqa: E402
from tests.replicas.score import BASELINES, score_crawl  # noqa: E402
from tests.replicas.wordpress import build_wordpress_site  # noqa: E402

# (label, builder, rules name or None for the generic crawl)
RUNS = (
    ("unknown site (generic)", build_mixed_site, None),
    ("WordPress (generic)", build_wordpress_site, None),
    ("WordPress (harbourledger rules)", build_wordpress_site, "harbourledger"),
    ("feed only (generic)", build_feed_site, None),
)


def crawl_and_score(workdir: Path, label: str, build, rules: str | None, seed: int) -> dict:
    run = f"{seed}-{RUNS.index((label, build, rules))}"
    directory = build(workdir / f"site-{run}", seed=seed)
    db_path = workdir / f"crawl-{run}.db"
    with ReplicaServer(directory) as server:
        site = f"{rules} {server.base_url}" if rules else server.base_url
        result = run_news_crawl(db_path, "-a", f"site={site}", timeout=None)
        if result.returncode not in (0, 3):
            raise RuntimeError(result.stderr[-2000:])
        report = score_crawl(db_path, directory, server.base_url)
    comparison = report["comparison"]
    return {
        "site": label, "seed": seed, "found": report["found"], "expected": report["expected"],
        "non_articles_stored": len(report["non_articles_stored"]), "foreign_rows": len(report["foreign_rows"]),
        "body_f1": round(report["body_f1"], 4),
        **{f"{name}_f1": round(comparison[name]["body_f1"], 4) for name in BASELINES},
        "appeal_leak": round(comparison["crawl"]["appeal_leak"], 4),
        "without_leak": round(comparison["crawl"]["without_leak"], 4),
        **{f"{name}_{rate}": round(comparison[name][rate], 4)
           for name in BASELINES for rate in ("appeal_leak", "without_leak")},
        "passed": report["passed"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, action="append", help="replica seed (repeatable; default 0)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sites-") as tmp:
        for seed in args.seed or [0]:
            for label, build, rules in RUNS:
                rows.append(crawl_and_score(Path(tmp), label, build, rules, seed))
                print(json.dumps(rows[-1]), flush=True)
    print("\n| site | seed | found | non-articles | foreign | body F1 | trafilatura | trafilatura precision "
          "| appeal leak (traf. best) | without leak (traf. best) | passed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        best_appeal = min(row[f"{name}_appeal_leak"] for name in BASELINES)
        best_without = min(row[f"{name}_without_leak"] for name in BASELINES)
        print(f"| {row['site']} | {row['seed']} | {row['found']}/{row['expected']} | {row['non_articles_stored']} "
              f"| {row['foreign_rows']} | {row['body_f1']:.3f} | {row['trafilatura_f1']:.3f} "
              f"| {row['trafilatura_precision_f1']:.3f} | {row['appeal_leak']:.3f} ({best_appeal:.3f}) "
              f"| {row['without_leak']:.3f} ({best_without:.3f}) | {row['passed']} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
