"""An unknown site assembled from real article pages of many publishers: ``build_mixed_site(dest, seed)``.

Article pages are the development corpus' own (``../shared/corpus``, loaded with
``bench/extraction.py``'s loaders, so the reference text is the one the extraction bench scores):
from each set the ``wcxb_pages`` / ``fundus_pages`` pages whose SHA-256 of ``"{seed}:{set}/{key}"``
is lowest (fixed rule: the same seed picks the same pages). They are served byte for byte (as
UTF-8) under our own paths in four styles (dated, ``/news/slug-N``, ``/story/N/slug.html``,
``/<section>/slug``), their canonicals, og:url and links still naming the publishers' hosts.

Mixed into the sitemaps (an index of three files, each a shuffle of every page kind) and the home
page: generated category, tag, author, product (``Product`` JSON-LD), forum
(``DiscussionForumPosting``, a schema.org ``Article`` subtype), service and documentation pages,
several with long prose, dates and bylines, none of them an article.

Truth per article: the corpus reference as ``body_paragraphs`` (one per line), title, authors,
published time, the wcxb ``without`` snippets as ``must_not_contain`` and ``with`` snippets, and
``source`` (set, key, publisher URL, domain, whether the reference is English).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from datetime import datetime, timezone
from pathlib import Path

from bench.extraction import DEFAULT_CORPUS, Page, load_fundus, load_wcxb
from tests.replicas import prose
from tests.replicas.writer import ReplicaWriter, article_truth, esc, json_ld
from tests.scoring import contains

SITE_NAME = "Meridian Network"
NOW = datetime(2025, 10, 1, 12, 0, tzinfo=timezone.utc)
SECTIONS = ("world", "business", "culture", "science", "sport", "opinion")
PATH_STYLES = ("dated", "news", "story", "section")
SITEMAP_FILES = 3
OTHER_KINDS = {"category": 6, "tag": 8, "author": 5, "product": 6, "forum": 6, "service": 4, "docs": 6}
PRODUCTS = ("Trail Running Shoe", "Espresso Grinder", "Noise-Cancelling Headphones", "Standing Desk",
            "Cast Iron Skillet", "Rain Jacket", "E-Reader", "Robot Vacuum", "Camping Stove", "Desk Lamp")
SERVICES = ("Home insurance", "Business broadband", "Tax advice", "Moving and storage", "Legal aid",
            "Translation")
DOC_TOPICS = ("Getting started", "Configuring webhooks", "Authentication", "Rate limits", "Exporting data",
              "Migrating from v1", "Error codes", "Pagination")


def build_mixed_site(dest: str | Path, seed: int = 0, corpus: str | Path = DEFAULT_CORPUS,
                     wcxb_pages: int = 45, fundus_pages: int = 30) -> Path:
    """Write the site for ``seed`` to ``dest`` (a replica directory) and return it."""
    corpus = Path(corpus)
    rng = random.Random(f"mixed:{seed}")
    chosen = (_pick(seed, load_wcxb(corpus / "wcxb-dev"), wcxb_pages)
              + _pick(seed, load_fundus(corpus / "fundus"), fundus_pages))
    writer = ReplicaWriter(dest, NOW.isoformat(), "meridian")
    listed = []  # (path, kind, title) of every page the sitemaps and home page list
    for number, page in enumerate(chosen, 1):
        meta = _metadata(corpus, page)
        path = _article_path(rng, number, meta)
        if path in writer.kinds:  # two publishers' headlines made one slug
            path = f"/news/article-{1000 + number}"
        html = gzip.decompress(page.html_path.read_bytes()).decode("utf-8", errors="replace")
        writer.page(path, html, "article")
        body = [line.strip() for line in page.reference.splitlines() if line.strip()]
        writer.article_truth(article_truth(
            path, meta["title"], meta["authors"], meta["published"], meta["published"], body,
            optional=[meta["title"]] if meta["title"] else [],
            must_not_contain=[s for s in page.without_snippets if not contains(page.reference, s)],
            with_snippets=page.with_snippets,
            source={"set": page.dataset, "key": page.key, "url": page.url, "domain": page.domain,
                    "english": page.english}))
        listed.append((path, "article", meta["title"] or path))
    articles = list(listed)
    for kind, count in OTHER_KINDS.items():
        for number in range(1, count + 1):
            path, title, html = _OTHER[kind](random.Random(f"{seed}:{kind}:{number}"), number, articles)
            writer.page(path, html, kind)
            listed.append((path, kind, title))
    _write_discovery(writer, rng, listed)
    return writer.finish(seed=seed, name=SITE_NAME,
                         selection={"wcxb_pages": wcxb_pages, "fundus_pages": fundus_pages,
                                    "rule": "lowest sha256 of '{seed}:{set}/{key}' per set"})


def _pick(seed: int, pages: list[Page], count: int) -> list[Page]:
    return sorted(pages, key=lambda p: hashlib.sha256(f"{seed}:{p.dataset}/{p.key}".encode()).digest())[:count]


def _metadata(corpus: Path, page: Page) -> dict:
    """Title, authors and publication time from the page's ground truth."""
    if page.dataset == "wcxb-dev":
        truth = json.loads((corpus / "wcxb-dev" / "ground-truth" / f"{page.key}.json").read_text())["ground_truth"]
        author = (truth.get("author") or "").strip()
        return {"title": truth.get("title") or "", "authors": [author] if author else [],
                "published": truth.get("publish_date") or ""}
    version = json.loads((corpus / "fundus" / "version_map.json").read_text())[page.key]
    publisher = page.html_path.name.rsplit("_", 3)[0]
    truth = json.loads((page.html_path.parent / f"{publisher}.json").read_text())[version]
    published = truth.get("publishing_date") or ""
    return {"title": truth.get("title") or "", "authors": list(truth.get("authors") or []),
            "published": published.replace(" ", "T") if published else ""}


