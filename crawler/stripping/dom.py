"""DOM helpers shared by the passes, and the record every pass returns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector


@dataclass
class RemovedBlock:
    "One stripped block, for the audit: its kind, its text, and the rule that fired."

    kind: str
    text: str
    rule: str


BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul html".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template svg iframe head title meta link path use g symbol defs circle rect polygon "
    "polyline line ellipse lineargradient radialgradient stop clippath mask img source picture br wbr hr".split()
)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
CONTROL_TAGS = frozenset("button input select textarea form".split())
BUTTON_TAGS = frozenset(("a", "button"))
CHOICE_ROLES = frozenset(("option", "radio", "menuitemradio", "switch"))  # ARIA's names for a choice to make
BUTTON_CLASS_RE = re.compile(r"(?<![a-z0-9_])(?:btn|button)")  # a link styled as one: "btn-gold", "wp-block-button__link"


def is_control(tag: str, attributes: dict) -> bool:
    """A form's control, or what stands for one: a scripted picker's items carry the value they
    submit (``data-value``), or the choice ARIA names them."""
    if attributes.get("type") == "hidden":
        return False
    return tag in CONTROL_TAGS or "data-value" in attributes or attributes.get("role") in CHOICE_ROLES


def normalise_space(text: str) -> str:
    "Runs of white space (any Unicode space, as ``\\s`` matches) as one space, none at the ends."
    return " ".join(text.split())  # str.split finds the runs in C: a regex sub is three times slower


def lowered_units(texts: Sequence[str]) -> list[str]:
    "Each text lowercased with single spaces."
    return [normalise_space(text.lower()) for text in texts]


@lru_cache(maxsize=256)
def css(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def root_of(tree):
    return tree.getroot() if hasattr(tree, "getroot") else tree


def drop_element(element) -> None:
    """Remove an element but keep its tail text in place; where a block stood between two runs
    of text, a line break stays between them, so no two words are glued."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        before = (previous.tail if previous is not None else parent.text) or ""
        if element.tag in BLOCK_TAGS and before and not before[-1].isspace() and not tail[0].isspace():
            tail = "\n" + tail
        if previous is not None:
            previous.tail = before + tail
        else:
            parent.text = before + tail
    parent.remove(element)


VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def outermost(elements) -> list:
    "The elements of `elements` (a set or dict, for lookups) inside none of the others, in their order."
    return [e for e in elements if not any(a in elements for a in e.iterancestors())]


def loose_text(element) -> list[str]:
    "The text running loose in `element`, between its children: its own text and their tails."
    return [element.text or "", *(child.tail or "" for child in element.iterchildren())]


def element_text(element) -> str:
    return normalise_space(" ".join(VISIBLE_TEXT(element)))


def text_outside(element, inner) -> str:
    "The visible text of `element` but for that of its descendants in `inner` (a set or dict)."
    if not inner or not any(descendant in inner for descendant in element.iterdescendants()):
        return element_text(element)
    texts = []
    for text in VISIBLE_TEXT(element):
        owner = text.getparent().getparent() if text.is_tail else text.getparent()
        if not any(e in inner for e in (owner, *owner.iterancestors())):
            texts.append(text)
    return normalise_space(" ".join(texts))
