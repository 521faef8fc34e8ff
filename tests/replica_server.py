#!/usr/bin/env python3
"""Serve a Moscow Times replica directory on loopback (FORMAT.md §2-§4, §6).

Both hosts share one port: www at ``/``, static under ``/_static``.  Faults
(``--faults``) and random failures (``--chaos``) make crawler robustness
testable.  Standalone (stdlib only) so it can run as a subprocess::

    python tests/replica_server.py DIR [--host 127.0.0.1] [--port 0]
        [--port-file PATH] [--log PATH] [--conditional]
        [--faults PATH] [--chaos RATE --chaos-seed N]

or in-process::

    with ReplicaServer(DIR) as server:
        fetch(server.base_url + "/robots.txt")
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import json
import re
import signal
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

STATIC_PREFIX = "/_static"
SEARCH_LIMITS = {"article": 100, "archive": 200}
FAULTS = frozenset({
    "status", "timeout", "trickle", "reset", "truncate",
    "redirect_loop", "redirect", "body", "gzip_bomb", "hold",
})
CHAOS_FAULTS = (
    {"fault": "status", "status": 500},
    {"fault": "status", "status": 503, "retry_after": 1},
    {"fault": "reset"},
    {"fault": "truncate"},
    # Well past the crawl's DOWNLOAD_TIMEOUT, so it is the crawl that gives up, however busy the machine.
    {"fault": "timeout", "seconds": 10},
)


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    source: str | None = None  # replica-relative file, the key of lastmod.json


class Replica:
    """Request resolution of one replica directory, independent of HTTP."""

    def __init__(self, directory: str | Path):
        self.root = Path(directory).resolve()
        self.routes = json.loads((self.root / "routes.json").read_text("utf-8"))
        lastmod = self.root / "lastmod.json"
        self.lastmod = json.loads(lastmod.read_text("utf-8")) if lastmod.is_file() else {}
        self._patterns = [(re.compile(r["regex"]), r) for r in self.routes["patterns"]]
        self._header_rules = [(re.compile(r["regex"]), r) for r in self.routes["header_rules"]]

    def resolve(self, host: str, path: str, query: str) -> Response:
        """Exact route, then file, then patterns, then not found (§3)."""
        response = (
            self._exact(host, path, query)
            or self._file(host, path)
            or self._pattern(host, path, query)
            or self._fixed(self.routes["not_found"])
        )
        self._apply_header_rules(response, host, path)
        return response

    def conditional(self, response: Response, if_none_match: str | None,
                    if_modified_since: str | None) -> Response:
        """Add validators to a 200 response; answer 304 when they match (§6)."""
        etag = '"%s"' % hashlib.sha1(response.body).hexdigest()
        modified = datetime.fromisoformat(
            self.lastmod.get(response.source, self.routes["generated_at"]))
        response.headers["ETag"] = etag
        response.headers["Last-Modified"] = format_datetime(
            modified.astimezone(timezone.utc), usegmt=True)
        if _etag_matches(etag, if_none_match) or _not_modified_since(modified, if_modified_since):
            kept = ("ETag", "Last-Modified", "Cache-Control")
            return Response(304, {k: v for k, v in response.headers.items() if k in kept})
        return response

    # Resolution steps

    def _exact(self, host, path, query):
        for entry in self.routes["exact"]:
            if entry["host"] == host and entry["path"] == path and entry.get("query", query) == query:
                response = self._serve(entry["file"]) if "file" in entry else None
                response = response or Response(0)
                response.status = entry["status"]
                if "location" in entry:
                    response.headers["Location"] = entry["location"]
                response.headers.update(entry.get("headers", {}))
                return response
        return None

    def _file(self, host, path):
        base = self.routes["hosts"][host]
        if not path.endswith("/"):
            response = self._serve(base + path, within=base)
            if response:
                return response
        return self._serve(base + path.rstrip("/") + "/index.html", within=base)

    def _pattern(self, host, path, query):
        for regex, rule in self._patterns:
            match = regex.fullmatch(path) if rule["host"] == host else None
            if match:
                return getattr(self, "_do_" + rule["action"])(rule, match, query)
        return None

    # Pattern actions

    def _do_redirect(self, rule, match, query):
        return Response(rule["status"], {"Location": match.expand(rule["location"])})

    def _do_lookup(self, rule, match, query):
        target = self.routes["maps"][rule["map"]].get(match.group(rule["group"]))
        if target is None:
            return self._missing(rule)
        # The real site renders the target page into its redirects' bodies.
        page = self._file("www", target) if rule.get("body") == "target" else None
        response = page or Response(0)
        response.status = rule["status"]
        response.headers["Location"] = "{{www}}" + target
        return response

    def _do_file(self, rule, match, query):
        response = self._serve(self._data_relative(match.expand(rule["file"])))
        if response is None:
            return self._missing(rule)
        response.headers.update(rule.get("headers", {}))
        return response

    def _do_slice(self, rule, match, query):
        listing = self._load_json(match.expand(rule["file"]))
        if listing is None:
            return self._missing(rule)
        offset = int(match.group(rule["offset_group"]))
        body = "".join(listing["items"][offset:offset + listing["size"]]) or "\n"
        return Response(200, {"Content-Type": self._content_type("")}, body.encode())

    def _do_live(self, rule, match, query):
        since = int(match.group(rule["from_group"]))
        posts = self._load_json(match.expand(rule["file"])) or []
        recent = [p for p in posts if datetime.fromisoformat(p["time"]).timestamp() >= since]
        return _json_response(recent)

    def _do_search(self, rule, match, query):
        index = self._load_json(match.expand(rule["file"])) or []
        return _json_response(search(index, parse_qs(query, keep_blank_values=True)))

    def _do_status(self, rule, match, query):
        return self._fixed(rule)

    def _do_soft_404(self, rule, match, query):
        return self._fixed(self.routes["soft_404"])

    def _missing(self, rule):
        fallback = self.routes["soft_404"] if rule.get("missing") == "soft_404" else self.routes["not_found"]
        return self._fixed(fallback)

    # Files and headers

    def _fixed(self, spec):
        response = self._serve(self._data_relative(spec["file"]))
        response.status = spec["status"]
        return response

    def _serve(self, relative, within=""):
        """A 200 response with the file ``relative`` to the replica, if it is one."""
        try:
            path = (self.root / relative).resolve()
            if not path.is_relative_to(self.root / within) or not path.is_file():
                return None
            body = path.read_bytes()
        except (OSError, ValueError):  # e.g. a NUL byte in a requested path
            return None
        return Response(200, {"Content-Type": self._content_type(path.suffix)}, body, relative)

    def _data_relative(self, name):
        """Action files name host or data files; bare names live in data/."""
        top = name.split("/", 1)[0]
        if top in (*self.routes["hosts"].values(), self.routes["data_dir"]):
            return name
        return f"{self.routes['data_dir']}/{name}"

    def _load_json(self, name):
        response = self._serve(self._data_relative(name))
        return json.loads(response.body) if response else None

    def _content_type(self, suffix):
        types = self.routes["content_types"]
        return types.get(suffix, types[""])

    def _apply_header_rules(self, response, host, path):
        for regex, rule in self._header_rules:
            if rule["host"] != host or not regex.search(path):
                continue
            for name, value in rule["headers"].items():
                if name.lower() == "content-type" and response.status >= 300:
                    continue
                if value is None:
                    response.headers.pop(name, None)
                else:
                    response.headers[name] = value


def search(index: list[dict], params: dict[str, list[str]]) -> list[dict]:
    """The /api/search action (§3): filter, order, cap per type, drop private keys."""
    def param(name):
        return params.get(name, [""])[0].strip()

    words = param("query").lower().split()
    if not words:
        return []
    section, since, until = param("section"), param("from"), param("to")
    hits = [
        item for item in index
        if all(w in f"{item['title']} {item['summary']} {item['_text']}".lower() for w in words)
        and (not section or section in item["_section"])
        and (not since or item["_ts"][:10] >= since)
        and (not until or item["_ts"][:10] <= until)
    ]
    hits.sort(key=lambda item: datetime.fromisoformat(item["_ts"]),
              reverse=param("order") != "date_reverse")
    seen = Counter()
    results = []
    for item in hits:
        seen[item["type"]] += 1
        if seen[item["type"]] <= SEARCH_LIMITS.get(item["type"], 0):
            results.append({k: v for k, v in item.items() if not k.startswith("_")})
    return results


def _json_response(data):
    body = json.dumps(data, ensure_ascii=False).encode()
    return Response(200, {"Content-Type": "application/json"}, body)


def _etag_matches(etag, if_none_match):
    if not if_none_match:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def _not_modified_since(modified, if_modified_since):
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    # HTTP dates have whole seconds; a naive one means UTC (RFC 5322 "-0000").
    since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
    return since >= modified.replace(microsecond=0)


def _is_textual(content_type):
    mime = content_type.split(";")[0].strip().lower()
    return mime.startswith("text/") or mime in ("application/json", "application/xml")


# Faults


class FaultRules:
    """Configured faults: the first rule whose regex matches and has turns left."""

    def __init__(self, specs: list[dict]):
        unknown = {spec.get("fault") for spec in specs} - FAULTS
        if unknown:
            raise ValueError(f"unknown faults: {sorted(map(str, unknown))}")
        self._rules = [(re.compile(spec["regex"]), spec) for spec in specs]
        self._turns = [spec.get("times") for spec in specs]
        self._lock = threading.Lock()

    def pick(self, path: str) -> dict | None:
        with self._lock:
            for i, (regex, spec) in enumerate(self._rules):
                if self._turns[i] != 0 and regex.search(path):
                    if self._turns[i] is not None:
                        self._turns[i] -= 1
                    return spec
        return None


class Chaos:
    """Fails a share of all requests with one of CHAOS_FAULTS.

    The fate of the n-th request for a URL depends only on the seed, so a
    concurrent crawl fails the same way whatever order requests arrive in,
    and retries of a failed URL get fresh draws.
    """

    def __init__(self, rate: float, seed: int):
        self.rate, self.seed = rate, seed
        self._requests = Counter()
        self._lock = threading.Lock()

    def pick(self, url: str) -> dict | None:
        if self.rate <= 0:
            return None
        with self._lock:
            attempt = self._requests[url]
            self._requests[url] += 1
        return chaos_fault(self.seed, self.rate, url, attempt)


def chaos_fault(seed: int, rate: float, url: str, attempt: int) -> dict | None:
    digest = hashlib.sha256(f"{seed}\0{url}\0{attempt}".encode()).digest()
    if int.from_bytes(digest[:8], "big") / 2**64 >= rate:
        return None
    return CHAOS_FAULTS[digest[8] % len(CHAOS_FAULTS)]


def fault_response(fault: dict, path: str, query: str) -> Response | None:
    """The response a fault replaces the page with; None for transport faults."""
    name = fault["fault"]
    if name == "status":
        status = fault.get("status", 503)
        response = Response(status, {"Content-Type": "text/plain"}, f"fault {status}\n".encode())
        if "retry_after" in fault:
            response.headers["Retry-After"] = str(fault["retry_after"])
    elif name == "redirect":
        response = Response(fault.get("status", 302), {"Location": fault["location"]})
    elif name == "redirect_loop":
        # A new URL each hop, so only a redirect limit stops the client.
        hop = int(parse_qs(query).get("hop", ["0"])[0]) + 1
        response = Response(302, {"Location": "{{www}}%s?hop=%d" % (quote(path), hop)})
    elif name == "body":
        if "content_b64" in fault:
            body = base64.b64decode(fault["content_b64"])
        else:
            body = fault.get("content", "").encode(fault.get("encoding", "utf-8"))
        content_type = fault.get("content_type", "text/html; charset=UTF-8")
        response = Response(fault.get("status", 200), {"Content-Type": content_type}, body)
    elif name == "gzip_bomb":
        headers = {"Content-Type": "text/html; charset=UTF-8", "Content-Encoding": "gzip"}
        response = Response(200, headers, gzip_bomb(fault.get("size", 64 << 20)))
    else:
        return None
    response.headers.update(fault.get("headers", {}))
    return response


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """A gzip stream of ``size`` zero bytes, compressed chunk by chunk."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk[:size - start]) for start in range(0, size, len(chunk))]
    return b"".join(parts) + compressor.flush()


