import gzip
import http.client
import json
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.paths import DEV_SITE, DEV_SITE_V2
from tests.replica_server import CHAOS_FAULTS, Chaos, ReplicaServer, chaos_fault

ARTICLE = "/2020/10/14/putin-erdogan-urge-joint-efforts-to-end-karabakh-conflict-a71756"
LIVE_ID = 88620
SITE = json.loads((DEV_SITE / "truth" / "site.json").read_text())

pytestmark = pytest.mark.skipif(not DEV_SITE.is_dir(), reason=f"no replica at {DEV_SITE}")


def fetch(base, path, headers=None, method="GET", timeout=5):
    """(status, headers, body) without following redirects."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def log_path(tmp_path_factory):
    return tmp_path_factory.mktemp("log") / "requests.jsonl"


@pytest.fixture(scope="module")
def base(log_path):
    with ReplicaServer(DEV_SITE, log_path=log_path) as server:
        yield server.base_url


@pytest.fixture
def serve():
    """Start servers with custom options; stop them after the test."""
    servers = []

    def start(directory=DEV_SITE, **options):
        server = ReplicaServer(directory, **options)
        servers.append(server)
        return server.start()

    def stop_all():
        while servers:
            servers.pop().stop()

    start.stop_all = stop_all
    yield start
    stop_all()


# Routing (§3, §4)


def test_robots_substitutes_static_placeholder_and_has_no_cache_control(base):
    status, headers, body = fetch(base, "/robots.txt")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=UTF-8"
    assert "Cache-Control" not in headers
    assert f"Sitemap: {base}/_static/sitemap/sitemap.xml" in body.decode()


def test_sitemap_served_from_static_host_without_cache_control(base):
    status, headers, body = fetch(base, "/_static/sitemap/sitemap.xml")
    assert status == 200
    assert headers["Content-Type"] == "text/xml"
    assert "Cache-Control" not in headers
    assert f"<loc>{base}/_static/sitemap/2024-6.xml</loc>" in body.decode()


def test_www_sitemap_path_redirects_to_static(base):
    status, headers, body = fetch(base, "/sitemap/2024-6.xml")
    assert (status, headers["Location"], body) == (301, f"{base}/_static/sitemap/2024-6.xml", b"")


def test_article_page(base):
    status, headers, body = fetch(base, ARTICLE)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=UTF-8"
    assert headers["Cache-Control"] == "max-age=300, 300, public"
    assert "ETag" not in headers and "Last-Modified" not in headers
    text = body.decode()
    assert "{{www}}" not in text and "{{static}}" not in text
    assert f'href="{base}/tag/turkey"' in text
    assert "{{id}}" in text  # client-side templates stay literal


def test_wrong_date_redirects_with_the_target_page_as_body(base):
    status, headers, body = fetch(base, ARTICLE.replace("/14/", "/13/"))
    assert status == 302
    assert headers["Location"] == base + ARTICLE
    assert body == fetch(base, ARTICLE)[2]


@pytest.mark.parametrize("redirect", SITE["redirects"], ids=lambda r: r["why"])
def test_known_redirects(base, redirect):
    status, headers, _ = fetch(base, redirect["from"])
    assert (status, headers["Location"]) == (redirect["status"], base + redirect["to"])


@pytest.mark.parametrize("path", [
    "/2024/06/20/nonexistent-a1",
    "/2024/06/20/nonexistent-slug",
    "/tag/Vladimir%20Putin",
    "/author/nobody",
    "/tag/no-such-tag/0",
    "/tag/no-such-tag/20",
    *SITE["soft_404_paths"],
])
def test_soft_404_is_200_with_site_chrome(base, path):
    status, headers, body = fetch(base, path)
    assert status == 200
    assert "<title>The Moscow Times</title>" in body.decode()
    assert "Oops!" in body.decode()


@pytest.mark.parametrize("path", ["/foo", "/rss/business", "/2024/06/20/a/b"])
def test_unknown_route_is_404_with_html_and_cache_control(base, path):
    status, headers, body = fetch(base, path)
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=UTF-8"  # no text/xml for /rss/*
    assert headers["Cache-Control"] == "max-age=300, 300, public"
    assert "<title>Oops</title>" in body.decode()


def test_static_host_404_has_no_cache_control(base):
    status, headers, _ = fetch(base, "/_static/image/article_1360/ce/TASS_42115830.jpg")
    assert status == 404
    assert "Cache-Control" not in headers


def test_unknown_all_fragment_is_500(base):
    assert fetch(base, "/all/0")[0] == 500
    assert fetch(base, "/all/71756")[0] == 200


def test_files_ignore_query_and_never_leave_the_host_directory(base):
    assert fetch(base, "/contribute?utm_source=x")[0] == 200
    assert fetch(base, "/../routes.json")[0] == 404
    assert fetch(base, "/_static/../routes.json")[0] == 404


def test_directory_index(base):
    status, _, body = fetch(base, "/news")
    assert status == 200
    assert f'data-url="{base}/news/{{{{offset}}}}"' in body.decode()


def test_section_slices(base):
    listing = json.loads((DEV_SITE / "data" / "lists" / "section-news.json").read_text())
    status, headers, body = fetch(base, "/news/19")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=UTF-8"
    assert body.decode() == "".join(listing["items"][19:37]).replace("{{www}}", base).replace(
        "{{static}}", base + "/_static")
    assert fetch(base, "/news/100000")[2] == b"\n"


def test_tag_pages_offset_zero_is_the_page_and_later_offsets_fragments(base):
    page = fetch(base, "/tag/economy/0")[2]
    assert page == fetch(base, "/tag/economy")[2]
    assert page.startswith(b"<!DOCTYPE html>")
    assert not fetch(base, "/tag/economy/20")[2].startswith(b"<!DOCTYPE html>")


def test_live_posts_from_timestamp(base):
    status, headers, body = fetch(base, f"/live/{LIVE_ID}/0")
    posts = json.loads(body)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "max-age=60, 60, public"
    assert "{{static}}" not in body.decode()
    since = int(datetime.fromisoformat(posts[2]["time"]).timestamp())
    later = json.loads(fetch(base, f"/live/{LIVE_ID}/{since}")[2])
    assert later == posts[2:]
    assert json.loads(fetch(base, f"/live/{LIVE_ID}/9999999999")[2]) == []
    assert json.loads(fetch(base, "/live/1/0")[2]) == []


def search(base, query):
    status, headers, body = fetch(base, "/api/search?" + query)
    assert (status, headers["Cache-Control"]) == (200, "no-cache")
    return json.loads(body)


def test_search(base):
    assert search(base, "query=") == []
    hits = search(base, "query=moscow")
    assert hits and all(not key.startswith("_") for hit in hits for key in hit)
    assert search(base, "query=moscow&order=date_reverse") == hits[::-1]
    assert {hit["type"] for hit in hits} == {"article", "archive"}
    climate = search(base, "query=moscow&section=climate")
    assert climate and len(climate) < len(hits)
    assert all(hit in hits for hit in climate)
    dated = search(base, "query=moscow&from=2024-06-01&to=2024-06-30")
    assert dated and all(hit["url"].startswith(f"{base}/2024/06/") for hit in dated)
    assert search(base, "query=moscow&section=no-such-section") == []
    assert search(base, "query=zzzzunlikely") == []


def test_pdf_is_served_untouched(base):
    status, headers, body = fetch(base, ARTICLE + "/pdf")
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body == (DEV_SITE / "data" / "pdf" / "71756.pdf").read_bytes()


@pytest.mark.parametrize("path, content_type, cache_control", [
    ("/", "text/html; charset=UTF-8", "max-age=60, 60, public"),
    ("/rss/all", "text/xml; charset=UTF-8", "max-age=60, 60, public"),
    ("/rss/news", "text/xml; charset=UTF-8", "max-age=300, 300, public"),
    ("/rss/yandex-news", "text/xml; charset=UTF-8", None),
])
def test_header_rules(base, path, content_type, cache_control):
    status, headers, _ = fetch(base, path)
    assert (status, headers["Content-Type"], headers["Cache-Control"]) == (200, content_type, cache_control)


def test_head_sends_headers_only(base):
    status, headers, body = fetch(base, "/robots.txt", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) == len(fetch(base, "/robots.txt")[2])


def test_request_log(base, log_path):
    fetch(base, "/robots.txt?x=1", headers={"If-None-Match": '"abc"'})
    entry = json.loads(log_path.read_text().splitlines()[-1])
    assert {"method", "if_modified_since", "time"} <= set(entry)
    assert (entry["path"], entry["query"], entry["status"]) == ("/robots.txt", "x=1", 200)
    assert entry["if_none_match"] == '"abc"'


# Conditional GET (§6)


def test_conditional_get(serve):
    base = serve(conditional=True)
    status, headers, body = fetch(base, ARTICLE)
    lastmod = json.loads((DEV_SITE / "lastmod.json").read_text())["www" + ARTICLE]
    expected = datetime.fromisoformat(lastmod).astimezone(timezone.utc)
    assert headers["Last-Modified"] == format_datetime(expected, usegmt=True)
    etag = headers["ETag"]

    status, _, body = fetch(base, ARTICLE, {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert fetch(base, ARTICLE, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert fetch(base, ARTICLE, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    assert fetch(base, ARTICLE, {"If-None-Match": '"stale"'})[0] == 200
    # Listings change with "now", so their validators come from generated_at.
    assert fetch(base, "/news/19")[1]["Last-Modified"] == "Thu, 20 Jun 2024 09:00:00 GMT"
    assert "ETag" not in fetch(base, "/foo")[1]


def test_recrawl_after_restart_on_the_same_port(serve):
    """§6: the page changed (new "Just in" links), the article did not."""
    first = serve(conditional=True)
    validators = fetch(first, ARTICLE)[1]
    serve.stop_all()
    second = serve(DEV_SITE_V2, conditional=True, port=urlsplit(first).port)
    assert second == first
    status, headers, _ = fetch(second, ARTICLE)
    assert headers["ETag"] != validators["ETag"]
    assert headers["Last-Modified"] == validators["Last-Modified"]
    assert fetch(second, ARTICLE, {"If-Modified-Since": validators["Last-Modified"]})[0] == 304
    assert fetch(second, ARTICLE, {"If-None-Match": validators["ETag"]})[0] == 200


# Faults


def test_status_fault_with_retry_after_and_times(serve):
    base = serve(faults=[{"regex": r"^/robots\.txt$", "fault": "status", "status": 503,
                          "retry_after": 7, "times": 2}])
    for _ in range(2):
        status, headers, _ = fetch(base, "/robots.txt")
        assert (status, headers["Retry-After"]) == (503, "7")
    assert fetch(base, "/robots.txt")[0] == 200


def test_timeout_fault_delays_the_normal_answer(serve):
    base = serve(faults=[{"regex": "^/robots", "fault": "timeout", "seconds": 0.3}])
    started = time.monotonic()
    assert fetch(base, "/robots.txt")[0] == 200
    assert time.monotonic() - started >= 0.3


def test_trickle_fault_sends_the_body_slowly(serve):
    base = serve(faults=[{"regex": "^/robots", "fault": "trickle", "chunk": 100, "delay": 0.1}])
    started = time.monotonic()
    body = fetch(base, "/robots.txt")[2]
    assert time.monotonic() - started >= 0.2  # 287 bytes: 3 chunks, 2 pauses
    robots = (DEV_SITE / "www" / "robots.txt").read_text()
    assert body.decode() == robots.replace("{{static}}", base + "/_static")


def test_reset_fault_closes_without_response(serve):
    base = serve(faults=[{"regex": "^/robots", "fault": "reset"}])
    with pytest.raises(ConnectionError):
        fetch(base, "/robots.txt")


def test_truncate_fault_sends_less_than_declared(serve):
    base = serve(faults=[{"regex": "^/robots", "fault": "truncate"}])
    with pytest.raises(http.client.IncompleteRead):
        fetch(base, "/robots.txt")


def test_redirect_faults(serve):
    base = serve(faults=[
        {"regex": "^/loop$", "fault": "redirect_loop"},
        {"regex": "^/moved$", "fault": "redirect", "status": 301, "location": "{{www}}/news"},
    ])
    status, headers, _ = fetch(base, "/loop")
    assert (status, headers["Location"]) == (302, f"{base}/loop?hop=1")
    assert fetch(base, "/loop?hop=1")[1]["Location"] == f"{base}/loop?hop=2"
    status, headers, _ = fetch(base, "/moved")
    assert (status, headers["Location"]) == (301, f"{base}/news")


def test_body_fault(serve):
    base = serve(faults=[
        {"regex": "^/cp1251$", "fault": "body", "content": "Привет {{www}}",
         "content_type": "text/html; charset=windows-1251", "encoding": "cp1251"},
        {"regex": "^/bytes$", "fault": "body", "content_b64": "//79", "content_type": "image/jpeg"},
    ])
    status, headers, body = fetch(base, "/cp1251")
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=windows-1251")
    assert body == f"Привет {base}".encode("cp1251")
    assert fetch(base, "/bytes")[2] == b"\xff\xfe\xfd"


def test_gzip_bomb_fault(serve):
    size = 1 << 20
    base = serve(faults=[{"regex": "^/bomb$", "fault": "gzip_bomb", "size": size}])
    status, headers, body = fetch(base, "/bomb")
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert len(body) < 4096
    assert len(gzip.decompress(body)) == size


def test_faults_are_logged(serve, tmp_path):
    log = tmp_path / "log.jsonl"
    base = serve(faults=[{"regex": "^/robots", "fault": "reset"}], log_path=log)
    with pytest.raises(ConnectionError):
        fetch(base, "/robots.txt")
    entry = json.loads(log.read_text())
    assert (entry["path"], entry["status"], entry["fault"]) == ("/robots.txt", None, "reset")


def test_unknown_fault_is_rejected():
    with pytest.raises(ValueError):
        ReplicaServer(DEV_SITE, faults=[{"regex": ".", "fault": "explode"}])


# Chaos


def test_chaos_is_deterministic_per_url_whatever_the_arrival_order():
    urls = [f"/page/{i}?" for i in range(200)]

    def fates(seed, arrivals):
        chaos, fates = Chaos(0.3, seed), defaultdict(list)
        for url in arrivals:
            fates[url].append(chaos.pick(url))
        return fates

    forward = fates(7, urls * 2)
    assert forward == fates(7, urls[::-1] * 2)
    assert forward != fates(8, urls * 2)
    drawn = [fault for attempts in forward.values() for fault in attempts]
    assert 0.2 < sum(fault is not None for fault in drawn) / len(drawn) < 0.4
    assert {f["fault"] for f in drawn if f} == {f["fault"] for f in CHAOS_FAULTS}
    assert Chaos(0.0, seed=7).pick("/") is None


def test_chaos_fails_requests_over_http(serve):
    # The first seed whose first /robots.txt request draws a 500.
    seed = next(s for s in range(1000) if chaos_fault(s, 1.0, "/robots.txt?", 0) == CHAOS_FAULTS[0])
    base = serve(chaos=1.0, chaos_seed=seed)
    assert fetch(base, "/robots.txt")[0] == 500


# CLI


def test_cli_writes_port_file_and_serves(tmp_path):
    port_file = tmp_path / "port"
    script = Path(__file__).with_name("replica_server.py")
    process = subprocess.Popen(
        [sys.executable, str(script), str(DEV_SITE), "--port", "0", "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{int(port_file.read_text())}"
        assert fetch(base, "/robots.txt")[0] == 200
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0


@pytest.mark.parametrize("keep_alive, version", [(False, 10), (True, 11)])
def test_keep_alive_serves_several_requests_on_one_connection(serve, keep_alive, version):
    address = urlsplit(serve(keep_alive=keep_alive))
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
    try:
        connection.request("GET", ARTICLE)
        first = connection.getresponse()
        assert (first.status, first.version) == (200, version)
        first.read()
        assert first.will_close is not keep_alive
        connection.request("GET", "/robots.txt")  # a closed connection is opened again by http.client
        assert connection.getresponse().status == 200
    finally:
        connection.close()
