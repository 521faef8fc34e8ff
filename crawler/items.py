"""The items that flow from the spider through the pipelines to storage and feed exports."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from itemadapter import ItemAdapter


@dataclass
class ArticleItem:
    """One article as feed exports write it (``scrapy crawl moscowtimes -O articles.jsonl``).

    The fields mirror the ``articles`` columns an extraction fills (see
    docs/schema.md), plus ``removed``: the blocks stripped from the body, as
    the ``removed_blocks`` table holds them (kind, text, rule, position,
    removed). Exactly what exports may carry: text, numbers and lists, no bytes.
    """

    url: str
    site: str | None = None
    article_id: str | None = None
    kind: str | None = None
    title: str | None = None
    subtitle: str | None = None
    lead: str | None = None
    authors: list[str] = field(default_factory=list)
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    body: str | None = None
    word_count: int | None = None
    paywalled: int | None = None
    content_hash: str | None = None
    removed: list[dict] = field(default_factory=list)


@dataclass
class FetchedArticle(ArticleItem):
    """An article on its way to storage, with the page it came from.

    The spider sets ``url``, ``site``, ``article_id``, ``html``, ``charset`` (and
    ``live_posts`` for live blogs, ``link_id`` when the link had another key); the extract stage fills the article's
    fields and ``page``, the fetched page packed for the ``pages`` table
    (``STORE_PAGES``). The store stage, which consumes the page, hands on
    only the ``ArticleItem`` (``exported``): pipelines run before feed exports.
    """

    html: bytes = b""
    charset: str | None = None  # what the HTTP header declared the bytes of ``html`` to be (crawler.charset)
    live_posts: list | None = None
    page: dict | None = None
    link_id: str | None = None  # the key of the link that led here, when the page's id differs


EXPORTED_FIELDS = [f.name for f in fields(ArticleItem)]


def exported(item) -> ArticleItem:
    """The fields of ``item`` that feed exports write."""
    adapter = ItemAdapter(item)
    return ArticleItem(**{name: adapter[name] for name in EXPORTED_FIELDS if name in adapter})