# HTTP


class ReplicaServer:
    """A replica served by a ThreadingHTTPServer in a background thread."""

    def __init__(self, directory: str | Path, conditional: bool = False,
                 faults: list[dict] | None = None, log_path: str | Path | None = None,
                 *, host: str = "127.0.0.1", port: int = 0,
                 chaos: float = 0.0, chaos_seed: int = 0, keep_alive: bool = False):
        self.replica = Replica(directory)
        self.keep_alive = keep_alive
        self.conditional = conditional
        self.faults = FaultRules(faults or [])
        self.chaos = Chaos(chaos, chaos_seed)
        self.log_path = log_path
        self.stopping = threading.Event()
        # A "hold" fault answers once this is set (release()), or ends like a reset at stop().
        self.released = threading.Event()
        self.base_url = None
        self._address = (host, port)
        self._httpd = None
        self._thread = None
        self._log_lock = threading.Lock()

    def start(self) -> str:
        self.stopping.clear()
        self._httpd = _HTTPServer(self._address, self)
        self.base_url = "http://%s:%d" % self._httpd.server_address[:2]
        # A short poll interval keeps stop() quick (it waits for one poll).
        serve = functools.partial(self._httpd.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        self.stopping.set()  # wakes handlers sleeping in a timeout or trickle
        self.released.set()  # and those held
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> ReplicaServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def respond(self, path: str, query: str, headers) -> Response:
        if path == STATIC_PREFIX or path.startswith(STATIC_PREFIX + "/"):
            host, path = "static", path[len(STATIC_PREFIX):] or "/"
        else:
            host = "www"
        response = self.replica.resolve(host, path, query)
        self.fill_placeholders(response)
        if self.conditional and response.status == 200:
            response = self.replica.conditional(
                response, headers.get("If-None-Match"), headers.get("If-Modified-Since"))
        return response

    def fill_placeholders(self, response: Response) -> None:
        www, static = self.base_url, self.base_url + STATIC_PREFIX
        textual = _is_textual(response.headers.get("Content-Type", ""))
        if textual and "Content-Encoding" not in response.headers:
            response.body = (response.body.replace(b"{{www}}", www.encode())
                             .replace(b"{{static}}", static.encode()))
        if "Location" in response.headers:
            location = response.headers["Location"]
            response.headers["Location"] = location.replace("{{www}}", www).replace("{{static}}", static)

    def pick_fault(self, path: str, query: str) -> dict | None:
        return self.faults.pick(path) or self.chaos.pick(f"{path}?{query}")

    def log(self, entry: dict) -> None:
        if self.log_path:
            with self._log_lock, open(self.log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")


class _HTTPServer(ThreadingHTTPServer):
    request_queue_size = 128  # a crawler opens many connections at once

    def __init__(self, address, app: ReplicaServer):
        super().__init__(address, _Handler)
        self.app = app


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0 closes every connection, so a server restarted on the same port
    # never leaves clients talking to the old replica over a kept-alive socket;
    # benchmarks ask for HTTP/1.1 keep-alive, as a real server answers.
    protocol_version = "HTTP/1.0"

    def setup(self):
        super().setup()
        if self.server.app.keep_alive:
            self.protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._handle(send_body=True)

    def do_HEAD(self):
        self._handle(send_body=False)

    def log_message(self, format, *args):
        pass  # --log records requests

    def _handle(self, send_body):
        arrived = time.time()  # the delays between requests are the client's: measured before any work here
        app = self.server.app
        raw_path, _, query = self.path.partition("?")
        path = unquote(raw_path)
        fault = app.pick_fault(path, query) or {}
        name = fault.get("fault")
        response = None
        if name == "hold":  # until the test releases it: what it waits for never depends on time
            app.released.wait()
        # A timeout or hold cut short by stop() ends like a reset: without a response.
        cut_short = app.stopping.wait(fault.get("seconds", 30)) if name == "timeout" else app.stopping.is_set()
        if name != "reset" and not (name in ("timeout", "hold") and cut_short):
            response = fault_response(fault, path, query) if name else None
            if response is None:
                response = app.respond(path, query, self.headers)
            else:
                app.fill_placeholders(response)
        # Logged before answering, so a client holding a response finds its line.
        app.log({
            "method": self.command,
            "path": path,
            "query": query,
            "status": response and response.status,
            "if_none_match": self.headers.get("If-None-Match"),
            "if_modified_since": self.headers.get("If-Modified-Since"),
            "time": arrived,
            "fault": name,
            "user_agent": self.headers.get("User-Agent"),
        })
        try:
            if response is None:
                self._reset()
            else:
                self._send(app, response, fault, send_body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, e.g. on its own timeout

    def _send(self, app, response, fault, send_body):
        """Send ``response``, cut short or slowed down as ``fault`` says."""
        name, body = fault.get("fault"), response.body
        self.send_response(response.status)
        for header, value in response.headers.items():
            self.send_header(header, value)
        if response.status != 304:
            declared = max(len(body), 1) if name == "truncate" else len(body)
            self.send_header("Content-Length", str(declared))
        self.end_headers()
        if not send_body:
            return
        if name == "truncate":
            self.wfile.write(body[:len(body) // 2])
        elif name == "trickle":
            self._trickle(app, body, fault.get("chunk", 64), fault.get("delay", 0.1))
        else:
            self.wfile.write(body)

    def _trickle(self, app, body, chunk, delay):
        for start in range(0, len(body), chunk):
            if start and app.stopping.wait(delay):
                return
            self.wfile.write(body[start:start + chunk])

    def _reset(self):
        # Zero linger turns close() into a TCP RST instead of an orderly FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="replica directory (with routes.json)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 binds an ephemeral port")
    parser.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    parser.add_argument("--log", type=Path, help="append one JSON line per request")
    parser.add_argument("--conditional", action="store_true",
                        help="send ETag/Last-Modified and answer 304 (FORMAT.md §6)")
    parser.add_argument("--faults", type=Path, help='JSON list of {"regex", "fault", "times"?, ...}')
    parser.add_argument("--chaos", type=float, default=0.0, help="share of requests failing at random")
    parser.add_argument("--chaos-seed", type=int, default=0)
    parser.add_argument("--keep-alive", action="store_true", help="HTTP/1.1 persistent connections (benchmarks)")
    args = parser.parse_args(argv)

    faults = json.loads(args.faults.read_text("utf-8")) if args.faults else None
    server = ReplicaServer(args.directory, conditional=args.conditional, faults=faults,
                           log_path=args.log, host=args.host, port=args.port,
                           chaos=args.chaos, chaos_seed=args.chaos_seed, keep_alive=args.keep_alive)
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    server.start()
    if args.port_file:
        _write_atomically(args.port_file, str(server.port))
    print(f"Serving {args.directory} at {server.base_url}", flush=True)
    done.wait()
    server.stop()


if __name__ == "__main__":
    main()
