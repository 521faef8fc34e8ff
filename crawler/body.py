"""Article body: the paragraphs the journalists wrote, and a record of everything cut.

``extract_body`` narrows the page to the site's body container when there is one, strips
site-rule blocks, then the generic non-story blocks (``crawler.stripping``), takes boilerplate
names off blocks that hold most of the paragraphs, names and hiding off what a reader has yet
to open in the block the story is told in; where no body container of the site's rules matched
(a site without rules) it cuts what follows that block and names it an ``<article>`` if
nothing else on the page names the story; then it lets trafilatura pick and order the text,
splits its output into paragraphs, and finally drops the call-to-action lines that survived
as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from itertools import takewhile

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import DEFAULT_CONFIG
from trafilatura.xpaths import BODY_XPATH, OVERALL_DISCARD_XPATH, REGEXP_NS

from crawler.frontier import Frontier, host_of
from crawler.stripping import (
    RemovedBlock, css, normalise_space, outside_story, root_of, site_blocks, strip_paragraphs, strip_site, strip_tree,
)
from crawler.stripping.appeals import page_site, shape_of
from crawler.stripping.dom import HEADINGS, drop_element, element_text, loose_text, outermost, text_outside


TITLE_XPATH = etree.XPath(
    "//meta[@property='og:title' or @name='twitter:title']/@content | //head/title/text() | (//h1)[1]//text()"
)
TITLE_SEPARATORS = re.compile(r"\s+[|–—:-]\s+")

# trafilatura as our extraction engine: recall focus (our stripping supplies the precision),
# no reader comments, tables kept (fact boxes, legacy bodies); we read its XML body, so it need
# not render it as text too (its default "python" format does: about 7 % of its time)
TRAFILATURA_OPTIONS = {
    "output_format": "xml",
    "favor_recall": True,
    "include_comments": False,
    "include_tables": True,
    "include_formatting": False,
    "include_links": False,
    "include_images": False,
    "with_metadata": False,
}
# A recall pass that kept less than a share of the page's text may have settled on one box of it:
# trafilatura's default pass gives a second opinion where it also kept less than a short story
# (20 × trafilatura's own MIN_EXTRACTED_SIZE, about 800 words; a longer text is the story, and
# the second pass costs as much as the first)
SECOND_OPINION_BELOW = 20 * DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")
SECOND_OPINION_SHARE = 0.2
# trafilatura drops every block whose class, id or role names boilerplate ("widget", "embed",
# "sidebar"), all of them unless that would leave less than a seventh of the page's text.
# Counted in all text, a page's menus and footers can pass that guard while the blocks dropped
# hold the story (a story in a Webflow "w-embed", a theme's "sidebar-layout"): where they hold
# most of the page's paragraph text, the attributes its expression reads come off them, and
# trafilatura weighs them by their text like any block. The expression is trafilatura's (the
# first of its discard list: names; the second is hidden blocks), asked of one element
NAMED_BOILERPLATE = OVERALL_DISCARD_XPATH[0]


def asked_of_one(expression: etree.XPath) -> etree.XPath:
    "trafilatura's discard `expression` (every matching descendant) as a test of one element."
    return etree.XPath("self::*" + expression.path.strip().removeprefix(".//*"), namespaces={"re": REGEXP_NS})


IS_NAMED_BOILERPLATE = asked_of_one(NAMED_BOILERPLATE)
NAME_ATTRIBUTES = ("class", "id", "role", "data-component", "data-lp-replacement-content")
# trafilatura's second discard expression: hidden blocks (and a few comment markers)
IS_HIDDEN = asked_of_one(OVERALL_DISCARD_XPATH[1])
# and the `hidden` attribute, which its readability fallback drops a block for
OPENING_ATTRIBUTES = (*NAME_ATTRIBUTES, "style", "hidden", "aria-hidden")
DISCARD_GUARD = 1 / 7  # trafilatura's own: it drops none of them where less text would be left
NAMED_STORY_SHARE = 0.6  # of the page's paragraph text: a clear majority, no box beside a short story
NAMED_BLOCK_FLOOR = 0.05  # a block holding less of it is not weighed, nor looked into
PARAGRAPH_PAGE_SHARE = 0.1  # a page whose paragraphs hold less of its text tells its story otherwise
# Without a body container (a site without rules), the innermost block holding nine tenths of
# the page's paragraph text is where the story is told; what the page puts after it (related
# stories, comments, sign-ups, footers) is none of it, unless something there is told in text
# outside paragraphs.
STORY_BLOCK_SHARE = 0.9
LOOSE_TEXT_CHARS = 200  # one element's own text outside paragraphs, between line breaks: told, no label
AFTER_STORY_RULE = "generic:after-story"
# elements trafilatura deletes whole anyway: dropped before our stripper walks the tree
ENGINE_DISCARDS = ("head", "script", "style", "noscript", "template", "svg", "iframe")
# so are footers, but an article's own may hold a paywall prompt the audit and the paywall flag
# need: only the page's footers (site-wide link lists, often a tenth of the page) are dropped
PAGE_FOOTERS = etree.XPath("//footer[not(ancestor::article)]")
# output elements (trafilatura XML, or HTML from its fallbacks) that bound a paragraph
BLOCK_TAGS = frozenset(
    "p head item list quote code table div section article main aside header footer figure figcaption "
    "h1 h2 h3 h4 h5 h6 li ul ol dl dd dt blockquote pre body".split()
)
ROW_TAGS = frozenset(("row", "tr"))  # one paragraph per table row, cells joined by a space
# cells trafilatura leaves bare when it drops their table (one inside a list item): a row heading
# opens a paragraph, and no cell's words run into the next one's
CELL_TAGS = frozenset(("cell", "td", "th"))
BREAK_TAGS = frozenset(("lb", "br"))
SKIP_TAGS = frozenset(("graphic", "img", "script", "style"))


@dataclass
class BodyResult:
    paragraphs: list[str]
    removed: list[RemovedBlock] = field(default_factory=list)


def extract_body(
    tree, url: str | None = None, *, container: str | None = None, prune: Sequence[tuple[str, str]] = (),
    story: Sequence[str] = (), editor_markup: Sequence[tuple[str, dict]] = (),
    authors: Sequence[str] = (), mode: str = "remove", site: str | None = None, publisher_hosts: Iterable[str] = (),
    gated: bool = False,
) -> BodyResult:
    """Body paragraphs of a parsed page; the caller's tree is left untouched.
    `container` (CSS) narrows extraction to the site's body element when it matches, and
    `story`/`editor_markup` to the story's own blocks in it (``SiteRules.story_blocks``);
    `prune` pairs (css, kind) are the site's known non-story blocks, recorded wherever they are
    on the page (rule names carry `site`); `authors` are the page's, whose bio box may follow the story;
    links to `publisher_hosts` (the hosts the page names as its own) read as the page's own site's;
    `gated`: the page withholds its story (its publisher's markup says so, ``detect_paywall``, or its own
    prompt), so a paywall's prompt may be all it shows."""
    root = root_of(tree)
    matches = css(container)(root) if container else []
    known = site_blocks(root, prune, site=site) if prune else {}
    not_story = outside_story(matches, story, editor_markup, known, site=site)
    work = working_copy(root, matches, not_story if mode == "remove" else ())
    removed = furniture_outside(matches, known) + list(not_story.values())
    pruned = strip_site(work, prune, site=site, mode=mode)
    removed += pruned.values()
    etree.strip_elements(work, *ENGINE_DISCARDS, with_tail=False)
    for footer in PAGE_FOOTERS(work):
        drop_element(footer)
    etree.strip_tags(work, etree.Comment, etree.ProcessingInstruction)  # trafilatura parses them away too
    tree_blocks = strip_tree(work, url, mode=mode, recorded=pruned, authors=authors, publisher_hosts=publisher_hosts,
                             gated=gated)
    removed += tree_blocks.values()
    held = paragraph_text_held(work, page_site(url, publisher_hosts), url)
    unname_story(work, held)
    story = story_block(work, held)
    if story is not None:
        open_disclosures(story, held)
        if not matches:
            removed += cut_after_story(story, mode=mode, recorded=pruned | tree_blocks)
            name_story(story, work, held)
    paragraphs, dropped = strip_paragraphs(run_trafilatura(work, url), url, titles=page_titles(root), authors=authors,
                                           mode=mode)
    return BodyResult(paragraphs, removed + dropped)


