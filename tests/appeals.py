"""Article pages with appeals nobody showed us: a generator and its scoring.

Seed policy: TUNE_SEEDS may be looked at (pages, leaks, scores) while developing the stripper.
REPORT_SEEDS are never tuned on: ``bench/appeals.py`` reports all twenty and ``tests/test_appeals.py``
asserts on the first three (its failure message lists their leaks: fix what an appeal *is*, never
those sentences). Once a report seed has been tuned on, it is a tune seed: pick a fresh report range
and say so in BENCHMARKS.md. 1000–1019, 2000–2019 and 3000–3019 were report ranges: each was
measured once, then looked at, and joined the tune seeds (BENCHMARKS.md gives each measurement);
4000–4019 is the current one.

``generate_cases(seed)`` takes every news and opinion article of the dev replica, served as
``https://www.themoscowtimes.com/…`` so the site's rules apply, and injects 1–3 appeal panels and
0–2 trap paragraphs. The words come from ``tests/appeal_content.py``; this module draws the markup
(wrappers, design-system class names, attributes, headings, buttons, forms, amount pickers) and the
positions: before the first story paragraph, between two paragraphs of an html block, between story
blocks, right after the last story paragraph, or after the content container. Each case's truth is
the replica truth with the traps added to ``body_paragraphs`` and ``trap_paragraphs``, and
``appeals``: per panel its kind, position, markup family and every visible text line.
Everything is a function of the seed (each article draws from ``Random(f"{seed}:{url_path}")``, so
adding an article to the replica leaves the others' cases alone).
"""

from __future__ import annotations

import html
import random
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import lxml.html

from tests.appeal_content import Appeal, compose_appeal, compose_trap
from tests.paths import DEV_SITE
from tests.scoring import body_score, contains, load_truth, tokens

TUNE_SEEDS = (*range(0, 10), *range(1000, 1020), *range(2000, 2020), *range(3000, 3020))
REPORT_SEEDS = range(4000, 4020)

SITE = "https://www.themoscowtimes.com"
STATIC = "https://static.themoscowtimes.com"
ARTICLE_KINDS = ("news", "opinion")  # kinds whose truth is plain paragraphs
POSITIONS = ("before_story", "inside_block", "between_blocks", "after_story", "after_container")
# A line this short ("Donate", "$5", "Monthly") is not counted as left when the story itself has it.
MIN_LINE_WORDS = 3

