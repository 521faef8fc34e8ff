"""The text pass on the extracted paragraphs: short call-to-action lines that reach the body
without telling markup, meta lines (byline, date, credits) and the repeated title at the edges."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from crawler.stripping.dom import RemovedBlock, normalise_space
from crawler.stripping.matching import PHRASE_VOCABULARY, addressed_kinds, is_house_voice, label_kind, scan_units
from crawler.stripping.vocabulary import (
    ABOUT_US_RE, APPEAL_WORD_RE, ATTRIBUTION_RE, CTA_WORDS, DATE_RE, IMPERATIVES, META_LINE_RES, PAGER_RE,
    READER_WORDS, SPEAKER_WORDS, TRAILER_RE,
)

LOGGER = logging.getLogger(__name__)
WORD_RE = re.compile(r"\w[\w'’-]*")
META_MAX_WORDS = 14
# a title-like first line: a known title of the page, perhaps behind a short kicker
KICKER_MAX_WORDS = 4
KICKER_CHARS = 60  # a title line may carry this much kicker text before the title
DATE_SHARE = 0.4  # a short line that is mostly a date is a dateline
STUB_MAX_WORDS, STUB_MAX_CHARS = 3, 30  # a few words without a full stop at the very edge: a label or leftover link
SHAPE_MAX_WORDS = 8  # a bare call to action ("Follow us on X", "Book a table now") is a few words
CTA_MAX_WORDS = 40  # a call to action is short
LONG_CTA_MAX_WORDS = 120  # longer appeals ("Before you go...") need several signals and sit at an edge
EDGE_LINES = 3  # paragraphs this close to the start or end of the body are where prompts sit
HEAD_LINES = 5  # meta lines (byline, date, credits) are cut only among the first paragraphs
TAIL_LINES = 6  # or among the last ones


def line_strength(text: str, lowered: str, hits: list) -> tuple[int, str, str]:
    """How sure we are that one paragraph is not story text: 0 no, 1 weak (a call-to-action
    shape), 2 medium, 3 strong, or -1 for a meta line (byline, date, credit: head/tail only);
    with the kind and the signal that fired. `lowered` is the paragraph lowercased with single
    spaces, `hits` its phrase hits."""
    words = lowered.split()
    if PAGER_RE.match(lowered):
        return 3, "other", "pager"
    if TRAILER_RE.match(lowered) and len(words) <= CTA_MAX_WORDS:
        return 3, "related", "trailer"
    if len(words) <= META_MAX_WORDS:
        meta = meta_kind(normalise_space(text))
        if meta:
            return -1, "bio" if meta == "bio" else "other", meta
    if len(words) > LONG_CTA_MAX_WORDS:
        return 0, "", ""
    kinds = addressed_kinds(lowered, hits)
    bare = WORD_RE.findall(lowered)
    appeal = bool(APPEAL_WORD_RE.search(lowered)) and not ATTRIBUTION_RE.search(lowered)
    if len(words) > CTA_MAX_WORDS:  # a long paragraph needs several appeal signals, and then only at the edges
        # the publisher ("we") pitching to the reader ("you"); its hopes ("with your help") need an appeal word too
        pitch = kinds and is_house_voice(bare) and (appeal or set(kinds) != {"donation"})
        if len(kinds) > 1 or pitch or appeal and cta_signals(bare, lowered) >= 3:
            return 2, max(set(kinds), key=kinds.count) if kinds else "newsletter", "phrases"
        return 0, "", ""
    if label_kind(lowered):
        return 3, kinds[0], "label"
    shaped = bool(bare) and bare[0] in IMPERATIVES or lowered.endswith("!") or any(w in READER_WORDS or w in SPEAKER_WORDS for w in bare)
    if kinds:
        kind = max(set(kinds), key=kinds.count)
        return (3 if shaped or len(kinds) > 1 else 2), kind, "phrase"
    if appeal and cta_signals(bare, lowered):
        return min(cta_signals(bare, lowered) + 1, 3), "newsletter", "appeal"
    if bare and bare[0] in IMPERATIVES and len(words) <= SHAPE_MAX_WORDS and not lowered.endswith((".", '"', "”")):
        return 1, "other", "shape"
    if len(words) <= STUB_MAX_WORDS and len(lowered) <= STUB_MAX_CHARS and not lowered.endswith((".", "!", "?", ":", '"', "”", "。")):
        return 1, "other", "stub"
    return 0, "", ""


def is_about_us(lowered: str) -> bool:
    """A publisher's self-description at the foot of the body: "<Name> is a ... agency. We ..." (no attribution)."""
    if len(lowered.split()) > LONG_CTA_MAX_WORDS or not ABOUT_US_RE.match(lowered) or ATTRIBUTION_RE.search(lowered):
        return False
    return any(w in SPEAKER_WORDS for w in WORD_RE.findall(lowered))


