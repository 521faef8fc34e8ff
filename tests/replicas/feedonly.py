"""A small static-site-generator blog with no sitemap at all: ``build_feed_site(dest, seed)``.

Discovery has only what a careful person would find: ``robots.txt`` without ``Sitemap:``, every
common sitemap location answering 404, and an Atom feed (``/atom.xml``, summaries only, every
post) announced by ``<link rel="alternate" type="application/atom+xml">`` on the home page.
Posts live at ``/posts/<slug>/``, with no date in the URL; they carry ``og:type=article`` and a
``BlogPosting`` JSON-LD block (an ``Article`` subtype, as Hugo themes write it). Tag pages and
``/about/`` are the other pages. Some posts end with a generated appeal panel
(``tests/appeals.py``) and all share a "Buy me a coffee" box and an email sign-up in the footer.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests import appeals
from tests.appeal_content import compose_appeal
from tests.replicas import prose
from tests.replicas.writer import FEED_TYPE, ReplicaWriter, article_truth, esc, forbidden_lines, json_ld

SITE_NAME = "Valley Dispatch"
NOW = datetime(2025, 6, 18, 9, 0, tzinfo=timezone(timedelta(hours=2)))
AUTHOR = "Ines Marchetti"
TAGS = ("council", "rivers", "schools", "transport", "housing")
COFFEE = ("Valley Dispatch is written by one reporter and read by thousands of neighbours.",
          "If this post helped you, buy me a coffee so I can keep going to the meetings.")
# Where a generic crawler looks for sitemaps; here every one of them is a 404.
SITEMAP_LOCATIONS = ("/sitemap.xml", "/sitemap_index.xml", "/sitemap-index.xml", "/wp-sitemap.xml",
                     "/sitemap.xml.gz", "/news-sitemap.xml", "/sitemaps/sitemap.xml")


def build_feed_site(dest: str | Path, seed: int = 0) -> Path:
    """Write the site for ``seed`` to ``dest`` (a replica directory) and return it."""
    rng = random.Random(f"feedonly:{seed}")
    writer = ReplicaWriter(dest, NOW.isoformat(), "valleydispatch")
    posts = _posts(rng)
    for index, post in enumerate(posts):
        _write_post(writer, rng, post, posts[index + 1] if index + 1 < len(posts) else None)
    _write_home(writer, posts)
    for tag in TAGS:
        tagged = [post for post in posts if tag in post["tags"]]
        if tagged:
            _write_listing(writer, f"/tags/{tag}/", f"Posts tagged \u201c{tag}\u201d", tagged, "tag")
    writer.page("/about/", _page(f"About \u2013 {SITE_NAME}", "{{www}}/about/", "website",
                                 f'<main class="main"><h1>About</h1><p>{SITE_NAME} is a one-person newsletter '
                                 f"about local government in the upper valley, written by {AUTHOR}.</p></main>"),
                "page")
    writer.page("/atom.xml", _atom(posts), "feed")
    writer.page("/robots.txt", "User-agent: *\nDisallow: /drafts/\n", "robots")
    writer.content_type(r"^/atom\.xml$", FEED_TYPE)
    for path in SITEMAP_LOCATIONS:
        writer.missing(path)
    return writer.finish(seed=seed, name=SITE_NAME, feed="/atom.xml")


def _posts(rng):
    count = rng.randint(10, 15)
    moments = sorted((NOW - timedelta(hours=rng.randint(10, 90 * 24)) for _ in range(count)), reverse=True)
    posts, titles = [], set()
    for moment in moments:
        title = prose.headline(rng)
        while title in titles:
            title = prose.headline(rng)
        titles.add(title)
        modified = moment + timedelta(hours=rng.choice((0, 0, rng.randint(1, 72))))
        posts.append({"title": title, "slug": prose.slugify(title), "published": moment,
                      "modified": min(modified, NOW), "tags": sorted(rng.sample(TAGS, rng.randint(1, 2))),
                      "blocks": prose.story_blocks(rng)})
    return posts


def _path(post):
    return f"/posts/{post['slug']}/"


def _summary(post):
    return " ".join(post["blocks"][0][1].split()[:40]) + " \u2026"


def _block(block):
    kind = block[0]
    if kind in ("p", "trap"):
        return f"<p>{esc(block[1])}</p>"
    if kind == "h2":
        return f'<h3 id="{prose.slugify(block[1])}">{esc(block[1])}</h3>'
    if kind == "quote":
        return f"<blockquote><p>{esc(block[1])}</p><p>\u2014 {esc(block[2])}</p></blockquote>"
    if kind == "figure":
        return f'<figure><img loading="lazy" src="{{{{www}}}}/images/photo.jpg" alt=""><figcaption><p>{esc(block[1])}</p></figcaption></figure>'
    return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in block[1]) + "</ul>"


def _write_post(writer, rng, post, older):
    path, url = _path(post), "{{www}}" + _path(post)
    body, optional, traps = prose.story_truth(post["title"], post["blocks"])
    content = [_block(block) for block in post["blocks"]]
    panels = [compose_appeal(rng) for _ in range(rng.choice((0, 1, 1)))]
    for appeal in panels:
        markup, _ = appeals.render_appeal(rng, appeal)
        content.append(markup.replace(appeals.SITE, "{{www}}"))
    shown = [line for appeal in panels for line in appeal.lines()] + list(COFFEE)
    if older:
        shown.append(older["title"])
    published, modified = post["published"].isoformat(), post["modified"].isoformat()
    graph = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": post["title"],
             "description": _summary(post), "datePublished": published, "dateModified": modified,
             "author": {"@type": "Person", "name": AUTHOR}, "mainEntityOfPage": {"@type": "WebPage", "@id": url},
             "keywords": post["tags"], "publisher": {"@type": "Organization", "name": SITE_NAME}}
    meta = (f'<meta name="author" content="{AUTHOR}">\n'
            f'<meta property="article:published_time" content="{published}">\n'
            f'<meta property="article:modified_time" content="{modified}">\n{json_ld(graph)}')
    tags = "".join(f'<li><a href="{{{{www}}}}/tags/{t}/">{t}</a></li>' for t in post["tags"])
    nav = (f'<nav class="paginav"><a class="next" href="{{{{www}}}}{_path(older)}"><span class="title">Next \u00bb</span>'
           f"<br><span>{esc(older['title'])}</span></a></nav>" if older else "")
    words = sum(len(text.split()) for text in body)
    main = f"""<main class="main"><article class="post-single">