def furniture_outside(matches: list, known: dict) -> list[RemovedBlock]:
    "The site's `known` non-story blocks outside the body container `matches`: never extracted, recorded for the audit."
    if not matches:
        return []
    matches = set(matches)
    return [block for element, block in known.items()
            if element not in matches and not any(a in matches for a in element.iterancestors())]


def page_titles(root) -> list[str]:
    "The page's own titles (meta, <title> and its segments, first h1): a body line repeating one is no body text."
    titles = [normalise_space(t) for t in TITLE_XPATH(root) if t.strip()]
    titles += [part for t in titles for part in TITLE_SEPARATORS.split(t) if len(part.split()) > 2]
    return titles


def working_copy(root, matches: list, leave_out=()):
    """A copy of the page, or a fresh document whose articleBody holds copies of the outermost
    container `matches` (bare, so the extractor sees one body and no competing candidates),
    without the copies of the elements in `leave_out`."""
    outer = outermost(dict.fromkeys(matches))
    if not outer:
        return deepcopy(root)
    document = lxml.html.document_fromstring('<html><body><div itemprop="articleBody"></div></body></html>')
    holder = document.find("body/div")
    for element in outer:
        unwrapped = deepcopy(element)
        # deepcopy keeps the structure, so walking both trees pairs each original with its copy
        dropped = [copy for original, copy in zip(element.iter(), unwrapped.iter()) if original in leave_out]
        for copy in dropped:
            drop_element(copy)
        unwrapped.attrib.clear()
        unwrapped.tail = None
        holder.append(unwrapped)
    return document


