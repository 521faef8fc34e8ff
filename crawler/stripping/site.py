"""The site rules' pass: blocks a site's rules name (CSS), wherever they are on the page."""

from __future__ import annotations

from collections.abc import Sequence

from crawler.stripping.dom import RemovedBlock, css, drop_element, element_text, root_of


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
    return {e: block for e, block in chosen.items() if not any(a in chosen for a in e.iterancestors())}


def outside_story(
    containers: Sequence, story: Sequence[str], editor_markup: Sequence[tuple[str, frozenset[str]]], known,
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
    grammars = [(set(css(selector)(root)), tags) for selector, tags in editor_markup]
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
                    tags = next((tags for members, tags in grammars if child in members), None)
                    for part in child.iterchildren("*") if tags else ():
                        if any(isinstance(e.tag, str) and e.tag not in tags for e in part.iter()):
                            record(part)
                elif child in around:
                    stack.append(child)
                else:
                    record(child)
    return found
