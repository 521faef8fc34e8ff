"""Strip appeals nobody showed us: ``crawler.extract.extract`` over ``tests/appeals.py`` cases.

Every news and opinion article of the dev replica, with generated appeal panels and trap
paragraphs, per seed. Reports appeal lines left in the bodies (a line is left when the body
contains it, tests/scoring.py ``contains``; a label of fewer than three words counts only when the
story lacks it), trap paragraphs missing, and body F1 against the truth (4-token shingles), per
seed and overall, then where the lines were left (panel kind, position, markup family). Prints
markdown for BENCHMARKS.md. By default the REPORT seeds, which are never tuned on.

Pages are extracted as served by www.themoscowtimes.com, so the site's rules apply; with
``--generic`` they are served from an unknown host, their links to the site with them, and only
the generic stripper works on them (its body F1 then also counts the site furniture it keeps).

With ``--forget N`` the stripper first forgets a half of its word vocabularies (phrases, ask
words, labels), drawn by N: the wording of the generated appeals is then partly wording nobody
showed it, as a publisher's next panel will be, and what it still strips it strips by structure
(voices, amounts, buttons, forms, links, markup, position). Tune on some N, report others.

    .venv/bin/python bench/appeals.py --jobs 2 [--seeds report|tune|2000-2004,7] [--generic]
                                      [--forget N] [--leaks] [--dump DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import statistics
import sys
from collections import defaultdict
from functools import partial
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.extract import extract_or_error  # noqa: E402
from crawler.stripping import appeals, vocabulary  # noqa: E402
from tests.appeals import REPORT_SEEDS, SITE, TUNE_SEEDS, describe_failure, generate_cases, score_case  # noqa: E402

SECTION_TITLE = "## Unseen appeals (bench/appeals.py)"
UNKNOWN_SITE = "https://news.example"  # a host no site rules name
NAMED_SEEDS = {"report": REPORT_SEEDS, "tune": TUNE_SEEDS}


def forget_words(draw: int) -> None:
    """Forget about half of the word vocabularies (phrases, ask words, labels), each entry by a
    hash of (`draw`, entry), in this process and the workers it forks: the stripper's module
    compiles them again, and every module that took a name from it gets the new object."""
    def kept(entries):
        return tuple(e for e in entries if hashlib.sha256(f"{draw}:{e}".encode()).digest()[0] % 2 == 0)

    for table in (vocabulary.PHRASES, vocabulary.ASKS, vocabulary.LABELS):
        for kind, entries in table.items():
            table[kind] = kept(entries)
    vocabulary.WITHHELD = kept(vocabulary.WITHHELD)  # the paywall phrases that say a story is withheld: the same draw
    before = dict(vars(appeals))  # holds the old objects, so their ids stay theirs
    importlib.reload(appeals)
    renewed = {id(old): vars(appeals)[name] for name, old in before.items() if vars(appeals).get(name) is not old}
    for name, module in list(sys.modules.items()):
        if name.startswith("crawler.") and module is not appeals:
            for attribute, value in list(vars(module).items()):
                if id(value) in renewed:
                    setattr(module, attribute, renewed[id(value)])


def describe_seeds(seeds) -> str:
    "Seeds as inclusive ranges: 0-9, 1000-1019."
    runs, seeds = [], sorted(seeds)
    for seed in seeds:
        if runs and seed == runs[-1][1] + 1:
            runs[-1][1] = seed
        else:
            runs.append([seed, seed])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


def parse_seeds(text: str) -> list[int]:
    """"report", "tune", or a comma list of seeds and inclusive ranges ("1000-1004,7")."""
    if text in NAMED_SEEDS:
        return list(NAMED_SEEDS[text])
    seeds = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


def run_seed(seed: int, generic: bool = False, dump: Path | None = None) -> dict:
    """Extract and score every case of ``seed``; with ``dump``, write each case and its result."""
    logging.disable(logging.CRITICAL)
    results = []
    for number, case in enumerate(generate_cases(seed)):
        html, url = case.html, case.url
        if generic:  # an unknown publisher: the page, and its links to its own site, on a host no rules name
            html, url = html.replace(SITE, UNKNOWN_SITE), url.replace(SITE, UNKNOWN_SITE)
        record = extract_or_error(html, url)
        score = score_case(case.truth, record.get("body", ""))
        results.append(dict(score, error=record.get("error"), failure=describe_failure(case, score)))
        if dump:
            stem = dump / str(seed) / f"{number:02d}-{case.truth['article_id']}"
            stem.parent.mkdir(parents=True, exist_ok=True)
            stem.with_suffix(".html").write_text(html, "utf-8")
            stem.with_suffix(".truth.json").write_text(json.dumps(case.truth, indent=1, ensure_ascii=False), "utf-8")
            stem.with_suffix(".result.json").write_text(
                json.dumps(dict(results[-1], body=record.get("body", "")), indent=1, ensure_ascii=False), "utf-8")
    return {"seed": seed, "cases": results}


def seed_row(label: str, cases: list[dict]) -> str:
    panels = [panel for case in cases for panel in case["panels"]]
    lines = sum(len(panel["lines"]) for panel in panels)
    left = sum(len(panel["left"]) for panel in panels)
    leaking = sum(bool(panel["left"]) for panel in panels)
    traps = sum(len(case["traps_missing"]) for case in cases)
    errors = sum(bool(case["error"]) for case in cases)
    mean_f1 = statistics.fmean(case["f1"] for case in cases)
    return (f"| {label} | {len(cases)} | {errors} | {len(panels)} | {leaking} | {lines} | {left} | {traps} "
            f"| {mean_f1:.4f} | {min(case['f1'] for case in cases):.3f} |")


def breakdown_rows(cases: list[dict]) -> list[str]:
    """Panels and lines left by panel kind, position and markup family."""
    groups = defaultdict(lambda: [0, 0, 0, 0])
    for panel in (panel for case in cases for panel in case["panels"]):
        for key in ("kind", "position", "markup"):
            counts = groups[(key, panel[key])]
            counts[0] += 1
            counts[1] += bool(panel["left"])
            counts[2] += len(panel["lines"])
            counts[3] += len(panel["left"])
    return [f"| {key} | {value} | {panels} | {leaking} | {lines} | {left} |"
            for (key, value), (panels, leaking, lines, left) in sorted(groups.items())]


def report(runs: list[dict], seeds_label: str, generic: bool, forget: int | None = None) -> str:
    all_cases = [case for run in runs for case in run["cases"]]
    rules = "no site rules (generic stripper only)" if generic else "the Moscow Times site rules"
    forgotten = "" if forget is None else f", half of the word vocabularies forgotten (draw {forget})"
    lines = [
        SECTION_TITLE, "",
        f"Seeds: {seeds_label}; extracted with {rules}{forgotten}. A case is one news or opinion article of the dev"
        " replica with 1–3 generated appeal panels and 0–2 trap paragraphs.", "",
        "| seed | articles | not extracted | panels | panels leaking | appeal lines | lines left | traps missing"
        " | body F1 (mean) | body F1 (min) |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(seed_row(str(run["seed"]), run["cases"]) for run in runs),
        seed_row("**all**", all_cases), "",
        "| by | value | panels | panels leaking | appeal lines | lines left |",
        "|---|---|---|---|---|---|",
        *breakdown_rows(all_cases),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="report", help='"report" (default), "tune", or e.g. "2000-2004,7"')
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--generic", action="store_true", help="serve the pages from a host without site rules")
    parser.add_argument("--forget", type=int, metavar="N",
                        help="forget a half of the word vocabularies, drawn by N (wording nobody showed us)")
    parser.add_argument("--leaks", action="store_true", help="also list every line left and trap missing")
    parser.add_argument("--dump", type=Path, help="write each case (html, truth, result) under this directory")
    args = parser.parse_args(argv)

    seeds = parse_seeds(args.seeds)
    if args.forget is not None:
        forget_words(args.forget)
    work = partial(run_seed, generic=args.generic, dump=args.dump)
    if args.jobs > 1:
        with Pool(args.jobs) as pool:
            runs = pool.map(work, seeds)
    else:
        runs = [work(seed) for seed in seeds]
    named = NAMED_SEEDS.get(args.seeds)
    print(report(runs, f"{args.seeds} = {describe_seeds(named)}" if named else args.seeds, args.generic, args.forget))
    if args.leaks:
        for run in runs:
            for case in run["cases"]:
                if case["failure"]:
                    print(f"\nseed {run['seed']}: {case['failure']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
