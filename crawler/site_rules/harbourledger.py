"""The Harbour Ledger (harbourledger.example): WordPress with Yoast SEO and Jetpack.

A layout nothing like The Moscow Times: the replica in tests/replicas/wordpress.py is built
the way this theme and its plugins serve it.
"""

from __future__ import annotations

import re

from crawler.site_rules.base import SiteRules


class HarbourLedger(SiteRules):
    name = "harbourledger"
    hosts = ("harbourledger.example",)
    default_base_url = "https://harbourledger.example"
    language = "en"

    # -- Discovery ----------------------------------------------------------
    # robots.txt names Yoast's index, /sitemap_index.xml: posts in post-sitemap.xml,
    # post-sitemap2.xml…; pages, categories, tags and authors in sitemaps of their own.
    sitemap_skip = (re.compile(r"/(page|category|post_tag|author)-sitemap\d*\.xml$"),)
    # The site feed; /category/<slug>/feed/ repeat its items.
    feeds = ("/feed/",)

    # -- URLs ---------------------------------------------------------------
    # Date permalinks in the site's time zone: /2025/06/19/council-approves-harbour-budget/.
    # The id is WordPress's post id, in the page (<link rel="shortlink" href="…/?p=1234">).
    article_paths = (re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/?$"),)
    page_article_id = ("(substring-after(//link[@rel='shortlink']/@href, '?p='))",)
    skip_urls = (
        re.compile(r"[?&](share|replytocom)="),  # share buttons, comment replies
        re.compile(r"^/(wp-admin|wp-json|wp-login\.php)(/|$)"),
    )

    # -- Page structure -----------------------------------------------------
    body_container = "article.type-post div.entry-content"
    # The block editor's blocks; the theme's boxes between them (newsletter sign-up,
    # "Related", the member appeal) are no story.
    story_blocks = (
        "div.entry-content > p",
        "div.entry-content > h2.wp-block-heading",
        "div.entry-content > blockquote.wp-block-quote",
        "div.entry-content > figure.wp-block-image",
        "div.entry-content > ul.wp-block-list",
    )
    prune = (
        ("div.ledger-newsletter-signup", "newsletter"),
        ("div.ledger-inline-related", "related"),
        ("div.ledger-support-box", "donation"),
        ("div.sharedaddy", "share"),
        ("#jp-relatedposts", "related"),
        ("div.author-bio", "bio"),
        ("footer.entry-footer", "tags"),
    )
    authors = ("article.type-post header.entry-header .byline .author a ::text",)
    image = ("article.type-post figure.post-thumbnail img::attr(src)",)
