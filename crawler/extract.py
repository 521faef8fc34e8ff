"""Extract one article page into a clean record: the single-page entry point.

    python -m crawler.extract PAGE [--url URL] [--site NAME] [--mode flag]

prints the record as JSON (fields, body, removed blocks). PAGE is a saved page
(gzipped too, as the corpus keeps them), a ``file://`` URL or ``-`` for stdin;
input that is no article page ends with one line on stderr and exit code 1.
``extract(html, url)`` does the same for use outside Scrapy. Any news page works: metadata comes from
the site's rules when it has some, else from JSON-LD, OpenGraph and meta tags;
the body from trafilatura after the site's pruning and the generic stripper (from the markup
the page's scripts carry where its own holds no story: crawler.embedded).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import logging
import re
import signal
import struct
import sys
import zlib
from contextlib import contextmanager
from dataclasses import asdict
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import lxml.html
from lxml import etree
from parsel import Selector
from scrapy.utils.gz import gunzip

from crawler import metadata as md
from crawler.body import BodyResult, extract_body
from crawler.charset import decode_html, drop_non_xml
from crawler.embedded import embedded_story
from crawler.failures import SKIPPED, slug
from crawler.frontier import Frontier, absolute_url, host_of
from crawler.settings import DOWNLOAD_MAXSIZE
from crawler.site_rules import GenericSite, SiteRules, rules_for, site_name
from crawler.stripping import cut_paywall_prompt, detect_paywall, is_paywall_prompt

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_DOCUMENT_TAG = re.compile(r"<(html|body)\b", re.IGNORECASE)
_WHOLE_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)  # a scheme, or a host after "//"
_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b")


class ExtractionError(ValueError):
    """The input is no article page; ``reason`` is a short slug for stats and logs."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ExtractionTimeout(BaseException):
    """The CPU time of one extraction ran out (a BaseException: no library's ``except Exception`` eats it)."""


STRIP_MODES = ("remove", "flag")


