"""The item that flows from the spider through the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    """A fetched article page; the extract stage fills the ``articles`` columns.

    The spider sets ``url``, ``html`` (and ``live_posts`` for live blogs); the
    rest mirrors the ``articles`` table (see docs/schema.md), plus ``removed``:
    the blocks stripped from the body, for the ``removed_blocks`` table, and
    ``page``: the fetched page packed for the ``pages`` table (``STORE_PAGES``).
    """

    url: str
    html: bytes
    live_posts: list | None = None
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
    page: dict | None = None
