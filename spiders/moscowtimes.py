"""The Moscow Times spider: discovery and routing only; extraction lives in crawler.extract.

    scrapy crawl moscowtimes [-a base_url=URL] [-a since=YYYY-MM-DD]

Discovery: robots.txt → the sitemap index it names (month files) and the
Google News index beside it, RSS feeds and section listings with their
"load more" fragments. Every host past ``base_url`` comes from what it serves.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import date
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

from crawler import discovery
from crawler.items import ArticleItem
from crawler.site_rules import SITES


class MoscowTimesSpider(scrapy.Spider):
    name = "moscowtimes"
    rules = SITES["moscowtimes"]

    def __init__(self, base_url: str | None = None, since: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.base_url = (base_url or self.rules.default_base_url).rstrip("/")
        self.since = _parse_day(since) if since else None
        self.scheduled_ids: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.base_url + "/robots.txt", self.parse_robots, priority=10)
        for path in self.rules.feeds:
            yield scrapy.Request(self.base_url + path, self.parse_feed, priority=5)
        for path in self.rules.listings:
            yield scrapy.Request(self.base_url + path, self.parse_listing)

    # -- Discovery ------------------------------------------------------------

    def parse_robots(self, response: Response):
        for url in discovery.sitemaps_in_robots(response.text, response.url):
            yield scrapy.Request(url, self.parse_sitemap, priority=5)
            # The Google News index sits beside the sitemap index, unlisted (§2.3).
            yield scrapy.Request(urljoin(url, self.rules.newsmap_name), self.parse_sitemap, priority=5)

    def parse_sitemap(self, response: Response):
        kind, links = discovery.parse_sitemap(response.body)
        self._count("discovery/sitemap", len(links))
        if kind == "index":
            for link in self.sitemaps_to_follow(links):
                yield scrapy.Request(link.url, self.parse_sitemap, priority=5)
        else:
            yield from self.article_requests(links)

    def sitemaps_to_follow(self, links: list[discovery.Link]) -> Iterable[discovery.Link]:
        """Month files from ``since`` on (default: the two newest); every other sitemap."""
        months = {}
        for link in links:
            match = self.rules.month_sitemap.search(urlsplit(link.url).path)
            if match:
                months[link] = (int(match["year"]), int(match["month"]))
            else:
                yield link
        if self.since:
            first = (self.since.year, self.since.month)
            yield from (link for link, month in months.items() if month >= first)
        else:
            yield from sorted(months, key=months.get, reverse=True)[:2]

    def parse_feed(self, response: Response):
        links = discovery.parse_feed(response.body)
        self._count("discovery/feed", len(links))
        yield from self.article_requests(links)

    def parse_listing(self, response: Response, offset: int | None = None):
        listing = discovery.parse_listing(response.text, response.url, self.rules.listing_more)
        links = [discovery.Link(url) for url in listing.links if self.rules.article_id(url)]
        self._count("discovery/listing", len(links))
        yield from self.article_requests(links)
        if offset is None:
            if listing.more_url and listing.more_start is not None:
                yield from self.next_listing_page(listing.more_url, listing.more_start, listing.more_step, links)
        elif links and response.meta.get("more_step"):
            yield from self.next_listing_page(
                response.meta["more_url"], offset + response.meta["more_step"], response.meta["more_step"], links
            )

    def next_listing_page(self, template: str, offset: int, step: int | None, links) -> Iterable[scrapy.Request]:
        """Page on while the listing still reaches into the crawl window."""
        if not step or not self.since or not any(self.in_window(link) for link in links):
            return
        yield scrapy.Request(
            discovery.listing_page_url(template, offset),
            self.parse_listing,
            cb_kwargs={"offset": offset},
            meta={"more_url": template, "more_step": step},
        )

    # -- Articles ---------------------------------------------------------------

    def article_requests(self, links: Iterable[discovery.Link]) -> Iterable[scrapy.Request]:
        for link in links:
            url = urljoin(self.base_url + "/", link.url)
            article_id = self.rules.article_id(url)
            if not article_id or self.rules.is_skipped(url) or not self.in_window(link):
                continue
            if article_id in self.scheduled_ids:
                continue
            self.scheduled_ids.add(article_id)
            yield scrapy.Request(url, self.parse_article)

    def in_window(self, link: discovery.Link) -> bool:
        """Published on or after ``since`` (by the document's date, else the URL's)."""
        if not self.since:
            return True
        published = link.published[:10] if link.published else _url_day(link.url)
        return published is None or published >= self.since.isoformat()

    def parse_article(self, response: Response):
        article_id = self.rules.article_id(response.url)
        if article_id is None:
            self._count("article/skipped/not-article-url", 1)
            return
        live = response.css(self.rules.live_posts_container)
        if live and self.rules.live_posts_path:
            yield response.follow(
                self.rules.live_posts_path.format(id=article_id),
                self.parse_live_posts,
                cb_kwargs={"page": response},
                dont_filter=True,
            )
            return
        yield ArticleItem(url=response.url, html=response.body, site=self.rules.name)

    def parse_live_posts(self, response: Response, page: Response):
        try:
            posts = json.loads(response.text)
        except ValueError:
            self._count("article/skipped/bad-live-posts", 1)
            self.logger.warning("Live posts are not JSON: %(url)s", {"url": response.url})
            return
        yield ArticleItem(url=page.url, html=page.body, site=self.rules.name, live_posts=posts)

    def _count(self, key: str, value: int) -> None:
        self.crawler.stats.inc_value(key, value)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"since must be a date as YYYY-MM-DD, not {value!r}") from None


def _url_day(url: str) -> str | None:
    parts = urlsplit(url).path.split("/")
    if len(parts) > 4 and all(p.isdigit() for p in parts[1:4]):
        return "-".join(parts[1:4])
    return None
