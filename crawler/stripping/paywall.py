"""Paywall detection: publisher markup of gated content (``detect_paywall``), or a paywall prompt the
stripper cut (``cut_paywall_prompt``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lxml import etree

from crawler.stripping.dom import RemovedBlock, normalise_space, root_of
from crawler.stripping.appeals import says_withheld

# -- paywall: publisher markup of gated content
GATED_TIERS = frozenset(("locked", "metered", "premium", "paid", "subscriber"))
PROMPT_KINDS = frozenset(("paywall", "newsletter"))  # "subscribe" is either's word: a gate may read as a sign-up
FREE_FALSE = frozenset(("false", "no", "0"))
JSONLD_NESTING = ("@graph", "hasPart", "mainEntity", "mainEntityOfPage", "isPartOf")

CONTENT_TIER = etree.XPath("//meta[@property='article:content_tier' or @name='article:content_tier']/@content")


def detect_paywall(tree, jsonld_objects: Iterable) -> bool:
    """Publisher signals that the article is gated: JSON-LD isAccessibleForFree false (on the
    object or a hasPart), or a locked/metered content tier."""
    if any(is_gated(item) for item in jsonld_objects):
        return True
    return any(tier.strip().lower() in GATED_TIERS for tier in CONTENT_TIER(root_of(tree)))


def cut_paywall_prompt(removed: Sequence[RemovedBlock]) -> bool:
    "Did the stripping cut a paywall's prompt that says the story is withheld (``is_paywall_prompt``)?"
    return any(block.kind in PROMPT_KINDS and is_paywall_prompt(block.text) for block in removed)


def is_gated(item) -> bool:
    "isAccessibleForFree false on a JSON-LD object or anything nested in it (graph, parts)."
    if isinstance(item, list):
        return any(is_gated(part) for part in item)
    if not isinstance(item, dict):
        return False
    if str(item.get("isAccessibleForFree", "")).strip().lower() in FREE_FALSE:
        return True
    return any(is_gated(item.get(key)) for key in JSONLD_NESTING)


def is_paywall_prompt(text: str) -> bool:
    """A paywall's prompt that says the story is withheld ("Subscribe to continue reading"), the
    prompt a gated article shows: not a "Log in" label, an offer of a trial, nor a "Subscribe now,
    cancel anytime" that a free article's page shows as well."""
    return says_withheld(normalise_space(text.lower()))
