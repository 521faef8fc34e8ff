"""A WordPress news site with Yoast SEO, generated from a seed: ``build_wordpress_site(dest, seed)``.

The layout is a classic WordPress theme, nothing like The Moscow Times: date permalinks
``/YYYY/MM/DD/slug/`` (site-local date), shortlinks ``/?p=ID``, ``div.entry-content`` with
paragraphs, headings, block quotes, figures and lists; Yoast's ``@graph`` JSON-LD
(``NewsArticle`` with author references, ``WebPage``, ``BreadcrumbList``, ``Person``), og and
article meta, ``rel=canonical``. Discovery as Yoast serves it: ``robots.txt`` naming
``/sitemap_index.xml`` (``/sitemap.xml`` and core's ``/wp-sitemap.xml`` redirect there), post
sitemaps split at ``POSTS_PER_SITEMAP`` so ``post-sitemap2.xml`` exists, page, category, tag and
author sitemaps (the page sitemap starts with the home page); ``/feed/`` and one feed per category
(RSS 2.0, ``content:encoded``); home, category, tag and author archives paginated at
``/page/N/``; static pages ``/about/``, ``/contact/``, ``/privacy-policy/`` which Yoast marks
``og:type=article`` although they are no articles.

Around and inside the story: the site's own newsletter box, "Read also" links, an end-of-story
member appeal, generated appeal panels from ``tests/appeals.py``, Jetpack related posts, share
buttons, author bios, post navigation, comments and a sidebar. Trap paragraphs (editorial text
about donations and subscriptions, from ``tests/appeal_content.py``) are part of the story.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from tests import appeals
from tests.appeal_content import compose_appeal
from tests.replicas import prose
from tests.replicas.writer import FEED_TYPE, ReplicaWriter, article_truth, esc, forbidden_lines, json_ld

SITE_NAME = "The Harbour Ledger"
NOW = datetime(2025, 6, 20, 16, 0, tzinfo=timezone.utc)
LOCAL = timezone(timedelta(hours=-4))  # the site's time zone: permalinks use the local date
POSTS_PER_PAGE = 10
POSTS_PER_FEED = 10
POSTS_PER_SITEMAP = 25  # Yoast's default is 1000; lowered so that post-sitemap2.xml exists
CATEGORIES = {"local": "Local", "politics": "Politics", "business": "Business",
              "environment": "Environment", "education": "Education", "opinion": "Opinion"}
TAGS = ("housing", "transport", "flooding", "budget", "schools", "elections", "harbour", "energy",
        "health", "parks", "courts", "labour", "tourism", "water", "policing", "culture")
STATIC_PAGES = {
    "/about/": "About us", "/contact/": "Contact", "/privacy-policy/": "Privacy Policy",
}
NEWSLETTER = (
    ("The Morning Ledger", "Local news you need, in your inbox before 7 a.m. every weekday."),
    ("Ledger Weekend", "Our best reporting of the week, plus events worth your Saturday."),
)
SUPPORT_BOX = (
    "Independent local journalism depends on readers like you.",
    "Members keep the Ledger free for everyone in the harbour towns. Join from $5 a month and cancel any time.",
)


@dataclass
class Author:
    slug: str
    name: str
    bio: str


@dataclass
class Post:
    id: int
    slug: str
    title: str
    published: datetime
    modified: datetime
    authors: list[Author]
    categories: list[str]
    tags: list[str]
    blocks: list[tuple] = field(default_factory=list)  # story blocks, see _story
    comments: list[tuple[str, str]] = field(default_factory=list)

    @property
    def path(self) -> str:
        local = self.published.astimezone(LOCAL)
        return f"/{local:%Y/%m/%d}/{self.slug}/"

    @property
    def excerpt(self) -> str:
        first = next(block[1] for block in self.blocks if block[0] == "p")
        return " ".join(first.split()[:30]) + " [\u2026]"

    @property
    def image(self) -> str:
        return f"/wp-content/uploads/{self.published:%Y/%m}/{self.slug[:24]}-1024x683.jpg"


def build_wordpress_site(dest: str | Path, seed: int = 0) -> Path:
    """Write the site for ``seed`` to ``dest`` (a replica directory) and return it."""
    rng = random.Random(f"wordpress:{seed}")
    authors = _authors(rng)
    posts = _posts(rng, authors)
    writer = ReplicaWriter(dest, NOW.isoformat(), "harbourledger")
    site = _Site(writer, posts, authors, rng)
    site.write()
    return writer.finish(seed=seed, name=SITE_NAME, timezone="-04:00")


def _authors(rng):
    names = set()
    while len(names) < 6:
        names.add(prose.person(rng))
    return [Author(prose.slugify(name), name,
                   f"{name} covers {rng.choice(TAGS)} and {rng.choice(TAGS)} for {SITE_NAME}. "
                   f"Before joining in {rng.randint(2009, 2022)}, {name.split()[0]} reported for a "
                   f"regional daily.")
            for name in sorted(names)]


def _posts(rng, authors):
    count = rng.randint(36, 52)
    moments = sorted(NOW - timedelta(minutes=rng.randint(60, 150 * 24 * 60)) for _ in range(count))
    titles, posts, post_id = set(), [], rng.randint(100, 900)
    for moment in moments:
        title = prose.headline(rng)
        while title in titles:
            title = prose.headline(rng)
        titles.add(title)
        post_id += rng.randint(1, 9)
        modified = moment + timedelta(minutes=rng.choice((0, 0, rng.randint(5, 3000))))
        post = Post(post_id, prose.slugify(title), title, moment, min(modified, NOW),
                    rng.sample(authors, rng.choice((1, 1, 1, 2))), rng.sample(list(CATEGORIES), rng.choice((1, 1, 2))),
                    sorted(rng.sample(TAGS, rng.randint(1, 4))))
        post.blocks = prose.story_blocks(rng)
        post.comments = [(prose.person(rng), prose.comment(rng)) for _ in range(rng.choice((0, 0, 1, 2, 3)))]
        posts.append(post)
    return sorted(posts, key=lambda p: p.published, reverse=True)  # newest first, as WordPress lists


def _rfc822(moment):
    return format_datetime(moment.astimezone(timezone.utc))


def _iso(moment):
    return moment.astimezone(timezone.utc).isoformat()


class _Site:
    def __init__(self, writer: ReplicaWriter, posts: list[Post], authors: list[Author], rng: random.Random):
        self.w, self.posts, self.authors, self.rng = writer, posts, authors, rng

    def write(self):
        for index, post in enumerate(self.posts):
            self.article(post, index)
        self.archive("/", f"{SITE_NAME} \u2013 News from the harbour towns", self.posts, "home")
        for slug, label in CATEGORIES.items():
            chosen = [p for p in self.posts if slug in p.categories]
            self.archive(f"/category/{slug}/", f"{label} Archives", chosen, "category")
            self.feed(f"/category/{slug}/feed/", f"{SITE_NAME} \u00bb {label}", chosen)
        for tag in TAGS:
            chosen = [p for p in self.posts if tag in p.tags]
            if chosen:
                self.archive(f"/tag/{tag}/", f"{tag.title()} Archives", chosen, "tag")
        for author in self.authors:
            chosen = [p for p in self.posts if author in p.authors]
            if chosen:
                self.archive(f"/author/{author.slug}/", f"{author.name}, Author at {SITE_NAME}", chosen,
                             "author", intro=author.bio)
        for path, title in STATIC_PAGES.items():
            self.static_page(path, title)
        self.feed("/feed/", SITE_NAME, self.posts)
        self.sitemaps()
        self.w.page("/robots.txt", "# START YOAST BLOCK\n# ---------------------------\nUser-agent: *\n"
                    "Disallow:\n\nSitemap: {{www}}/sitemap_index.xml\n# ---------------------------\n"
                    "# END YOAST BLOCK\n", "robots")
        self.w.redirect("/sitemap.xml", "/sitemap_index.xml")
        self.w.redirect("/wp-sitemap.xml", "/sitemap_index.xml")
        self.w.content_type(r"/feed/$", FEED_TYPE)

    # -- pages ---------------------------------------------------------------------------------

    def article(self, post: Post, index: int):
        rng = random.Random(f"{self.rng.random()}:{post.id}")
        newer = self.posts[index - 1] if index else None
        older = self.posts[index + 1] if index + 1 < len(self.posts) else None
        others = [p for p in self.posts if p is not post]
        related = rng.sample(others, 3)
        read_also = rng.choice(others) if rng.random() < 0.5 else None
        newsletter = rng.choice(NEWSLETTER) if rng.random() < 0.6 else None
        panels = [compose_appeal(rng) for _ in range(rng.choice((0, 1, 1, 2)))]
        body, optional, traps = prose.story_truth(post.title, post.blocks)

        story = [self.block(block) for block in post.blocks]
        extras = []  # (insert before story block n, markup, lines it shows)
        if newsletter:
            extras.append((min(2, len(story)), self.newsletter_box(*newsletter),
                           [*newsletter, "Sign up"]))
        if read_also:
            extras.append((rng.randint(1, len(story)), self.read_also(rng, read_also), [read_also.title]))
        for appeal in panels:
            markup, _ = appeals.render_appeal(rng, appeal)
            markup = markup.replace(appeals.SITE, "{{www}}")
            extras.append((rng.randint(1, len(story)), markup, appeal.lines()))
        content = list(story)
        for position, markup, _ in sorted(extras, key=lambda extra: extra[0], reverse=True):
            content.insert(position, markup)
        content.append(self.support_box())

        around = {
            "related": [t for p in related for t in (p.title, p.excerpt)],
            "navigation": [p.title for p in (newer, older) if p],
            "bios": [a.bio for a in post.authors],
            "comments": [text for _, text in post.comments],
            "sidebar": [p.title for p in self.posts[:5] if p is not post],
        }
        shown = [line for _, _, lines in extras for line in lines] + list(SUPPORT_BOX)
        shown += [line for lines in around.values() for line in lines]
        must_not = forbidden_lines(shown, body + optional)

        url = "{{www}}" + post.path
        head = self.head(post.title + f" \u2013 {SITE_NAME}", url, "article", post.excerpt,
                         self.article_graph(post, url), extra=self.article_meta(post))
        classes = " ".join(["post-%d post type-post status-publish format-standard has-post-thumbnail hentry"
                            % post.id, *(f"category-{c}" for c in post.categories),
                            *(f"tag-{t}" for t in post.tags)])
        page = f"""{head}