@contextmanager
def gc_paused():
    """Extraction allocates many small acyclic objects (element proxies, the block pass's
    statistics) that reference counting frees; the cyclic GC scanning them meanwhile costs a
    few percent of the page's time. Any cycle is found by the first collection after the page."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@gc_paused()
def extract(
    html: str | bytes,
    url: str | None = None,
    *,
    charset: str | None = None,
    site: str | None = None,
    mode: str = "remove",
    live_posts: list[dict] | None = None,
    frontier: Frontier | None = None,
    max_body: int = 0,
    skip_non_articles: bool = False,
) -> dict:
    """Extract the article in ``html`` (served at ``url``) into a record.

    ``charset`` is the one the HTTP header declared for the bytes of ``html`` (crawler.charset).
    ``mode`` is "remove" (strip appeals from the body) or "flag" (keep them in
    the body and only record them, ``removed`` = 0 for each flagged block there). ``live_posts`` is the
    JSON of a live blog's posts endpoint, for sites that load posts apart.
    The page's canonical URL is the record's only if ``frontier`` (by
    default the site of ``url``) admits it. A body longer than ``max_body``
    characters (0: no limit) is refused. ``site`` names the site's rules, or is
    the name a site without rules is stored under (its host). With
    ``skip_non_articles`` a page that its rules say is no article (a tag or
    author page: ``SiteRules.page_verdict``) is refused as ``skipped/<kind>``.
    Raises ExtractionError when the page is not an article, or ``url`` is no URL.
    """
    check_url(url)
    rules = rules_for(url, site)
    tree = parse_html(html, charset)
    sel = Selector(root=tree)
    if rules.article_marker and not sel.css(rules.article_marker):
        raise ExtractionError("not-article", "no article on the page (soft 404?)")
    uncomment_markup(tree, rules.uncomment)
    objects = md.read_jsonld(sel)
    if skip_non_articles and (kind := rules.page_verdict(sel, objects, url)):
        raise ExtractionError(SKIPPED + kind, "the page is no article")
    rules = rules.version_of(published_time(sel, md.article_jsonld(objects)))  # the layout it was published in
    record = extract_fields(sel, objects, rules, url, frontier, site)
    container = rules.body_container
    if live_posts is not None and rules.live_posts_container:
        insert_live_posts(sel, rules.live_posts_container, rules.live_post_blocks(live_posts))
        container = rules.live_posts_container
    gated = detect_paywall(tree, objects)  # by the publisher's markup
    options = {"prune": rules.prune, "authors": record["authors"] or (), "mode": mode, "site": rules.name,
               "publisher_hosts": publisher_hosts(sel), "gated": gated}
    read_page = partial(extract_body, tree, url, container=container, story=rules.story_blocks,
                        editor_markup=rules.story_markup)
    body = read_page(**options)
    # a paywall's prompt, part of it cut and part still in the body saying that the story is withheld:
    # the page withholds it though its markup does not say so, and is read again as gated (its prompt
    # goes, whatever its share of the page)
    if not gated and any(block.kind == "paywall" for block in body.removed) and any(
            map(is_paywall_prompt, body.paragraphs)):
        options["gated"] = True
        body = read_page(**options)
    paywalled = gated or cut_paywall_prompt(body.removed)
    # the page's markup holds no story, its scripts may: what was cut from the page stays cut. A page
    # gated, by its markup or by its own prompt, is read no further than it shows: no access control
    # is circumvented
    if not body.paragraphs and not paywalled:
        embedded = embedded_story(tree, parse_html, md.article_jsonld(objects).get("articleBody"))
        if embedded is not None:
            carried = extract_body(embedded, url, **options)
            body = BodyResult(carried.paragraphs, body.removed + carried.removed)
            paywalled = cut_paywall_prompt(body.removed)  # only an ungated page is read from its scripts
    if not body.paragraphs and paywalled:
        raise ExtractionError("paywalled", "the publisher gates the story and the page shows none of it")
    if not body.paragraphs:
        raise ExtractionError("empty-body", "no story text found")
    record["body"] = "\n\n".join(body.paragraphs)
    if max_body and len(record["body"]) > max_body:
        raise ExtractionError("body-too-long", f"{len(record['body'])} characters, more than {max_body}")
    # "flag" keeps what it flags in the body, so a flagged block's text is found there; one the
    # extraction left out on its own (page furniture outside the story) counts as removed
    in_body = word_string(record["body"]) if mode == "flag" else ""
    removed = [dict(asdict(block), position=i, removed=int(mode == "remove" or word_string(block.text) not in in_body))
               for i, block in enumerate(body.removed)]
    record["word_count"] = len(_WORD.findall(record["body"]))
    record["paywalled"] = int(paywalled)
    record["content_hash"] = content_hash(record)
    record["removed"] = removed
    return record


def word_string(text: str) -> str:
    "The words of `text`, lowercased and space-separated, with a space at each end: for whole-word containment."
    return f" {' '.join(_WORD.findall(text.lower()))} "


def check_url(url: str | None) -> None:
    """ExtractionError ``invalid-url`` unless ``url`` is None or parses ("http://[x" does not)."""
    try:
        urlsplit(url or "").port  # noqa: B018 - parsing the host and port is the check
    except ValueError as exc:
        raise ExtractionError("invalid-url", str(exc)) from exc


def extract_or_error(html: str | bytes, url: str | None = None, *, cpu_limit: float = 0, **options) -> dict:
    """``extract``, with an ExtractionError returned as {"error": reason, "detail": text}: for worker processes.

    Any other exception is returned the same way, named after its class.
    ``cpu_limit`` seconds of CPU time (0: no limit) bound the extraction,
    ``extract-timeout`` past them. The limit is a timer signal, so it holds
    only in a process's main thread, as in a process pool's worker.
    """
    try:
        with cpu_time_limit(cpu_limit):
            return extract(html, url, **options)
    except ExtractionError as exc:
        return {"error": exc.reason, "detail": str(exc)}
    except ExtractionTimeout:
        return {"error": "extract-timeout", "detail": f"more than {cpu_limit:g} s of CPU time"}
    except Exception as exc:  # a page no rule foresaw: one failed page, never a stopped crawl or reextract
        return {"error": slug(type(exc).__name__), "detail": repr(exc)[:500]}


@contextmanager
def cpu_time_limit(seconds: float):
    """Raise ExtractionTimeout in the block once it used ``seconds`` of CPU time (0: no limit)."""
    if not seconds:
        yield
        return

    def expire(signum, frame):
        raise ExtractionTimeout()

    previous = signal.signal(signal.SIGPROF, expire)
    # Again every ``seconds``: a signal that lands in a finalizer, where exceptions are ignored, is not the last.
    signal.setitimer(signal.ITIMER_PROF, seconds, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


# lxml.html's own parser picks each element's class in Python (form fields get classes of their
# own), once for every element anyone touches; one class for all, picked in C, is much cheaper
HTML_PARSER = lxml.html.HTMLParser()
HTML_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
))


def parse_html(html: str | bytes, charset: str | None = None) -> etree._Element:
    """Decode (see crawler.charset; ``charset`` as the HTTP header declared it) and parse, rejecting what is not HTML.

    A file of a binary type is known by its signature; other bytes that are no page (a NUL
    is no sign: a page may hold a stray one, and one in UTF-16 holds many) have no markup.
    """
    if isinstance(html, bytes):
        if not html.strip():
            raise ExtractionError("empty", "the document is empty")
        if html.lstrip().startswith(_BINARY_SIGNATURES):
            raise ExtractionError("not-html", "binary content")
        html = decode_html(html, charset)
    html = drop_non_xml(html)
    if not html.strip():
        raise ExtractionError("empty", "the document is empty")
    if not is_markup(html):
        raise ExtractionError("not-html", "no markup found")
    try:
        return lxml.html.document_fromstring(html, parser=HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("not-html", str(exc)) from exc


def is_markup(text: str) -> bool:
    """Whether ``text`` is an HTML document: it starts with a tag, or has its <html> or <body>
    near the start (after junk a server printed first). Text or Markdown with a tag inside is not."""
    head = text[:4096]
    return head.lstrip("\ufeff \t\r\n").startswith("<") or _DOCUMENT_TAG.search(head) is not None


def uncomment_markup(tree: etree._Element, containers: tuple[str, ...]) -> None:
    """Parse HTML comments inside ``containers`` as markup (pages that comment out their byline)."""
    for selector in containers:
        for node in tree.cssselect(selector):
            for comment in node.xpath(".//comment()"):
                parent = comment.getparent()
                index = parent.index(comment)
                for offset, child in enumerate(lxml.html.fragments_fromstring(comment.text or "")):
                    if not isinstance(child, str):
                        parent.insert(index + offset, child)
                parent.remove(comment)


def insert_live_posts(sel: Selector, container: str, blocks: list[str]) -> None:
    """Put the HTML ``blocks`` of live posts into ``container`` (CSS), when the page has it."""
    nodes = sel.root.cssselect(container)
    if not nodes:
        return
    box = nodes[0]
    for child in list(box):
        box.remove(child)
    for block in blocks:
        box.append(lxml.html.fragment_fromstring(block, create_parent="div"))


def published_time(sel: Selector, article: dict) -> str | None:
    "When the page says it was published (its meta, then its JSON-LD `article`): read before any site selector."
    return md.iso_datetime(md.meta(sel, "article:published_time")) or md.iso_datetime(article.get("datePublished"))


def extract_fields(sel: Selector, objects: list[dict], rules: type[SiteRules], url: str | None,
                   frontier: Frontier | None, site: str | None = None) -> dict:
    """Every metadata field: the site's selectors first, then the generic sources.

    The record's ``site`` is ``site``, else the rules' name, else (no rules) the page's host.
    """
    article = md.article_jsonld(objects)
    canonical = canonical_url(sel, rules, url, frontier)
    base = md.document_base(sel, canonical or url)
    kind = page_kind(sel, rules)
    image = md.select_text(sel, rules.image) or md.meta(sel, "og:image") or md.jsonld_image(article)
    return {
        "url": canonical.strip() if canonical else url,
        "site": site or (rules.name if rules is not GenericSite else site_name(canonical or url or "") or "unknown"),
        "kind": kind,
        "article_id": rules.id_prefixes.get(kind, "") + page_article_id(sel, rules, canonical, url),
        "title": md.select_text(sel, rules.title)
        or md.clean_text(article.get("headline"))
        or md.meta(sel, "og:title")
        or md.clean_text(sel.css("title::text").get()),
        "subtitle": md.select_text(sel, rules.subtitle),
        # A site with a lead selector has no lead when it finds none; elsewhere
        # the description is the closest thing to a standfirst.
        "lead": md.select_text(sel, rules.lead)
        if rules.lead
        else md.meta(sel, "description", "og:description"),
        "authors": md.select_all(sel, rules.authors)
        or md.jsonld_authors(article)
        or _split_names(md.meta(sel, "author", "article:author")),
        "section": md.section_from_breadcrumb(objects, rules.section_labels)
        or md.clean_text(_first(article.get("articleSection")))
        or md.meta(sel, "article:section"),
        "tags": md.select_all(sel, rules.tags)
        or md.jsonld_keywords(article)
        or md.select_all(sel, ['meta[property="article:tag"]::attr(content)']),
        "published": published_time(sel, article),
        "modified": md.iso_datetime(md.meta(sel, "article:modified_time"))
        or md.iso_datetime(article.get("dateModified")),
        "language": page_language(sel, rules, article),
        "image_url": absolute_url(base or "", image) if image else None,
        "image_caption": md.select_text(sel, rules.image_caption) or None,
    }


def canonical_url(sel: Selector, rules: type[SiteRules], url: str | None, frontier: Frontier | None) -> str | None:
    """The page's canonical (or og:url) when ``frontier`` admits it, else ``url``: a page names
    no URL off its site (another host, ``file:``) to be stored or fetched again under. A page
    that names a home off the site in either is a copy: ``url`` stands.

    Only a whole URL names another page. A relative canonical is a path on whatever host
    serves the page: copied with the page to another site, it names a path that site never
    had, so it counts only as the fetched page's own path (with another query: tracking
    parameters dropped). An og:url is a whole URL (OpenGraph's rule); a relative one says nothing.

    Without a frontier the site is that of ``url``, or of the canonical itself when no URL is known.
    """
    canonical, og_url = declared_urls(sel)
    declared = [href for href in (canonical, og_url if _WHOLE_URL.match(og_url) else "") if href]
    if not declared:
        return url
    try:
        frontier = frontier or Frontier.of(rules, url or declared[0])
    except ValueError:  # a canonical that is no URL ("http://[x", a port past 65535) names no site
        return url
    resolved = [frontier.resolve(href, url or "")[0] for href in declared]
    if None in resolved:
        return url
    if canonical and not _WHOLE_URL.match(canonical) and urlsplit(resolved[0]).path != urlsplit(url or "").path:
        resolved.pop(0)  # a relative canonical naming another path
    return resolved[0] if resolved else url


def declared_urls(sel: Selector) -> tuple[str, str]:
    "The page's canonical and og:url as it writes them (either may be empty or relative)."
    return (sel.css('link[rel="canonical"]::attr(href)').get() or "").strip(), md.meta(sel, "og:url").strip()


def publisher_hosts(sel: Selector) -> set[str]:
    """The hosts of the whole URLs a page names as its own (canonical, og:url). Served from
    another host (a mirror, a copy), its links there are still its publisher's: a donate or
    newsletter link reads as the house's to the stripping, which is all these hosts are for
    (what the crawl may fetch or store is ``canonical_url``'s business)."""
    return {host for host in map(host_of, declared_urls(sel)) if host}


def page_article_id(sel: Selector, rules: type[SiteRules], *urls: str | None) -> str:
    """The publisher's own id: from the URL, else from the page; else the canonical URL's
    path when it is an article URL (``SiteRules.link_key``), else a hash of it."""
    for url in urls:
        if url and rules.article_id(url):
            return rules.article_id(url)
    found = md.select_text(sel, rules.page_article_id)
    if found:
        return found
    key = next((u for u in urls if u), "")
    return rules.link_key(key) or "url-" + hashlib.sha1(key.encode()).hexdigest()[:16]


def page_kind(sel: Selector, rules: type[SiteRules]) -> str:
    for query, kind in rules.kinds:
        if md.select(sel, query):
            return kind
    return rules.default_kind


def page_language(sel: Selector, rules: type[SiteRules], article: dict) -> str | None:
    lang = sel.xpath("/html/@lang").get() or md.meta(sel, "og:locale", "language")
    in_language = article.get("inLanguage")
    if not lang and isinstance(in_language, str):
        lang = in_language
    lang = (lang or rules.language or "").replace("_", "-").split("-")[0].lower()
    return lang or None


def content_hash(record: dict) -> str:
    """A digest of what a reader sees; a change here is a new version of the article."""
    fields = ("title", "subtitle", "lead", "authors", "section", "tags", "image_url", "body")
    payload = json.dumps([record.get(f) for f in fields], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _split_names(value: str) -> list[str]:
    return [n.strip() for n in re.split(r",| and ", value) if n.strip()] if value else []


def read_page(page: str) -> bytes:
    """The bytes of a saved page: a path, a ``file://`` URL or ``-`` (stdin); gzip undone."""
    if page == "-":
        data = sys.stdin.buffer.read()
    else:
        if "://" in page:
            parts = urlsplit(page)
            if parts.scheme != "file":
                raise OSError(f"only saved pages: a path, a file:// URL or - for stdin, not a {parts.scheme} URL")
            page = url2pathname(parts.path)
        data = Path(page).read_bytes()
    if data.startswith(b"\x1f\x8b"):
        try:  # a compression bomb (ValueError) or a corrupt file is an OSError
            data = gunzip(data, max_size=DOWNLOAD_MAXSIZE)
        except (ValueError, OSError, EOFError, struct.error, zlib.error) as exc:
            raise OSError(f"cannot decompress: {exc}") from None
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.extract", description=__doc__.split("\n\n")[0])
    parser.add_argument("page", help="a saved HTML page (gzip too): a path, a file:// URL, or - for stdin")
    parser.add_argument("--url", help="the URL the page was served at (picks the site rules)")
    parser.add_argument("--site", help="site rules by name, e.g. moscowtimes")
    parser.add_argument("--mode", choices=STRIP_MODES, default="remove")
    args = parser.parse_args(argv)
    try:
        record = extract(read_page(args.page), args.url, site=args.site, mode=args.mode)
    except ExtractionError as exc:
        print(f"error: {args.page}: no article: {exc}", file=sys.stderr)
        return 1
    except (OSError, KeyError) as exc:
        print(f"error: {args.page}: {exc}", file=sys.stderr)
        return 1
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
