"""Replica variants for tests: a copy of a replica directory, transformed.

* ``rename_appeal_classes``: the donation/newsletter furniture under class
  names no crawler can have seen, so only generic stripping passes.
* ``inject_trap_paragraphs``: editorial paragraphs that talk like appeals,
  recorded in truth, so a crawl that strips them by keyword fails.
"""

from __future__ import annotations

import functools
import html
import json
import random
import re
import shutil
import string
from pathlib import Path

from tests.scoring import contains, load_truth

APPEAL_WORDS = ("contribute", "newsletter", "donat", "teaser", "subscribe")
TRAP_PARAGRAPHS = (
    '"Your support, no matter how small, makes a difference," said the head of the city food bank,'
    " which now feeds about 400 families a week.",
    "The shelter asked residents to donate blankets and pet food, and to subscribe to its newsletter"
    " for updates on where to bring them.",
    "Volunteers said donations had fallen sharply this winter because many regular supporters"
    " could no longer afford to contribute.",
    "Several local newspapers that lost subscribers after 2022 now depend on reader donations,"
    " the regional journalists' union said.",
    '"We are not asking for money, we are asking people to support each other," the organizer'
    " told the crowd.",
)

_APPEAL = re.compile("|".join(APPEAL_WORDS), re.I)
_ATTRIBUTE = re.compile(r"""(?<![\w-])((?:class|y-use|y-name)=)(["'])(.*?)\2""", re.S)
_HTML_BLOCK = re.compile(
    r'<div data-id="article-block-type" class="article__block article__block--html[^"]*">\n'
    r"(.*?)\n</div>\n", re.S)
_PARAGRAPH_LINE = re.compile(r"^<p>.*</p>$", re.M)
_NAME_ENDINGS = ("box", "wrap", "cell", "pane", "unit", "item", "slot", "card")


def rename_appeal_classes(src: str | Path, dst: str | Path, seed: int = 0) -> Path:
    """Copy ``src`` to ``dst`` with appeal class and y-use/y-name tokens renamed.

    Each page gets its own random names (consistent within the page, unused
    anywhere else in the replica); the visible text is unchanged, so truth is too.
    """
    dst = Path(shutil.copytree(src, dst))
    files = _markup_files(dst)
    taken = {token for path in files for token in _attribute_tokens(path.read_text("utf-8"))}
    for path in files:
        rename = _renamer(random.Random(f"{seed}:{path.relative_to(dst)}"), taken)
        _rewrite(path, functools.partial(_rename_attributes, rename=rename))
    return dst


def inject_trap_paragraphs(src: str | Path, dst: str | Path, count: int = 3, seed: int = 0,
                           paragraphs: tuple[str, ...] = TRAP_PARAGRAPHS) -> dict[str, str]:
    """Copy ``src`` to ``dst`` and add one trap paragraph to ``count`` articles.

    Each paragraph goes after a random paragraph of an html block, in the page,
    its ``/all/{id}`` fragment and its ``/rss/all`` item, and into the article's
    truth (``body_paragraphs`` at the same position, and ``trap_paragraphs``).
    Returns {url_path: paragraph}.
    """
    dst = Path(shutil.copytree(src, dst))
    rng = random.Random(seed)
    site, truths = load_truth(dst)
    candidates = sorted(p for p in site["articles_required"] if truths[p]["kind"] in ("news", "opinion"))
    rng.shuffle(candidates)
    injected = {}
    for path in candidates:
        if len(injected) == count:
            break
        text = paragraphs[len(injected) % len(paragraphs)]
        # A trap quoting one of the page's own appeal sentences would be a leak too.
        if not any(contains(text, banned) for banned in truths[path]["must_not_contain"]):
            if _inject(dst, truths[path], text, rng):
                injected[path] = text
    return injected


# Renaming


def _markup_files(root):
    routes = json.loads((root / "routes.json").read_text("utf-8"))
    html_suffixes = {s for s, t in routes["content_types"].items() if t.startswith("text/html")}
    pages = [p for p in (root / routes["hosts"]["www"]).rglob("*") if p.suffix in html_suffixes]
    data = [p for p in (root / routes["data_dir"]).rglob("*") if p.suffix in (".html", ".json")]
    return sorted(p for p in pages + data if p.is_file())


def _attribute_tokens(text):
    return {token for match in _ATTRIBUTE.finditer(text) for token in match.group(3).split()}


def _renamer(rng, taken):
    """Appeal token -> fresh name, the same one each time; other tokens unchanged."""
    names = {}

    def rename(token):
        if _APPEAL.search(token) and token not in names:
            names[token] = _fresh_name(rng, taken)
        return names.get(token, token)

    return rename


def _rename_attributes(text, rename):
    def replace(match):
        if not _APPEAL.search(match.group(3)):
            return match.group()
        value = re.sub(r"\S+", lambda token: rename(token.group()), match.group(3))
        return match.group(1) + match.group(2) + value + match.group(2)

    return _ATTRIBUTE.sub(replace, text)


def _fresh_name(rng, taken):
    while True:
        name = "%s-%04x-%s" % ("".join(rng.choices(string.ascii_lowercase, k=2)),
                               rng.getrandbits(16), rng.choice(_NAME_ENDINGS))
        if name not in taken:
            taken.add(name)
            return name


def _rewrite(path, transform):
    """Apply ``transform`` to an HTML file, or to every string of a JSON file."""
    text = path.read_text("utf-8")
    if path.suffix == ".json":
        value = json.loads(text)
        new_value = _map_strings(value, transform)
        if new_value != value:
            path.write_text(json.dumps(new_value, ensure_ascii=False), "utf-8")
    else:
        new_text = transform(text)
        if new_text != text:
            path.write_text(new_text, "utf-8")


def _map_strings(value, transform):
    if isinstance(value, str):
        return transform(value)
    if isinstance(value, list):
        return [_map_strings(v, transform) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, transform) for k, v in value.items()}
    return value


# Traps


def _inject(root, truth, text, rng):
    """Insert ``text`` after a random html-block paragraph; False if none fits."""
    page = root / "www" / truth["url_path"].lstrip("/")
    markup = page.read_text("utf-8")
    body = truth["body_paragraphs"]
    anchors = [
        line for block in _HTML_BLOCK.findall(markup) for line in _PARAGRAPH_LINE.findall(block)
        if markup.count(line) == 1 and body.count(_plain(line)) == 1
    ]
    if not anchors:
        return False
    anchor = rng.choice(anchors)
    addition = f"\n<p>{html.escape(text, quote=False)}</p>"
    page.write_text(_insert_after(markup, anchor, addition), "utf-8")

    fragment = root / "www" / "all" / str(truth["article_id"])
    if fragment.is_file():
        fragment.write_text(_insert_after(fragment.read_text("utf-8"), anchor, addition), "utf-8")
    feed = root / "www" / "rss" / "all"
    if feed.is_file():
        link = "<link>{{www}}%s</link>" % truth["url_path"]
        items = feed.read_text("utf-8").split("<item>")
        items = [_insert_after(item, anchor, addition) if link in item else item for item in items]
        feed.write_text("<item>".join(items), "utf-8")

    body.insert(body.index(_plain(anchor)) + 1, text)
    truth["trap_paragraphs"].append(text)
    truth_file = root / "truth" / f"{truth['article_id']}.json"
    truth_file.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return True


def _insert_after(text, anchor, addition):
    return text.replace(anchor, anchor + addition, 1) if text.count(anchor) == 1 else text


def _plain(markup):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())
