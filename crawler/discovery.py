"""Parse discovery documents: robots.txt, sitemaps, Google News sitemaps, RSS, listings, home pages.

Pure functions of bytes/text, so each is tested on a saved document. XML is
parsed leniently (real news sitemaps carry unescaped ``&``) and never resolves
entities or fetches external documents. No input makes them raise. Links come
out as the document wrote them: whether one may be followed is for
crawler.frontier to say.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from lxml import etree
from parsel import Selector

from crawler.frontier import absolute_url
from crawler.metadata import document_base, iso_datetime, iso_moment

_XML_OPTIONS = dict(
    recover=True,
    resolve_entities=False,
    no_network=True,
    remove_comments=True,
    huge_tree=False,
    load_dtd=False,
)
_XML_PARSER = etree.XMLParser(**_XML_OPTIONS)


@dataclass(frozen=True)
class Link:
    """A URL found in a discovery document, with what the document says about it."""

    url: str
    published: str | None = None  # ISO 8601 with offset
    modified: str | None = None
    title: str | None = None
    text: str | None = None  # a feed item's description or content (HTML or plain text)


def sitemaps_in_robots(text: str) -> list[str]:
    """The ``Sitemap:`` URLs of a robots.txt, in order, as written."""
    return re.findall(r"^[ \t]*sitemap[ \t]*:[ \t]*(\S+)", text, flags=re.I | re.M)


def parse_sitemap(body: bytes) -> tuple[str, Iterator[Link]]:
    """("index" | "urlset", links) of a sitemap or sitemap index, news extension included.

    The links are parsed as they are taken, each entry dropped once read: a
    sitemap of 150,000 links is never in memory whole, as a tree or as links.
    Unparsable input gives ("urlset", no links), input broken part way the links
    before the break: a broken document is a counted skip for the caller, not a crash.
    """
    events = _xml_events(body)
    _, root = next(events, (None, None))
    if root is None:
        return "urlset", iter(())
    return ("index" if _local(root.tag) == "sitemapindex" else "urlset"), _sitemap_links(events)


def _sitemap_links(events: Iterator) -> Iterator[Link]:
    """The links of the entries of a sitemap's root, from the events after its start."""
    depth = 1
    for event, element in events:
        depth += 1 if event == "start" else -1
        if event == "end" and depth == 1:  # an entry of the root, whole
            fields = _fields(element)
            if fields.get("loc"):
                yield Link(
                    url=fields["loc"],
                    published=iso_datetime(fields.get("publication_date")),
                    modified=iso_datetime(fields.get("lastmod")),
                    title=fields.get("title"),
                )
            # Read: dropped from the tree, with what stood before it (entity references).
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]


_BARE_AMPERSAND = re.compile(rb"&(?!#?\w+;)")
# Escaping holds about a hundred bytes per "&" at once (re.sub's pieces): a document with more
# is left to the parser's recovery alone (a sitemap's 50,000 URLs hold fewer, even unescaped).
ESCAPE_MAX_AMPERSANDS = 500_000


def _xml_root(body: bytes):
    body = _escape_ampersands(body)
    if not body:
        return None
    try:
        return etree.fromstring(body, parser=_XML_PARSER)
    except etree.XMLSyntaxError:
        return None


def _xml_events(body: bytes) -> Iterator:
    """("start" | "end", element) of ``body`` parsed as ``_xml_root`` parses it, up to where
    recovery gives up."""
    body = _escape_ampersands(body)
    if not body:
        return
    try:
        yield from etree.iterparse(io.BytesIO(body), events=("start", "end"), **_XML_OPTIONS)
    except etree.XMLSyntaxError:
        return


def _escape_ampersands(body: bytes) -> bytes:
    # Escape bare "&" first: recovery alone may drop the rest of an element.
    body = body.lstrip()
    if body.count(b"&") <= ESCAPE_MAX_AMPERSANDS:
        body = _BARE_AMPERSAND.sub(b"&amp;", body)
    return body


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _fields(entry) -> dict[str, str]:
    """Local tag name -> text for an entry's descendants (news:* nest one level down).

    The first of a name wins: an image sitemap's ``<image:loc>`` comes after the page's ``<loc>``.
    """
    fields = {}
    for el in entry.iter():
        if el is not entry and (el.text or "").strip():
            fields.setdefault(_local(el.tag), el.text.strip())
    return fields


