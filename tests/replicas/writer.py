"""Write a replica directory in the Moscow Times replica format (FORMAT.md §1-§6), so that
``tests/replica_server.py`` serves it unchanged.

Only the parts of the format these sites need: one host (``www``; ``static`` exists but is
empty), files, exact routes (redirects and shortlinks), header rules, ``lastmod.json`` for
conditional GET, and ``truth/``. Truth files hold one JSON object per article plus
``truth/site.json`` (see ``tests/replicas/__init__.py``).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from tests.appeals import MIN_LINE_WORDS
from tests.scoring import contains, tokens

CONTENT_TYPES = {
    "": "text/html; charset=UTF-8",
    ".html": "text/html; charset=UTF-8",
    ".xml": "text/xml; charset=UTF-8",
    ".txt": "text/plain; charset=UTF-8",
    ".json": "application/json",
    ".xsl": "text/xsl; charset=UTF-8",
}
# replica_server.py fills {{www}} only in textual responses, so feeds go out as text/xml
# (as many servers send them) rather than application/rss+xml.
FEED_TYPE = "text/xml; charset=UTF-8"
NOT_FOUND_PAGE = "<!DOCTYPE html><html><head><title>Page not found</title></head>" \
                 "<body><h1>Page not found</h1></body></html>\n"


class ReplicaWriter:
    """Collects a site's files, routes and truth, and writes them under ``root``."""

    def __init__(self, root: str | Path, generated_at: str, site: str):
        self.root = Path(root)
        self.generated_at = generated_at
        self.site = site
        self.exact: list[dict] = []
        self.header_rules: list[dict] = []
        self.lastmod: dict[str, str] = {}
        self.kinds: dict[str, str] = {}  # every served URL path -> what it is
        self.redirects: list[dict] = []
        self.truths: list[dict] = []
        for name in ("www", "static", "data", "truth"):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    def page(self, path: str, text: str, kind: str, modified: str | None = None) -> None:
        """Serve ``text`` at URL ``path``; a path ending in ``/`` is a directory index."""
        relative = "www" + (path + "index.html" if path.endswith("/") else path)
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        self.kinds[path] = kind
        self.lastmod[relative] = modified or self.generated_at

    def redirect(self, path: str, target: str, status: int = 301, query: str | None = None) -> None:
        entry = {"host": "www", "path": path, "status": status, "location": "{{www}}" + target}
        if query is not None:
            entry["query"] = query
        self.exact.append(entry)
        self.redirects.append({"from": path + (f"?{query}" if query else ""), "to": target, "status": status})

    def missing(self, path: str) -> None:
        """``path`` answers 404 (the default for anything unknown; recorded for the truth)."""
        self.kinds[path] = "missing"

    def content_type(self, regex: str, content_type: str) -> None:
        self.header_rules.append({"host": "www", "regex": regex, "headers": {"Content-Type": content_type}})

    def article_truth(self, truth: dict) -> None:
        self.truths.append(truth)

    def finish(self, **site_fields) -> Path:
        """Write routes.json, lastmod.json and truth/; returns the replica directory."""
        (self.root / "data" / "error.html").write_text(NOT_FOUND_PAGE, "utf-8")
        routes = {
            "format": "mtsite-routes/1", "generated_at": self.generated_at, "set": self.site,
            "hosts": {"www": "www", "static": "static"}, "data_dir": "data",
            "content_types": CONTENT_TYPES, "header_rules": self.header_rules,
            "exact": self.exact, "patterns": [], "maps": {},
            "soft_404": {"status": 200, "file": "data/error.html"},
            "not_found": {"status": 404, "file": "data/error.html"},
        }
        _dump(self.root / "routes.json", routes)
        _dump(self.root / "lastmod.json", self.lastmod)
        for number, truth in enumerate(sorted(self.truths, key=lambda t: t["url_path"]), 1):
            _dump(self.root / "truth" / f"{number:03d}.json", truth)
        served = {path: kind for path, kind in sorted(self.kinds.items()) if kind != "missing"}
        articles = [path for path, kind in served.items() if kind == "article"]
        site = {
            "site": self.site, "generated_at": self.generated_at,
            "articles": articles,
            "non_articles": [path for path, kind in served.items() if kind != "article"],
            "kinds": served,
            "missing": sorted(path for path, kind in self.kinds.items() if kind == "missing"),
            "redirects": self.redirects,
            **site_fields,
        }
        _dump(self.root / "truth" / "site.json", site)
        (self.root / ".mtsite-replica").write_text(self.site + "\n")
        return self.root


def _dump(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def json_ld(data: dict) -> str:
    # "</" inside a script would end it early.
    return ('<script type="application/ld+json">'
            + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + "</script>")


def article_truth(url_path: str, title: str, authors: list[str], published: str, modified: str,
                  body: list[str], *, optional: list[str] = (), traps: list[str] = (),
                  must_not_contain: list[str] = (), **extra) -> dict:
    """One article's truth: the fields tests/scoring.py's body_score and contains() read, and
    the metadata a crawl should find."""
    return {
        "url_path": url_path, "title": title, "authors": list(authors), "published": published,
        "modified": modified, "body_paragraphs": list(body), "optional_paragraphs": list(optional),
        "trap_paragraphs": list(traps), "must_not_contain": list(must_not_contain), **extra,
    }


def forbidden_lines(shown: list[str], story: list[str]) -> list[str]:
    """The lines of ``shown`` (appeals, related titles, bios, comments …) a stored body must not
    contain: each once, leaving out short labels and anything the story itself says."""
    text = "\n\n".join(story)
    return [line for line in dict.fromkeys(shown)
            if len(tokens(line)) >= MIN_LINE_WORDS and not contains(text, line)]
