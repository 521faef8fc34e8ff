#!/usr/bin/env python3
"""Score a crawl of one generated replica against its truth, and stock trafilatura on the same pages.

    python -m tests.replicas.score DB REPLICA_DIR BASE_URL [--site NAME] [--no-baseline]

prints the JSON report of ``score_crawl``. Rows are matched to articles by URL path (a trailing
slash does not matter); ``base_url`` is where the replica was served, so rows under any other
host count as foreign. Body F1 and leak lists come from ``tests/scoring.py`` (``body_score``,
``contains``); the side-by-side with trafilatura uses ``bench/extraction.py`` (its extractor
configurations, ``summarise``: corpus-method F1, appeal-term and ``without``-snippet leak rates),
computed for the crawl and for each configuration on the pages the crawl found, so that both
sides are measured on the same pages.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import statistics
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from bench.extraction import Page, summarise, trafilatura_functions
from tests.replica_server import Replica
from tests.scoring import body_score, contains, load_truth, url_path

MIN_FOUND_SHARE = 0.95
MIN_F1_MARGIN = 0.01  # over trafilatura's best configuration (the goal is at most 1.0)
BASELINES = ("trafilatura", "trafilatura_precision")  # bench/extraction.py's names, in its order
LEAK_RATES = ("appeal_leak", "without_leak")


def score_crawl(db_path: str | Path, replica_dir: str | Path, base_url: str, *,
                site: str | None = None, baseline: bool = True) -> dict:
    """The crawl's report against the replica's truth (see the module doc). ``site`` limits the
    rows to one ``site`` value (several replicas crawled into one database); ``baseline=False``
    skips trafilatura and the criteria that need it."""
    site_truth, truths = load_truth(replica_dir)
    by_path = {_key(path): path for path in site_truth["articles"]}
    host = urlsplit(base_url).netloc
    rows = [row for row in _rows(db_path) if site is None or row["site"] == site]

    matched, non_articles, foreign = {}, [], []
    for row in rows:
        if urlsplit(row["url"] or "").netloc != host:
            foreign.append(row["url"])
        elif _key(url_path(row["url"])) in by_path:
            matched.setdefault(by_path[_key(url_path(row["url"]))], []).append(row)
        else:
            non_articles.append(row["url"])

    expected = site_truth["articles"]
    found = [path for path in expected if path in matched]
    bodies = {path: matched[path][0]["body"] or "" for path in found}
    report = {
        "site": site_truth["site"],
        "expected": len(expected),
        "found": len(found),
        "missing": [path for path in expected if path not in matched],
        "duplicates": sorted(path for path, hits in matched.items() if len(hits) > 1),
        "non_articles_stored": non_articles,
        "foreign_rows": foreign,
        "body_f1": _mean([body_score(truths[path], bodies[path]) for path in found]),
        "body_f1_by_article": {path: body_score(truths[path], bodies[path]) for path in found},
        "leaks": {path: hits for path in found
                  if (hits := [text for text in truths[path]["must_not_contain"] if contains(bodies[path], text)])},
        "traps_missing": [{"url_path": path, "text": text} for path in found
                          for text in truths[path]["trap_paragraphs"] if not contains(bodies[path], text)],
    }
    criteria = {
        "found_share": (len(found) / max(len(expected), 1), MIN_FOUND_SHARE, True),
        "non_articles_stored": (len(non_articles), 0, False),
        "foreign_rows": (len(foreign), 0, False),
    }
    if baseline and found:
        comparison = compare_with_trafilatura(replica_dir, base_url, [truths[path] for path in found],
                                              [bodies[path] for path in found])
        report["comparison"] = comparison
        best = max(comparison[name]["body_f1"] for name in BASELINES)
        # A perfect body passes even where trafilatura is within the margin of perfect.
        criteria["body_f1"] = (report["body_f1"], min(best + MIN_F1_MARGIN, 1.0), True)
        for rate in LEAK_RATES:
            criteria[rate] = (comparison["crawl"][rate], min(comparison[name][rate] for name in BASELINES), False)
    report["criteria"] = {name: {"value": value, "goal": goal, "met": value >= goal if higher else value <= goal}
                          for name, (value, goal, higher) in criteria.items()}
    report["passed"] = all(c["met"] for c in report["criteria"].values())
    return report


def compare_with_trafilatura(replica_dir: str | Path, base_url: str, truths: list[dict],
                             bodies: list[str]) -> dict:
    """Per extractor ("crawl" = ``bodies``, then each trafilatura configuration) on the pages of
    ``truths`` as the replica serves them: mean body F1 (tests/scoring.py) and bench/extraction.py's
    ``summarise`` row (F1, precision, recall, appeal_leak, without_leak, with_recall)."""
    replica = Replica(replica_dir)
    pages = [_page(replica, truth) for truth in truths]
    logging.disable(logging.CRITICAL)  # trafilatura warns about every odd page
    try:
        extractors = dict(zip(BASELINES, trafilatura_functions()))
        outputs = []
        for page, truth, body in zip(pages, truths, bodies):
            html = replica.resolve("www", truth["url_path"], "").body.decode("utf-8", errors="replace")
            html = html.replace("{{www}}", base_url)
            outputs.append({"crawl": (body, 0.0), **{name: _timed(run, html, page.url)
                                                     for name, run in extractors.items()}})
    finally:
        logging.disable(logging.NOTSET)
    return {name: {"body_f1": _mean([body_score(truth, output[name][0]) for truth, output in zip(truths, outputs)]),
                   **_summarise(pages, outputs, name)}
            for name in ("crawl", *BASELINES)}


def _summarise(pages, outputs, name):
    """bench/extraction.py's row; when every output is empty its F1 is undefined there, and is 0 here
    (an empty output leaks nothing). No snippets at all means no snippet leaks."""
    try:
        row = summarise(pages, outputs, name)
    except (statistics.StatisticsError, ZeroDivisionError):
        row = {"f1": 0.0, "precision": 0.0, "recall": 0.0, "appeal_leak": 0.0, "with_recall": 0.0}
    row.setdefault("without_leak", 0.0)
    return row


def _page(replica: Replica, truth: dict) -> Page:
    """The bench's view of one article: its reference text and snippets."""
    source = truth.get("source", {})
    return Page(source.get("set", replica.routes["set"]), truth["url_path"],
                replica.root / "www" / truth["url_path"].lstrip("/"), source.get("url"),
                source.get("domain", replica.routes["set"]), "\n\n".join(truth["body_paragraphs"]),
                source.get("english", True), truth.get("with_snippets", []), truth["must_not_contain"])


def _timed(run, html, url):
    start = time.process_time()
    return run(html, url), (time.process_time() - start) * 1000


def _rows(db_path):
    uri = Path(db_path).resolve().as_uri() + "?mode=ro"  # never create a missing database
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT url, site, body FROM articles ORDER BY rowid")]


def _key(path: str) -> str:
    return path.rstrip("/") or "/"


def _mean(values):
    return sum(values) / len(values) if values else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, help="crawler SQLite database")
    parser.add_argument("replica", type=Path, help="replica directory (with truth/)")
    parser.add_argument("base_url", help="where the replica was served, e.g. http://127.0.0.1:8800")
    parser.add_argument("--site", help="only rows with this site value")
    parser.add_argument("--no-baseline", action="store_true", help="skip the trafilatura comparison")
    args = parser.parse_args(argv)
    report = score_crawl(args.db, args.replica, args.base_url, site=args.site, baseline=not args.no_baseline)
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