_CONTENT_START = '<div class="article__content"'
_TAG = re.compile(r"""<(/?)([a-zA-Z][\w:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_PARAGRAPH_LINE = re.compile(r"^<p>.*</p>$", re.M)


class Case(NamedTuple):
    """An article page to extract at ``url``, and what its body must be (see the module doc)."""

    url: str
    html: str
    truth: dict


def generate_cases(seed: int, replica: str | Path = DEV_SITE) -> list[Case]:
    """One case per news or opinion article of ``replica``, all drawn from ``seed``."""
    replica = Path(replica)
    _, truths = load_truth(replica)
    cases = []
    for path in sorted(p for p, truth in truths.items() if truth["kind"] in ARTICLE_KINDS):
        markup = (replica / "www" / path.lstrip("/")).read_text("utf-8")
        markup = markup.replace("{{www}}", SITE).replace("{{static}}", STATIC)
        cases.append(make_case(random.Random(f"{seed}:{path}"), markup, truths[path]))
    return cases


def appeal_lines(truth: dict) -> list[str]:
    return [line for panel in truth["appeals"] for line in panel["lines"]]


# -- One case ----------------------------------------------------------------------------------


def make_case(rng: random.Random, markup: str, truth: dict) -> Case:
    """``markup`` (the article page of ``truth``) with appeals and traps injected, and its truth."""
    blocks, content_end = story_blocks(markup)
    points = insertion_points(blocks, content_end)
    anchors = trap_anchors(markup, blocks, truth["body_paragraphs"])
    while True:  # redraw until every line can be scored on its own
        positions = rng.sample(sorted(points), min(len(points), rng.choice((1, 1, 2, 2, 3))))
        appeals = [compose_appeal(rng) for _ in positions]
        traps = [compose_trap(rng) for _ in range(min(len(anchors), rng.choice((0, 1, 1, 2))))]
        if _consistent(appeals, traps, truth):
            break

    insertions, panels = [], []
    for position, appeal in zip(positions, appeals):
        panel, family = render_appeal(rng, appeal)
        insertions.append((rng.choice(points[position]), f"\n{panel}\n"))
        panels.append({"kind": appeal.kind, "position": position, "markup": family, "lines": appeal.lines()})
    traps_after = {}
    for (offset, index), trap in zip(rng.sample(anchors, len(traps)), traps):
        insertions.append((offset, f"\n<p>{html.escape(trap, quote=False)}</p>"))
        traps_after[index] = trap
    body = [text for i, paragraph in enumerate(truth["body_paragraphs"])
            for text in (paragraph, traps_after.get(i)) if text]
    case_truth = dict(truth, body_paragraphs=body, trap_paragraphs=[*truth["trap_paragraphs"], *traps],
                      appeals=panels)
    return Case(SITE + truth["url_path"], insert_all(markup, insertions), case_truth)


def _consistent(appeals: list[Appeal], traps: list[str], truth: dict) -> bool:
    """Every appeal line can be told apart: it is no story text (unless a short label) and not
    part of another line; and no trap repeats a nag of the page."""
    story = "\n\n".join([*truth["body_paragraphs"], *truth["optional_paragraphs"], *traps])
    lines = [line for appeal in appeals for line in appeal.lines()]
    return (not any(contains(story, line) for line in lines if len(tokens(line)) >= MIN_LINE_WORDS)
            and not any(contains(other, line) for i, line in enumerate(lines)
                        for j, other in enumerate(lines) if i != j)
            and not any(contains(trap, banned) for trap in traps for banned in truth["must_not_contain"]))


# -- Where the story is ------------------------------------------------------------------------


@dataclass
class Block:
    """A top-level block of ``div.article__content``; ``paragraphs`` are the spans of its
    ``<p>`` lines when it is an html block."""

    start: int
    is_html: bool
    end: int = 0
    paragraphs: list[tuple[int, int]] = field(default_factory=list)


def story_blocks(markup: str) -> tuple[list[Block], int]:
    """The blocks of the story container and the offset just past its closing tag."""
    blocks, depth = [], 0
    for tag in _TAG.finditer(markup, markup.index(_CONTENT_START)):
        if tag.group(2).lower() != "div":
            continue
        if tag.group(1):
            depth -= 1
            if depth == 1:
                blocks[-1].end = tag.end()
            elif depth == 0:
                break
        else:
            depth += 1
            if depth == 2:
                blocks.append(Block(tag.start(), "article__block--html" in tag.group()))
    for block in blocks:
        if block.is_html:
            block.paragraphs = [m.span() for m in _PARAGRAPH_LINE.finditer(markup, block.start, block.end)]
    return blocks, tag.end()


def insertion_points(blocks: list[Block], content_end: int) -> dict[str, list[int]]:
    """Offsets where a panel can go, by position; positions this story lacks are left out."""
    first, last = blocks[0], blocks[-1]
    points = {
        "before_story": [first.start, *(start for start, _ in first.paragraphs[:1])],
        "inside_block": [end for block in blocks for (_, end), _ in zip(block.paragraphs, block.paragraphs[1:])],
        "between_blocks": [block.end for block in blocks[:-1]],
        "after_story": [last.end, *(end for _, end in last.paragraphs[-1:])],
        "after_container": [content_end],
    }
    return {position: offsets for position, offsets in points.items() if offsets}


def trap_anchors(markup: str, blocks: list[Block], body: list[str]) -> list[tuple[int, int]]:
    """(offset after a paragraph, its index in ``body``) for every html-block paragraph that
    matches exactly one truth paragraph: a trap inserted there has a known place in the truth."""
    anchors = []
    for start, end in (span for block in blocks for span in block.paragraphs):
        words = tokens(lxml.html.fragment_fromstring(markup[start:end]).text_content())
        matches = [i for i, paragraph in enumerate(body) if tokens(paragraph) == words]
        if len(matches) == 1:
            anchors.append((end, matches[0]))
    return anchors


def insert_all(markup: str, insertions: list[tuple[int, str]]) -> str:
    """``markup`` with each (offset, text) inserted; texts at one offset keep their order."""
    pieces, previous = [], 0
    for offset, text in sorted(insertions, key=lambda insertion: insertion[0]):
        pieces += [markup[previous:offset], text]
        previous = offset
    return "".join(pieces) + markup[previous:]


# -- Markup ------------------------------------------------------------------------------------

BEM_BLOCKS = ("ribbon", "slab", "tile", "band", "well", "callout", "plinth", "stack", "shelf", "lane", "strip")
BEM_ELEMENTS = {
    "outer": ("",), "inner": ("inner", "body", "wrap", "content"), "heading": ("title", "heading", "kicker"),
    "text": ("text", "copy", "lede", ""), "list": ("list", "items"), "choices": ("options", "group", "row"),
    "form": ("form", "fields"), "field": ("field", "input"), "buttons": ("actions", "footer", "row"),
    "button": ("action", "link", "btn"), "fine": ("small", "note", "meta"),
}
BEM_MODIFIERS = ("accent", "muted", "wide", "light", "dark", "inset", "primary", "tinted", "alt", "boxed")
WORDPRESS = {
    "outer": ("wp-block-group has-background has-{color}-background-color is-layout-constrained",
              "wp-block-group alignwide is-layout-flow", "wp-block-columns are-vertically-aligned-center"),
    "inner": ("wp-block-group__inner-container", "wp-block-column", ""),
    "heading": ("wp-block-heading", "wp-block-heading has-text-align-center", ""),
    "text": ("", "has-medium-font-size", "has-text-align-left"), "list": ("wp-block-list",),
    "choices": ("wp-block-buttons is-content-justification-center",), "form": ("wp-block-jetpack-contact-form",),
    "field": ("grunion-field",), "buttons": ("wp-block-buttons is-layout-flex",),
    "button": ("wp-block-button__link wp-element-button", "wp-block-button is-style-outline"),
    "fine": ("has-small-font-size", "has-small-font-size has-{color}-color"),
}
WP_COLORS = ("pale-cyan-blue", "light-green-cyan", "luminous-vivid-amber", "cyan-bluish-gray", "pale-pink")
TAILWIND = {
    "outer": ("my-8 rounded-lg border border-slate-200 bg-amber-50 p-6",
              "mx-auto max-w-prose rounded-xl bg-neutral-100 px-5 py-6 shadow-sm",
              "not-prose my-10 border-t-4 border-sky-700 bg-white p-4 md:p-8"),
    "inner": ("flex flex-col gap-4", "space-y-3", "grid gap-4 md:grid-cols-3"),
    "heading": ("text-xl font-bold leading-tight", "font-serif text-2xl", "text-lg font-semibold tracking-tight"),
    "text": ("text-base leading-relaxed", "text-slate-700", ""), "list": ("list-disc pl-5", "grid grid-cols-2 gap-2"),
    "choices": ("flex gap-2", "grid grid-cols-4 gap-2"), "form": ("mt-4 flex flex-wrap gap-3",),
    "field": ("w-full rounded border px-3 py-2",), "buttons": ("mt-4 flex items-center gap-3",),
    "button": ("inline-flex items-center rounded-full bg-sky-700 px-5 py-2 font-semibold text-white",
               "block w-full rounded-md bg-rose-600 py-3 text-center text-white"),
    "fine": ("mt-2 text-xs text-slate-500", "text-sm text-gray-500"),
}
BOOTSTRAP = {
    "outer": ("card my-4", "card border-0 bg-light", "alert alert-light border", "jumbotron p-4"),
    "inner": ("card-body", "row", "col-md-10 mx-auto"), "heading": ("card-title h5", "h4 mb-3", "fw-bold"),
    "text": ("card-text", "lead", ""), "list": ("list-unstyled", "list-group list-group-flush"),
    "choices": ("btn-group", "form-check form-check-inline"), "form": ("row g-2", "form-inline"),
    "field": ("form-control",), "buttons": ("d-grid gap-2", "text-center"),
    "button": ("btn btn-primary btn-lg", "btn btn-dark", "btn btn-outline-secondary"),
    "fine": ("small text-muted", "form-text"),
}
PRINT_HIDDEN = ("d-print-none", "print:hidden", "no-print", "hidden-print", "noprint", "u-hide-print")
ROLES = ("complementary", "region", "note", "group")
ARIA_LABELS = {
    "donation": ("Donation appeal", "Support our journalism", "Reader appeal"),
    "membership": ("Membership", "Join us"), "newsletter": ("Newsletter sign-up", "Email sign-up"),
    "subscription": ("Subscription offer", "Offer"), "app": ("App download", "Promotion"),
    "adblock": ("Ad blocker notice", "Notice"),
}
NEUTRAL_LABELS = ("Message", "Note", "Reader message", "Section")
DATA_ATTRIBUTES = (
    lambda rng: ("data-component", rng.choice(("Ribbon", "Slab", "InlineModule", "Callout", "Tile", "Plinth"))),
    lambda rng: ("data-testid", f"{rng.choice(('inline', 'module', 'unit', 'panel'))}-{rng.randrange(1, 9)}"),
    lambda rng: (f"data-v-{rng.getrandbits(24):06x}", None),
    lambda rng: ("data-block-id", f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}"),
    lambda rng: ("data-position", rng.choice(("inline", "end", "mid", "rail-1", "body-3"))),
    lambda rng: ("data-variant", rng.choice(("a", "b", "control", "v3"))),
    lambda rng: ("data-track-id", f"{rng.getrandbits(32):x}"),
)
ICON = ('<svg aria-hidden="true" viewBox="0 0 16 16" width="16" height="16">'
        '<path d="M8 14s6-4 6-8a3 3 0 0 0-6-1 3 3 0 0 0-6 1c0 4 6 8 6 8z"/></svg>')
FAMILIES = ("bem", "wordpress", "tailwind", "bootstrap", "hashed", "neutral", "unclassed")


class Names:
    """Class names for the elements of one panel, all from one made-up design system."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.family = rng.choice(FAMILIES)
        self.block = rng.choice(("c-", "o-", "m-", "")) + rng.choice(BEM_BLOCKS)
        self.prefix = "tw-" if rng.random() < 0.3 else ""  # prefixed Tailwind, as in "tw-rounded-lg"
        self.hash_style = rng.choice(("css-{}", "sc-{} {}", "_{}", "jsx-{}"))

    def __call__(self, role: str) -> str:
        rng = self.rng
        if self.family == "bem":
            element = rng.choice(BEM_ELEMENTS[role])
            name = f"{self.block}__{element}" if element else self.block
            return name + (f" {name}--{rng.choice(BEM_MODIFIERS)}" if rng.random() < 0.2 else "")
        if self.family == "wordpress":
            return rng.choice(WORDPRESS[role]).format(color=rng.choice(WP_COLORS))
        if self.family == "tailwind":
            return " ".join(self.prefix + token if ":" not in token else token
                            for token in rng.choice(TAILWIND[role]).split())
        if self.family == "bootstrap":
            return rng.choice(BOOTSTRAP[role])
        if self.family == "hashed":
            return self.hash_style.format(*(_token(rng, 6) for _ in range(2)))
        if self.family == "neutral":
            return _token(rng, rng.randrange(3, 6)) if rng.random() < 0.8 else ""
        return ""


def _token(rng, length):
    """A random class-like token that starts with a letter, such as "x7f2"."""
    return rng.choice(string.ascii_lowercase) + "".join(
        rng.choices(string.ascii_lowercase + string.digits, k=length - 1))


def render_appeal(rng: random.Random, appeal: Appeal) -> tuple[str, str]:
    """The panel's markup and the name of its markup family."""
    names = Names(rng)
    if _fits_in_one_paragraph(appeal) and rng.random() < 0.5:
        return _inline_paragraph(rng, names, appeal), "paragraph"
    summary = appeal.heading if appeal.heading and rng.random() < 0.15 else ""
    parts = [_heading(rng, names, appeal.heading)] if appeal.heading and not summary else []
    parts += [_paragraph(rng, names, text) for text in appeal.paragraphs]
    if appeal.bullets:
        parts.append(_element(rng.choice(("ul", "ol")), [("class", names("list"))],
                              [_element("li", [], [_text(item)]) for item in appeal.bullets]))
    controls = [_choices(rng, names, appeal, group) for group in appeal.choice_groups]
    if appeal.email_label is not None:
        controls.append(_email_field(rng, names, appeal.email_label))
    if appeal.buttons:
        controls.append(_buttons(rng, names, appeal))
    if len(controls) > 1 and rng.random() < 0.7:
        parts.append(_element("form", [("class", names("form")), ("action", appeal.link), ("method", "post")],
                              controls))
    else:
        parts += controls
    parts += [_fine_print(rng, names, text) for text in appeal.fine_print]
    return _wrap(rng, names, appeal, parts, summary), names.family


def _fits_in_one_paragraph(appeal):
    return (len(appeal.paragraphs) == 1 and len(appeal.buttons) == 1 and not appeal.heading
            and not appeal.bullets and not appeal.choice_groups and appeal.email_label is None
            and not appeal.fine_print)


def _inline_paragraph(rng, names, appeal):
    """A one-line nag in a bare paragraph, its button a link at the end."""
    link = _element("a", [("href", appeal.link)], [_text(appeal.buttons[0])])
    text = _element(rng.choice(("em", "strong", "span")), [], [_text(appeal.paragraphs[0])])
    return _element("p", [("class", names("text"))], [text, link], separator=" ")


def _wrap(rng, names, appeal, parts, summary):
    """1–3 nested wrappers; the outer one carries the attributes a publisher might add."""
    depth = rng.choice((1, 1, 2, 2, 3))
    for _ in range(depth - 1):
        parts = [_element(rng.choice(("div", "div", "div", "section")), [("class", names("inner"))], parts)]
    outer_classes = [names("outer")] + ([rng.choice(PRINT_HIDDEN)] if rng.random() < 0.25 else [])
    attributes = [("class", " ".join(c for c in outer_classes if c))]
    if rng.random() < 0.3:
        attributes.append(("id", f"{rng.choice(('block', 'r', 'mod', 'ember'))}-{rng.getrandbits(24):06x}"))
    attributes += [make(rng) for make in rng.sample(DATA_ATTRIBUTES, rng.randrange(0, 3))]
    if rng.random() < 0.3:
        attributes.append(("role", rng.choice(ROLES)))
    if rng.random() < 0.3:
        attributes.append(("aria-label", rng.choice(ARIA_LABELS[appeal.kind] + NEUTRAL_LABELS)))
    if rng.random() < 0.25:
        attributes.append(("data-nosnippet", None))
    if summary:
        return _element("details", attributes + [("open", None)], [_element("summary", [], [_text(summary)]), *parts])
    return _element(rng.choice(("div", "div", "section", "aside", "figure")), attributes, parts)


def _heading(rng, names, text):
    style = rng.choice(("h2", "h3", "h4", "p-strong", "strong", "div-b"))
    attributes = [("class", names("heading"))]
    if style == "p-strong":
        return _element("p", attributes, [_element("strong", [], [_text(text)])])
    if style == "div-b":
        return _element("div", attributes, [_element("b", [], [_text(text)])])
    return _element(style, attributes, [_text(text)])


def _paragraph(rng, names, text):
    inner = _text(text)
    if rng.random() < 0.15:
        inner = _element(rng.choice(("em", "span", "strong")), [], [inner])
    return _element(rng.choices(("p", "div"), weights=(5, 1))[0], [("class", names("text"))], [inner])


def _choices(rng, names, appeal, entries):
    """An amount, period or list picker: radio inputs, a list, a select or toggle buttons."""
    name = _token(rng, 5)
    style = rng.choice(("inputs", "list", "select", "toggles"))
    if style == "list":
        items = [_element("li", [("data-value", str(i))], [_text(entry)]) for i, entry in enumerate(entries)]
        return _element("ul", [("class", names("choices"))], items)
    if style == "select":
        options = [_element("option", [("value", str(i))], [_text(entry)]) for i, entry in enumerate(entries)]
        return _element("select", [("name", name), ("class", names("choices"))], options)
    if style == "toggles":
        toggles = [_element("button", [("type", "button"), ("aria-pressed", "false")], [_text(entry)])
                   for entry in entries]
        return _element("div", [("class", names("choices")), ("role", "radiogroup")], toggles)
    kind = "checkbox" if appeal.kind == "newsletter" else "radio"
    labels = [_element("label", [], [_void("input", [("type", kind), ("name", name), ("value", str(i))]),
                                     _text(entry)], " ")
              for i, entry in enumerate(entries)]
    return _element(rng.choice(("div", "fieldset")), [("class", names("choices"))], labels)


def _email_field(rng, names, label):
    field_id = _token(rng, 6)
    placeholder = rng.choice(("you@example.com", "Enter your email", "name@domain.com"))
    field_ = _void("input", [("type", "email"), ("id", field_id), ("name", "email"), ("class", names("field")),
                             ("placeholder", placeholder), ("autocomplete", "email"), ("required", None)])
    parts = [_element("label", [("for", field_id)], [_text(label)])] if label else []
    return _element("div", [("class", names("field"))], [*parts, field_])


def _buttons(rng, names, appeal):
    """The first button goes to the appeal's link; later ones dismiss or offer alternatives."""
    buttons = [_button(rng, names, label, appeal.link if i == 0 else "#") for i, label in enumerate(appeal.buttons)]
    if len(buttons) == 1 and rng.random() < 0.5:
        return buttons[0]
    return _element(rng.choice(("div", "p")), [("class", names("buttons"))], buttons)


def _button(rng, names, label, link):
    style = rng.choice(("link-class", "link-class", "button", "link", "submit"))
    if style == "button":
        return _element("button", [("type", rng.choice(("button", "submit"))), ("class", names("button"))],
                        [_label(rng, label)])
    if style == "submit":
        return _void("input", [("type", "submit"), ("class", names("button")), ("value", label)])
    classes = names("button") if style == "link-class" else ""
    return _element("a", [("class", classes), ("href", link)], [_label(rng, label)])


def _label(rng, text):
    """A button label, sometimes after an icon."""
    return f"{ICON} {_text(text)}" if rng.random() < 0.2 else _text(text)


def _fine_print(rng, names, text):
    style = rng.choice(("small", "p-small", "p", "div"))
    if style == "p-small":
        return _element("p", [("class", names("fine"))], [_element("small", [], [_text(text)])])
    return _element(style, [("class", names("fine"))], [_text(text)])


def _element(tag, attributes, children, separator="\n"):
    """``<tag …>children</tag>``, children one per line unless ``separator`` says otherwise."""
    inner = separator.join(children)
    if separator == "\n" and len(children) > 1:
        inner = f"\n{inner}\n"
    return f"{_void(tag, attributes)}{inner}</{tag}>"


def _void(tag, attributes):
    """``<tag …>``; an attribute with value None is written bare, one with "" left out."""
    rendered = "".join(f" {name}" if value is None else f' {name}="{html.escape(value)}"'
                       for name, value in attributes if value != "")
    return f"<{tag}{rendered}>"


def _text(text):
    return html.escape(text, quote=False)


# -- Scoring -----------------------------------------------------------------------------------


def score_case(truth: dict, body: str) -> dict:
    """A stored body against a case's truth: each panel's lines left in the body, the traps
    missing from it, and body F1 (tests/scoring.py: 4-token shingles)."""
    story = "\n\n".join(truth["body_paragraphs"] + truth["optional_paragraphs"])
    panels = [dict(panel, left=[line for line in panel["lines"] if is_left(line, body, story)])
              for panel in truth["appeals"]]
    return {
        "panels": panels,
        "traps_missing": [trap for trap in truth["trap_paragraphs"] if not contains(body, trap)],
        "f1": body_score(truth, body),
    }


def is_left(line: str, body: str, story: str) -> bool:
    """Whether an appeal line is in the body; a short label counts only if the story lacks it."""
    return contains(body, line) and not (len(tokens(line)) < MIN_LINE_WORDS and contains(story, line))


def describe_failure(case: Case, score: dict) -> str:
    """The leaked lines and missing traps of one case, one per line; "" when it has none."""
    lines = [f'  left   [{p["kind"]} {p["position"]} {p["markup"]}] "{line}"'
             for p in score["panels"] for line in p["left"]]
    lines += [f'  missing trap "{trap}"' for trap in score["traps_missing"]]
    return "\n".join([f'{case.url} (body F1 {score["f1"]:.3f})', *lines]) if lines else ""
