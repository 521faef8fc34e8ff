"""The Moscow Times (www.themoscowtimes.com).

Facts behind every rule: shared docs/moscowtimes-site.md (section numbers cited).
"""

from __future__ import annotations

import re

from crawler.discovery import Pager
from crawler.site_rules.base import SiteRules


class MoscowTimes(SiteRules):
    name = "moscowtimes"
    hosts = ("themoscowtimes.com",)
    default_base_url = "https://www.themoscowtimes.com"
    language = "en"

    # -- Discovery (§2) -----------------------------------------------------
    # robots.txt names the sitemap index on the static host; the Google News
    # index sits beside it but is not listed there (§2.1, §2.3).
    news_sitemaps = ("newsmap.xml",)
    # Month files are YYYY-M.xml, month not zero-padded: /sitemap/2024-6.xml
    month_sitemap = re.compile(r"/(?P<year>\d{4})-(?P<month>\d{1,2})\.xml$")
    # Section RSS exists for these slugs only; /rss/business is a hard 404 (§2.4).
    feeds = (
        "/rss/all",
        "/rss/news",
        "/rss/opinion",
        "/rss/city",
        "/rss/arts-and-life",
        "/rss/meanwhile",
        "/rss/in-depth",
        "/rss/podcasts",
    )
    # Listing pages; "more" fragments come from the button's data-url (§1.3).
    listings = (
        "/news",
        "/opinion",
        "/meanwhile",
        "/arts-and-life",
        "/business",
        "/climate",
        "/diaspora",
        "/features",
        "/ukraine-war",
        "/lectures",
        "/videos",
        "/galleries",
    )
    # The "View more" button: <div y-use="More" data-url=".../news/{{offset}}"
    # data-start="19" data-step="18">. /videos and /galleries page by 20.
    listing_more = Pager("[y-use=More]", url="data-url", start="data-start", step="data-step", placeholder="{{offset}}")

    # -- URLs (§1) ----------------------------------------------------------
    # /2020/12/26/russias-national-treasure-cabbage-soup-a72490
    article_paths = (re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]*-a(?P<id>\d+)/?$"),)
    skip_urls = (
        re.compile(r"/pdf$"),  # mPDF rendering of an article
        re.compile(r"^/(plus|partner|preview|account|api|all|live|search)(/|$)"),
        re.compile(r"^/(contribute|newsletters?|donate)"),
        re.compile(r"[?&]utm_"),  # disallowed by robots.txt
    )

    # -- Page structure (§3) ------------------------------------------------
    # Galleries put the body blocks in a second div.article__content (§5.7).
    body_container = (
        "article.article div.article__content[y-name=article-content], "
        "article.article div.article__content + div.article__content"
    )
    # The body is an ordered list of typed blocks, each in its own wrapper; a gallery has its
    # own template (§3.6, §5.7).
    story_blocks = (
        "div.article__content > div[data-id=article-block-type]",
        "div.article__content > div.article__gallery",
    )
    # html blocks hold what the editor (TinyMCE) allows; its only container, the div, carries
    # an id and a class at most. Text tags keep any attribute (legacy imports bring fonts,
    # tables and their attributes): a paragraph is never cut for how it is marked up (§3.6).
    story_markup = (
        ("div.article__block--html", {
            **dict.fromkeys("p span strong b em i u a h2 h3 hr br ul ol li sub sup font table thead tbody tr td th".split()),
            "div": frozenset(("id", "class")),
        }),
    )
    prune = (
        ("aside.article__related-article", "promo"),  # in-body "Read more" (§3.6)
        ("[y-name=banner]", "ad"),
        ("div.contribute-banner", "donation"),  # §4.3
        ("div.contribute-inline", "donation"),  # 2024 live render: amount picker
        ("div.contribute-teaser, div.contribute-teaser-mobile", "donation"),
        ("div.contribute-modal, div.contribute-bar", "donation"),
        ("div.newsletterbanner, div.article__newsletter", "newsletter"),
        ("div.article__disclaimer", "disclaimer"),
        ("div.author-excerpt-default, div.author-excerpt-small", "bio"),
        ("div.article__tags", "tags"),
        ("div.social", "share"),
        ("div.campaign__header", "promo"),
        ("section.cluster", "related"),
        ("#load-next-article", "promo"),
        (".slider__nav", "other"),
    )
    # Live blogs keep their byline (authors, date) inside an HTML comment (§5.3).
    uncomment = ("div.byline__details",)

    title = ("article.article header.article__header h1 ::text",)
    subtitle = ("article.article header.article__header h2 ::text",)
    lead = ("article.article div.article__intro ::text", "article.article div.live-intro ::text")
    # Galleries use a.article__author__name, archive pages a plain span (§3.4, §5.7).
    authors = (
        "article.article .byline__author .byline__author__name ::text",
        "article.article .byline__author .article__author__name ::text",
    )
    tags = ("article.article div.article__tags a.article__tags__tag ::text",)
    image = ("article.article figure.article__featured-image img::attr(src)",)
    image_caption = (
        "article.article figure.article__featured-image .featured-image__caption ::text",
    )
    # <div class="container article-container" id="article-id-72490" ...>
    page_article_id = ("div.article-container::attr(data-page-id)",)
    kinds = (
        # Legacy CMS imports: /archive/{slug}, ids from a table of their own (§5.2).
        ('link[rel=canonical][href*="/archive/"]', "archive"),
        ("div.live-posts", "live"),
        ("div.article__gallery", "gallery"),
        ("figure.videoheader", "video"),
        ("div.gtm-type[data-type=podcast]", "podcast"),
        # The opinion label reads "opinion"; "News Analysis" shares its class
        # but stays news (§3.3).
        (
            "//header[contains(@class, 'article__header')]"
            "//span[contains(@class, 'article__label--opinion')]"
            "[translate(normalize-space(.), 'OPINION', 'opinion') = 'opinion']",
            "opinion",
        ),
    )
    id_prefixes = {"archive": "archive-"}
    # The breadcrumb is right except for its typo'd lecture label (§3.8).
    section_labels = {"lecture-series": "TMT Lecture Series"}
    # Soft 404s are HTTP 200 pages with "Oops!" and no article.article (§6).
    article_marker = "article.article"
    # Posts of a live blog come as JSON, not in the page (§5.3).
    live_posts_path = "/live/{id}/0"
    live_posts_container = "article.article div.live-posts"
    live_posts_hint = b"live-posts"

    @classmethod
    def live_post_blocks(cls, posts):
        # [{"time": …, "body": [{"type": "html", "body": "<p>…</p>"}, …]}, …]; the html blocks only (§5.3)
        return [block["body"] for post in sorted(posts, key=lambda p: p.get("time") or "")
                for block in post.get("body") or [] if block.get("type") == "html" and block.get("body")]
