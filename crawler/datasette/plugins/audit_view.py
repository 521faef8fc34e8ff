"""The article audit view and the stored page it was extracted from (``register_routes``).

    /audit/<site>/<article_id>        the story with every stripped block in place (crawler.audit)
    /audit/<site>/<article_id>/page   the page as fetched, rendered sandboxed: no script, nothing loaded

Every link to them is ``audit_path(site, article_id)``: a function of the templates
(``extra_template_vars``) and of SQL, for the canned queries (``prepare_connection``).
Read-only, like the rest of the archive: both only ``select``.
"""

import json

from datasette import hookimpl
from datasette.utils import path_from_row_pks, tilde_decode, tilde_encode
from datasette.utils.asgi import Response

from crawler.audit import audit_text, describe_rule, story_with_blocks
from crawler.charset import decode_html
from crawler.storage import unpack_page

DATABASE = "articles"
# The page is untrusted: no script runs, no request leaves, its origin is opaque.
PAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
ARTICLE = "select * from articles where site = :site and article_id = :article_id"
BLOCKS = "select * from removed_blocks where site = :site and article_id = :article_id order by position"
# Every column: an archive no crawl has migrated since this version has no pages.charset yet.
PAGE = "select * from pages where site = :site and article_id = :article_id"
VERSIONS = "select count(*) from article_versions where site = :site and article_id = :article_id"
ARTICLE_PKS = ["site", "article_id"]


def audit_path(site: str, article_id: str) -> str:
    """The audit view's path, each part tilde-encoded as Datasette encodes a row's key.

    A site's port (``127.0.0.1:8800``), an id's slashes (so that no path reads as one ending in
    ``/page``) and whatever else a path cannot hold come back whole through ``article_key``.
    """
    return f"/audit/{tilde_encode(site)}/{tilde_encode(article_id)}"


def article_key(request) -> dict:
    """The site and article_id a request's path names: ``audit_path`` undone."""
    return {name: tilde_decode(value) for name, value in request.url_vars.items()}


async def first(db, sql, params):
    rows = (await db.execute(sql, params)).rows
    return rows[0] if rows else None


def charset_of(page) -> str | None:
    "The charset the page's HTTP header declared, None where none was kept."
    return page["charset"] if page is not None and "charset" in page.keys() else None


async def audit(datasette, request):
    db, key = datasette.get_database(DATABASE), article_key(request)
    article = await first(db, ARTICLE, key)
    if article is None:
        return Response.html("No such article", status=404)
    blocks = [dict(row) for row in (await db.execute(BLOCKS, key)).rows]
    page = await first(db, PAGE, key)
    html = unpack_page(page["html"], None)[0] if page else None
    segments = story_with_blocks(article["body"].split("\n\n"), blocks, audit_text(html, blocks, charset_of(page)))
    kept = [index for index, segment in enumerate(segments) if segment.block is None]
    kinds = {}
    for block in blocks:
        kinds[block["kind"]] = kinds.get(block["kind"], 0) + 1
    context = {
        "article": dict(article, authors=json.loads(article["authors"] or "[]")),
        "segments": segments,
        "story_span": (kept[0], kept[-1]) if kept else (None, None),
        "kinds": sorted(kinds.items(), key=lambda item: -item[1]),
        "has_page": page is not None,
        "versions": (await first(db, VERSIONS, key))[0],
        "describe_rule": describe_rule,
        "key": key,
        "record": datasette.urls.row(DATABASE, "articles", path_from_row_pks(key, ARTICLE_PKS, False)),
    }
    return Response.html(await datasette.render_template("audit.html", context, request=request))


async def stored_page(datasette, request):
    page = await first(datasette.get_database(DATABASE), PAGE, article_key(request))
    if page is None:
        return Response.html("No stored page for this article", status=404)
    return Response.html(decode_html(unpack_page(page["html"], None)[0], charset_of(page)),
                         headers={"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff"})


@hookimpl
def prepare_connection(conn):
    conn.create_function("audit_path", 2, audit_path, deterministic=True)


@hookimpl
def extra_template_vars():
    return {"audit_path": audit_path}


@hookimpl
def register_routes():
    return [
        # audit_path encodes an id's slashes; a path typed with them (a site without native ids
        # keys its articles on their path) still finds its article.
        (r"^/audit/(?P<site>[^/]+)/(?P<article_id>.+?)/page$", stored_page),
        (r"^/audit/(?P<site>[^/]+)/(?P<article_id>.+)$", audit),
    ]