<header class="post-header"><h1 class="post-title entry-hint-parent">{esc(post["title"])}</h1>
<div class="post-meta"><span title='{post["published"]:%Y-%m-%d %H:%M:%S %z}'>{post["published"]:%B} {post["published"].day}, {post["published"]:%Y}</span>&nbsp;\u00b7&nbsp;{max(1, words // 200)} min&nbsp;\u00b7&nbsp;{AUTHOR}</div></header>
<div class="post-content">{"".join(content)}</div>
<footer class="post-footer"><ul class="post-tags">{tags}</ul>{nav}
<div class="share-buttons"><a target="_blank" rel="noopener noreferrer" aria-label="share on x" href="https://x.com/intent/tweet/?url={url}">X</a></div>
</footer></article></main>"""
    writer.page(path, _page(f"{post['title']} | {SITE_NAME}", url, "article", main, meta, _summary(post)),
                "article", modified=modified)
    writer.redirect(path.rstrip("/"), path)
    writer.article_truth(article_truth(
        path, post["title"], [AUTHOR], published, modified, body, optional=optional, traps=traps,
        must_not_contain=forbidden_lines(shown, body + optional), tags=post["tags"],
        appeals=[{"kind": a.kind, "lines": a.lines()} for a in panels]))


def _write_home(writer, posts):
    feed = f'<link rel="alternate" type="application/atom+xml" href="{{{{www}}}}/atom.xml" title="{SITE_NAME}">'
    writer.page("/", _page(SITE_NAME, "{{www}}/", "website", _entries(SITE_NAME, posts), feed), "home")


def _write_listing(writer, path, title, posts, kind):
    writer.page(path, _page(f"{title} | {SITE_NAME}", "{{www}}" + path, "website", _entries(title, posts)), kind)


def _entries(title, posts):
    entries = "\n".join(
        f'<article class="post-entry"><header class="entry-header"><h2>{esc(post["title"])}</h2></header>'
        f'<div class="entry-content"><p>{esc(_summary(post))}</p></div>'
        f'<footer class="entry-footer">{post["published"]:%B} {post["published"].day}, {post["published"]:%Y}</footer>'
        f'<a class="entry-link" aria-label="post link to {esc(post["title"])}" href="{{{{www}}}}{_path(post)}"></a></article>'
        for post in posts)
    return f'<main class="main"><header class="page-header"><h1>{esc(title)}</h1></header>\n{entries}\n</main>'


def _page(title, url, og_type, main, head_extra="", description=""):
    return f"""<!DOCTYPE html>
<html lang="en" dir="auto"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
<title>{esc(title)}</title>
<meta name="description" content="{esc(description or SITE_NAME)}">
<link rel="canonical" href="{url}">
<meta property="og:title" content="{esc(title)}">
<meta property="og:type" content="{og_type}">
<meta property="og:url" content="{url}">
<meta name="generator" content="Hugo 0.126.1">
{head_extra}
</head>
<body class="list" id="top">
<header class="header"><nav class="nav"><div class="logo"><a href="{{{{www}}}}/" accesskey="h" title="{SITE_NAME} (Alt + H)">{SITE_NAME}</a></div>
<ul id="menu"><li><a href="{{{{www}}}}/about/"><span>About</span></a></li><li><a href="{{{{www}}}}/atom.xml"><span>Feed</span></a></li></ul></nav></header>
{main}
<aside class="support-box"><p>{esc(COFFEE[0])}</p><p>{esc(COFFEE[1])}</p><a href="https://buymeacoffee.example/valleydispatch">Buy me a coffee</a></aside>
<footer class="footer"><form class="email-signup" action="https://buttondown.example/api/emails/embed-subscribe/valleydispatch" method="post">
<label for="bd-email">Get new posts by email</label><input type="email" name="email" id="bd-email"><input type="submit" value="Subscribe"></form>
<span>&copy; 2025 <a href="{{{{www}}}}/">{SITE_NAME}</a></span> \u00b7 <span>Powered by Hugo</span></footer>
</body></html>
"""


def _atom(posts):
    entries = "\n".join(f"""<entry>
<title>{esc(post["title"])}</title>
<link rel="alternate" type="text/html" href="{{{{www}}}}{_path(post)}"/>
<id>{{{{www}}}}{_path(post)}</id>
<published>{post["published"].isoformat()}</published>
<updated>{post["modified"].isoformat()}</updated>
<author><name>{AUTHOR}</name></author>
<summary type="html">{esc(_summary(post))}</summary>
</entry>""" for post in posts)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{SITE_NAME}</title>
<link rel="self" type="application/atom+xml" href="{{{{www}}}}/atom.xml"/>
<link rel="alternate" type="text/html" href="{{{{www}}}}/"/>
<id>{{{{www}}}}/</id>
<updated>{max(post["modified"] for post in posts).isoformat()}</updated>
{entries}
</feed>
"""
