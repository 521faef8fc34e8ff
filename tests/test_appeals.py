"""Appeals nobody showed us: the generator in tests/appeals.py, and extraction on a few of its
REPORT seeds (never tuned on; bench/appeals.py reports all twenty)."""

import re
import statistics
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from crawler.extract import ExtractionError, extract
from tests.appeals import (MIN_LINE_WORDS, POSITIONS, REPORT_SEEDS, appeal_lines, describe_failure,
                           generate_cases, score_case)
from tests.paths import DEV_SITE
from tests.scoring import contains, tokens

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not DEV_SITE.is_dir(), reason=f"no replica at {DEV_SITE}")

CHECKED_SEEDS = REPORT_SEEDS[:3]
MIN_MEAN_F1 = 0.99


@pytest.fixture(scope="module")
def cases():
    return {seed: generate_cases(seed) for seed in CHECKED_SEEDS}


def test_a_seed_always_gives_the_same_cases(cases):
    assert generate_cases(CHECKED_SEEDS[0]) == cases[CHECKED_SEEDS[0]]


def test_seeds_differ_in_markup_and_wording(cases):
    first, second = cases[CHECKED_SEEDS[0]], cases[CHECKED_SEEDS[1]]
    assert [case.url for case in first] == [case.url for case in second]
    assert sum(a.html != b.html for a, b in zip(first, second)) == len(first)
    assert {line for case in first for line in appeal_lines(case.truth)} != {
        line for case in second for line in appeal_lines(case.truth)}
    assert _class_names(first) != _class_names(second)


def test_cases_cover_every_position_and_kind(cases):
    panels = [panel for seed_cases in cases.values() for case in seed_cases for panel in case.truth["appeals"]]
    assert {panel["position"] for panel in panels} == set(POSITIONS)
    assert {panel["kind"] for panel in panels} >= {"donation", "membership", "newsletter", "subscription"}
    assert all(1 <= len(case.truth["appeals"]) <= 3 for seed_cases in cases.values() for case in seed_cases)


@pytest.mark.parametrize("seed", CHECKED_SEEDS)
def test_truth_matches_the_page(cases, seed):
    for case in cases[seed]:
        page = lxml.html.fromstring(case.html)
        visible = " ".join([page.text_content(), *page.xpath("//input/@value")])
        body = case.truth["body_paragraphs"]
        story = "\n\n".join(body)
        for trap in case.truth["trap_paragraphs"]:
            assert contains(visible, trap)
            assert _story_paragraph_before(page, trap, body) == body[body.index(trap) - 1]
        for line in appeal_lines(case.truth):
            assert contains(visible, line), (case.url, line)
            assert len(tokens(line)) < MIN_LINE_WORDS or not contains(story, line), (case.url, line)


def test_a_stored_body_with_the_story_only_scores_perfectly(cases):
    case = cases[CHECKED_SEEDS[0]][0]
    score = score_case(case.truth, "\n\n".join(case.truth["body_paragraphs"]))
    assert score["f1"] == 1.0 and not score["traps_missing"]
    assert not any(panel["left"] for panel in score["panels"])


def test_a_leaked_panel_and_a_lost_trap_are_reported_line_by_line(cases):
    case = next(case for case in cases[CHECKED_SEEDS[0]] if case.truth["trap_paragraphs"])
    traps, panel = case.truth["trap_paragraphs"], case.truth["appeals"][0]
    story = [paragraph for paragraph in case.truth["body_paragraphs"] if paragraph not in traps]
    score = score_case(case.truth, "\n\n".join([*story, *panel["lines"]]))
    long_lines = [line for line in panel["lines"] if len(tokens(line)) >= MIN_LINE_WORDS]
    assert set(long_lines) <= set(score["panels"][0]["left"])
    assert score["traps_missing"] == traps and score["f1"] < 1.0
    report = describe_failure(case, score)
    assert case.url in report and f'"{long_lines[0]}"' in report and f'"{traps[0]}"' in report


@pytest.mark.parametrize("seed", CHECKED_SEEDS)
def test_unseen_appeals_are_stripped_and_traps_kept(cases, seed):
    failures, scores = [], []
    for case in cases[seed]:
        try:
            body = extract(case.html, case.url)["body"]
        except ExtractionError as error:
            failures.append(f"{case.url}: not extracted ({error})")
            continue
        score = score_case(case.truth, body)
        scores.append(score["f1"])
        failures.append(describe_failure(case, score))
    failures = [failure for failure in failures if failure]
    mean_f1 = statistics.fmean(scores) if scores else 0.0
    if failures or mean_f1 < MIN_MEAN_F1:
        pytest.fail(f"seed {seed}: mean body F1 {mean_f1:.4f} (floor {MIN_MEAN_F1}), {len(failures)} articles"
                    " with appeal lines left or traps missing:\n" + "\n".join(failures), pytrace=False)


def test_the_bench_forgets_half_of_the_words_wherever_the_stripper_reads_them():
    """``bench/appeals.py --forget`` measures stripping on wording nobody showed it: every module that holds a
    compiled vocabulary reads the smaller one (in a process of its own: the forgetting is for good)."""
    script = (
        "import sys; sys.path.insert(0, 'bench'); import appeals as bench\n"
        "from crawler.stripping import appeals, passes, paywall, vocabulary\n"
        "before, old = len(vocabulary.PHRASES['donation']), appeals.PHRASE_VOCABULARY\n"
        "withheld, old_withheld = vocabulary.WITHHELD, appeals.WITHHELD_VOCABULARY\n"
        "bench.forget_words(1)\n"
        "assert passes.PHRASE_VOCABULARY is appeals.PHRASE_VOCABULARY is not old\n"
        "assert appeals.WITHHELD_VOCABULARY is not old_withheld and paywall.says_withheld is appeals.says_withheld\n"
        "assert set(vocabulary.WITHHELD) == set(withheld) & set(vocabulary.PHRASES['paywall'])\n"
        "assert 0 < len(vocabulary.PHRASES['donation']) < before\n"
        "assert all(appeals.LABEL_KINDS[label] == kind for kind, labels in vocabulary.LABELS.items() for label in labels)\n"
        "assert len(appeals.LABEL_KINDS) == sum(map(len, vocabulary.LABELS.values()))\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)


def _class_names(seed_cases):
    return {name for case in seed_cases for value in re.findall(r'class="([^"]*)"', case.html)
            for name in value.split()}


def _story_paragraph_before(page, trap, body):
    """The truth paragraph that comes last before ``trap`` in the page."""
    by_words = {tuple(tokens(paragraph)): paragraph for paragraph in body}
    trap_element = next(p for p in page.iter("p") if tokens(p.text_content()) == tokens(trap))
    before = [by_words.get(tuple(tokens(p.text_content()))) for p in trap_element.xpath("preceding::p")]
    return [paragraph for paragraph in before if paragraph][-1]
