"""The story of the audit view: an article's paragraphs and the blocks stripped from it, in page order.

``removed_blocks.position`` is the order of removal, not a place in the page,
so places come from the stored page (``pages``): a block a site rule removed
is found by its selector (the k-th block of a rule is the rule's k-th match:
blocks without text, such as ad slots and share bars, are placed too), any
other block and every paragraph by its text. A block found nowhere follows
the block removed before it; without a stored page, blocks follow the story
in the order they were removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from lxml import etree
from lxml.cssselect import SelectorError

from crawler.extract import ExtractionError, parse_html

SITE_RULE = "site:"
_MARK = "\ue000{}\ue001"  # private-use characters: never in a page's text


@dataclass
class Segment:
    """A kept paragraph (``block`` is None) or a stripped block (a ``removed_blocks`` row)."""

    text: str
    block: dict | None = None
    place: float = float("inf")


def describe_rule(rule: str) -> tuple[str, str]:
    """(who, what) of a ``removed_blocks.rule``: ("site rule moscowtimes", "div.social"), ("general stripper", signals)."""
    if rule.startswith(SITE_RULE):
        site, _, selector = rule[len(SITE_RULE):].partition(":")
        return f"site rule {site}", selector
    kind, _, detail = rule.partition(":")
    return ("general stripper", detail) if kind == "generic" else (kind, detail)


def page_text(html: bytes, blocks: list[dict], charset: str | None = None) -> str:
    """The stored page's text (``charset`` as its HTTP header declared it) with a mark where each site
    rule's block began (see ``_MARK``)."""
    tree = parse_html(html, charset)
    etree.strip_elements(tree, "script", "style", with_tail=False)
    site_blocks = sorted((b for b in blocks if b["rule"].startswith(SITE_RULE)), key=lambda b: (b["rule"], b["position"]))
    for rule, group in groupby(site_blocks, key=lambda b: b["rule"]):
        try:
            elements = tree.cssselect(describe_rule(rule)[1])
        except (SelectorError, ValueError):
            continue
        for block, element in zip(group, elements):
            element.text = f" {_MARK.format(block['position'])} {element.text or ''}"
    return _normal(tree.text_content())


def story_with_blocks(paragraphs: list[str], blocks: list[dict], text: str | None) -> list[Segment]:
    """``paragraphs`` and ``blocks`` interleaved in the order of the page whose ``text`` is given."""
    text = text or ""
    segments, cursor = [], 0
    for paragraph in paragraphs:  # in body order: each is looked for after the one before
        found = _find(text, paragraph, cursor)
        place = found if found is not None else (segments[-1].place if segments else 0)
        cursor = max(cursor, found or 0)
        segments.append(Segment(paragraph, place=place))
    previous = float("inf") if not text else 0
    for block in sorted(blocks, key=lambda b: b["position"]):
        found = text.find(_MARK.format(block["position"])) if text else -1
        found = found if found >= 0 else _find(text, block["text"] or "", 0)
        previous = found if found is not None else previous
        segments.append(Segment(block["text"] or "", block, place=previous))
    return sorted(segments, key=lambda s: s.place)  # stable: body and removal order break ties


def audit_text(html: bytes | None, blocks: list[dict], charset: str | None = None) -> str | None:
    """``page_text`` of a stored page, None when there is none or it no longer parses."""
    try:
        return page_text(html, blocks, charset) if html else None
    except ExtractionError:
        return None


def _normal(text: str) -> str:
    return " ".join(text.split())


def _find(text: str, needle: str, start: int) -> int | None:
    key = _normal(needle)[:80]
    if not key or not text:
        return None
    found = text.find(key, start)
    if found < 0 and start:
        found = text.find(key)
    return found if found >= 0 else None
