"""The Moscow Times spider: discovery and routing only; extraction lives in crawler.extract.

    scrapy crawl moscowtimes [-a base_url=URL] [-a since=YYYY-MM-DD]

Discovery: robots.txt → the sitemap index it names (month files) and the
Google News index beside it, RSS feeds and section listings with their
"load more" fragments. Every host past ``base_url`` comes from what it serves.

Crawls are incremental (crawler.state): the database knows every article
link and what each discovery document last said. Feeds, sitemaps and
listings are asked for conditionally, month sitemaps the index shows
unchanged are skipped, and an article page is fetched only when it is new,
when a document says it changed, or when it is young enough to re-check.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import date
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.http import Response

from crawler import discovery, state, storage
from crawler.items import FetchedArticle, link_dropped
from crawler.frontier import Frontier, redact
from crawler.site_rules import SITES


class MoscowTimesSpider(scrapy.Spider):
    name = "moscowtimes"
    rules = SITES["moscowtimes"]

    def __init__(self, base_url: str | None = None, since: str | None = None, **unknown):
        if unknown:
            raise UsageError(f"unknown spider argument {', '.join(sorted(unknown))}: {self.name} takes base_url, since")
        super().__init__()
        self.base_url = _check_base_url(base_url or self.rules.default_base_url).rstrip("/")
        self.since = _parse_day(since) if since else None
        if self.since and self.since > date.today():
            self.logger.warning("since=%s is in the future: no article is in the window", self.since)
        # What crawl_runs records of this run.
        self.arguments = {name: value for name, value in (("base_url", base_url), ("since", since)) if value}
        self.frontier = Frontier.of(self.rules, self.base_url)
        self.refused: set[str] = set()
        self.scheduled_ids: set[str] = set()
        self.current_ids: set[str] = set()  # known articles discovery listed with nothing new
        self.db = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if not crawler.settings.get("DATABASE_PATH"):
            raise UsageError("DATABASE_PATH is empty: the crawl keeps its state in the database")
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.open_database, signal=signals.spider_opened)
        return spider

    def open_database(self):
        # Once the spider opens, not in __init__: the run log takes the crawl lock first.
        # Before start(), and also when `scrapy parse` replaces start().
        # A cluster worker has none (crawler/cluster/): its callbacks write nothing, its start() never runs.
        path = self.crawler.settings["DATABASE_PATH"]
        self.db = storage.open_db(path) if path else None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        settings = self.crawler.settings
        pending = storage.pending_fetches(
            self.db, self.rules.name, storage.utc_now(),
            settings.getfloat("RECHECK_WINDOW"), settings.getfloat("RECHECK_INTERVAL"),
        )
        for article_id, url, reason in pending:
            for request in self.fetch(article_id, url, reason):
                yield request
        yield self.discovery_request(self.base_url + "/robots.txt", self.parse_robots, conditional=False, priority=10)
        for path in self.rules.feeds:
            yield self.discovery_request(self.base_url + path, self.parse_feed, priority=5)
        # Paging back to ``since`` needs the first page's "load more" button: no 304 then.
        for path in self.rules.listings:
            yield self.discovery_request(self.base_url + path, self.parse_listing, conditional=not self.since)

    def closed(self, reason):
        # Before the run log's verdict: the spider's handler is connected first.
        self.crawler.stats.set_value("articles/skipped/unchanged", len(self.current_ids - self.scheduled_ids))
        if self.db is not None:
            self.db.close()

    def parse(self, response: Response):
        """A page given alone (``scrapy parse --spider=moscowtimes URL``), to the callback its URL asks for."""
        path = urlsplit(response.url).path
        if self.rules.article_id(response.url):
            return self.parse_article(response)
        if path == "/robots.txt":
            return self.parse_robots(response)
        if path in self.rules.feeds:
            return self.parse_feed(response)
        if path in self.rules.listings:
            return self.parse_listing(response)
        return self.parse_sitemap(response)

    # -- Discovery ------------------------------------------------------------

    def discovery_request(self, url: str, callback, conditional: bool = True, record: bool = True,
                          meta: dict | None = None, **kwargs) -> scrapy.Request:
        """A request for a discovery document.

        ``conditional`` ones carry the validators last recorded; those of
        ``record`` ones are recorded once their links are.
        """
        document = storage.discovery_documents(self.db, [url]).get(url) if conditional else None
        return scrapy.Request(
            url, callback, headers=state.conditional_headers(document),
            meta={**(meta or {}), "record": record, "handle_httpstatus_list": [304]}, **kwargs,
        )

    def answered(self, response: Response) -> bool:
        """Count the response; False for a 304 (nothing new since the last crawl)."""
        if response.status == 304:
            self._count("discovery/not-modified", 1)
            return False
        self._count("discovery/documents", 1)
        return True

    def admit(self, url: str, base: str) -> str | None:
        """``url`` made absolute if the frontier admits it; else None, counted and logged once."""
        absolute, reason = self.frontier.resolve(url, base)
        if reason and url not in self.refused:
            self.refused.add(url)
            self._count(f"frontier/refused/{reason}", 1)
            self.logger.warning("Not following %(url)s: %(reason)s", {"url": redact(url), "reason": reason})
        return absolute

    def parse_robots(self, response: Response):
        self.answered(response)
        for found in discovery.sitemaps_in_robots(response.text):
            self.frontier.add_robots_host(found)
            url = self.admit(found, response.url)
            if url is None:
                continue
            yield self.discovery_request(url, self.parse_sitemap, conditional=False, priority=5)
            # The Google News index sits beside the sitemap index, unlisted (§2.3).
            yield self.discovery_request(
                urljoin(url, self.rules.newsmap_name), self.parse_sitemap, conditional=False, priority=5
            )

    def parse_sitemap(self, response: Response):
        if not self.answered(response):
            return
        kind, links = discovery.parse_sitemap(response.body)
        if kind == "index":
            admitted = [replace(link, url=url) for link in links if (url := self.admit(link.url, response.url))]
            for link in self.sitemaps_to_follow(admitted):
                yield self.discovery_request(
                    link.url, self.parse_sitemap, meta={"sitemap_lastmod": link.modified}, priority=5
                )
        else:
            yield from self.article_requests(links, response, "sitemap")

    def sitemaps_to_follow(self, links: list[discovery.Link]) -> Iterable[discovery.Link]:
        """Month files from ``since`` on (default: the two newest); every other sitemap.

        Files whose index ``lastmod`` is the one they had when last processed are skipped.
        """
        months = {}
        others = []
        for link in links:
            match = self.rules.month_sitemap.search(urlsplit(link.url).path)
            if match:
                months[link] = (int(match["year"]), int(match["month"]))
            else:
                others.append(link)
        if self.since:
            first = (self.since.year, self.since.month)
            wanted = others + [link for link, month in months.items() if month >= first]
        else:
            wanted = others + sorted(months, key=months.get, reverse=True)[:2]
        recorded = storage.discovery_documents(self.db, [link.url for link in wanted])
        for link in wanted:
            if state.sitemap_changed(link.modified, recorded.get(link.url)):
                yield link
            else:
                self._count("discovery/sitemap-unchanged", 1)

    def parse_feed(self, response: Response):
        if self.answered(response):
            yield from self.article_requests(discovery.parse_feed(response.body), response, "feed")

    def parse_listing(self, response: Response, offset: int | None = None):
        if not self.answered(response):
            return
        listing = discovery.parse_listing(response.text, response.url, self.rules.listing_more)
        links = [discovery.Link(url) for url in listing.links if self.rules.article_id(url)]
        yield from self.article_requests(links, response, "listing")
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
        url = self.admit(discovery.listing_page_url(template, offset), self.base_url)
        if url is None:
            return
        yield self.discovery_request(
            url,
            self.parse_listing,
            conditional=False,
            record=False,  # offsets shift as articles are added: a fragment is no document to revalidate
            cb_kwargs={"offset": offset},
            meta={"more_url": template, "more_step": step},
        )

    # -- Articles ---------------------------------------------------------------

    def article_requests(self, links: Iterable[discovery.Link], response: Response, kind: str
                         ) -> Iterable[scrapy.Request]:
        """Record what the document says about its articles; requests for those due."""
        links = list(links)
        self._count(f"discovery/{kind}/documents", 1)
        self._count(f"discovery/{kind}", len(links))
        sightings, complete = [], True
        for link in links:
            url = self.admit(link.url, self.base_url + "/")
            article_id = url and self.rules.article_id(url)
            if not article_id or self.rules.is_skipped(url):
                continue
            if not self.in_window(link):
                complete = False
                continue
            sightings.append(state.sighting(article_id, url, link))
        document = None
        if response.meta.get("record"):
            document = state.Document(response.meta.get("redirect_urls", [response.url])[0])
            # Read only in part (links outside ``since``): no validators, the next crawl reads it whole.
            if complete:
                document = replace(
                    document, etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                    sitemap_lastmod=response.meta.get("sitemap_lastmod"),
                )
        due = storage.record_discovery(self.db, self.rules.name, response.url, sightings, storage.utc_now(), document)
        due_ids = {article_id for article_id, _, _ in due}
        self.current_ids.update(s.article_id for s in sightings if s.article_id not in due_ids)
        for article_id, url, reason in due:
            yield from self.fetch(article_id, url, reason)

    def fetch(self, article_id: str, url: str, reason: str) -> Iterable[scrapy.Request]:
        """The article's page request, once per crawl.

        A page that fails to download stays due: the next crawl asks again.
        """
        if article_id in self.scheduled_ids:
            return
        self.scheduled_ids.add(article_id)
        self._count(f"articles/fetch/{reason}", 1)
        # Deduplicated by id above; unfiltered, a link redirected to a page already
        # fetched (a deleted article sent to its section) still reaches parse_article.
        settings = self.crawler.settings
        maxsize = min(settings.getint("ARTICLE_MAXSIZE"), settings.getint("DOWNLOAD_MAXSIZE"))
        yield scrapy.Request(url, self.parse_article, dont_filter=True, meta={"download_maxsize": maxsize})

    def in_window(self, link: discovery.Link) -> bool:
        """Published on or after ``since`` (by the document's date, else the URL's)."""
        if not self.since:
            return True
        published = link.published[:10] if link.published else _url_day(link.url)
        return published is None or published >= self.since.isoformat()

    def parse_article(self, response: Response):
        # The link's id is in the URL first requested, the page's in the one that answered.
        link_id = self.rules.article_id(response.meta.get("redirect_urls", [response.url])[0])
        page_id = self.rules.article_id(response.url)
        if page_id is None:
            self.drop(link_id, "not-article-url")
            return
        if page_id != link_id:
            # Redirected to another article: stored under its own id, this link is done.
            self.drop(link_id, "redirected", counted_as="articles")
        if self.is_live_blog(response):
            yield response.follow(
                self.rules.live_posts_path.format(id=page_id),
                self.parse_live_posts,
                cb_kwargs={"page": response},
                dont_filter=True,
            )
            return
        yield FetchedArticle(url=response.url, html=response.body, site=self.rules.name, article_id=page_id)

    def is_live_blog(self, response: Response) -> bool:
        rules = self.rules
        if not (rules.live_posts_path and rules.live_posts_container):
            return False
        if rules.live_posts_hint is not None and rules.live_posts_hint not in response.body:
            return False
        return bool(response.css(rules.live_posts_container))

    def parse_live_posts(self, response: Response, page: Response):
        article_id = self.rules.article_id(page.url)
        try:
            posts = json.loads(response.text)
        except ValueError:
            self.drop(article_id, "bad-live-posts")
            self.logger.warning("Live posts are not JSON: %(url)s", {"url": response.url})
            return
        yield FetchedArticle(url=page.url, html=page.body, site=self.rules.name, article_id=article_id,
                             live_posts=posts)

    def drop(self, article_id: str, reason: str, counted_as: str = "articles/drop") -> None:
        """The link gave no article this time; it is not fetched again until discovery says so."""
        self._count(f"{counted_as}/{reason}", 1)
        self.crawler.signals.send_catch_log(link_dropped, site=self.rules.name, article_id=article_id, reason=reason)

    def _count(self, key: str, value: int) -> None:
        self.crawler.stats.inc_value(key, value)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"since must be a date as YYYY-MM-DD, not {value!r}") from None


def _check_base_url(value: str) -> str:
    """``value`` if it is an http(s) URL with a host (a site, a mirror, a replica)."""
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bracketed host that is no IPv6 address, a port that is no number or too large
        valid = False
    if not valid:
        raise UsageError(f"base_url must be an http(s) URL such as https://www.themoscowtimes.com, not {value!r}")
    return value


def _url_day(url: str) -> str | None:
    parts = urlsplit(url).path.split("/")
    if len(parts) > 4 and all(p.isdigit() for p in parts[1:4]):
        return "-".join(parts[1:4])
    return None


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