<body class="post-template-default single single-post postid-{post.id} single-format-standard">
{self.masthead()}
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{post.id}" class="{classes}">
<header class="entry-header">
<div class="entry-categories">{self.category_links(post)}</div>
<h1 class="entry-title">{esc(post.title)}</h1>
<div class="entry-meta">{self.byline(post)}</div>
</header>
<figure class="post-thumbnail"><img width="1024" height="683" src="{{{{www}}}}{post.image}" class="attachment-post-thumbnail wp-post-image" alt="" decoding="async"></figure>
<div class="entry-content">
{chr(10).join(content)}
</div>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul>
<li class="share-facebook"><a href="{url}?share=facebook" rel="nofollow noopener noreferrer">Facebook</a></li>
<li class="share-x"><a href="{url}?share=x" rel="nofollow noopener noreferrer">X</a></li>
<li class="share-email"><a href="mailto:?subject={esc(post.title)}">Email</a></li></ul></div>
{self.related_posts(related)}
<footer class="entry-footer"><span class="cat-links">Posted in {self.category_links(post)}</span>
<span class="tags-links">Tagged {", ".join(f'<a href="{{{{www}}}}/tag/{t}/" rel="tag">{t}</a>' for t in post.tags)}</span></footer>
{"".join(self.bio(author) for author in post.authors)}
</article>
<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links">
{self.nav_link(older, "previous", "Previous Post")}{self.nav_link(newer, "next", "Next Post")}</div></nav>
{self.comments(post)}
</main></div>
{self.sidebar(post)}
</div>
{self.footer()}
</body></html>
"""
        self.w.page(post.path, page, "article", modified=_iso(post.modified))
        self.w.redirect(post.path.rstrip("/"), post.path)
        self.w.redirect("/", post.path, query=f"p={post.id}")
        self.w.article_truth(article_truth(
            post.path, post.title, [a.name for a in post.authors], _iso(post.published), _iso(post.modified),
            body, optional=optional, traps=traps, must_not_contain=must_not, post_id=post.id,
            section=CATEGORIES[post.categories[0]], tags=post.tags,
            appeals=[{"kind": a.kind, "lines": a.lines()} for a in panels]))

    def block(self, block):
        kind = block[0]
        if kind in ("p", "trap"):
            return f"<p>{esc(block[1])}</p>"
        if kind == "h2":
            return f'<h2 class="wp-block-heading">{esc(block[1])}</h2>'
        if kind == "quote":
            return (f'<blockquote class="wp-block-quote"><p>{esc(block[1])}</p>'
                    f"<cite>{esc(block[2])}</cite></blockquote>")
        if kind == "figure":
            return ('<figure class="wp-block-image size-large"><img src="{{www}}/wp-content/uploads/photo.jpg" '
                    f'alt=""><figcaption class="wp-element-caption">{esc(block[1])}</figcaption></figure>')
        items = "".join(f"<li>{esc(item)}</li>" for item in block[1])
        return f'<ul class="wp-block-list">{items}</ul>'

    def static_page(self, path, title):
        paragraphs = {
            "/about/": [f"{SITE_NAME} is an independent, reader-supported newsroom covering the harbour towns "
                        "since 2011.", "Our reporters attend the meetings others skip, read the budgets and "
                        "ask the follow-up questions.", "We are funded by members, local advertisers and "
                        "foundation grants. Become a member to support our work."],
            "/contact/": ["Send news tips to tips@harbourledger.example.", "Corrections: we correct errors "
                          "promptly. Write to the editor with the article link.", "Our newsroom is at "
                          "14 Quay Street, Millbrook."],
            "/privacy-policy/": [
                "This policy explains what data we collect when you visit this website and why.",
                "We use cookies to measure readership and to remember your newsletter preferences.",
                "You can ask us to delete the data we hold about you at any time."],
        }[path]
        url = "{{www}}" + path
        graph = {"@context": "https://schema.org", "@graph": [
            {"@type": "WebPage", "@id": url, "url": url, "name": f"{title} - {SITE_NAME}",
             "isPartOf": {"@id": "{{www}}/#website"}, "datePublished": "2019-02-11T10:00:00+00:00",
             "dateModified": "2024-11-05T08:30:00+00:00", "inLanguage": "en-US"}, self.website_node()]}
        body = "\n".join(f"<p>{esc(text)}</p>" for text in paragraphs)
        # Yoast gives pages og:type "article" too, although they are no articles.
        page = f"""{self.head(f"{title} - {SITE_NAME}", url, "article", paragraphs[0], graph)}
