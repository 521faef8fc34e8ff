"""Article metadata from any news page: site selectors first, then JSON-LD, OpenGraph and meta tags."""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from crawler.charset import drop_non_xml
from crawler.stripping.dom import normalise_space

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "LiveBlogPosting",
    "BlogPosting",
    "Report",
}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
# How deep JSON-LD is read (lists in lists, @graph in @graph, item in item): real pages
# need two or three levels; hostile ones nest thousands to exhaust the stack.
_JSONLD_DEPTH = 10


def clean_text(text) -> str:
    """Collapse white space (non-breaking included), trim and drop what XML cannot hold (a JSON-LD
    string escapes it: ``"\\u0000"``); non-text JSON-LD values give ""."""
    return normalise_space(drop_non_xml(text)) if isinstance(text, str) else ""


def select_text(sel: Selector, queries: Iterable[str]) -> str:
    """The joined text of the first query that yields non-empty text."""
    for query in queries:
        text = clean_text(" ".join(select(sel, query).getall()))
        if text:
            return text
    return ""


def select_all(sel: Selector, queries: Iterable[str]) -> list[str]:
    """Every non-empty value of the first query that yields any, in order, deduplicated."""
    for query in queries:
        values = [clean_text(v) for v in select(sel, query).getall()]
        values = list(dict.fromkeys(v for v in values if v))
        if values:
            return values
    return []


def select(sel: Selector, query: str):
    """Run a CSS query, or an XPath one when it starts with / or (."""
    return sel.xpath(query) if query.startswith(("/", "(")) else sel.css(query)


def read_jsonld(sel: Selector) -> list[dict]:
    """Every JSON-LD object on the page, flattened; a broken block is repaired or skipped.

    Real pages carry invalid blocks (trailing commas); one bad block must not
    hide the others.
    """
    objects = []
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
        data = _parse_json_leniently(raw)
        objects.extend(_flatten_jsonld(data))
    return objects


def _parse_json_leniently(raw: str):
    for candidate in (raw, _TRAILING_COMMA.sub(r"\1", raw)):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the decoder goes
            continue
    return None


def _flatten_jsonld(data, depth: int = 0) -> Iterator[dict]:
    if depth > _JSONLD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from _flatten_jsonld(data.get("@graph"), depth + 1)


def jsonld_types(obj: dict) -> set[str]:
    """The object's ``@type`` names; whatever is no string names nothing."""
    value = obj.get("@type", [])
    return {name for name in (value if isinstance(value, list) else [value]) if isinstance(name, str)}


def article_jsonld(objects: list[dict]) -> dict:
    """The first Article-like JSON-LD object, or {}."""
    return next((o for o in objects if jsonld_types(o) & ARTICLE_TYPES), {})


def breadcrumb(objects: list[dict]) -> list[tuple[str, str]]:
    """(name, url) of each BreadcrumbList item, in position order."""
    for obj in objects:
        if "BreadcrumbList" in jsonld_types(obj):
            items = [i for i in _as_list(obj.get("itemListElement")) if isinstance(i, dict)]
            items.sort(key=lambda i: _position(i.get("position")))
            return [(clean_text(_name(i)), _item_url(i)) for i in items]
    return []


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def _position(value) -> int:
    """A breadcrumb position; 0 for what is no finite number (``1e999`` is infinity)."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def _name(value, depth: int = 0) -> str:
    if isinstance(value, dict) and depth < _JSONLD_DEPTH:
        name = value.get("name")
        return name if isinstance(name, str) and name else _name(value.get("item"), depth + 1)
    return value if isinstance(value, str) else ""


def _item_url(item: dict) -> str:
    target = item.get("item")
    if isinstance(target, dict):
        target = target.get("@id")
    return target if isinstance(target, str) else ""


_META_WITH_CONTENT = etree.XPath("//meta[@content]")
_META_TABLES: weakref.WeakKeyDictionary[Selector, dict[str, str]] = weakref.WeakKeyDictionary()


def meta(sel: Selector, *names: str) -> str:
    """The content of the first <meta property|name=NAME> present."""
    table = _META_TABLES.get(sel)
    if table is None:  # a page's fields ask a dozen times: its <meta> tags are read once
        table = _META_TABLES[sel] = meta_table(sel.root)
    for name in names:
        value = table.get(name)
        if value and value.strip():
            return clean_text(value)
    return ""


def meta_table(root) -> dict[str, str]:
    "Each property and name of the page's <meta> tags -> the content of the first that has it."
    table: dict[str, str] = {}
    for element in _META_WITH_CONTENT(root):
        for attribute in ("property", "name"):
            key = element.get(attribute)
            if key is not None:
                table.setdefault(key, element.get("content"))
    return table


def jsonld_authors(article: dict) -> list[str]:
    names = [clean_text(_name(a)) for a in _as_list(article.get("author"))]
    return [n for n in dict.fromkeys(names) if n]


def jsonld_keywords(article: dict) -> list[str]:
    keywords = article.get("keywords")
    keywords = keywords.split(",") if isinstance(keywords, str) else _as_list(keywords)
    return [k for k in (clean_text(k) for k in keywords) if k]


def jsonld_image(article: dict) -> str:
    image = article.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    return image if isinstance(image, str) else ""


def iso_datetime(value: str | None) -> str | None:
    """``value`` as ISO 8601 if it parses and carries an offset, else None.

    A time without a zone is ambiguous: storing it would pretend a precision
    the page does not give.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return iso_moment(parsed)


def iso_moment(moment: datetime) -> str | None:
    """An aware ``moment`` in ISO 8601, None for a naive one. An offset of seconds
    (``+01:00:30``) is written in UTC instead: SQLite's date functions read it as NULL.
    A moment with no UTC time within datetime's years (``0001-01-01T00:00:00+00:00:30``) is None."""
    offset = moment.utcoffset()
    if offset is None:
        return None
    if offset % timedelta(minutes=1):
        try:
            moment = moment.astimezone(timezone.utc)
        except OverflowError:
            return None
    return moment.isoformat()


def section_from_breadcrumb(objects: list[dict], fixes: dict[str, str]) -> str:
    """The breadcrumb's second item (the first below home), its label fixed by link slug."""
    crumbs = breadcrumb(objects)
    if len(crumbs) < 2:
        return ""
    label, link = crumbs[1]
    try:
        slug = urlsplit(link).path.strip("/")
    except ValueError:  # "http://[x": no slug to fix the label by
        return label
    return fixes.get(slug, label)


def document_base(sel: Selector, url: str | None) -> str | None:
    """What the page's relative links resolve against: its ``<base href>``, else ``url``."""
    return sel.css("base::attr(href)").get() or url
