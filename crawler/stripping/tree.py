"""The generic DOM pass: remove blocks that several independent signal families agree on.

One bottom-up walk gathers evidence per element from independent signal *families* (markup
words, link targets, form controls, amount/period pickers, call-to-action text, link density,
a short box around a button); an element goes only when at least two families agree on a kind
and its text is mostly explained by that evidence, so one keyword, or a quoted "your support
makes a difference" in a story, never cuts anything.
"""

from __future__ import annotations

import gc
import logging
from contextlib import contextmanager

from lxml import etree

from crawler.stripping.dom import (
    BLOCK_TAGS, BUTTON_CLASS_RE, BUTTON_TAGS, CONTROL_TAGS, SKIP_TAGS, RemovedBlock, drop_element, element_text,
    normalise_space, root_of,
)
from crawler.stripping.matching import LINKS, MARKUP, is_action_label, is_picker_entry, pitch_of, scan_units, text_hits
from crawler.stripping.vocabulary import KINDS, MARKUP_MAX_VALUE, MARKUP_SKIP_ATTRS

LOGGER = logging.getLogger(__name__)

# which kinds a kind-neutral family supports
NEUTRAL_FAMILIES = {
    "controls": ("donation", "newsletter", "paywall", "cookie"),
    "picker": ("donation", "paywall"),
    "dense": ("related", "share", "tags", "promo"),
    "box": ("donation", "newsletter", "paywall", "promo"),
    "action": ("donation", "newsletter", "paywall", "promo"),
}
PANEL_FAMILIES = frozenset(("voice", "action"))  # they count for containers of blocks only
HOUSE_VOICE = frozenset((("speaker", ""), ("reader", "")))

# thresholds
SHORT_UNIT = 150  # a prompt and its dismissal in a block this short count as two signals
PLAIN_BASE, PLAIN_PER_SIGNAL, PLAIN_RATIO = 80, 250, 0.6  # purity: unexplained text allowed
MAX_SIGNALS = 10  # beyond this many, more signals explain no more text
CTA_BOX_MAX = 320  # a block this short around a labelled button is a call-to-action box: its text is the pitch
SMALL_BOX = 40  # a box this small ("Keep us going. Give") may be all unexplained text when its signals agree
STRONG_SIGNALS, PLAIN_RATIO_STRONG = 5, 0.75  # a box this loud may carry more unexplained text
EXPLAINED_PER_HIT = 150  # chars of a text unit one phrase hit accounts for
ACTION_MAX_CHARS = 50  # a button's label is short
DENSE_LINK_SHARE = 0.6  # link text share of a link-dense block
BLOCK_CEILING = 0.6  # no single block holding more of the page's non-link text is removed whole
REVERT_SHARE = 0.85  # a pass that would remove more of the non-link text is reverted
NEIGHBOUR_MAX_TEXT = 150  # short blocks with a same-kind signal next to a removed one go with it


class Stats:
    "One element's subtree: lengths, evidence (family, kind) -> count, and the verdict."

    __slots__ = ("dirty", "evidence", "explained", "has_block", "kids", "link", "links", "loose", "own_text",
                 "plain", "rule", "sample", "text", "verdict", "words")  # fmt: skip

    def __init__(self) -> None:
        self.kids: list[Stats] = []
        self.dirty = self.has_block = False  # dirty: evidence somewhere below
        self.own_text = self.explained = 0  # this element's own text pieces, and what its hits explain
        self.text = self.link = self.links = self.plain = 0  # subtree totals
        self.evidence: dict = {}  # everything below, for qualifying
        self.loose: dict = {}  # what is not inside a removable child, for purity
        self.sample: dict = {}  # kind -> first matched markup/link token, for the rule name
        self.verdict: str | None = None
        self.rule = ""
        self.words = ""  # text of an inline-only subtree (scripts left out)


EMPTY = Stats()  # shared by skipped elements (scripts, styles, svg shapes): no text, no signals