def _article_path(rng, number, meta):
    slug = prose.slugify(meta["title"])[:80].strip("-") or f"article-{number}"
    style = PATH_STYLES[number % len(PATH_STYLES)]
    if style == "dated" and meta["published"][:10].count("-") == 2:
        return f"/{meta['published'][:10].replace('-', '/')}/{slug}/"
    if style == "news":
        return f"/news/{slug}-{1000 + number}"
    if style == "story":
        return f"/story/{50000 + number * 7}/{slug}.html"
    return f"/{rng.choice(SECTIONS)}/{slug}"


# -- Pages that are not articles ---------------------------------------------------------------


def _shell(title, path, body, og_type="website", graph=None, extra=""):
    url = "{{www}}" + path
    ld = json_ld({"@context": "https://schema.org", **graph}) if graph else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | {SITE_NAME}</title>
<link rel="canonical" href="{url}"><meta property="og:type" content="{og_type}">
<meta property="og:title" content="{esc(title)}"><meta property="og:url" content="{url}">
{extra}{ld}</head>
<body><header class="site-header"><a class="brand" href="{{{{www}}}}/">{SITE_NAME}</a>
<nav>{"".join(f'<a href="{{{{www}}}}/section/{s}/">{s.title()}</a> ' for s in SECTIONS)}<a href="{{{{www}}}}/shop/">Shop</a></nav></header>
<main id="main">
{body}
</main>
<footer class="site-footer"><p>&copy; 2025 {SITE_NAME}. All rights reserved.</p><p>Sign up for our newsletter to get the best of {SITE_NAME} every week.</p></footer>
</body></html>
"""


def _teasers(rng, articles, count):
    return "\n".join(f'<li class="teaser"><a href="{{{{www}}}}{path}">{esc(title)}</a></li>'
                     for path, _, title in rng.sample(articles, min(count, len(articles))))


def _category(rng, number, articles):
    section = SECTIONS[(number - 1) % len(SECTIONS)]
    path, title = f"/section/{section}/", f"{section.title()} news"
    body = (f"<h1>{title}</h1><p class=\"intro\">The latest {section} stories from our partners.</p>"
            f'<ul class="river">{_teasers(rng, articles, 12)}</ul>')
    return path, title, _shell(title, path, body, graph={"@type": "CollectionPage", "name": title})


def _tag(rng, number, articles):
    topic = prose.slugify(rng.choice(prose.SUBJECTS))
    path, title = f"/topics/{topic}-{number}/", f"Topic: {topic.replace('-', ' ')}"
    body = f'<h1>{esc(title)}</h1><ul class="tag-list">{_teasers(rng, articles, 6)}</ul>'
    return path, title, _shell(title, path, body)


def _author(rng, number, articles):
    name = prose.person(rng)
    path = f"/people/{prose.slugify(name)}/"
    bio = (f"{name} is a contributing editor who has written about {rng.choice(prose.SUBJECTS)} and "
           f"{rng.choice(prose.SUBJECTS)} since {rng.randint(2001, 2020)}. {prose.paragraph(rng)}")
    body = (f'<div class="profile"><h1>{esc(name)}</h1><p class="bio">{esc(bio)}</p></div>'
            f'<h2>Latest from {esc(name)}</h2><ul>{_teasers(rng, articles, 5)}</ul>')
    return path, name, _shell(name, path, body, og_type="profile",
                              graph={"@type": "ProfilePage", "mainEntity": {"@type": "Person", "name": name}})


def _product(rng, number, articles):
    name = f"{rng.choice(('Nordwind', 'Alder', 'Copperline', 'Fieldcraft'))} {PRODUCTS[number % len(PRODUCTS)]}"
    path = f"/shop/p/{prose.slugify(name)}-{number}"
    price = f"{rng.randint(19, 499)}.{rng.choice((0, 49, 99)):02d}"
    reviews = "".join(f'<li class="review"><b>{esc(prose.person(rng))}</b> \u2605\u2605\u2605\u2605 '
                      f"<p>{esc(prose.comment(rng))}</p></li>" for _ in range(3))
    body = (f'<div class="product"><h1 class="product-title">{esc(name)}</h1><p class="price">${price}</p>'
            f'<p>Our reviewers tested the {esc(name)} for {rng.randint(2, 12)} weeks. It is light, well made and '
            f"comes with a two-year warranty. {esc(prose.paragraph(rng))}</p><button>Add to cart</button>"
            f'<h2>Customer reviews</h2><ul class="reviews">{reviews}</ul></div>')
    graph = {"@type": "Product", "name": name, "offers": {"@type": "Offer", "price": price, "priceCurrency": "USD"}}
    return path, name, _shell(name, path, body, og_type="product", graph=graph)


def _forum(rng, number, articles):
    title = f"{rng.choice(('Thoughts on', 'Question about', 'Anyone following'))} {rng.choice(prose.SUBJECTS)}?"
    path = f"/forum/t/{prose.slugify(title)}/{700 + number}"
    posts = [(prose.person(rng), f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(10, 23)}:15:00+00:00",
              prose.paragraph(rng) if i == 0 else prose.comment(rng) + " " + prose.paragraph(rng))
             for i in range(rng.randint(3, 6))]
    body = f'<h1 class="topic-title">{esc(title)}</h1>' + "".join(
        f'<div class="post" id="post_{i + 1}"><div class="names"><span class="creator">{esc(who)}</span></div>'
        f'<time datetime="{when}">{when[:10]}</time><div class="cooked"><p>{esc(text)}</p></div></div>'
        for i, (who, when, text) in enumerate(posts))
    graph = {"@type": "DiscussionForumPosting", "headline": title, "datePublished": posts[0][1],
             "author": {"@type": "Person", "name": posts[0][0]}, "text": posts[0][2],
             "comment": [{"@type": "Comment", "author": {"@type": "Person", "name": who}, "datePublished": when,
                          "text": text} for who, when, text in posts[1:]]}
    return path, title, _shell(title, path, body, graph=graph)


def _service(rng, number, articles):
    name = SERVICES[number % len(SERVICES)]
    path = f"/services/{prose.slugify(name)}/"
    steps = "".join(f"<li>{esc(step)}</li>" for step in ("Tell us what you need", "Get a quote within a day",
                                                          "Book a time that suits you"))
    body = (f'<section class="hero"><h1>{esc(name)} from {SITE_NAME} partners</h1><p>Trusted by '
            f"{rng.randint(2, 90)},000 readers. Compare plans and save up to {rng.randint(10, 40)}%.</p></section>"
            f"<h2>How it works</h2><ol>{steps}</ol><p>{esc(prose.paragraph(rng))}</p>"
            '<a class="cta" href="{{www}}/services/">Get started</a>')
    return path, name, _shell(name, path, body, graph={"@type": "Service", "name": name})


def _docs(rng, number, articles):
    topic = DOC_TOPICS[number % len(DOC_TOPICS)]
    path = f"/docs/api/{prose.slugify(topic)}"
    sections = "".join(
        f"<h2>{esc(heading)}</h2><p>To {heading.lower()}, send a request with your API key in the "
        f"<code>Authorization</code> header. Responses are JSON and include a <code>next</code> cursor when more "
        f"results exist. Requests are limited to {rng.randint(60, 600)} per minute per key.</p>"
        f"<pre><code>curl -H 'Authorization: Bearer $KEY' https://api.example.com/v2/{prose.slugify(heading)}</code></pre>"
        for heading in rng.sample(DOC_TOPICS, 4))
    body = (f'<nav class="docs-sidebar">{"".join(f"<a>{t}</a>" for t in DOC_TOPICS)}</nav>'
            f'<article class="docs-content"><h1>{esc(topic)}</h1><p class="updated">Last updated '
            f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}</p>{sections}</article>")
    return path, topic, _shell(topic, path, body, graph={"@type": "WebPage", "name": topic})


_OTHER = {"category": _category, "tag": _tag, "author": _author, "product": _product, "forum": _forum,
          "service": _service, "docs": _docs}


# -- Discovery ---------------------------------------------------------------------------------


def _write_discovery(writer, rng, listed):
    shuffled = rng.sample(listed, len(listed))
    size = -(-len(shuffled) // SITEMAP_FILES)
    for number in range(SITEMAP_FILES):
        rows = "\n".join(f"<url><loc>{{{{www}}}}{path}</loc><lastmod>{NOW:%Y-%m-%d}</lastmod></url>"
                         for path, _, _ in shuffled[number * size:(number + 1) * size])
        writer.page(f"/sitemaps/sitemap-{number + 1}.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}\n</urlset>\n', "sitemap")
    entries = "\n".join(f"<sitemap><loc>{{{{www}}}}/sitemaps/sitemap-{n + 1}.xml</loc></sitemap>"
                        for n in range(SITEMAP_FILES))
    writer.page("/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}\n</sitemapindex>\n', "sitemap")
    writer.page("/robots.txt", "User-agent: *\nDisallow: /cart/\n\nSitemap: {{www}}/sitemap.xml\n", "robots")
    links = "\n".join(f'<li class="{kind}"><a href="{{{{www}}}}{path}">{esc(title)}</a></li>'
                      for path, kind, title in rng.sample(listed, len(listed)))
    writer.page("/", _shell(SITE_NAME, "/", f"<h1>{SITE_NAME}</h1><p>Stories, shopping and community from "
                                          f'around the web.</p><ul class="everything">{links}</ul>'), "home")
