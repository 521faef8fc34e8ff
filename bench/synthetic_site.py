"""Generate a large synthetic replica of the site for throughput benchmarks.

    python bench/synthetic_site.py OUT_DIR --articles 5000

Copies the dev replica (../shared/fixtures/moscowtimes-site) and adds N
articles made from its plain news and opinion pages: each copy gets a new id,
slug and publication day and one unique sentence, and is listed in the month
sitemaps. The result has the replica format, so tests/replica_server.py serves it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_SITE = ROOT.parent / "shared" / "fixtures" / "moscowtimes-site"
FIRST_ID = 200_000
SITEMAP_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)


def templates(site: Path) -> list[tuple[str, str]]:
    """(url path, html) of the hand-written pages of the kinds that need no side documents."""
    found = []
    for truth_path in sorted((site / "truth").glob("*.json")):
        truth = json.loads(truth_path.read_text())
        if truth.get("kind") in ("news", "opinion") and not truth["url_path"].startswith("/archive/"):
            page = site / "www" / truth["url_path"].lstrip("/")
            found.append((truth["url_path"], page.read_text(encoding="utf-8")))
    return found


def synthetic_page(template: tuple[str, str], article_id: int, day: datetime) -> tuple[str, str]:
    """A copy of ``template`` that is article ``article_id``, published on ``day``."""
    old_path, html = template
    old_id = re.search(r"-a(\d+)$", old_path)[1]
    slug = re.sub(r"-a\d+$", "", old_path.rsplit("/", 1)[1])
    path = f"{day:/%Y/%m/%d}/{slug}-{article_id}-a{article_id}"
    html = html.replace(old_path, path).replace(f"article-id-{old_id}", f"article-id-{article_id}")
    html = html.replace(f'data-page-id="{old_id}"', f'data-page-id="{article_id}"')
    marker = f"<p>Synthetic article {article_id} was generated for benchmarks.</p>"
    html = html.replace('<div class="article__content" y-name="article-content">',
                        '<div class="article__content" y-name="article-content">' + marker, 1)
    return path, html


def write_sitemaps(out: Path, paths: list[str]) -> None:
    """Month files YYYY-M.xml (newest first) and the index naming them, as the real site has."""
    by_month: dict[str, list[str]] = defaultdict(list)
    for path in sorted(paths, reverse=True):
        year, month = path.split("/")[1:3]
        by_month[f"{year}-{int(month)}"].append(path)
    sitemap_dir = out / "static" / "sitemap"
    for month_file in sitemap_dir.glob("[0-9]*-*.xml"):
        month_file.unlink()
    for month, month_paths in by_month.items():
        urls = "".join(f"<url><loc>{{{{www}}}}{p}</loc></url>\n" for p in month_paths)
        (sitemap_dir / f"{month}.xml").write_text(SITEMAP_HEAD + urls + "</urlset>\n")
    entries = "".join(
        f"<sitemap><loc>{{{{static}}}}/sitemap/{m}.xml</loc></sitemap>\n"
        for m in sorted(by_month, reverse=True)
    )
    (sitemap_dir / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + entries + "</sitemapindex>\n"
    )


def generate(out: Path, articles: int, source: Path = DEV_SITE) -> list[str]:
    """Build the synthetic replica in ``out``; returns every article path it lists."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out)
    routes = json.loads((out / "routes.json").read_text())
    pages = templates(source)
    start = datetime(2024, 6, 19, 12)
    paths = list(routes["maps"]["article_ids"].values())
    for n in range(articles):
        article_id = FIRST_ID + n
        path, html = synthetic_page(pages[n % len(pages)], article_id, start - timedelta(hours=3 * n))
        target = out / "www" / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        routes["maps"]["article_ids"][str(article_id)] = path
        paths.append(path)
    (out / "routes.json").write_text(json.dumps(routes))
    write_sitemaps(out, [p for p in paths if not p.startswith("/archive/")])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--source", type=Path, default=DEV_SITE)
    args = parser.parse_args()
    paths = generate(args.out, args.articles, args.source)
    print(f"{len(paths)} articles in {args.out}")


if __name__ == "__main__":
    main()
