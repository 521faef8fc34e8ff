#!/usr/bin/env python3
"""Score a crawler's SQLite database against a replica's truth (FORMAT.md §7).

    python tests/scoring.py DB REPLICA_DIR [--include-optional]

prints a JSON report; ``score_database`` returns it as a dict.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from contextlib import closing
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

FIELDS = ("title", "subtitle", "authors", "section", "tags", "published", "modified", "kind")
ADDITIONAL_FIELDS = ("lead", "image_url", "image_caption")
COLUMNS = ("url", "site", "article_id", "body", *FIELDS, *ADDITIONAL_FIELDS)
MIN_BODY_F1 = 0.97
MIN_FIELD_ACCURACY = 0.95
SHINGLE_SIZE = 4
STATIC_PREFIX = "/_static"  # where the reference setup serves the static host
_WORD = re.compile(r"\w+")


def score_database(db_path: str | Path, replica_dir: str | Path,
                   include_optional: bool = False, only_site: str | None = None) -> dict:
    """The §7 report: found/missing/extra rows, field accuracy (overall, by
    field) and mismatches, body F1 (mean, by article), leaks by article,
    traps kept/missing, and ``passed``. ``only_site``: the rows of that site alone."""
    site, truths = load_truth(replica_dir)
    expected = site["articles_required"] + (site["articles_optional"] if include_optional else [])
    rows, columns = read_rows(db_path)
    rows = [row for row in rows if only_site is None or row["site"] == only_site]
    matched, extra, unmatched = _match_rows(rows, truths, site)

    found = [path for path in expected if path in matched]
    field_checks, additional_checks = [], []
    body_f1, leaks, traps_kept, traps_missing = {}, {}, [], []
    for path in found:
        truth, row = truths[path], matched[path][0]
        field_checks += [_check(name, truth, row) for name in FIELDS]
        additional_checks += [_check(name, truth, row) for name in ADDITIONAL_FIELDS if name in columns]
        body = row.get("body") or ""
        body_f1[path] = body_score(truth, body)
        leaked = [text for text in truth["must_not_contain"] if contains(body, text)]
        if leaked:
            leaks[path] = leaked
        for text in truth["trap_paragraphs"]:
            (traps_kept if contains(body, text) else traps_missing).append({"url_path": path, "text": text})

    field_accuracy = _rate([check["ok"] for check in field_checks])
    mean_f1 = _rate(list(body_f1.values()))
    passed = (len(found) == len(expected) and not extra and not leaks and not traps_missing
              and mean_f1 >= MIN_BODY_F1 and field_accuracy >= MIN_FIELD_ACCURACY)
    return {
        "expected": len(expected),
        "found": found,
        "missing": [path for path in expected if path not in matched],
        "extra": extra,
        "unmatched": unmatched,
        "duplicates": sorted(path for path, hits in matched.items() if len(hits) > 1),
        "field_accuracy": field_accuracy,
        "field_accuracy_by_field": _accuracy_by_field(field_checks, FIELDS),
        "field_mismatches": _mismatches(field_checks),
        "additional_field_accuracy_by_field": _accuracy_by_field(additional_checks, ADDITIONAL_FIELDS),
        "additional_field_mismatches": _mismatches(additional_checks),
        "body_f1": mean_f1,
        "body_f1_by_article": body_f1,
        "leaks": leaks,
        "traps_kept": traps_kept,
        "traps_missing": traps_missing,
        "passed": passed,
    }


def load_truth(replica_dir: str | Path) -> tuple[dict, dict[str, dict]]:
    """site.json and the article truths keyed by canonical URL path."""
    truth_dir = Path(replica_dir) / "truth"
    site = json.loads((truth_dir / "site.json").read_text("utf-8"))
    truths = {}
    for path in truth_dir.glob("*.json"):
        if path.name != "site.json":
            truth = json.loads(path.read_text("utf-8"))
            truths[truth["url_path"]] = truth
    return site, truths


def read_rows(db_path: str | Path) -> tuple[list[dict], set[str]]:
    """The ``articles`` rows (known columns only) and which columns exist."""
    uri = Path(db_path).resolve().as_uri() + "?mode=ro"  # never create a missing DB
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        connection.row_factory = sqlite3.Row
        present = {row["name"] for row in connection.execute("PRAGMA table_info(articles)")}
        if not present:
            raise ValueError(f"{db_path}: no articles table")
        columns = [name for name in COLUMNS if name in present]
        query = f"SELECT {', '.join(columns)} FROM articles ORDER BY rowid"
        return [dict(row) for row in connection.execute(query)], set(columns)


def _match_rows(rows, truths, site):
    """Rows per truth path (by article_id, else URL path), extra and unmatched rows."""
    forbidden = set(site["must_not_store"])
    patterns = [re.compile(p) for p in site["must_not_store_patterns"]]
    by_id = defaultdict(list)
    for truth in truths.values():
        by_id[truth["article_id"]].append(truth)

    matched, extra, unmatched = defaultdict(list), [], []
    for row in rows:
        path = url_path(row.get("url"))
        if path in forbidden or any(p.search(path) for p in patterns):
            extra.append(path)
            continue
        candidates = by_id.get(_as_id(row.get("article_id")), [])
        truth = candidates[0] if len(candidates) == 1 else truths.get(path)
        if truth:
            matched[truth["url_path"]].append(row)
        else:
            unmatched.append(row.get("url"))
    return matched, extra, unmatched


def url_path(url: str | None) -> str:
    return urlsplit(url or "").path


def _as_id(value):
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# Fields


def _check(name, truth, row):
    expected, actual = _expected(name, truth), row.get(name)
    return {
        "url_path": truth["url_path"],
        "field": name,
        "expected": expected,
        "actual": actual,
        "ok": _COMPARATORS.get(name, _same_text)(expected, actual, truth),
    }


def _expected(name, truth):
    return truth["image_url_path"] if name == "image_url" else truth[name]


def _same_text(expected, actual, truth):
    return _clean(expected) == _clean(actual)


def _same_text_casefold(expected, actual, truth):
    return _clean(expected).casefold() == _clean(actual).casefold()


def _same_authors(expected, actual, truth):
    accepted = [expected, *truth.get("accept", {}).get("authors", [])]
    return _json_list(actual) in [[_clean(name) for name in names] for names in accepted]


def _same_tags(expected, actual, truth):
    tags = _json_list(actual)
    return tags is not None and Counter(t.casefold() for t in tags) == Counter(
        _clean(t).casefold() for t in expected)


def _same_instant(expected, actual, truth):
    moment = _instant(actual)
    return moment is not None and moment == _instant(expected)


def _same_image(expected, actual, truth):
    accepted = {expected, *truth.get("accept", {}).get("image_url_path", [])}
    path = url_path(actual)
    if path.startswith(STATIC_PREFIX + "/"):
        path = path[len(STATIC_PREFIX):]
    return (path or None) in accepted


_COMPARATORS = {
    "section": _same_text_casefold,
    "authors": _same_authors,
    "tags": _same_tags,
    "published": _same_instant,
    "modified": _same_instant,
    "image_url": _same_image,
}


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def _json_list(value):
    """A JSON array column as cleaned strings; None when it is not one."""
    try:
        items = json.loads(value) if value else []
    except (TypeError, ValueError):
        return None
    return [_clean(item) for item in items] if isinstance(items, list) else None


def _instant(value):
    """An offset-aware datetime; naive or unparsable times do not count."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _rate(values):
    """The mean of scores or booleans; 1.0 when there is nothing to get wrong."""
    return sum(values) / len(values) if values else 1.0