def unname_story(document, held: dict) -> None:
    """Take the boilerplate names (``NAME_ATTRIBUTES``) off the outermost blocks so named that
    together hold most of the paragraph text of a page written in paragraphs (`held`, from
    ``paragraph_text_held``), where trafilatura would drop them and its guard would not keep
    them: that is the story, whatever its theme called it."""
    paragraphs = held.get(document, 0)
    named, stack = [], [document]
    while stack:  # top-down through the blocks that hold a share of the paragraphs
        block = stack.pop()
        if block.attrib and IS_NAMED_BOILERPLATE(block):
            named.append(block)
        else:
            stack.extend(child for child in block if held.get(child, 0) > NAMED_BLOCK_FLOOR * paragraphs)
    if sum(map(held.get, named)) <= NAMED_STORY_SHARE * paragraphs:
        return
    text = len(document.text_content())
    left = text - sum(len(block.text_content()) for block in named)
    if paragraphs < PARAGRAPH_PAGE_SHARE * text or left <= DISCARD_GUARD * text \
            or left - named_beside(named) <= DISCARD_GUARD * text:
        return  # a story told otherwise than in paragraphs; or trafilatura's guard keeps them all
    for block in named:
        for name in NAME_ATTRIBUTES:
            block.attrib.pop(name, None)