def add(counts: dict, key, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


class Collector:
    "Strings to match in one go after the walk, each with the Stats it belongs to."

    def __init__(self) -> None:
        self.markup: list[tuple[Stats, str]] = []
        self.links: list[tuple[Stats, str]] = []
        self.units: list[tuple[Stats, str]] = []

    def own(self, element, tag: str, stats: Stats) -> None:
        "Markup, link target, attribute text and control signals of the element itself (one pass over attributes)."
        names, attributes = [], dict(element.items())
        for name, value in attributes.items():
            if name not in MARKUP_SKIP_ATTRS and len(value) <= MARKUP_MAX_VALUE:
                names.append(name + " " + value if name.startswith(("data-", "aria-")) else value)
        if names:
            self.markup.append((stats, " ".join(names).lower()))
        target = attributes.get("href") or attributes.get("action")
        if target:
            stats.links = int(tag == "a")
            self.links.append((stats, target.lower()))
        for name in ("placeholder", "aria-label"):
            if name in attributes:
                self.units.append((stats, attributes[name]))
        if attributes.get("type") in ("submit", "button") and is_action_label(attributes.get("value", "").lower()):
            add(stats.evidence, ("action", ""))
        if tag in CONTROL_TAGS and attributes.get("type") != "hidden":
            add(stats.evidence, ("controls", ""))
            if attributes.get("type") in ("radio", "number") and attributes.get("value", "").isdigit():
                add(stats.evidence, ("picker", ""))

    def match(self) -> None:
        "Turn every collected string's vocabulary hits into evidence on its owner."
        for (stats, _), hits in zip(self.markup, scan_units([m for _, m in self.markup], MARKUP)):
            record_tokens(stats, "markup", hits)
        for (stats, _), hits in zip(self.links, scan_units([t for _, t in self.links], LINKS)):
            record_tokens(stats, "link", hits)
        texts = [normalise_space(t.lower()) for _, t in self.units]
        for (stats, _), text, kinds in zip(self.units, texts, text_hits(texts)):
            if is_picker_entry(text):
                kinds = [*kinds, ""]
            for kind in kinds:
                add(stats.evidence, ("picker", "") if kind == "" else ("text", kind))
            stats.explained += EXPLAINED_PER_HIT * len(kinds)
            pitch = pitch_of(text)
            if pitch:  # the house asking the reader: the whole unit is the pitch
                kind, speaker, reader = pitch
                add(stats.evidence, ("voice", kind))
                for voice in ("speaker",) * speaker + ("reader",) * reader:
                    add(stats.evidence, (voice, ""))
                stats.explained += len(text)


def record_tokens(stats: Stats, family: str, hits: list) -> None:
    for _, kinds, token in hits:
        for kind in kinds:
            add(stats.evidence, (family, kind))
            stats.sample.setdefault(kind, token)


def is_button(element, tag: str) -> bool:
    "A button, or a link styled as one: what a call-to-action box is built around."
    if tag == "button" or element.get("role") == "button":
        return True
    return bool(BUTTON_CLASS_RE.search((element.get("class") or "").lower()))


def walk(root, table: dict, collector: Collector) -> list:
    "First pass, children before parents: own signals, text totals and the inline text units."
    order = list(root.iter(etree.Element))
    order.reverse()
    units = collector.units
    for element in order:
        tag = element.tag
        if tag in SKIP_TAGS:
            table[element] = EMPTY
            continue
        stats = table[element] = Stats()
        if tag in CONTROL_TAGS or element.attrib:
            collector.own(element, tag, stats)
        head = element.text
        pieces = [head] if head else []
        words = [head] if head else []
        kids, has_block, text, link, links = stats.kids, False, 0, 0, stats.links
        for child in element.iterchildren(etree.Element):
            child_stats = table[child]
            if child_stats is not EMPTY:
                kids.append(child_stats)
                has_block = has_block or child_stats.has_block or child.tag in BLOCK_TAGS
                text += child_stats.text
                link += child_stats.link
                links += child_stats.links
                words.append(child_stats.words)
            tail = child.tail
            if tail:
                pieces.append(tail)
                words.append(tail)
        own = 0
        for piece in pieces:
            own += len(piece.strip())
        stats.own_text, stats.text, stats.links, stats.has_block = own, own + text, links, has_block
        stats.link = stats.text if tag == "a" else link
        if tag in BUTTON_TAGS and stats.text > 1 and is_button(element, tag):  # labelled: no icon or "×"
            add(stats.evidence, ("button", ""))
        if not has_block:
            stats.words = "".join(words)
            if tag in BUTTON_TAGS and stats.text <= ACTION_MAX_CHARS and is_action_label(stats.words.lower()):
                add(stats.evidence, ("action", ""))
            continue
        units.extend((stats, p) for p in pieces if not p.isspace())  # loose text in a container
        units.extend((k, k.words) for k in kids if not k.has_block and k.words and not k.words.isspace())
    if not table[root].has_block and table[root].words.strip():
        units.append((table[root], table[root].words))
    return order


def aggregate(order: list, table: dict) -> None:
    """Second pass, children before parents, only where evidence lies below: evidence, the
    unexplained text, and the verdicts."""
    for element in order:
        stats = table[element]
        stats.dirty = bool(stats.evidence) or any(k.dirty for k in stats.kids)
        if not stats.dirty:
            continue
        stats.loose = dict(stats.evidence)
        stats.plain = stats.own_text
        for child in stats.kids:
            merge_child(stats, child)
        stats.plain = max(0, stats.plain - stats.explained)
        if stats.evidence:
            judge(stats)


def merge_child(parent: Stats, child: Stats) -> None:
    "Fold a finished child into its parent; a removable child's text counts as explained."
    if not child.dirty:
        parent.plain += child.text
        return
    for key, n in child.evidence.items():
        add(parent.evidence, key, n)
    for kind, token in child.sample.items():
        parent.sample.setdefault(kind, token)
    if child.verdict is None:
        parent.plain += child.plain
        for key, n in child.loose.items():
            add(parent.loose, key, n)


def best_kind(stats: Stats) -> tuple[str | None, list[str]]:
    "The kind most signal families agree on, and those families, if at least two agree."
    evidence, best, best_families, best_weight = stats.evidence, None, [], 1
    for kind in KINDS:
        families = {f for (f, k) in evidence if k == kind}
        if not families:
            continue
        families |= {f for f, allowed in NEUTRAL_FAMILIES.items() if kind in allowed and (f, "") in evidence}
        if not stats.has_block:
            families -= PANEL_FAMILIES  # a pitch and its button make a panel; in a paragraph they are the text pass's
        elif "voice" in families and (families <= {"voice", "controls"} or not HOUSE_VOICE <= evidence.keys()):
            # a pitch needs "we" asking "you", and more than a bare form (comments, search) beside it
            families.discard("voice")
        if kind in NEUTRAL_FAMILIES["dense"] and is_dense(stats):
            families.add("dense")
        if kind in NEUTRAL_FAMILIES["box"] and is_cta_box(stats):
            families.add("box")
        weight = len(families) + boost(stats, kind)
        if weight > best_weight:
            best, best_families, best_weight = kind, sorted(families), weight
    return best, best_families


def boost(stats: Stats, kind: str) -> int:
    """One family counts twice when plural: a prompt and its dismissal ("Not ready to support today?
    Remind me later.") in one short block, or links to several share targets."""
    evidence = stats.evidence
    if kind != "other" and ("text", kind) in evidence and ("text", "other") in evidence and stats.text <= SHORT_UNIT:
        return 1
    return int(kind == "share" and evidence.get(("link", "share"), 0) >= 3)


def is_dense(stats: Stats) -> bool:
    return stats.links > 0 and stats.link >= DENSE_LINK_SHARE * stats.text


def is_cta_box(stats: Stats) -> bool:
    """A call-to-action box: a few short blocks (a heading, a line or two) around a labelled button.
    It counts as one more family, so the box still needs a kind's own signal (its markup, the
    button's label or link target, a phrase) before it goes."""
    return stats.has_block and stats.text <= CTA_BOX_MAX and ("button", "") in stats.evidence


def is_pure(stats: Stats, kind: str) -> bool:
    """Is the element's text mostly explained by its own evidence for `kind` (not by a removable
    child's, nor by other kinds' markup)? Link text counts as unexplained, except for the
    link-list kinds, where the links are the block and only the other text is weighed."""
    if kind in NEUTRAL_FAMILIES["box"] and is_cta_box(stats):
        return True  # its few lines are the pitch for its button
    neutral = [(f, "") for f, allowed in NEUTRAL_FAMILIES.items() if kind in allowed]
    signals = sum(n for (f, k), n in stats.loose.items() if k == kind)  # a row of buttons explains no text
    signals = min(signals + sum(key in stats.loose for key in neutral), MAX_SIGNALS)
    if kind in NEUTRAL_FAMILIES["dense"]:
        plain, text = max(0, stats.plain - stats.link), stats.text - stats.link
    else:
        plain, text = stats.plain, stats.text
    ratio = PLAIN_RATIO_STRONG if signals >= STRONG_SIGNALS else PLAIN_RATIO
    allowed = min(PLAIN_BASE + PLAIN_PER_SIGNAL * signals if signals else 0, max(ratio * text, SMALL_BOX))
    return plain <= allowed


def judge(stats: Stats) -> None:
    "Set the verdict (kind) and rule name of an element whose evidence is complete."
    kind, families = best_kind(stats)
    if kind and is_pure(stats, kind):
        stats.verdict = kind
        detail = stats.sample.get(kind)
        stats.rule = "generic:" + "+".join(families) + (f":{detail}" if detail else "")


def choose(root, table: dict, recorded=()) -> list:
    """Top-down: the outermost elements with a verdict, plus weak neighbours of removed siblings.
    A candidate holding most of the page's text is never taken whole; its children are judged.
    Elements already `recorded` by an earlier pass are passed by, with all they hold."""
    chosen, stack = [], [root]
    ceiling = BLOCK_CEILING * (table[root].text - table[root].link)
    while stack:
        element = stack.pop()
        if not table[element].has_block:
            continue  # inside a paragraph: never cut words out of a sentence
        children = [c for c in element.iterchildren(etree.Element) if table[c].dirty and c not in recorded]
        picked = [c for c in children if table[c].verdict and table[c].text - table[c].link <= ceiling]
        if picked:
            picked += absorb_neighbours(element, picked, table)
            chosen += picked
        stack.extend(c for c in children if c not in picked)
    return chosen


def absorb_neighbours(parent, picked: list, table: dict) -> list:
    "Short siblings next to a removed block that carry a signal of the same kind, or a dismissal."
    siblings = [c for c in parent.iterchildren(etree.Element) if table[c].text or c in picked]
    removed, extra, changed = set(picked), [], True
    while changed:
        changed = False
        for index, child in enumerate(siblings):
            stats = table[child]
            if child in removed or not stats.loose or stats.text > NEIGHBOUR_MAX_TEXT:
                continue
            kinds = {table[n].verdict for n in siblings[max(index - 1, 0) : index + 2] if n in removed}
            own = {k for (f, k) in stats.loose if f != "action"}  # a link labelled "Donate" is a story's link too
            if kinds & own or kinds and own & {"other", ""}:
                stats.verdict, stats.rule = (kinds & own or kinds).pop(), "generic:neighbour"
                removed.add(child)
                extra.append(child)
                changed = True
    return extra


@contextmanager
def gc_paused():
    "The walk allocates thousands of small acyclic objects; the cyclic GC scanning them costs a third of it."
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def strip_tree(tree, url: str | None = None, *, mode: str = "remove", recorded=()) -> list[RemovedBlock]:
    """Generic DOM pass: remove blocks several signal families agree on; revert if it takes most text.
    `recorded`: elements an earlier pass already flagged (left in place in "flag" mode)."""
    root, table, collector = root_of(tree), {}, Collector()
    with gc_paused():
        order = walk(root, table, collector)
        collector.match()
        aggregate(order, table)
    chosen = choose(root, table, recorded)
    if not chosen:
        return []
    body_text = table[root].text - table[root].link
    removed_text = sum(table[e].text - table[e].link for e in chosen)
    if removed_text > REVERT_SHARE * max(body_text, 1):
        LOGGER.info("generic strip reverted: would remove %s of %s chars (%s)", removed_text, body_text, url)
        return []
    position = {element: index for index, element in enumerate(order)}
    chosen.sort(key=position.get, reverse=True)  # document order
    blocks = [RemovedBlock(table[e].verdict, element_text(e), table[e].rule) for e in chosen]
    if mode == "remove":
        for element in chosen:
            drop_element(element)
    return blocks