<body class="page-template-default page">
{self.masthead()}
<div id="content" class="site-content"><main id="main" class="site-main">
<article class="page type-page status-publish hentry"><header class="entry-header"><h1 class="entry-title">{esc(title)}</h1></header>
<div class="entry-content">
{body}
</div></article></main></div>
{self.footer()}
</body></html>
"""
        self.w.page(path, page, "page")

    def archive(self, path, title, posts, kind, intro=""):
        pages = [posts[i:i + POSTS_PER_PAGE] for i in range(0, len(posts), POSTS_PER_PAGE)] or [[]]
        for number, chunk in enumerate(pages, 1):
            here = path if number == 1 else f"{path}page/{number}/"
            url = "{{www}}" + here
            heading = title if number == 1 else f"{title} - Page {number} of {len(pages)}"
            graph = {"@context": "https://schema.org", "@graph": [
                {"@type": "ProfilePage" if kind == "author" else "CollectionPage", "@id": url, "url": url,
                 "name": f"{heading} - {SITE_NAME}", "isPartOf": {"@id": "{{www}}/#website"}},
                self.website_node()]}
            entries = "\n".join(self.teaser(post) for post in chunk)
            pager = []
            if number > 1:
                previous = path if number == 2 else f"{path}page/{number - 1}/"
                pager.append(f'<a class="prev page-numbers" href="{{{{www}}}}{previous}">Newer posts</a>')
            if number < len(pages):
                pager.append(f'<a class="next page-numbers" href="{{{{www}}}}{path}page/{number + 1}/">'
                             "Older posts</a>")
            description = f'<div class="archive-description"><p>{esc(intro)}</p></div>' if intro else ""
            page = f"""{self.head(f"{heading} - {SITE_NAME}", url, "website", title, graph)}
