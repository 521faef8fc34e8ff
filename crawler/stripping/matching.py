"""Matching the vocabulary fast, and what a matched text unit says: labels, phrases addressed
to the reader (not quoted, not reported speech), amount-picker entries."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from crawler.stripping.vocabulary import (
    ACTION_WORDS, ASKS, ATTRIBUTION_RE, AMOUNT_RE, LABELS, LINK_TOKENS, MARKUP_TOKENS, PERIOD_RE, PHRASES,
    QUOTE_CLOSERS, QUOTE_OPENERS, READER_WORDS, SPEAKER_WORDS,
)

LABEL_MAX = 60  # longer units are not labels
ACTION_MAX_WORDS = 6  # a button's label is a few words
QUOTED_SHARE = 0.5  # a unit this much inside quotation marks is somebody quoted
WORD_RE = re.compile(r"\w[\w'’-]*")
PICKER_MAX = 30  # nor, beyond this, amount picker entries


def expand_leading(pattern: str) -> list[str]:
    "Variants of a pattern that starts with a (?:a|b) or (?:a)? group, so each starts with a literal."
    if not pattern.startswith("(?:"):
        return [pattern]
    depth, close, branches, start = 0, 0, [], 3
    for index, char in enumerate(pattern):
        if char == "(" and pattern[index - 1 : index] != "\\":
            depth += 1
        elif char == ")" and pattern[index - 1 : index] != "\\":
            depth -= 1
            if depth == 0:
                close = index
                break
        elif char == "|" and depth == 1:
            branches.append(pattern[start:index])
            start = index + 1
    branches.append(pattern[start:close])
    rest = pattern[close + 1 :]
    variants = [branch + rest.removeprefix("?") for branch in branches]
    if rest.startswith("?"):
        variants.append(rest[1:])
    return [v for variant in variants for v in expand_leading(variant)]


def literal_prefix(pattern: str) -> str:
    "The fixed text a pattern starts with."
    for index, char in enumerate(pattern):
        if char in "\\()[]{}|.^$?*+":
            return pattern[: index - 1] if char in "?*{" else pattern[:index]
    return pattern


class Vocabulary:
    """Find vocabulary patterns fast: str.find scans for each pattern's literal prefix, and a
    regex confirms at that spot. A single big alternation costs `re` every branch at every
    character, which was most of the stripper's time. A leading ^ anchors a pattern to the
    start of a unit; `boundary` lists characters that may not precede a match besides
    letters and digits; `whole_words` forbids a match that ends inside a word."""

    def __init__(self, groups: dict, boundary: str = "", whole_words: bool = False) -> None:
        by_literal: dict[tuple[str, bool], list[tuple[str, tuple[str, ...]]]] = {}
        for key, patterns in groups.items():
            for pattern in patterns:
                anchored = pattern.startswith("^")
                for variant in expand_leading(pattern.removeprefix("^")):
                    literal = literal_prefix(variant)
                    if len(literal) < 2:
                        raise ValueError(f"vocabulary pattern needs a literal start: {variant!r}")
                    variant += r"(?!\w)" if whole_words else ""
                    kinds = key if isinstance(key, tuple) else (key,)
                    by_literal.setdefault((literal, anchored), []).append((variant, kinds))
        self.boundary = boundary
        self.entries = [
            (literal, anchored, re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(items))),
             {f"g{i}": kinds for i, (_, kinds) in enumerate(items)})
            for (literal, anchored), items in by_literal.items()
        ]

    def scan(self, text: str) -> list[tuple[int, tuple[str, ...], str]]:
        "(position, kinds, matched text) of every match, ordered by position; units split at newlines."
        hits, boundary = [], self.boundary
        for literal, anchored, pattern, kinds in self.entries:
            position = text.find(literal)
            while position != -1:
                before = text[position - 1] if position else "\n"
                if (before == "\n" if anchored else not (before.isalnum() or before in boundary)):
                    match = pattern.match(text, position)
                    if match:
                        hits.append((position, kinds[match.lastgroup], match.group()))
                position = text.find(literal, position + 1)
        return sorted(hits)


MARKUP = Vocabulary(MARKUP_TOKENS, boundary="_")  # after a letter or digit, a token is mid-name
LINKS = Vocabulary(LINK_TOKENS)
PHRASE_VOCABULARY = Vocabulary(PHRASES, boundary="_", whole_words=True)
LABEL_KINDS = {label: kind for kind, labels in LABELS.items() for label in labels}
EDGE_PUNCTUATION = " \t\n.:!?…,;-–—•|>»›→*#()[]\"'“”‘’"
LABEL_ROW_RE = re.compile(r"\s*(?:\|+|•|·|/)\s*")  # separators in a row of links


def label_kind(text: str) -> str | None:
    """The kind of a unit that is nothing but a known label, or a row of labels ("Share | Tweet |
    Email"): most of its short segments are labels."""
    if len(text) > LABEL_MAX * 2:
        return None
    kind = LABEL_KINDS.get(text.strip(EDGE_PUNCTUATION))
    if kind or len(text) > LABEL_MAX and not LABEL_ROW_RE.search(text):
        return kind
    segments = [segment.strip(EDGE_PUNCTUATION) for segment in LABEL_ROW_RE.split(text)]
    kinds = [LABEL_KINDS[segment] for segment in segments if segment in LABEL_KINDS]
    return max(kinds, key=kinds.count) if len(segments) > 1 and len(kinds) * 2 > len(segments) else None


def scan_units(texts: Sequence[str], vocabulary: Vocabulary) -> list[list[tuple[int, tuple[str, ...], str]]]:
    """Hits (offset, kinds, token) per text, found in one scan over the distinct texts joined by
    newlines (class strings repeat a lot within a page)."""
    distinct = list(dict.fromkeys(texts))
    starts, offset = [], 0
    for text in distinct:
        starts.append(offset)
        offset += len(text) + 1
    found: list[list] = [[] for _ in distinct]
    for position, kinds, token in vocabulary.scan("\n".join(distinct)):
        index = bisect_right(starts, position) - 1
        found[index].append((position - starts[index], kinds, token))
    by_text = dict(zip(distinct, found))
    return [by_text[text] for text in texts]


def is_quoted(text: str, position: int) -> bool:
    before = text[:position]
    openers = sum(before.count(c) for c in QUOTE_OPENERS)
    return before.count('"') % 2 == 1 or openers > sum(before.count(c) for c in QUOTE_CLOSERS)


def addressed_kinds(text: str, hits: list) -> list[str]:
    """Kinds of the phrases a unit addresses to the reader: a whole label, else its phrases
    outside quotation marks, none at all if the unit reads as reported speech."""
    label = label_kind(text)
    if label:
        return [label]
    hits = [(kinds, token) for position, kinds, token in hits if not is_quoted(text, position)]
    if not hits or ATTRIBUTION_RE.search(text):
        return []
    return [kind for kinds, _ in hits for kind in kinds]


def text_hits(texts: Sequence[str]) -> list[list[str]]:
    "Kinds signalled by each lowercased, space-normalised text unit."
    return [addressed_kinds(text, hits) for text, hits in zip(texts, scan_units(texts, PHRASE_VOCABULARY))]


def is_picker_entry(text: str) -> bool:
    """An amount ("$5") or a period ("Monthly") on its own, as in a donation picker."""
    if len(text) > LABEL_MAX:
        return False
    text = text.strip(EDGE_PUNCTUATION)
    return bool(PERIOD_RE.fullmatch(text) or len(text) <= PICKER_MAX and AMOUNT_RE.search(text))



def is_house_voice(words: Sequence[str]) -> bool:
    "The publisher (we, our) talking to the reader (you, your)."
    return any(w in SPEAKER_WORDS for w in words) and any(w in READER_WORDS for w in words)


def pitch_of(lowered: str) -> tuple[str, bool, bool] | None:
    """A unit asking the reader for something (money, a sign-up, a subscription, an app) in
    the voice of the house: (the kind asked for, whether "we/our" speak, whether "you/your" are
    addressed), or None. A panel's pitch may spread the two voices over its paragraphs, so each
    unit needs only one; reported speech and quotations are somebody else talking."""
    words = WORD_RE.findall(lowered)
    speaker, reader = any(w in SPEAKER_WORDS for w in words), any(w in READER_WORDS for w in words)
    if not (speaker or reader) or ATTRIBUTION_RE.search(lowered) or quoted_share(lowered) >= QUOTED_SHARE:
        return None
    counts = {kind: len(pattern.findall(lowered)) for kind, pattern in ASKS.items()}
    kind = max(counts, key=counts.get)
    return (kind, speaker, reader) if counts[kind] else None


def quoted_share(text: str) -> float:
    "How much of `text` sits inside quotation marks."
    inside, depth, straight = 0, 0, False
    for char in text:
        if char in QUOTE_OPENERS:
            depth += 1
        elif char in QUOTE_CLOSERS:
            depth = max(depth - 1, 0)
        elif char == '"':
            straight = not straight
        elif depth or straight:
            inside += 1
    return inside / max(len(text), 1)


def is_action_label(lowered: str) -> bool:
    "A link or button label that asks the reader to act (\"Give monthly\", \"Yes, I'll chip in\")."
    words = WORD_RE.findall(lowered)
    return 0 < len(words) <= ACTION_MAX_WORDS and words[0] in ACTION_WORDS