def cta_signals(words: list[str], lowered: str) -> int:
    "Call-to-action cues besides the appeal word: an imperative start, the reader addressed, urgency, an exclamation."
    return ((words[0] in IMPERATIVES) + any(w in READER_WORDS for w in words) + any(w in CTA_WORDS for w in words)
            + ("!" in lowered)) if words else 0


def meta_kind(text: str) -> str | None:
    "Which meta line (byline, date, reading time, credit, contact) a short line is, if any."
    for kind, pattern in META_LINE_RES.items():
        if pattern.search(text):
            return kind
    date = DATE_RE.search(text.lower())
    if date and date.start() == 0 and META_LINE_RES["bio"].match(text[date.end():].strip(" |·•-–—,")):
        return "bio"  # "11/12/2025 by Jane Doe"
    return "date" if date and len(date.group()) >= DATE_SHARE * len(text) else None


def title_cut(paragraphs: list[str], titles: Sequence[str]) -> set[int]:
    "The page's title repeated at the top of the body, and any short kicker lines above it."
    wanted = {normalise_space(t).casefold() for t in titles if t and t.strip()}
    for index, paragraph in enumerate(paragraphs[:EDGE_LINES]):
        line = paragraph.casefold()
        if line in wanted or any(t in line and len(line) <= len(t) + KICKER_CHARS for t in wanted):
            kickers = {i for i in range(index) if len(paragraphs[i].split()) <= KICKER_MAX_WORDS}
            return kickers | {index}
    return set()


def strip_paragraphs(
    paragraphs: list[str], url: str | None = None, *, titles: Sequence[str] = (), mode: str = "remove"
) -> tuple[list[str], list[RemovedBlock]]:
    """Text pass on extracted paragraphs: strong lines go anywhere; weaker ones only at the
    edges of the body or next to another removed line; meta lines and the repeated title
    only near the top (meta lines also near the bottom)."""
    lowered = [normalise_space(p.lower()) for p in paragraphs]
    hits = scan_units(lowered, PHRASE_VOCABULARY)
    strengths = [line_strength(*line) for line in zip(paragraphs, lowered, hits)]
    cut = {i for i, (level, _, _) in enumerate(strengths) if level == 3}
    cut |= edge_run(strengths, range(len(paragraphs)))
    cut |= edge_run(strengths, range(len(paragraphs) - 1, -1, -1))
    cut |= {i for i, (level, _, _) in enumerate(strengths) if level == 2 and {i - 1, i + 1} & cut}
    edges = set(range(HEAD_LINES)) | set(range(len(paragraphs) - TAIL_LINES, len(paragraphs)))
    cut |= {i for i in range(max(len(paragraphs) - TAIL_LINES, 1), len(paragraphs)) if is_about_us(lowered[i])}
    cut |= {i for i, (level, _, _) in enumerate(strengths) if (level < 0 or level == 2) and i in edges}
    titled = title_cut(paragraphs, titles)
    strengths = [(0, "other", "title") if i in titled else s for i, s in enumerate(strengths)]
    cut |= titled
    if len(cut) == len(paragraphs) and cut:
        LOGGER.info("text strip reverted: every paragraph looked like a prompt (%s)", url)
        return paragraphs, []
    removed = [RemovedBlock(strengths[i][1], paragraphs[i], f"text:{strengths[i][2]}") for i in sorted(cut)]
    kept = paragraphs if mode == "flag" else [p for i, p in enumerate(paragraphs) if i not in cut]
    return kept, removed


def edge_run(strengths: list[tuple[int, str, str]], indices: range) -> set[int]:
    "Prompt and meta lines from one end of the body inwards, until the story starts."
    cut = set()
    for position, index in enumerate(indices):
        level = strengths[index][0]
        if not level or (position >= EDGE_LINES and 0 < level < 2):
            break
        cut.add(index)
    return cut