def _accuracy_by_field(checks, names):
    """Per-field rate; None for a field never compared (no article found, no column)."""
    results = {name: [c["ok"] for c in checks if c["field"] == name] for name in names}
    return {name: _rate(oks) if oks else None for name, oks in results.items()}


def _mismatches(checks):
    return [{k: v for k, v in check.items() if k != "ok"} for check in checks if not check["ok"]]


# Body text


def tokens(text: str) -> list[str]:
    return _WORD.findall(text or "")


def contains(text: str, fragment: str) -> bool:
    """Whether ``fragment`` occurs in ``text``, ignoring case, spacing and punctuation."""
    needle = " ".join(tokens(fragment.lower()))
    return bool(needle) and f" {needle} " in f" {' '.join(tokens(text.lower()))} "


def body_score(truth: dict, body: str) -> float:
    """Shingle F1 of the stored body, once surplus optional text is taken out."""
    expected = tokens("\n\n".join(truth["body_paragraphs"]))
    stored = tokens(body)
    # Longest first, so a short optional text is not cut out of a longer one.
    for optional in sorted(truth["optional_paragraphs"], key=len, reverse=True):
        stored = _drop_surplus(stored, tokens(optional), expected)
    return shingle_f1(expected, stored)


def _drop_surplus(stored, fragment, expected):
    if not fragment:
        return stored
    starts = _occurrences(stored, fragment)
    surplus = set(starts[:max(0, len(starts) - len(_occurrences(expected, fragment)))])
    kept, i = [], 0
    while i < len(stored):
        if i in surplus:
            i += len(fragment)
        else:
            kept.append(stored[i])
            i += 1
    return kept