<body class="archive {kind}">
{self.masthead()}
<div id="content" class="site-content"><main id="main" class="site-main">
<header class="page-header"><h1 class="page-title">{esc(title)}</h1>{description}</header>
{entries}
<nav class="navigation pagination" aria-label="Posts"><div class="nav-links">{"".join(pager)}</div></nav>
</main>
{self.sidebar(None)}
</div>
{self.footer()}
</body></html>
"""
            self.w.page(here, page, kind)
        if len(pages) > 1:
            self.w.redirect(f"{path}page/1/", path)

    def teaser(self, post):
        return f"""<article class="post-{post.id} post type-post hentry">
<header class="entry-header"><h2 class="entry-title"><a href="{{{{www}}}}{post.path}" rel="bookmark">{esc(post.title)}</a></h2>
<div class="entry-meta">{self.byline(post)}</div></header>
<div class="entry-summary"><p>{esc(post.excerpt)}</p></div></article>"""

    # -- parts ---------------------------------------------------------------------------------

    def head(self, title, url, og_type, description, graph, extra=""):
        return f"""<!DOCTYPE html>
<html lang="en-US"><head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<meta name="description" content="{esc(description)}">
<link rel="canonical" href="{url}">
<meta property="og:locale" content="en_US">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{esc(title)}">
<meta property="og:description" content="{esc(description)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{SITE_NAME}">
{extra}
<meta name="twitter:card" content="summary_large_image">
{json_ld(graph)}
<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; Feed" href="{{{{www}}}}/feed/">
<link rel="https://api.w.org/" href="{{{{www}}}}/wp-json/">
<link rel="stylesheet" id="theme-style-css" href="{{{{www}}}}/wp-content/themes/ledger/style.css?ver=2.4.1" media="all">
<meta name="generator" content="WordPress 6.5.3">
</head>"""

    def article_meta(self, post):
        tags = "\n".join(f'<meta property="article:tag" content="{t}">' for t in post.tags)
        return f"""<meta property="article:published_time" content="{_iso(post.published)}">