def open_disclosures(story, held: dict) -> None:
    """Hand trafilatura the text a reader has yet to open in the story's block as the story's: a
    closed `<details>`, or the panel a closed expanding button names (`aria-expanded="false"`,
    `aria-controls`), that holds paragraphs (a FAQ's answers, a transcript). trafilatura reads a
    `<details>` as a div and drops it, or the panel, by a name such as "expandable", or as hidden;
    the names and the hiding come off the panel and off the blocks around it that carry them.
    What a page shows open is left to trafilatura: a pitch is put where it is seen."""
    closed_ids = {panel_id for element in story.iter(etree.Element) if element.get("aria-expanded") == "false"
                  for panel_id in (element.get("aria-controls") or "").split()}
    panels = [element for element in story.iter(etree.Element) if held.get(element) and element is not story
              and (element.tag == "details" and element.get("open") is None or element.get("id") in closed_ids)]
    for panel in panels:
        for element in (panel, *takewhile(lambda block: block is not story, panel.iterancestors())):
            if element is panel or IS_NAMED_BOILERPLATE(element) or IS_HIDDEN(element):
                for name in OPENING_ATTRIBUTES:
                    element.attrib.pop(name, None)


def cut_after_story(story, *, mode: str = "remove", recorded=()) -> list[RemovedBlock]:
    """Remove (in "flag" mode only record) the blocks after `story`, the one the story is told in
    (``story_block``), and after each block around it, but for those of the shape of the block
    they follow (the story's next block); nothing where one of them holds text outside
    paragraphs: the story may be told there, in line breaks, and the paragraphs be a box's.
    `recorded`: blocks earlier passes flagged (left in place in "flag" mode), recorded once."""
    flagged = {block for block in recorded if block.getparent() is not None}  # "flag" mode left them
    after = [sibling for block in (story, *story.iterancestors()) for sibling in block.itersiblings(etree.Element)
             if shape_of(sibling) != shape_of(block) and sibling not in flagged]
    if any(map(holds_loose_text, after)):
        return []
    removed = [RemovedBlock("other", text, AFTER_STORY_RULE) for block in after
               if (text := text_outside(block, flagged))]
    if mode == "remove":
        for block in after:
            drop_element(block)
    return removed


def name_story(story, document, held: dict) -> None:
    """Trafilatura starts from the containers its expressions name (``BODY_XPATH``: the first
    ``<article>``, a "post-content", a ``<main>``…). Where none of them holds half of the page's
    paragraph text (`held`), it reads what little they hold, or gathers the page's paragraphs
    wherever they are, and leaves the story's headings out: the block the story is told in
    becomes the ``<article>`` it looks for."""
    half = held.get(document, 0) / 2
    if story.tag in ("div", "section") and not any(
            held.get(next(iter(expression(document)), None), 0) >= half for expression in BODY_XPATH):
        story.tag = "article"


def story_block(document, held: dict):
    """The innermost block holding ``STORY_BLOCK_SHARE`` of the page's paragraph text (never a
    paragraph), or None where that is the whole page."""
    paragraphs = held.get(document, 0)
    block = document
    while paragraphs:
        inner = max(block.iterchildren(etree.Element), key=lambda child: held.get(child, 0), default=None)
        if inner is None or inner.tag == "p" or held.get(inner, 0) < STORY_BLOCK_SHARE * paragraphs:
            break
        block = inner
    return None if block.tag in ("html", "body") else block


def holds_loose_text(block) -> bool:
    "Does an element in `block`, outside its paragraphs, hold ``LOOSE_TEXT_CHARS`` of text of its own?"
    stack = [block]
    while stack:
        element = stack.pop()
        if element.tag == "p":
            continue
        if sum(len(piece.strip()) for piece in loose_text(element)) >= LOOSE_TEXT_CHARS:
            return True
        stack.extend(element.iterchildren(etree.Element))
    return False


def paragraph_text_held(document, site: Frontier | None = None, url: str | None = None) -> dict:
    """Element -> length of the paragraph text in it, for every paragraph and every element around
    one; a teaser's excerpt (``is_excerpt``: its title links to the `site` of the page at `url`,
    ``page_site``) counts for none of the blocks around it."""
    held: dict = {}
    by_parent: dict = {}
    for paragraph in document.iter("p"):
        length = held[paragraph] = len(paragraph.text_content())
        parent = paragraph.getparent()
        by_parent[parent] = by_parent.get(parent, 0) + length
    for parent, length in by_parent.items():  # far fewer parents than paragraphs
        for element in (parent, *parent.iterancestors()):
            held[element] = held.get(element, 0) + length
    excerpts = [paragraph for paragraph in document.iter("p") if is_excerpt(paragraph, held, site, url)]
    for paragraph in excerpts:
        for element in paragraph.iterancestors():
            held[element] -= held[paragraph]
    return held


