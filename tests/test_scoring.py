import html
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import DEV_SITE, DEV_SITE_V2
from tests.scoring import load_truth, score_database, truth_row
from tests.variants import APPEAL_WORDS, inject_trap_paragraphs, rename_appeal_classes

BASE = "http://127.0.0.1:8800"
ARTICLE = "/2020/10/14/putin-erdogan-urge-joint-efforts-to-end-karabakh-conflict-a71756"
AUTHORLESS = "/2019/03/12/novosibirsk-zoos-polar-bear-cub-gets-a-name-after-online-vote-a66890"
COLUMNS = ("url", "site", "article_id", "kind", "title", "subtitle", "lead", "authors", "section",
           "tags", "published", "modified", "image_url", "image_caption", "body")

pytestmark = pytest.mark.skipif(not DEV_SITE.is_dir(), reason=f"no replica at {DEV_SITE}")


@pytest.fixture(scope="module")
def truths():
    return load_truth(DEV_SITE)[1]


def perfect_row(truth, **changes):
    return {**truth_row(truth, BASE), **changes}


def make_db(path, rows):
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE TABLE articles ({', '.join(COLUMNS)})")
        connection.executemany(
            f"INSERT INTO articles VALUES ({', '.join('?' * len(COLUMNS))})",
            [[row[c] for c in COLUMNS] for row in rows])
    connection.close()
    return path


def score(tmp_path, rows, replica=DEV_SITE, **options):
    return score_database(make_db(tmp_path / "crawl.db", rows), replica, **options)


def test_perfect_row_scores_one(tmp_path, truths):
    report = score(tmp_path, [perfect_row(truths[ARTICLE])])
    assert report["found"] == [ARTICLE]
    assert ARTICLE not in report["missing"] and len(report["missing"]) == report["expected"] - 1
    assert report["body_f1_by_article"] == {ARTICLE: 1.0}
    assert report["field_accuracy"] == 1.0
    assert report["field_mismatches"] == report["additional_field_mismatches"] == []
    assert (report["extra"], report["leaks"]) == ([], {})
    assert not report["passed"]  # everything else is missing


@pytest.mark.parametrize("replica", [DEV_SITE, DEV_SITE_V2], ids=["dev", "dev-v2"])
def test_every_perfect_row_passes(tmp_path, replica):
    rows = [perfect_row(t) for t in load_truth(replica)[1].values()]
    report = score(tmp_path, rows, replica=replica, include_optional=True)
    assert report["passed"], report
    assert report["body_f1"] == 1.0


def test_leaked_appeal_is_reported(tmp_path, truths):
    truth = truths[ARTICLE]
    body = perfect_row(truth)["body"] + "\n\nNot ready to support today?\n\nRemind me  later"
    report = score(tmp_path, [perfect_row(truth, body=body)])
    assert report["leaks"] == {ARTICLE: ["Not ready to support today?", "Remind me later."]}
    assert report["body_f1_by_article"][ARTICLE] < 1.0


def test_must_not_store_path_counts_as_extra(tmp_path, truths):
    pdf = perfect_row(truths[ARTICLE], url=BASE + ARTICLE + "/pdf")
    contribute = perfect_row(truths[ARTICLE], url=BASE + "/contribute", article_id=None)
    report = score(tmp_path, [pdf, contribute])
    assert report["extra"] == [ARTICLE + "/pdf", "/contribute"]
    assert report["found"] == []


def test_optional_text_in_body_is_not_penalized(tmp_path, truths):
    truth = truths[ARTICLE]
    body = "\n\n".join([truth["title"], *truth["optional_paragraphs"], perfect_row(truth)["body"]])
    report = score(tmp_path, [perfect_row(truth, body=body)])
    assert report["body_f1_by_article"][ARTICLE] == 1.0