<meta property="article:modified_time" content="{_iso(post.modified)}">
<meta property="article:section" content="{CATEGORIES[post.categories[0]]}">
{tags}
<meta property="og:image" content="{{{{www}}}}{post.image}">
<meta name="author" content="{esc(", ".join(a.name for a in post.authors))}">
<link rel="shortlink" href="{{{{www}}}}/?p={post.id}">"""

    def article_graph(self, post, url):
        people = [{"name": a.name, "@id": self.person_id(a)} for a in post.authors]
        article = {
            "@type": "NewsArticle", "@id": f"{url}#article", "isPartOf": {"@id": url},
            "author": people[0] if len(people) == 1 else people, "headline": post.title,
            "datePublished": _iso(post.published), "dateModified": _iso(post.modified),
            "mainEntityOfPage": {"@id": url}, "publisher": {"@id": "{{www}}/#organization"},
            "image": {"@id": f"{url}#primaryimage"}, "thumbnailUrl": "{{www}}" + post.image,
            "keywords": post.tags, "articleSection": [CATEGORIES[c] for c in post.categories],
            "inLanguage": "en-US",
        }
        crumbs = [("Home", "{{www}}/"), (CATEGORIES[post.categories[0]], f"{{{{www}}}}/category/{post.categories[0]}/"),
                  (post.title, None)]
        return {"@context": "https://schema.org", "@graph": [
            article,
            {"@type": "WebPage", "@id": url, "url": url, "name": f"{post.title} - {SITE_NAME}",
             "isPartOf": {"@id": "{{www}}/#website"}, "datePublished": _iso(post.published),
             "dateModified": _iso(post.modified), "breadcrumb": {"@id": f"{url}#breadcrumb"}},
            {"@type": "ImageObject", "@id": f"{url}#primaryimage", "url": "{{www}}" + post.image,
             "width": 1024, "height": 683},
            {"@type": "BreadcrumbList", "@id": f"{url}#breadcrumb", "itemListElement": [
                {"@type": "ListItem", "position": i, "name": name, **({"item": link} if link else {})}
                for i, (name, link) in enumerate(crumbs, 1)]},
            self.website_node(),
            {"@type": "Organization", "@id": "{{www}}/#organization", "name": SITE_NAME, "url": "{{www}}/"},
            *({"@type": "Person", "@id": self.person_id(a), "name": a.name, "description": a.bio,
               "url": f"{{{{www}}}}/author/{a.slug}/"} for a in post.authors),
        ]}

    @staticmethod
    def person_id(author):
        return "{{www}}/#/schema/person/" + hashlib.md5(author.slug.encode()).hexdigest()

    @staticmethod
    def website_node():
        return {"@type": "WebSite", "@id": "{{www}}/#website", "url": "{{www}}/", "name": SITE_NAME,
                "publisher": {"@id": "{{www}}/#organization"}, "inLanguage": "en-US"}

    def masthead(self):
        links = "".join(f'<li class="menu-item"><a href="{{{{www}}}}/category/{slug}/">{label}</a></li>'
                        for slug, label in CATEGORIES.items())
        return f"""<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><p class="site-title"><a href="{{{{www}}}}/" rel="home">{SITE_NAME}</a></p>