def is_excerpt(paragraph, held: dict, site: Frontier | None, url: str | None) -> bool:
    """A paragraph alone in a block under a title linked to the page's own site (a heading that is
    mostly a link to `site`, the page's at `url`; without one, a relative link), below the page's
    body: another story's teaser or an author's box, about the page it links to. A related list's
    excerpts can outweigh a short story's paragraphs; a roundup's products, each under a title
    linked to its shop, are the story's."""
    length = held[paragraph]
    if not length:
        return False
    block = paragraph
    while (parent := block.getparent()) is not None and held.get(parent) == length:
        block = parent
    if block is paragraph or block.tag in ("html", "body"):
        return False
    return any(2 * sum(len(link.text_content().strip()) for link in heading.iter("a")
                       if links_home(link.get("href"), site, url))
               > len(heading.text_content().strip())
               for heading in block.iter(*HEADINGS) if paragraph not in heading.iterancestors())


def links_home(href: str | None, site: Frontier | None, url: str | None) -> bool:
    "Does `href`, on the page at `url`, go to the page's `site` (``page_site``); with none known, is it relative?"
    if not href:
        return False
    return site.resolve(href, url)[0] is not None if site else host_of(href) is None


def named_beside(blocks: list) -> int:
    "Text of the outermost blocks outside `blocks` that trafilatura drops by their names."
    around = {ancestor for block in blocks for ancestor in block.iterancestors()}
    skip = around.union(blocks)
    text = 0
    for ancestor in around:
        for other in ancestor.iterchildren(etree.Element):
            if other in skip:
                continue
            if IS_NAMED_BOILERPLATE(other):
                text += len(other.text_content())
                continue
            text += sum(len(m.text_content()) for m in outermost(dict.fromkeys(NAMED_BOILERPLATE(other))))
    return text


def run_trafilatura(document, url: str | None) -> list[str]:
    """Trafilatura's choice of main text, as paragraphs in reading order: its recall pass, or its
    default pass where the recall pass kept little of a page that holds much more, if that keeps more."""
    paragraphs = trafilatura_paragraphs(document, url, TRAFILATURA_OPTIONS)
    kept = sum(map(len, paragraphs))
    if kept < SECOND_OPINION_BELOW and kept < SECOND_OPINION_SHARE * len(element_text(document)):
        others = trafilatura_paragraphs(document, url, {**TRAFILATURA_OPTIONS, "favor_recall": False})
        if sum(map(len, others)) > kept:
            return others
    return paragraphs


def trafilatura_paragraphs(document, url: str | None, options: dict) -> list[str]:
    result = trafilatura.bare_extraction(document, url=url, **options)
    return paragraphs_from_body(result.body) if result is not None else []


def paragraphs_from_body(body) -> list[str]:
    """One string per paragraph, heading, list item, quote and table row, in order; a line
    break starts a new one. Trafilatura's body is its XML, or plain HTML from a fallback."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = normalise_space("".join(current))
        if text:
            lines.append(text)
        current.clear()

    def visit(element) -> None:
        tag = element.tag
        if tag in ROW_TAGS:
            flush()
            lines.append(normalise_space(" ".join(" ".join(cell.itertext()) for cell in element)))
            return
        if tag in BREAK_TAGS:
            flush()
            return
        if tag in SKIP_TAGS or not isinstance(tag, str):
            return
        if tag in BLOCK_TAGS or tag == "th":
            flush()
        current.append(element.text or "")
        for child in element:
            visit(child)
            current.append(child.tail or "")
        if tag in BLOCK_TAGS:
            flush()
        elif tag in CELL_TAGS:
            current.append(" ")

    visit(body)
    flush()
    return [line for line in lines if line]
