"""NewsSpider: one spider for every site, routed by each site's rules; discovery and routing only.

    scrapy crawl news -a site=https://example.org [-a site=moscowtimes …] [-a sites=FILE] [-a base_url=URL]
                      [-a since=YYYY-MM-DD]
    scrapy crawl moscowtimes [-a base_url=URL] [-a since=YYYY-MM-DD]

A site is a rules name, a URL (the rules of its host, else the generic rules of
crawler.site_rules.generic), or a rules name and the URL it is served at. Every
registered site is also a spider of its own name (``scrapy crawl moscowtimes``).

Discovery is what the rules declare (crawler.site_rules.base): robots.txt and the
sitemaps it names with the news sitemaps beside them, sitemaps at known or
common places, month files picked by ``since``, feeds (listed, or announced by
the home page), section listings with their "load more" pagers, and the home
page's links when nothing else listed an article. Every request carries its
site (``meta["site"]``), so links, rows, failures and the frontier stay per site.

Crawls are incremental (crawler.incremental): the database knows every article
link and what each discovery document last said. Feeds, sitemaps and listings
are asked for conditionally, month sitemaps the index shows unchanged are
skipped, and an article page is fetched only when it is new, when a document
says it changed, or when it is young enough to re-check. The crawl state is
read and written through ``CrawlState`` on the crawl's database writer thread.

Discovery records the links it finds and requests none: the links due wait in
the database, and ``start()`` hands the scheduler a batch of their requests
whenever half the last has been sent (``MAX_SCHEDULED_ARTICLES``; in a cluster the
scheduler holds those waiting in the shared frontier, and those other processes take
from it are sent), so a crawl holds as many requests whether its sitemaps list a
thousand links or millions, and fetches articles while sitemaps are still being read.
A site's sitemaps are read up to ``MAX_SITEMAPS`` per run.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import islice
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import UsageError
from scrapy.http import Response

from crawler import discovery, incremental
from crawler.charset import content_type_charset
from crawler.extensions import origin
from crawler.frontier import Frontier, redact
from crawler.items import FetchedArticle
from crawler.site_rules import SITES, SiteRules, resolve_site
from crawler.storage import DatabaseWriter

# Answers a discovery request reads itself: 304 (not modified since the last crawl), and a
# missing document at a place the site was only guessed to use (``probe``).
NOT_MODIFIED = [304]
ABSENT = [404, 410]
# Sitemap indexes in one chain, the first included: sitemaps.org allows one (an index names
# no index), some sites nest one or two more.
MAX_SITEMAP_DEPTH = 3
# Links recorded in one transaction: a sitemap's 150,000, read as they are recorded, are never all in memory.
LINKS_PER_RECORD = 5000
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # since=YYYY-MM-DD


@dataclass
class Site:
    """One site of a crawl: its rules, where it is served, its frontier, and what discovery found."""

    name: str
    rules: type[SiteRules]
    base_url: str
    frontier: Frontier = field(init=False)
    listed: bool = False  # a sitemap or feed listed an article link
    sitemaps: int = 0  # sitemap requests made (MAX_SITEMAPS) and refused past it
    home_links: list[discovery.Link] | None = None  # the home page's links, the last resort
    paged: dict[str, set[str]] = field(default_factory=dict)  # pager template -> the links its pages showed

    def __post_init__(self):
        self.frontier = Frontier.of(self.rules, self.base_url)


class NewsSpider(scrapy.Spider):
    name = "news"
    #: The rules of a spider for one registered site; None: sites come from the arguments.
    rules: type[SiteRules] | None = None
    arguments = ("site", "sites", "base_url", "since")

    def __init__(self, site: str | list[str] | None = None, sites: str | None = None, base_url: str | None = None,
                 since: str | None = None, **unknown):
        # What crawl_runs records of this run.
        given = {name: value for name, value in
                 {"site": site, "sites": sites, "base_url": base_url, "since": since, **unknown}.items()
                 if value is not None}
        if set(given) - set(self.arguments):
            raise UsageError(f"unknown spider argument {', '.join(sorted(set(given) - set(self.arguments)))}: "
                             f"{self.name} takes {', '.join(self.arguments)}")
        # The crawl command hands on every value of an argument given more than once; only site= takes several.
        repeated = sorted(name for name, value in given.items() if isinstance(value, list) and name != "site")
        if repeated:
            raise UsageError(f"spider argument {', '.join(repeated)} is given more than once: it takes one value")
        # -a since= is a value forgotten, not an argument left out: the run would cover something else.
        empty = sorted(name for name, value in given.items() if not value)
        if empty:
            raise UsageError(f"spider argument {', '.join(empty)} is empty: give it a value or leave it out")
        super().__init__()
        self.sites = self.named_sites(site, sites, base_url)
        self.since = _parse_day(since) if since is not None else None
        if self.since and self.since > date.today():
            self.logger.warning("since=%s is in the future: no article is in the window", self.since)
        self.arguments = given
        self.refused: set[str] = set()
        self.skipped: set[str] = set()  # links whose URL shows a page that is no article
        self.scheduled_ids: set[tuple[str, str]] = set()  # articles requested in this run
        self.current_ids: set[tuple[str, str]] = set()  # known articles discovery listed with nothing new
        self.state: incremental.CrawlState | None = None
        self.recorded = asyncio.Event()  # wakes ``articles_due``: links were recorded, or the scheduler drained
        self.dequeued = 0  # requests that left the scheduler since ``articles_due`` last fed it
        self.sitemap_reading = asyncio.Lock()

    def named_sites(self, site, sites, base_url) -> list[Site]:
        """The sites of the crawl from its arguments; UsageError naming the argument that is wrong."""
        values = [site] if isinstance(site, str) else list(site or [])
        if sites:
            try:
                lines = Path(sites).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeError) as exc:
                raise UsageError(f"sites cannot be read: {exc}") from None
            values += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        if self.rules is not None:  # the spider of one site
            values = [self.rules.name]
        if not values:
            raise UsageError(f"{self.name} needs a site: -a site=URL (or a rules name: {', '.join(SITES)}), "
                             "or -a sites=FILE")
        if base_url and len(values) > 1:
            raise UsageError("base_url names where one site is served: give each site as 'NAME URL' instead")
        if base_url and values[0] not in SITES:  # a URL, or 'NAME URL': the site's address is given already
            raise UsageError("base_url names where a site given by its rules name is served, not a site given "
                             "by its URL: give the site's URL alone, or its rules as 'NAME URL'")
        resolved = {}
        for value in values:
            try:
                name, rules, url = resolve_site(value, base_url)
            except ValueError as exc:
                argument = "base_url" if base_url and value in SITES else "site"
                raise UsageError(f"{argument} {exc}") from None
            resolved.setdefault(name, Site(name, rules, url))
        return list(resolved.values())

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if not crawler.settings.get("DATABASE_PATH"):
            raise UsageError("DATABASE_PATH is empty: the crawl keeps its state in the database")
        spider = super().from_crawler(crawler, *args, **kwargs)
        for site in spider.sites:  # the frontier refuses, and counts, what Scrapy's UrlLengthMiddleware would drop
            site.frontier.max_length = crawler.settings.getint("URLLENGTH_LIMIT")
        spider.batch = crawler.settings.getint("MAX_SCHEDULED_ARTICLES")  # article requests scheduled at most
        crawler.signals.connect(spider.open_state, signal=signals.spider_opened)
        crawler.signals.connect(spider.scheduler_drained, signal=signals.scheduler_empty)
        crawler.signals.connect(spider.request_dequeued, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider.request_dequeued, signal=incremental.requests_taken)
        return spider

    def request_dequeued(self, count: int = 1):
        """Wake ``articles_due`` once half a batch has left the scheduler (refilled before it runs dry),
        or all of it; ``count`` left at once when other processes took them (``incremental.requests_taken``)."""
        self.dequeued += count
        if self.dequeued * 2 >= self.batch:
            self.recorded.set()
        else:
            self.scheduler_drained()

    def scheduler_drained(self):
        # The engine finds this process's own queue empty; with a shared frontier (crawler.cluster)
        # it is empty most of the time while the crawl's requests wait in the frontier, which ``len`` counts.
        if not len(self.crawler.engine.scheduler):
            self.recorded.set()

    def open_state(self):
        # Once the spider opens, not in __init__: the run log takes the crawl lock first.
        # Before start(), and also when `scrapy parse` replaces start().
        self.state = incremental.CrawlState(self.crawler.get_extension(DatabaseWriter))

    def site_named(self, name: str | None) -> Site | None:
        return next((site for site in self.sites if site.name == name), None)

    def site_of(self, request: scrapy.Request) -> Site | None:
        """The site a request belongs to: the one it names, else the first whose frontier admits its URL."""
        named = self.site_named(request.meta.get("site"))
        if named is not None or "site" in request.meta:
            return named
        return next((site for site in self.sites if site.frontier.refusal(request.url) is None), None)

    def refusal(self, request: scrapy.Request) -> str | None:
        """Why ``request`` is off the crawl's sites (crawler.frontier), or None."""
        site = self.site_of(request)
        return site.frontier.refusal(request.url) if site else self.sites[0].frontier.refusal(request.url)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        settings = self.crawler.settings
        window, interval = settings.getfloat("RECHECK_WINDOW"), settings.getfloat("RECHECK_INTERVAL")
        for site in self.sites:
            for article_id, url, reason in await self.state.rechecks(site.name, window, interval):
                yield self.fetch(site, article_id, url, reason)
        for site in self.sites:
            async for request in self.discovery_start(site):
                yield request
        async for request in self.articles_due():
            yield request

    async def articles_due(self) -> AsyncIterator[scrapy.Request]:
        """Requests for the links due, a batch whenever half the last has left the scheduler (its
        downloads never wait on the database), until discovery is over and no link is due; then the home page's links of each site no sitemap or feed
        listed articles for (the last resort), and their requests. While this runs the crawl
        is not idle."""
        while True:
            self.recorded.clear()
            fed = False
            for site in self.sites:  # each request is in the scheduler before the next site's room is measured
                for request in await self.due_requests(site):
                    fed = True
                    yield request
            if fed:
                self.dequeued = 0
            elif self.discovery_over():
                home = [site for site in self.sites if site.home_links and not site.listed]
                if not home:
                    return
                for site in home:
                    links, site.home_links = site.home_links, None
                    await self.record_links(site, links, "home", site.base_url + "/")
                continue
            await self.recorded.wait()

    async def due_requests(self, site: Site) -> list[scrapy.Request]:
        """Requests for as many of the site's due links as the scheduler has room for."""
        room = self.batch - len(self.crawler.engine.scheduler)
        if room <= 0:
            return []
        return [self.fetch(site, *due) for due in await self.state.take(site.name, room)]

    def discovery_over(self) -> bool:
        """Whether the crawl is idle but for ``start()``: no discovery document is left to read."""
        engine = self.crawler.engine
        return (engine.scraper.slot.is_idle() and not engine.downloader.active
                and not len(engine.scheduler))  # with a shared frontier, its requests too

    async def discovery_start(self, site: Site) -> AsyncIterator[scrapy.Request]:
        """The first discovery requests of a site, as its rules declare them."""
        rules, base = site.rules, site.base_url
        yield await self.discovery_request(site, base + "/robots.txt", self.parse_robots, conditional=False,
                                           priority=10, probe=True)
        for path in rules.sitemaps + rules.sitemap_probes:
            if request := await self.sitemap_request(site, base + path, conditional=False,
                                                     probe=path in rules.sitemap_probes):
                yield request
        for path in rules.feeds:
            yield await self.discovery_request(site, base + path, self.parse_feed, priority=5)
        # Paging back to ``since`` needs the first page's "load more" button: no 304 then.
        for path in rules.listings:
            yield await self.discovery_request(site, base + path, self.parse_listing, conditional=not self.since)
        if rules.feed_autodiscovery or rules.home_links:
            yield await self.discovery_request(site, base + "/", self.parse_home, conditional=False, record=False)

    def closed(self, reason):
        # Before the run log's verdict: the spider's handler is connected first.
        self.crawler.stats.set_value("articles/skipped/unchanged", len(self.current_ids - self.scheduled_ids))

    async def parse(self, response: Response):
        """A page given alone (``scrapy parse --spider=NAME URL``), to the callback its URL asks for."""
        site = self.site_of(response.request)
        rules, path = site.rules, urlsplit(response.url).path
        if rules.article_paths and rules.link_key(response.url):
            callback = self.parse_article
        elif path == "/robots.txt":
            callback = self.parse_robots
        elif path in rules.feeds:
            callback = self.parse_feed
        elif path in rules.listings:
            callback = self.parse_listing
        elif rules.article_paths or path.endswith((".xml", ".xml.gz")):
            callback = self.parse_sitemap
        else:
            callback = self.parse_article
        async for output in _outputs(callback(response)):
            yield output
        # The requests for the links the page made due (in a crawl, ``articles_due`` makes them).
        for request in await self.due_requests(site):
            yield request

    # -- Discovery ------------------------------------------------------------

    async def discovery_request(self, site: Site, url: str, callback, conditional: bool = True, record: bool = True,
                                probe: bool = False, meta: dict | None = None, **kwargs) -> scrapy.Request:
        """A request for a discovery document of ``site``.

        ``conditional`` ones carry the validators last recorded; those of
        ``record`` ones are recorded once their links are. A ``probe`` asks
        where the document may not be: its absence is no failure.
        """
        document = (await self.state.documents([url])).get(url) if conditional else None
        statuses = NOT_MODIFIED + (ABSENT if probe else [])
        return scrapy.Request(
            url, callback, headers=incremental.conditional_headers(document),
            meta={**(meta or {}), "site": site.name, "record": record, "handle_httpstatus_list": statuses}, **kwargs,
        )

    def answered(self, response: Response) -> bool:
        """Count the response; False for a 304 (nothing new since the last crawl) or a probe that found nothing."""
        if response.status == 304:
            self._count("discovery/not-modified", 1)
            return False
        if response.status in ABSENT:
            self._count("discovery/absent", 1)
            return False
        self._count("discovery/documents", 1)
        return True

    def admit(self, url: str, base: str, site: Site) -> str | None:
        """``url`` made absolute if the site's frontier admits it; else None, counted and logged once."""
        absolute, reason = site.frontier.resolve(url, base)
        if reason and url not in self.refused:
            self.refused.add(url)
            self._count(f"frontier/refused/{reason}", 1)
            self.logger.warning("Not following %(url)s: %(reason)s", {"url": redact(url), "reason": reason})
        return absolute

    async def parse_robots(self, response: Response):
        if not self.answered(response):
            return
        site = self.site_of(response.request)
        for found in discovery.sitemaps_in_robots(response.text):
            site.frontier.add_robots_host(found)
            url = self.admit(found, response.url, site)
            if url is None:
                continue
            # Google News sitemaps the rules name beside the index, which does not list them.
            for sitemap in [url, *(urljoin(url, name) for name in site.rules.news_sitemaps)]:
                if request := await self.sitemap_request(site, sitemap, conditional=False):
                    yield request

    async def parse_sitemap(self, response: Response):
        if not self.answered(response):
            return
        site = self.site_of(response.request)
        # One sitemap read at a time (its links parsed as they are recorded): sitemaps downloaded
        # together wait as their bodies, not as parsers and links waiting on the database writer.
        async with self.sitemap_reading:
            kind, links = discovery.parse_sitemap(response.body)
            if kind != "index":
                await self.record_links(site, links, "sitemap", response.url, response)
                return
        depth = response.meta.get("sitemap_depth", 0) + 1
        if depth > MAX_SITEMAP_DEPTH:  # indexes naming indexes naming indexes: a loop, or a trap
            self._count("discovery/sitemap-too-deep", 1)
            return
        admitted = [replace(link, url=url) for link in links if (url := self.admit(link.url, response.url, site))]
        for link in await self.sitemaps_to_follow(site, admitted):
            if request := await self.sitemap_request(
                    site, link.url, meta={"sitemap_lastmod": link.modified, "sitemap_depth": depth}):
                yield request

    async def sitemap_request(self, site: Site, url: str, **kwargs) -> scrapy.Request | None:
        """A request for a sitemap of ``site``; None past the ``MAX_SITEMAPS`` of a run (counted, logged
        once): indexes may name indexes by the thousand, each naming as many (a trap, or an archive
        of years of daily files, read on by later runs)."""
        site.sitemaps += 1
        limit = self.crawler.settings.getint("MAX_SITEMAPS")
        if site.sitemaps > limit:
            self._count("discovery/sitemap-capped", 1)
            if site.sitemaps == limit + 1:
                self.logger.warning("Not reading more than %(limit)d sitemaps of %(site)s in this run (MAX_SITEMAPS)",
                                    {"limit": limit, "site": site.name})
            return None
        return await self.discovery_request(site, url, self.parse_sitemap, priority=5, **kwargs)

    async def sitemaps_to_follow(self, site: Site, links: list[discovery.Link]) -> list[discovery.Link]:
        """Month files from ``since`` on (default: the newest ``recent_months``); every other sitemap
        the rules do not skip whose index ``lastmod`` is not older than ``since``.

        Files whose index ``lastmod`` is the one they had when last processed are skipped.
        """
        rules = site.rules
        months, others = {}, []
        for link in links:
            path = urlsplit(link.url).path
            match = rules.month_sitemap.search(path) if rules.month_sitemap else None
            if match:
                months[link] = (int(match["year"]), int(match["month"]))
            elif any(pattern.search(path) for pattern in rules.sitemap_skip):
                self._count("discovery/sitemap-skipped", 1)
            elif not (self.since and link.modified and link.modified[:10] < self.since.isoformat()):
                others.append(link)
        newest = sorted(months, key=months.get, reverse=True)
        if self.since:
            first = (self.since.year, self.since.month)
            newest = [link for link in newest if months[link] >= first]
        else:
            newest = newest[:rules.recent_months]
        # Newest first: a run that reaches MAX_SITEMAPS leaves the oldest files (for later runs,
        # when their lastmod tells which it read).
        wanted = newest + sorted(others, key=lambda link: link.modified or "", reverse=True)
        recorded = await self.state.documents([link.url for link in wanted])
        followed = []
        for link in wanted:
            if incremental.sitemap_changed(link.modified, recorded.get(link.url)):
                followed.append(link)
            else:
                self._count("discovery/sitemap-unchanged", 1)
        return followed

    async def parse_feed(self, response: Response):
        if self.answered(response):
            site = self.site_of(response.request)
            await self.record_links(site, discovery.parse_feed(response.body), "feed", response.url, response)

    async def parse_home(self, response: Response):
        """The home page: the feeds it announces, and its links for the last resort."""
        if not self.answered(response):
            return
        site = self.site_of(response.request)
        if site.rules.feed_autodiscovery:
            for found in discovery.feeds_in_page(response.text, response.url):
                url = self.admit(found, response.url, site)
                if url:
                    yield await self.discovery_request(site, url, self.parse_feed, priority=5)
        if site.rules.home_links:
            links = discovery.parse_listing(response.text, response.url, None).links
            site.home_links = [discovery.Link(url) for url in links]

    async def parse_listing(self, response: Response, offset: int | None = None):
        if not self.answered(response):
            return
        site = self.site_of(response.request)
        listing = discovery.parse_listing(response.text, response.url, site.rules.listing_more)
        links = [discovery.Link(url) for url in listing.links if site.rules.link_key(url)]
        await self.record_links(site, links, "listing", response.url, response)
        if offset is None:
            if listing.more_url and listing.more_start is not None:
                async for request in self.next_listing_page(site, listing.more_url, listing.more_start,
                                                            listing.more_step, links):
                    yield request
        elif links and response.meta.get("more_step"):
            async for request in self.next_listing_page(site, response.meta["more_url"],
                                                        offset + response.meta["more_step"],
                                                        response.meta["more_step"], links):
                yield request

    async def next_listing_page(self, site: Site, template: str, offset: int, step: int | None, links):
        """Page on while the listing still reaches into the crawl window and shows links its
        earlier pages did not (a pager that ignores its offset would page on for ever)."""
        if not step or not self.since or not any(self.in_window(site, link) for link in links):
            return
        shown = site.paged.setdefault(template, set())
        if shown.issuperset(link.url for link in links):
            self._count("discovery/listing-repeated", 1)
            return
        shown.update(link.url for link in links)
        url = self.admit(site.rules.listing_more.page_url(template, offset), site.base_url, site)
        if url is None:
            return
        yield await self.discovery_request(
            site, url, self.parse_listing, conditional=False,
            record=False,  # offsets shift as articles are added: a fragment is no document to revalidate
            cb_kwargs={"offset": offset},
            meta={"more_url": template, "more_step": step},
        )

    # -- Articles ---------------------------------------------------------------

    async def record_links(self, site: Site, links: Iterable[discovery.Link], kind: str, source: str,
                           response: Response | None = None) -> None:
        """Record what the document at ``source`` says about its articles, for ``articles_due`` to request
        those due: ``LINKS_PER_RECORD`` links at a time, so a sitemap's links, parsed as they are
        taken, are never all in memory at once.

        The validators of ``response`` are recorded with the last links when its request asked for it.
        """
        self._count(f"discovery/{kind}/documents", 1)
        complete = True
        for chunk, last in _chunks(links, LINKS_PER_RECORD):
            self._count(f"discovery/{kind}", len(chunk))
            sightings = []
            for link in chunk:
                url = self.admit(link.url, site.base_url + "/", site)
                article_id = url and self.article_link_key(site, url)
                if not article_id:
                    continue
                if not self.in_window(site, link):
                    complete = False
                    continue
                sightings.append(incremental.sighting(article_id, url, link))
            if sightings and kind in ("sitemap", "feed"):
                site.listed = True
            document = self.recorded_document(response, complete) if last else None
            due = await self.state.record(site.name, source, sightings, document)
            due_ids = {article_id for article_id, _, _ in due}
            self.current_ids.update((site.name, s.article_id) for s in sightings if s.article_id not in due_ids)
            if due:
                self.recorded.set()

    @staticmethod
    def recorded_document(response: Response | None, complete: bool) -> incremental.Document | None:
        """What to record of the discovery document ``response`` (None: its request asked for nothing)."""
        if response is None or not response.meta.get("record"):
            return None
        document = incremental.Document(origin(response.request))
        # Read only in part (links outside ``since``): no validators, the next crawl reads it whole.
        if not complete:
            return document
        return replace(document, etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
                       sitemap_lastmod=response.meta.get("sitemap_lastmod"))

    def article_link_key(self, site: Site, url: str) -> str | None:
        """The key of a link that may be an article of ``site``; None, the kinds counted, for one that is not."""
        rules = site.rules
        if rules.is_skipped(url):
            return None
        kind = rules.skip_kind(url)
        if kind:
            if url not in self.skipped:
                self.skipped.add(url)
                self._count(f"articles/skipped/{kind}", 1)
            return None
        return rules.link_key(url)

    def fetch(self, site: Site, article_id: str, url: str, reason: str) -> scrapy.Request:
        """The article's page request (each link is taken once per crawl: crawler.storage.take_due).

        A page that fails to download stays due: the next crawl asks again.
        """
        self.scheduled_ids.add((site.name, article_id))
        self._count(f"articles/fetch/{reason}", 1)
        # Deduplicated by id when taken; unfiltered, a link redirected to a page already
        # fetched (a deleted article sent to its section) still reaches parse_article.
        settings = self.crawler.settings
        maxsize = min(settings.getint("ARTICLE_MAXSIZE"), settings.getint("DOWNLOAD_MAXSIZE"))
        return scrapy.Request(url, self.parse_article, dont_filter=True,
                              meta={"download_maxsize": maxsize, "site": site.name})

    def in_window(self, site: Site, link: discovery.Link) -> bool:
        """Published on or after ``since`` (by the document's date, else the URL's)."""
        if not self.since:
            return True
        published = link.published[:10] if link.published else site.rules.url_day(link.url)
        return published is None or published >= self.since.isoformat()

    def parse_article(self, response: Response):
        site = self.site_of(response.request)
        rules = site.rules
        # The link's key is in the URL first requested, the page's in the one that answered.
        link_id = rules.link_key(origin(response.request))
        page_id = rules.link_key(response.url)
        if page_id is None:
            self.drop(site, link_id, "not-article-url")
            return
        if page_id != link_id and rules.article_paths:
            # Redirected to another article: stored under its own id, this link is done.
            self.drop(site, link_id, "redirected", counted_as="articles")
            link_id = page_id
        if self.is_live_blog(rules, response):
            yield response.follow(
                rules.live_posts_path.format(id=page_id),
                self.parse_live_posts,
                cb_kwargs={"page": response},
                dont_filter=True,
                meta={"site": site.name},
            )
            return
        # The page may give another id (its canonical path, an id in the page: crawler.extract):
        # the link's key goes along, so that storing the article settles the link.
        yield FetchedArticle(url=response.url, html=response.body, site=site.name, article_id=page_id,
                             link_id=link_id, charset=content_type_charset(response.headers.get("Content-Type")))

    def is_live_blog(self, rules: type[SiteRules], response: Response) -> bool:
        if not (rules.live_posts_path and rules.live_posts_container):
            return False
        if rules.live_posts_hint is not None and rules.live_posts_hint not in response.body:
            return False
        return bool(response.css(rules.live_posts_container))

    def parse_live_posts(self, response: Response, page: Response):
        site = self.site_of(response.request)
        article_id = site.rules.article_id(page.url)
        try:
            posts = json.loads(response.text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python parses
            self.drop(site, article_id, "bad-live-posts")
            self.logger.warning("Live posts are not JSON: %(url)s", {"url": response.url})
            return
        yield FetchedArticle(url=page.url, html=page.body, site=site.name, article_id=article_id,
                             live_posts=posts, charset=content_type_charset(page.headers.get("Content-Type")))

    def drop(self, site: Site, article_id: str, reason: str, counted_as: str = "articles/drop") -> None:
        """The link gave no article this time; it is not fetched again until discovery says so."""
        self._count(f"{counted_as}/{reason}", 1)
        self.state.drop(site.name, article_id, reason)

    def _count(self, key: str, value: int) -> None:
        self.crawler.stats.inc_value(key, value)


def spider_for(rules: type[SiteRules]) -> type[NewsSpider]:
    """The spider of one registered site: ``scrapy crawl NAME``, taking ``base_url`` and ``since``."""
    return type(f"{rules.__name__}Spider", (NewsSpider,), {
        "__module__": __name__, "__doc__": f"NewsSpider for the site {rules.name}.",
        "name": rules.name, "rules": rules, "arguments": ("base_url", "since"),
    })


# One spider per registered site, found by Scrapy's spider loader in this module.
SITE_SPIDERS = {name: spider_for(rules) for name, rules in SITES.items()}
globals().update({spider.__name__: spider for spider in SITE_SPIDERS.values()})


async def _outputs(result):
    """The items and requests of a callback, whether it is a generator, an async one or a coroutine."""
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        async for output in result:
            yield output
    else:
        for output in result or ():
            yield output


def _parse_day(value: str) -> date:
    try:
        # fromisoformat alone also reads 20240101 and 2024-W10-1, forms nobody would mean here.
        if not DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"since must be a date as YYYY-MM-DD, not {value!r}") from None


def _chunks(items: Iterable, size: int) -> Iterator[tuple[list, bool]]:
    """``items`` in lists of ``size`` at most, each with whether it is the last (one empty list for none)."""
    items = iter(items)
    chunk = list(islice(items, size))
    for following in items:
        yield chunk, False
        chunk = [following, *islice(items, size - 1)]
    yield chunk, True


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