<p class="site-description">News from the harbour towns</p>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{links}
<li class="menu-item"><a href="{{{{www}}}}/about/">About</a></li><li class="menu-item menu-item-donate"><a href="{{{{www}}}}/about/#support">Support us</a></li></ul></nav></header>"""

    def byline(self, post):
        names = " and ".join(f'<span class="author vcard"><a class="url fn n" href="{{{{www}}}}/author/{a.slug}/">'
                             f"{esc(a.name)}</a></span>" for a in post.authors)
        local, modified = post.published.astimezone(LOCAL), post.modified.astimezone(LOCAL)
        return (f'<span class="byline">By {names}</span> <span class="posted-on"><a href="{{{{www}}}}{post.path}" '
                f'rel="bookmark"><time class="entry-date published" datetime="{local.isoformat()}">'
                f'{local:%B} {local.day}, {local:%Y}</time><time class="updated" datetime="{modified.isoformat()}">'
                f"{modified:%B} {modified.day}, {modified:%Y}</time></a></span>")

    def category_links(self, post):
        return ", ".join(f'<a href="{{{{www}}}}/category/{c}/" rel="category tag">{CATEGORIES[c]}</a>'
                         for c in post.categories)

    @staticmethod
    def newsletter_box(name, pitch):
        return f"""<div class="wp-block-group ledger-newsletter-signup"><div class="wp-block-group__inner-container">
<h3 class="wp-block-heading">{esc(name)}</h3><p>{esc(pitch)}</p>
<form class="ledger-newsletter-form" action="{{{{www}}}}/newsletters/" method="post"><label class="screen-reader-text" for="nl-email">Email address</label>
<input type="email" id="nl-email" name="email" placeholder="Your email address"><button type="submit">Sign up</button></form></div></div>"""

    @staticmethod
    def read_also(rng, other):
        link = f'<a href="{{{{www}}}}{other.path}">{esc(other.title)}</a>'
        if rng.random() < 0.5:
            return f"<p><strong>Read also:</strong> {link}</p>"
        return f'<div class="ledger-inline-related"><span class="label">Related</span><ul><li>{link}</li></ul></div>'

    @staticmethod
    def support_box():
        heading, text = SUPPORT_BOX
        return f"""<div class="ledger-support-box" id="support"><h4>{esc(heading)}</h4><p>{esc(text)}</p>
