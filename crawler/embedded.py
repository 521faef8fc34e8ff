"""A story the server left in the page's scripts for the browser to render.

Some pages carry their body only as data. A Next.js App Router page streams its server
components in ``self.__next_f.push([1, "…"])`` chunks, and a text row of that stream
(``24:T1b7b,<div>…``: an id, ``T``, the text's length in UTF-8 bytes in hex) holds the
story's markup; other frameworks keep it as an HTML string in a JSON document
(``__NEXT_DATA__``, ``application/json``, a state object assigned in a script), or as the
plain text of its structured data's ``articleBody``. Where the page's own markup holds no
story, ``embedded_story`` gives the fragment such data holds with the most paragraph text, as a
document the body extraction reads like any page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from html import escape
from itertools import chain

# a string literal from its opening quote (its closing one in group 1); one never closed runs to the script's end
STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*("?)')
FLIGHT_PUSH = re.compile(r'self\.__next_f\.push\(\[1,\s*(?=")')  # what a flight chunk's literal follows
FLIGHT_TEXT_ROW = re.compile(rb"(?:^|\n)[0-9a-f]+:T([0-9a-f]{1,8}),")
LITERAL_PARAGRAPH = re.compile(r"(?:<|\\u003[cC])p[ >]")  # a paragraph's tag, as a string literal may write it
PARAGRAPH = re.compile(r"<p[\s>]", re.IGNORECASE)
# a story, not a banner's or a dialog's few lines: a fragment tells at least this much in paragraphs
MIN_PARAGRAPHS = 3
MIN_STORY_CHARS = 500


def embedded_story(root, parse: Callable[[str], object], article_body: object = None):
    """The HTML fragment the inline scripts of the page `root` carry with the most paragraph text
    (``MIN_PARAGRAPHS`` paragraphs and ``MIN_STORY_CHARS`` characters at least), as the document
    `parse` makes of it in an ``<article>``; None where no script carries one. The page's
    structured data's `article_body` (plain text, a paragraph a line, or markup) is one more."""
    best, most = None, MIN_STORY_CHARS - 1
    scripts = (script.text for script in root.iter("script") if script.text and script.get("src") is None)
    candidates = fragments(scripts)
    if isinstance(article_body, str):
        candidates = chain(candidates, [paragraph_markup(article_body)])
    for fragment in candidates:
        if len(PARAGRAPH.findall(fragment)) < MIN_PARAGRAPHS:
            continue
        document = parse(f"<html><body><article>{fragment}</article></body></html>")
        told = sum(len(paragraph.text_content().strip()) for paragraph in document.iter("p"))
        if told > most:
            best, most = document, told
    return best


def paragraph_markup(text: str) -> str:
    "Plain text as paragraphs, one a line; text that holds paragraphs' markup already as it is."
    if PARAGRAPH.search(text):
        return text
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


def fragments(scripts: Iterable[str]) -> Iterator[str]:
    """The strings of the `scripts` that may hold paragraphs: the text rows of a Next.js flight
    stream (its chunks joined in order first: a row may span several), other string literals."""
    stream: list[str] = []
    for text in scripts:
        pushed = [STRING_LITERAL.match(text, push.end()) for push in FLIGHT_PUSH.finditer(text)]
        stream += (decoded(literal.group()) or "" for literal in pushed)
        yield from paragraph_literals(text, [literal.span() for literal in pushed])
    yield from text_rows("".join(stream).encode("utf-8", "surrogatepass"))


def paragraph_literals(text: str, taken: list[tuple[int, int]]) -> Iterator[str]:
    """The double-quoted string literals of the script `text` that write a paragraph's tag, but
    for the spans `taken`. Each is found from the tag outwards, from the nearest quote before
    it that no backslash escapes (inside a literal every quote is escaped): read from the
    script's start, one quote in a single-quoted string or a regular expression (`'"'`,
    `/"/g`) would turn every literal after it inside out. Each stretch is searched once."""
    searched = 0  # no literal that holds a tag yet to come opens before this
    spans = iter(taken)
    span = next(spans, None)
    for tag in LITERAL_PARAGRAPH.finditer(text):
        at = tag.start()
        while span and span[1] <= at:
            searched, span = max(searched, span[1]), next(spans, None)
        if at < searched or span and span[0] <= at:
            continue  # in a literal read already, or a flight chunk's (read as the stream)
        start = text.rfind('"', searched, at)
        while start > searched and is_escaped(text, start):
            start = text.rfind('"', searched, start)
        if start < 0 or is_escaped(text, start):
            searched = at
            continue
        literal = STRING_LITERAL.match(text, start)
        # its closing quote may open the next literal: a tag outside any was read between the two
        searched = literal.end() - 1 if literal.group(1) else len(text)
        if value := decoded(literal.group()):
            yield value


def is_escaped(text: str, quote: int) -> bool:
    "Is the character at `quote` escaped: after an odd run of backslashes?"
    run = quote
    while run and text[run - 1] == "\\":
        run -= 1
    return (quote - run) % 2 == 1


def text_rows(stream: bytes) -> Iterator[str]:
    "The texts of a flight stream's text rows, each as long as its row says, or cut where the stream ends."
    for row in FLIGHT_TEXT_ROW.finditer(stream):
        start = row.end()
        yield stream[start:start + int(row.group(1), 16)].decode("utf-8", "replace")


def decoded(literal: str) -> str | None:
    "The string a script's string literal writes; None for one JSON cannot read (a JavaScript-only escape)."
    try:
        return json.loads(literal)
    except ValueError:
        return None
