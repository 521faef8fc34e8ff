"""Peak memory of a crawl whose sitemaps list many links: it should not grow with their number.

    python bench/sitemaps.py --sitemaps 4 --sitemaps 8 [--links 150000] [--pages 2000]

A sitemap index names N sitemaps of ``--links`` article links each (a few MB
apiece, within the size cap), served on loopback from this process; every
article answers 404 at once, so the run measures discovery and scheduling, not
extraction. The real `scrapy crawl news` reads them and stops after ``--pages``
responses (``CLOSESPIDER_PAGECOUNT``) or two minutes (``CLOSESPIDER_TIMEOUT``).
Printed: the peak RSS of the crawl's process tree, the links it recorded (all
listed, unless it stopped before it had read every sitemap), the article
requests it sent, and the seconds and CPU seconds it ran.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.crawl import run_measured  # noqa: E402
from tests.conftest import FAST, scrapy_command  # noqa: E402


@contextmanager
def sitemap_site(sitemaps: int, links: int):
    """Serve robots.txt, an index of ``sitemaps`` sitemaps of ``links`` article links each; the base URL,
    and the list of article requests it answered."""
    documents: dict[str, bytes] = {}
    articles = []  # one entry per article request (list.append is atomic)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/2024/"):
                articles.append(self.path)
            body = documents.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "application/xml")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_port}"
    documents["/robots.txt"] = f"User-agent: *\nSitemap: {base}/index.xml\n".encode()
    documents["/index.xml"] = ("<sitemapindex>" + "".join(
        f"<sitemap><loc>{base}/s{i}.xml</loc></sitemap>" for i in range(sitemaps)) + "</sitemapindex>").encode()
    for i in range(sitemaps):
        documents[f"/s{i}.xml"] = ("<urlset>" + "".join(
            f"<url><loc>{base}/2024/05/{1 + j % 28:02d}/story-{i}-{j}</loc></url>" for j in range(links))
            + "</urlset>").encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, articles
    finally:
        server.shutdown()


def measure(sitemaps: int, links: int, pages: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch, sitemap_site(sitemaps, links) as (base, articles):
        db_path = Path(scratch) / "articles.db"
        settings = {**FAST, "DATABASE_PATH": db_path, "CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
                    "CLOSESPIDER_PAGECOUNT": pages, "CLOSESPIDER_TIMEOUT": 120, "LOG_LEVEL": "WARNING"}
        # Stopped early on purpose: the run is "failed", its exit code 1.
        measured = run_measured(scrapy_command("crawl", "news", "-a", f"site={base}", settings=settings), check=False)
        with sqlite3.connect(db_path) as db:
            recorded = db.execute("select count(*) from article_links").fetchone()[0]
    return {"sitemaps": sitemaps, "links": sitemaps * links, "recorded": recorded, "article_requests": len(articles),
            **measured}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sitemaps", type=int, action="append", help="sitemaps in the index (repeatable)")
    parser.add_argument("--links", type=int, default=150_000, help="article links per sitemap")
    parser.add_argument("--pages", type=int, default=2000, help="responses after which the crawl stops")
    args = parser.parse_args()
    print("| sitemaps | links listed | links recorded | article requests sent | seconds | CPU s | peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for sitemaps in args.sitemaps or [4, 8]:
        r = measure(sitemaps, args.links, args.pages)
        print(f"| {r['sitemaps']} | {r['links']:,} | {r['recorded']:,} | {r['article_requests']:,} | {r['seconds']:.0f} "
              f"| {r['cpu_seconds']:.0f} | {r['peak_rss'] / 2**20:.0f} |", flush=True)


if __name__ == "__main__":
    main()