<a class="button" href="{{{{www}}}}/about/#support">Become a member</a></div>"""

    @staticmethod
    def related_posts(related):
        items = "".join(
            f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title"><a href="{{{{www}}}}{p.path}">'
            f'{esc(p.title)}</a></h4><p class="jp-relatedposts-post-excerpt">{esc(p.excerpt)}</p>'
            f'<p class="jp-relatedposts-post-date">{p.published:%B} {p.published.day}, {p.published:%Y}</p></div>'
            for p in related)
        return (f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">'
                f'<em>Related</em></h3><div class="jp-relatedposts-items">{items}</div></div>')

    @staticmethod
    def bio(author):
        return (f'<div class="author-bio"><h2 class="author-title">Published by {esc(author.name)}</h2>'
                f'<p class="author-description">{esc(author.bio)} <a class="author-link" '
                f'href="{{{{www}}}}/author/{author.slug}/" rel="author">View all posts by {esc(author.name)}</a></p></div>')

    @staticmethod
    def nav_link(post, rel, label):
        if not post:
            return ""
        return (f'<div class="nav-{rel}"><a href="{{{{www}}}}{post.path}" rel="{"prev" if rel == "previous" else "next"}">'
                f'<span class="meta-nav">{label}</span> <span class="post-title">{esc(post.title)}</span></a></div>')

    @staticmethod
    def comments(post):
        if not post.comments:
            return ('<div id="comments" class="comments-area"><div id="respond" class="comment-respond">'
                    '<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3></div></div>')
        items = "".join(
            f'<li id="comment-{post.id}{i}" class="comment"><article class="comment-body"><footer class="comment-meta">'
            f'<b class="fn">{esc(name)}</b> says:</footer><div class="comment-content"><p>{esc(text)}</p></div></article></li>'
            for i, (name, text) in enumerate(post.comments))
        count = len(post.comments)
        return (f'<div id="comments" class="comments-area"><h2 class="comments-title">{count} '
                f'{"thought" if count == 1 else "thoughts"} on \u201c{esc(post.title)}\u201d</h2>'
                f'<ol class="comment-list">{items}</ol></div>')

    def sidebar(self, current):
        recent = "".join(f'<li><a href="{{{{www}}}}{p.path}">{esc(p.title)}</a></li>'
                         for p in self.posts[:5] if p is not current)
        categories = "".join(f'<li class="cat-item"><a href="{{{{www}}}}/category/{slug}/">{label}</a></li>'
                             for slug, label in CATEGORIES.items())
        return f"""<aside id="secondary" class="widget-area">
<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{recent}</ul></section>
<section class="widget widget_categories"><h2 class="widget-title">Categories</h2><ul>{categories}</ul></section>
<section class="widget widget_text"><h2 class="widget-title">Newsletter</h2><div class="textwidget"><p>Get the Morning Ledger in your inbox.</p></div></section>
</aside>"""

    @staticmethod
    def footer():
        return f"""<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2025 {SITE_NAME}.
<a href="{{{{www}}}}/privacy-policy/">Privacy Policy</a> <a href="{{{{www}}}}/contact/">Contact</a>
<span class="sep"> | </span>Proudly powered by WordPress</div></footer>
<script src="{{{{www}}}}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>"""

    # -- discovery -----------------------------------------------------------------------------

    def feed(self, path, title, posts):
        items = []
        for post in posts[:POSTS_PER_FEED]:
            categories = "".join(f"<category><![CDATA[{CATEGORIES[c]}]]></category>" for c in post.categories)
            categories += "".join(f"<category><![CDATA[{t}]]></category>" for t in post.tags)
            content = "\n".join(self.block(block) for block in post.blocks)
            items.append(f"""<item>
<title>{esc(post.title)}</title>
<link>{{{{www}}}}{post.path}</link>
<comments>{{{{www}}}}{post.path}#respond</comments>
<dc:creator><![CDATA[{post.authors[0].name}]]></dc:creator>
<pubDate>{_rfc822(post.published)}</pubDate>
{categories}
<guid isPermaLink="false">{{{{www}}}}/?p={post.id}</guid>
<description><![CDATA[{post.excerpt}]]></description>
<content:encoded><![CDATA[{content}]]></content:encoded>
</item>""")
        built = max((p.modified for p in posts), default=NOW)
        text = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
 xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
