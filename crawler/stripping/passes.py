"""The passes, each returning the ``RemovedBlock`` records it produced; ``crawler.body.extract_body``
runs them in order around trafilatura.

* site pass (``strip_site``, ``outside_story``): what the site's rules say is no story, exact and cheap.
* block pass (``strip_tree``): blocks the signals of ``appeals`` agree on, on any page; reverted
  when it would take most of the text (but for a gated page's paywall prompt).
* paragraph pass (``strip_paragraphs``): prompt lines that reached the extracted text, and meta
  lines, the repeated title and the author's bio at its edges.

``mode="flag"`` records the same blocks and removes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from lxml import etree

from crawler.stripping.appeals import (
    Collector, PHRASE_VOCABULARY, aggregate, is_about_us, line_strength, scan_units, stands_apart, walk,
    wraps_story_line,
)
from crawler.stripping.dom import (
    RemovedBlock, css, drop_element, element_text, loose_text, lowered_units, normalise_space, outermost, root_of,
)
from crawler.stripping.vocabulary import (
    ATTRIBUTION_RE, BLOCK_CEILING, EDGE_LINES, HEAD_LINES, KICKER_CHARS, KICKER_MAX_WORDS, KINDS, LABEL_MAX,
    NAME_MAX_WORDS, NEIGHBOUR_MAX_TEXT, REPEAT_MIN_CHARS, REPEAT_MIN_LINES, REVERT_SHARE, SENTENCE_ENDS, TAIL_LINES,
    VOICES,
)

LOGGER = logging.getLogger(__name__)


# == Site pass =====================================================================================


def strip_site(tree, prune: Sequence[tuple[str, str]], *, site: str | None = None, mode: str = "remove") -> dict:
    """Remove nodes matching the site's (css_selector, kind) pairs, outermost matches only;
    element -> RemovedBlock for each (in "flag" mode they stay, for later passes to pass by)."""
    blocks = site_blocks(tree, prune, site=site)
    if mode == "remove":
        for element in blocks:
            drop_element(element)
    return blocks


def site_blocks(tree, prune: Sequence[tuple[str, str]], *, site: str | None = None) -> dict:
    "Element -> RemovedBlock for the outermost nodes matching the site's (css_selector, kind) pairs."
    root, prefix = root_of(tree), f"site:{site}:" if site else "site:"
    chosen: dict = {}
    for selector, kind in prune:
        for element in css(selector)(root):
            chosen.setdefault(element, RemovedBlock(kind, element_text(element), prefix + selector))
    return {e: chosen[e] for e in outermost(chosen)}


def outside_story(
    containers: Sequence, story: Sequence[str], editor_markup: Sequence[tuple[str, dict]], known,
    *, site: str | None = None,
) -> dict:
    """Element -> RemovedBlock for what sits in the story's `containers` but is not story: neither
    one of its blocks (`story`, CSS) nor the editor's markup inside one (`editor_markup`), nor a
    `known` block (the site's prune rules record those under their own kinds). A container with
    no story block (a live blog's posts) is left alone."""
    if not story or not containers:
        return {}
    root = root_of(containers[0].getroottree())
    blocks = {element for selector in story for element in css(selector)(root)}
    grammars = [(set(css(selector)(root)), grammar) for selector, grammar in editor_markup]
    rule = f"site:{site}:not-story" if site else "site:not-story"
    found: dict = {}

    def record(element) -> None:
        text = element_text(element)
        if text and element not in known:
            found[element] = RemovedBlock("other", text, rule)

    for container in containers:
        around = {a for block in container.iterdescendants() if block in blocks for a in block.iterancestors()}
        if not around:
            continue
        stack = [container]
        while stack:
            for child in stack.pop().iterchildren("*"):
                if child in blocks:
                    grammar = next((grammar for members, grammar in grammars if child in members), None)
                    for part in child.iterchildren("*") if grammar else ():
                        if not is_editor_markup(part, grammar):
                            record(part)
                elif child in around:
                    stack.append(child)
                else:
                    record(child)
    return found


def is_editor_markup(element, grammar: dict) -> bool:
    """Could the editor have made `element` (``SiteRules.story_markup``)? A tag it produces, with
    attributes it allows, holding only such markup; a text tag (attributes None) is taken whole,
    whatever it holds, so no sentence is cut for its markup."""
    if element.tag not in grammar:
        return False
    allowed = grammar[element.tag]
    if allowed is None:
        return True
    return all(name in allowed for name in element.attrib) and all(
        is_editor_markup(child, grammar) for child in element.iterchildren("*"))


# == Block pass ====================================================================================


def choose(root, table: dict, recorded=(), gated: bool = False) -> list:
    """Top-down: the outermost elements with a verdict, plus weak neighbours of removed siblings.
    A candidate holding most of the page's text is never taken whole, its children are judged,
    unless it stands apart from the story's blocks beside it (a panel after a brief). On a
    `gated` page a paywall's prompt is taken whole, whatever share it holds.
    Elements already `recorded` by an earlier pass are passed by, with all they hold."""
    chosen, stack = [], [root]
    ceiling = BLOCK_CEILING * (table[root].text - table[root].link)
    while stack:
        element = stack.pop()
        if not table[element].has_block:
            continue  # inside a paragraph: never cut words out of a sentence
        children = [c for c in element.iterchildren(etree.Element) if table[c].dirty and c not in recorded]
        picked = [c for c in children if table[c].verdict and (
            table[c].text - table[c].link <= ceiling or gated and table[c].verdict == "paywall"
            or stands_apart(c, table))]
        if picked:
            picked += absorb_neighbours(element, picked, table)
            if element is not root and table[element].text - table[element].link <= ceiling \
                    and titles_what_goes(element, picked, table) and not wraps_story_line(element, table):
                table[element].verdict, table[element].rule = table[picked[0]].verdict, table[picked[0]].rule
                chosen.append(element)
                continue
            chosen += picked
        stack.extend(c for c in children if c not in picked)
    return chosen


def titles_what_goes(element, picked: list, table: dict) -> bool:
    """Whether all `element` holds besides its `picked` blocks is a title ("A special offer for
    new readers" in a summary, a kicker) over more text than its own: then the box goes whole,
    its title with it. A sentence is no title: it may be the story's."""
    gone = sum(table[c].text for c in picked)
    rest = table[element].text - gone
    if not 0 < rest <= LABEL_MAX or gone < 2 * rest:
        return False
    pieces = loose_text(element) + [element_text(c) for c in element.iterchildren(etree.Element) if c not in picked]
    title = normalise_space(" ".join(pieces))
    return bool(title) and not title.endswith(SENTENCE_ENDS)


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
            # a link labelled "Donate", or "we" and "you", are a story's too: no signal for a neighbour
            own = {k for (f, k) in stats.loose if f != "action" and f not in VOICES}
            if kinds & own or kinds and own & {"other", ""}:
                stats.verdict, stats.rule = min(kinds & own or kinds, key=KINDS.index), "generic:neighbour"
                removed.add(child)
                extra.append(child)
                changed = True
    return extra


def strip_tree(tree, url: str | None = None, *, mode: str = "remove", recorded=(), authors: Sequence[str] = (),
               publisher_hosts: Iterable[str] = (), gated: bool = False) -> dict:
    """Generic DOM pass: remove blocks several signal families agree on; revert if it takes most text.
    Element -> RemovedBlock for each, in page order (in "flag" mode they stay, for later passes to
    pass by). `recorded`: elements an earlier pass already flagged (left in place in "flag" mode);
    `authors`: the page's, whose box is no story text; `publisher_hosts`: hosts whose links are
    the page's own site's, besides that of `url`; `gated`: the page withholds its story (its
    publisher marks it not free, or its prompt says so), so a paywall's prompt goes even when it
    is most of what the page shows. In either mode, boxes with nothing to read among text running
    loose go first: trafilatura's recall pass reads one as an empty block and loses a sentence
    beside it."""
    root, table, collector = root_of(tree), {}, Collector(url, authors, publisher_hosts)
    order = walk(root, table, collector)
    for box in collector.blank_boxes:
        drop_element(box)
    collector.match()
    aggregate(order, table)
    chosen = choose(root, table, recorded, gated)
    if not chosen:
        return {}
    body_text = table[root].text - table[root].link
    removed_text = sum(table[e].text - table[e].link for e in chosen)
    prompt_only = gated and all(table[e].verdict == "paywall" for e in chosen)  # the story the publisher withholds
    if removed_text > REVERT_SHARE * max(body_text, 1) and not prompt_only:
        LOGGER.info("generic strip reverted: would remove %s of %s chars (%s)", removed_text, body_text, url)
        return {}
    position = {element: index for index, element in enumerate(order)}
    chosen.sort(key=position.get, reverse=True)  # document order
    blocks = {e: RemovedBlock(table[e].verdict, element_text(e), table[e].rule) for e in chosen}
    if mode == "remove":
        for element in chosen:
            drop_element(element)
    return blocks


# == Paragraph pass ================================================================================


def title_cut(paragraphs: list[str], titles: Sequence[str]) -> set[int]:
    "The page's title repeated at the top of the body, and any short kicker lines above it."
    wanted = {normalise_space(t).casefold() for t in titles if t and t.strip()}
    for index, paragraph in enumerate(paragraphs[:EDGE_LINES]):
        line = paragraph.casefold()
        if line in wanted or any(t in line and len(line) <= len(t) + KICKER_CHARS for t in wanted):
            kickers = {i for i in range(index) if len(paragraphs[i].split()) <= KICKER_MAX_WORDS}
            return kickers | {index}
    return set()


def author_bio_cut(paragraphs: list[str], authors: Sequence[str]) -> set[int]:
    """The box about the page's author after the story: among the last paragraphs, the author's
    name on its own line, a line that begins with it, and then lines that begin with their
    first name ("Karina holds an MBA ...")."""
    names = {normalise_space(a).casefold() for a in authors if 2 <= len(a.split()) <= NAME_MAX_WORDS}
    cut: set[int] = set()
    for index in range(max(len(paragraphs) - TAIL_LINES, 1), len(paragraphs)):
        line = paragraphs[index].casefold()
        starts = names | ({n.split()[0] for n in names} if cut else set())
        told = any(line.startswith(start + " ") or line.startswith(start + ",") for start in starts)
        if line in names or told and not ATTRIBUTION_RE.search(line):  # a bio tells; it reports nobody's words
            cut.add(index)
    return cut


def repeat_cut(lowered: list[str]) -> set[int]:
    """Later copies of a passage the body already holds, REPEAT_MIN_LINES lines or more and
    REPEAT_MIN_CHARS in all: the page's second layout of one block (for phones, for desktops),
    not the story saying it again. Short repeats (a "Pros" heading, a spec line) are a story's."""
    first: dict[str, int] = {}
    for index, line in enumerate(lowered):
        first.setdefault(line, index)
    cut, index = set(), 0
    while index < len(lowered):
        start, length = first[lowered[index]], 0
        limit = min(index - start, len(lowered) - index)  # a copy neither overlaps its original nor runs off the end
        while length < limit and lowered[start + length] == lowered[index + length]:
            length += 1
        if length >= REPEAT_MIN_LINES and sum(map(len, lowered[index : index + length])) >= REPEAT_MIN_CHARS:
            cut.update(range(index, index + length))
            index += length
        else:
            index += 1
    return cut


def strip_paragraphs(
    paragraphs: list[str], url: str | None = None, *, titles: Sequence[str] = (), authors: Sequence[str] = (),
    mode: str = "remove",
) -> tuple[list[str], list[RemovedBlock]]:
    """Text pass on extracted paragraphs: strong lines go anywhere; weaker ones only at the
    edges of the body or next to another removed line; meta lines and the repeated title
    only near the top (meta lines also near the bottom), the `authors`' bios near the bottom."""
    lowered = lowered_units(paragraphs)
    hits = scan_units(lowered, PHRASE_VOCABULARY)
    strengths = [line_strength(*line) for line in zip(paragraphs, lowered, hits)]
    cut = {i for i, (level, _, _) in enumerate(strengths) if level == 3}
    cut |= edge_run(strengths, range(len(paragraphs)))
    cut |= edge_run(strengths, range(len(paragraphs) - 1, -1, -1))
    cut |= {i for i, (level, _, _) in enumerate(strengths) if level == 2 and {i - 1, i + 1} & cut}
    edges = set(range(HEAD_LINES)) | set(range(len(paragraphs) - TAIL_LINES, len(paragraphs)))
    cut |= {i for i in range(max(len(paragraphs) - TAIL_LINES, 1), len(paragraphs)) if is_about_us(lowered[i])}
    cut |= {i for i, (level, _, _) in enumerate(strengths) if (level < 0 or level == 2) and i in edges}
    titled, bios, repeated = title_cut(paragraphs, titles), author_bio_cut(paragraphs, authors), repeat_cut(lowered)
    strengths = [(0, "other", "title") if i in titled else (0, "bio", "author-bio") if i in bios
                 else (0, "other", "repeated") if i in repeated else s for i, s in enumerate(strengths)]
    cut |= titled | bios | repeated
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