def parse_feed(body: bytes) -> list[Link]:
    """The items of an RSS 2.0 or Atom feed; dates normalised to ISO 8601."""
    root = _xml_root(body)
    if root is None:
        return []
    links = []
    for item in _items(root):
        fields = _fields(item)
        url = fields.get("link") or _atom_link(item) or fields.get("guid")
        if url:
            links.append(
                Link(
                    url=url.strip(),
                    published=_feed_date(fields.get("pubDate") or fields.get("published")),
                    modified=_feed_date(fields.get("updated")),
                    title=fields.get("title"),
                    text=fields.get("encoded") or fields.get("description")
                    or fields.get("content") or fields.get("summary"),
                )
            )
    return links


def _items(root):
    """A feed's items and entries in order, none looked for inside another: feeds do not nest
    them, and reading each of a thousand nested items whole would take the square of the time."""
    stack = [root]
    while stack:
        element = stack.pop()
        if _local(element.tag) in ("item", "entry"):
            yield element
        else:
            stack.extend(reversed(element))


def _atom_link(item) -> str | None:
    for el in item:
        if _local(el.tag) == "link" and el.get("href"):
            return el.get("href")
    return None


def _feed_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # a year or an hour of twenty digits overflows
        return iso_datetime(value)
    return iso_moment(parsed)


@dataclass(frozen=True)
class Pager:
    """A listing's "load more" button as a site builds it: its CSS, and the attributes that hold
    the next page's URL (with ``placeholder`` where the offset goes), the first offset and the step."""

    selector: str
    url: str
    start: str
    step: str
    placeholder: str

    def page_url(self, template: str, offset: int) -> str:
        """The URL of the listing page at ``offset`` (what the site's script would request)."""
        return template.replace(self.placeholder, str(offset))


@dataclass(frozen=True)
class Listing:
    links: list[str]
    more_url: str | None  # template with the offset placeholder
    more_start: int | None
    more_step: int | None


def parse_listing(html: str, base_url: str, pager: Pager | None) -> Listing:
    """Links of a section listing (page or fragment) and what its "load more" button says."""
    sel = Selector(text=html or "<html></html>")
    base = document_base(sel, base_url)
    links = list(dict.fromkeys(_join(base, href) for href in sel.css("a[href]::attr(href)").getall()))
    if pager is None:
        return Listing(links, None, None, None)
    # Attributes one by one: reading them all fails on a name lxml cannot return (control characters).
    button = sel.css(pager.selector)[:1]
    return Listing(
        links=links,
        more_url=button.xpath(f"@{pager.url}").get() or None,
        more_start=_offset(button.xpath(f"@{pager.start}").get()),
        more_step=_offset(button.xpath(f"@{pager.step}").get()),
    )


FEED_TYPES = ("application/rss+xml", "application/atom+xml")  # what parse_feed reads


def feeds_in_page(html: str, base_url: str) -> list[str]:
    """The RSS and Atom feeds a page announces (``<link rel="alternate" type="application/rss+xml">``)."""
    sel = Selector(text=html or "<html></html>")
    base = document_base(sel, base_url)
    feeds = []
    for link in sel.xpath("//link[@href]"):
        rel = (link.xpath("@rel").get() or "").lower().split()
        kind = (link.xpath("@type").get() or "").lower().strip()
        if "alternate" in rel and kind in FEED_TYPES:
            feeds.append(_join(base, link.xpath("@href").get()))
    return list(dict.fromkeys(feeds))


# A pager offset: ASCII digits, few enough that paging on stays a small number.
_OFFSET = re.compile(r"[0-9]{1,6}")


def _offset(value: str | None) -> int | None:
    return int(value) if value and _OFFSET.fullmatch(value.strip()) else None


def _join(base: str, href: str) -> str:
    """``href`` made absolute against ``base``; as written when either is no URL, for the
    frontier to refuse and count."""
    return absolute_url(base, href) or href.strip()