<title>{esc(title)}</title>
<atom:link href="{{{{www}}}}{path}" rel="self" type="application/rss+xml" />
<link>{{{{www}}}}{path.removesuffix("feed/")}</link>
<description>News from the harbour towns</description>
<lastBuildDate>{_rfc822(built)}</lastBuildDate>
<language>en-US</language>
<sy:updatePeriod>hourly</sy:updatePeriod>
<sy:updateFrequency>1</sy:updateFrequency>
<generator>https://wordpress.org/?v=6.5.3</generator>
{chr(10).join(items)}
</channel>
</rss>
"""
        self.w.page(path, text, "feed")

    def sitemaps(self):
        oldest_first = sorted(self.posts, key=lambda p: p.modified)
        chunks = [oldest_first[i:i + POSTS_PER_SITEMAP] for i in range(0, len(oldest_first), POSTS_PER_SITEMAP)]
        files = {}
        for number, chunk in enumerate(chunks, 1):
            name = "post-sitemap.xml" if number == 1 else f"post-sitemap{number}.xml"
            files[name] = [(p.path, p.modified, p.image) for p in chunk]
        files["page-sitemap.xml"] = [("/", max(p.modified for p in self.posts), None)] + [
            (path, datetime(2024, 11, 5, 8, 30, tzinfo=timezone.utc), None) for path in STATIC_PAGES]
        files["category-sitemap.xml"] = [
            (f"/category/{slug}/", max(p.modified for p in self.posts if slug in p.categories), None)
            for slug in CATEGORIES if any(slug in p.categories for p in self.posts)]
        files["post_tag-sitemap.xml"] = [
            (f"/tag/{tag}/", max(p.modified for p in self.posts if tag in p.tags), None)
            for tag in TAGS if any(tag in p.tags for p in self.posts)]
        files["author-sitemap.xml"] = [
            (f"/author/{a.slug}/", max(p.modified for p in self.posts if a in p.authors), None)
            for a in self.authors if any(a in p.authors for p in self.posts)]
        entries = []
        for name, urls in files.items():
            rows = "\n".join(
                f"\t<url>\n\t\t<loc>{{{{www}}}}{path}</loc>\n\t\t<lastmod>{_iso(moment)}</lastmod>\n"
                + (f"\t\t<image:image>\n\t\t\t<image:loc>{{{{www}}}}{image}</image:loc>\n\t\t</image:image>\n"
                   if image else "") + "\t</url>"
                for path, moment, image in urls)
            self.w.page("/" + name, f"""<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="{{{{www}}}}/main-sitemap.xsl"?>
<urlset xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" xsi:schemaLocation="http://www.sitemaps.org/schemas/sitemap/0.9 http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd http://www.google.com/schemas/sitemap-image/1.1 http://www.google.com/schemas/sitemap-image/1.1/sitemap-image.xsd" xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{rows}
</urlset>
<!-- XML Sitemap generated by Yoast SEO -->""", "sitemap")
            latest = max(moment for _, moment, _ in urls)
            entries.append(f"\t<sitemap>\n\t\t<loc>{{{{www}}}}/{name}</loc>\n\t\t<lastmod>{_iso(latest)}</lastmod>\n\t</sitemap>")
        self.w.page("/sitemap_index.xml", f"""<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="{{{{www}}}}/main-sitemap.xsl"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{chr(10).join(entries)}
</sitemapindex>
<!-- XML Sitemap generated by Yoast SEO -->""", "sitemap")
        self.w.page("/main-sitemap.xsl", '<?xml version="1.0" encoding="UTF-8"?>\n<xsl:stylesheet version="2.0" '
                    'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="/">'
                    "<html><body><h1>XML Sitemap</h1></body></html></xsl:template></xsl:stylesheet>\n", "stylesheet")