def _occurrences(words, fragment):
    """Start indices of non-overlapping case-insensitive occurrences of ``fragment``."""
    folded, target = [w.lower() for w in words], [w.lower() for w in fragment]
    starts, i = [], 0
    while i <= len(folded) - len(target):
        if folded[i:i + len(target)] == target:
            starts.append(i)
            i += len(target)
        else:
            i += 1
    return starts


def shingle_f1(expected: list[str], stored: list[str], size: int = SHINGLE_SIZE) -> float:
    """F1 over token n-gram multisets, as in scrapinghub/article-extraction-benchmark."""
    true, pred = shingles(expected, size), shingles(stored, size)
    tp = sum((true & pred).values())
    fp, fn = sum((pred - true).values()), sum((true - pred).values())
    if fp == fn == 0:
        return 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def shingles(words: list[str], size: int = SHINGLE_SIZE) -> Counter:
    """The multiset of ``size``-token shingles; a text shorter than one still counts, as one short shingle."""
    return Counter(tuple(words[i:i + size]) for i in range(max(1, len(words) - size + 1)) if words)



def truth_row(truth: dict, base: str) -> dict:
    """The ``articles`` row a perfect crawl stores for ``truth``, the replica served at ``base``."""
    body = "\n\n".join(truth["body_paragraphs"])
    image = truth["image_url_path"]
    return {
        "url": base + truth["url_path"],
        "site": "moscowtimes",
        "article_id": str(truth["article_id"]),
        "kind": truth["kind"],
        "title": truth["title"],
        "subtitle": truth["subtitle"],
        "lead": truth["lead"],
        "authors": json.dumps(truth["authors"]),
        "section": truth["section"],
        "tags": json.dumps(truth["tags"]),
        "published": truth["published"],
        "modified": truth["modified"],
        "language": "en",
        "image_url": base + "/_static" + image if image else None,
        "image_caption": truth["image_caption"],
        "body": body,
        "word_count": len(body.split()),
        "paywalled": 0,
        "content_hash": hashlib.sha256(body.encode()).hexdigest(),
    }

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, help="crawler SQLite database")
    parser.add_argument("replica", type=Path, help="replica directory (with truth/)")
    parser.add_argument("--include-optional", action="store_true",
                        help="also require the optional (archive) articles")
    args = parser.parse_args(argv)
    report = score_database(args.db, args.replica, include_optional=args.include_optional)
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