def test_field_comparison_rules(tmp_path, truths):
    truth = truths[ARTICLE]
    report = score(tmp_path, [perfect_row(
        truth,
        article_id=str(truth["article_id"]),
        url=BASE + "/somewhere-else",
        section=truth["section"].upper(),
        tags=json.dumps([tag.lower() for tag in reversed(truth["tags"])]),
        published="2020-10-14T13:52:00+00:00",  # same instant in UTC
        modified="2020-10-14T17:31:12",  # no offset
        authors=json.dumps(truth["authors"][::-1] + ["Someone"]),
    )])
    assert report["found"] == [ARTICLE]
    assert {m["field"] for m in report["field_mismatches"]} == {"modified", "authors"}
    assert report["field_accuracy_by_field"]["section"] == 1.0
    assert report["field_accuracy"] == 6 / 8


def test_accepted_alternatives(tmp_path, truths):
    truth = truths[AUTHORLESS]
    og_image = BASE + "/_static" + truth["accept"]["image_url_path"][0]
    row = perfect_row(truth, authors=json.dumps(["The Moscow Times"]), image_url=og_image)
    report = score(tmp_path, [row])
    assert report["field_mismatches"] == report["additional_field_mismatches"] == []


def test_cli_prints_report_and_fails_incomplete_crawl(tmp_path, truths):
    db = make_db(tmp_path / "crawl.db", [perfect_row(truths[ARTICLE])])
    script = Path(__file__).with_name("scoring.py")
    result = subprocess.run([sys.executable, str(script), str(db), str(DEV_SITE)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert json.loads(result.stdout)["found"] == [ARTICLE]


# Variants


@pytest.fixture(scope="module")
def trap_site(tmp_path_factory):
    replica = tmp_path_factory.mktemp("variants") / "traps"
    return replica, inject_trap_paragraphs(DEV_SITE, replica, count=3, seed=1)


def test_trap_paragraphs_are_in_pages_and_truth(trap_site):
    replica, injected = trap_site
    assert len(injected) == 3
    _, truths = load_truth(replica)
    for path, text in injected.items():
        truth = truths[path]
        assert truth["trap_paragraphs"] == [text]
        position = truth["body_paragraphs"].index(text)
        lines = (replica / "www" / path.lstrip("/")).read_text().splitlines()
        line = lines.index(f"<p>{html.escape(text, quote=False)}</p>")
        previous = html.unescape(re.sub("<[^>]+>", "", lines[line - 1]))
        assert previous == truth["body_paragraphs"][position - 1]


def test_trap_paragraphs_must_be_kept(tmp_path, trap_site):
    replica, injected = trap_site
    _, truths = load_truth(replica)
    path, text = next(iter(injected.items()))
    kept = score(tmp_path, [perfect_row(truths[path])], replica=replica)
    assert kept["traps_kept"] == [{"url_path": path, "text": text}]
    assert kept["traps_missing"] == []

    stripped = perfect_row(truths[path])
    stripped["body"] = stripped["body"].replace(text, "")
    (tmp_path / "crawl.db").unlink()
    report = score(tmp_path, [stripped], replica=replica)
    assert report["traps_missing"] == [{"url_path": path, "text": text}]


def test_rename_appeal_classes(tmp_path):
    replica = rename_appeal_classes(DEV_SITE, tmp_path / "renamed", seed=3)
    original = (DEV_SITE / "www" / ARTICLE.lstrip("/")).read_text()
    renamed = (replica / "www" / ARTICLE.lstrip("/")).read_text()
    attribute = re.compile(r'(?<![\w-])(?:class|y-use|y-name)="([^"]*)"')
    before = [t for value in attribute.findall(original) for t in value.split()]
    after = [t for value in attribute.findall(renamed) for t in value.split()]

    mapping = dict(zip(before, after))
    assert len(before) == len(after) and list(map(mapping.get, before)) == after  # consistent
    appeal = {t for t in before if any(word in t.lower() for word in APPEAL_WORDS)}
    assert {"contribute-banner", "contribute.Inline", "contribute-teaser"} <= appeal
    assert all(mapping[t] not in before for t in appeal)
    assert all(mapping[t] == t for t in set(before) - appeal)
    assert not any(word in t.lower() for t in after for word in APPEAL_WORDS)
    # Only markup changed: the visible text and the truth stay as they were.
    assert attribute.sub("", original) == attribute.sub("", renamed)
    assert (replica / "truth" / "71756.json").read_text() == (DEV_SITE / "truth" / "71756.json").read_text()
