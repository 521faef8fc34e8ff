"""crawler.extract on every page kind of the replica, and on input that is no article."""

import gzip
import json
import subprocess
import sys
from datetime import date, datetime

import pytest
from parsel import Selector

from crawler import metadata as md
from crawler import site_rules
from crawler.charset import decode_html
from crawler.extract import ExtractionError, extract, is_markup
from crawler.site_rules import SiteRules
from tests.conftest import ROOT, SITE

BASE = "http://127.0.0.1:1"
HAND_WRITTEN = sorted(
    (t for t in (json.loads(p.read_text()) for p in (SITE / "truth").glob("*.json") if p.stem.isdigit())
     if not t.get("filler")),
    key=lambda t: t["article_id"],
)


def load_page(path: str) -> str:
    html = (SITE / "www" / path.lstrip("/")).read_text(encoding="utf-8")
    return html.replace("{{www}}", BASE).replace("{{static}}", BASE + "/_static")


def live_posts(article_id: int) -> list | None:
    path = SITE / "data" / "live" / f"{article_id}.json"
    return json.loads(path.read_text()) if path.exists() else None


@pytest.mark.parametrize("truth", HAND_WRITTEN, ids=lambda t: f"{t['kind']}-{t['article_id']}")
def test_fields_of_every_page_kind(truth):
    record = extract(load_page(truth["url_path"]), BASE + truth["url_path"], site="moscowtimes",
                     live_posts=live_posts(truth["article_id"]))
    assert record["kind"] == truth["kind"]
    assert record["url"] == BASE + truth["url_path"]
    assert record["article_id"].removeprefix("archive-") == str(truth["article_id"])
    for field in ("title", "subtitle", "lead", "section"):
        assert record[field] == truth[field], field
    assert record["authors"] == truth["authors"] or (
        not truth["authors"] and record["authors"] in truth["accept"]["authors"])
    assert sorted(record["tags"]) == sorted(truth["tags"])
    for field in ("published", "modified"):
        assert datetime.fromisoformat(record[field]) == datetime.fromisoformat(truth[field])
        assert record[field].endswith("+03:00")
    if truth["image_url_path"]:
        assert record["image_url"] == BASE + "/_static" + truth["image_url_path"]
        assert record["image_caption"] == (truth["image_caption"] or None)
    assert record["language"] == "en"


@pytest.mark.parametrize("truth", HAND_WRITTEN, ids=lambda t: f"{t['kind']}-{t['article_id']}")
def test_body_is_the_story_and_nothing_else(truth):
    record = extract(load_page(truth["url_path"]), BASE + truth["url_path"], site="moscowtimes",
                     live_posts=live_posts(truth["article_id"]))
    optional = set(truth["optional_paragraphs"])
    paragraphs = [p for p in record["body"].split("\n\n") if p not in optional]
    assert paragraphs == truth["body_paragraphs"]
    for leak in truth["must_not_contain"]:
        assert leak not in record["body"]
    assert record["removed"], "the appeals and promos are recorded"


def test_flag_mode_keeps_flagged_blocks_in_the_body_and_says_which_are_there():
    truth = next(t for t in HAND_WRITTEN if t["kind"] == "news" and "contribute-banner" in load_page(t["url_path"])
                 and not t["url_path"].startswith("/archive/"))
    prompt = "Sign up for our free weekly newsletter to get the best stories in your inbox."
    page = load_page(truth["url_path"])
    first = page.index("</p>", page.index("article__block--html article__block--column"))
    html = page[:first] + f"</p><p>{prompt}" + page[first:]
    url = BASE + truth["url_path"]
    removed, flagged = extract(html, url, site="moscowtimes"), extract(html, url, site="moscowtimes", mode="flag")
    assert prompt not in removed["body"] and prompt in flagged["body"]
    assert [b["removed"] for b in flagged["removed"] if b["text"] == prompt] == [0]
    banner = next(b for b in flagged["removed"] if "contribute-banner" in b["rule"])
    assert banner["removed"] == 1 and banner["text"] not in flagged["body"]  # outside the story's container
    assert all(block["removed"] == 1 for block in removed["removed"])
    assert [(b["kind"], b["rule"]) for b in removed["removed"]] == [(b["kind"], b["rule"]) for b in flagged["removed"]]


def test_soft_404_is_no_article():
    html = (SITE / "data" / "soft404.html").read_text().replace("{{www}}", BASE)
    with pytest.raises(ExtractionError) as error:
        extract(html, BASE + "/2024/01/01/gone-a1", site="moscowtimes")
    assert error.value.reason == "not-article"


def copied_page(canonical: str) -> str:
    "A story from example.org served elsewhere, its canonical as written, a box asking for its publisher."
    story = "".join(f"<p>Paragraph {i}: the council said on Tuesday that the new bridge would open next spring, "
                    f"three years later than first planned, after a long dispute with contractors.</p>" for i in range(6))
    box = '<div class="donate-box"><p>The fund needs help.</p><a href="https://www.example.org/donate">Read on</a></div>'
    return (f'<html><head><title>Bridge</title><link rel="canonical" href="{canonical}"></head>'
            f"<body><article><h1>Bridge</h1>{story}{box}</article></body></html>")


def test_a_copy_served_elsewhere_is_stripped_as_its_publishers_page():
    record = extract(copied_page("https://www.example.org/news/bridge"), "http://127.0.0.1:8000/copy/bridge")
    assert record["url"] == "http://127.0.0.1:8000/copy/bridge"  # a home off the site moves no row
    assert "fund needs help" not in record["body"] and record["body"].count("Paragraph") == 6
    assert [block["rule"] for block in record["removed"] if block["kind"] == "donation"] == ["generic:link+markup:donat"]


@pytest.mark.parametrize("canonical", ["http://[x", "javascript:void(0)", "/news/bridge", ""])
def test_a_canonical_that_names_no_host_names_no_publisher(canonical):
    record = extract(copied_page(canonical), "http://127.0.0.1:8000/copy/bridge")
    assert "fund needs help" in record["body"]  # a link to another site is nobody's ask


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "empty"), (b"   \n", "empty"), (b"%PDF-1.4 binary", "not-html"),
     (b"\x89PNG\r\n\x1a\n....", "not-html"), (b"just some text without markup", "not-html"),
     (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "not-html"), (gzip.compress(b"<html><p>x</p></html>"), "not-html"),
     (bytes(range(256)) * 16, "not-html")],  # a binary of no known type: NUL bytes and no markup
)
def test_input_that_is_no_html_page(content, reason):
    with pytest.raises(ExtractionError) as error:
        extract(content, "http://example.org/a")
    assert error.value.reason == reason


def test_windows_1251_page_is_decoded_by_its_declared_charset():
    html = ('<html><head><meta charset="windows-1251"><title>Новости</title></head><body><article>'
            + "<p>Москва объявила о новых правилах для жителей столицы и гостей города в этом году.</p>" * 5
            + "</article></body></html>")
    record = extract(html.encode("cp1251"), "http://example.org/news/1")
    assert "Москва объявила" in record["body"]


# An English story quoting Russian, in windows-1251: its few Cyrillic words read as Mac Cyrillic too.
QUOTING = "<p>The sign read «Мост открыт» when the mayor came, and the council’s «Итоги года» agreed.</p>"


@pytest.mark.parametrize("body, header, text", [
    (QUOTING.encode("cp1251"), "cp1251", QUOTING),  # the header's charset, the page declaring none
    (b'<meta charset="koi8-r">' + QUOTING.encode("cp1251"), "cp1251", QUOTING),  # the header before the page's
    (b'<meta charset="windows-1251">' + QUOTING.encode("cp1251"), "utf-8", QUOTING),  # a disproved header: the page's
    (QUOTING.encode(), "cp1251", QUOTING),  # bytes that decode as UTF-8 are UTF-8, whatever the header says
    (b"\xef\xbb\xbf" + QUOTING.encode(), "koi8-r", QUOTING),  # the byte order mark before the header
])
def test_a_page_is_decoded_by_its_bom_then_its_header_then_its_own_charset(body, header, text):
    assert decode_html(body, header).endswith(text)


def short_page(title: str, paragraphs: list[str]) -> str:
    "A page short enough that its title and first paragraph fall in its first KiB."
    story = "".join(f"<p>{text}</p>" for text in paragraphs)
    headline = json.dumps({"@type": "NewsArticle", "headline": title})
    return (f'<html><head><title>{title}</title><script type="application/ld+json">{headline}</script></head>'
            f"<body><article><h1>{title}</h1>{story}</article></body></html>")


STORY = [f"Paragraph {n}: the council said on Tuesday that the bridge would open next spring, three years late."
         for n in range(4)]


@pytest.mark.parametrize("stray", ["\x00", "\x01", "\x08", "\x1b", "\ufffe", "\uffff"],
                         ids=["nul", "soh", "backspace", "esc", "u+fffe", "u+ffff"])
def test_a_character_xml_cannot_hold_is_dropped_and_the_page_read(stray):
    html = short_page(f"Bridge{stray} opens", [STORY[0], STORY[1].replace("bridge", f"bri{stray}dge"), *STORY[2:]])
    for page in (html, html.encode()):
        record = extract(page, "https://news.example/2024/06/17/bridge")
        assert record["title"] == "Bridge opens"
        assert record["body"].split("\n\n") == STORY


def test_a_lone_surrogate_in_the_text_is_dropped_and_the_page_read():
    "Text handed over as a string may hold one (no bytes do: UTF-8 cannot encode it)."
    record = extract(short_page("Bridge\udc80 opens", STORY), "https://news.example/2024/06/17/bridge")
    assert (record["title"], record["body"].split("\n\n")) == ("Bridge opens", STORY)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_a_page_in_utf_16_or_32_is_read_with_or_without_its_byte_order_mark(encoding):
    paragraphs = [f"Москва {text}" for text in STORY]
    page = short_page("Мост открыт", paragraphs).encode(encoding)
    record = extract(page, "https://news.example/2024/06/17/bridge")
    assert (record["title"], record["body"].split("\n\n")) == ("Мост открыт", paragraphs)


LONG_STORY = [f"Paragraph {n}: the council in Москва said on Tuesday that the bridge would open next spring, "
              "three years late, after a long dispute with its contractors." for n in range(6)]
DONATION_BOX = ('<div class="donate-box"><p>Keep our newsroom independent: give a monthly gift today.</p>'
                '<a class="button" href="/donate">Donate</a></div>')
EMBEDDED_HTML = "".join(f"<p>{text}</p>" for text in LONG_STORY[:3]) + DONATION_BOX + "".join(
    f"<p>{text}</p>" for text in LONG_STORY[3:])


def scripted_page(*scripts: str, markup: str = '<div hidden id="S:0"></div>') -> str:
    "A page whose markup is a shell (`markup`), with inline `scripts`."
    tags = "".join(f"<script>{script}</script>" for script in scripts)
    return f"<html><head><title>Bridge opens</title></head><body>{markup}{tags}</body></html>"


def flight_page(stream: str, cuts: int = 3) -> str:
    "A Next.js App Router page whose server components stream in as `stream`, in `cuts` chunks."
    size = len(stream) // cuts + 1
    chunks = [stream[i:i + size] for i in range(0, len(stream), size)]
    return scripted_page("(self.__next_f=self.__next_f||[]).push([0])",
                         *(f"self.__next_f.push([1,{json.dumps(chunk)}])" for chunk in chunks))


def test_a_story_only_the_pages_next_js_stream_carries_is_read_from_it_and_stripped():
    # its text row's length is in UTF-8 bytes, and the row ends where the next one starts
    row = f"24:T{len(EMBEDDED_HTML.encode()):x},{EMBEDDED_HTML}"
    page = flight_page(f'0:{{"P":null,"c":["","news"]}}\n{row}25:["$","div",null,{{"children":"Read more"}}]\n')
    record = extract(page, "https://news.example/2024/06/17/bridge")
    assert record["body"].split("\n\n") == LONG_STORY
    assert [block["kind"] for block in record["removed"]] == ["donation"]


@pytest.mark.parametrize("gate", [
    '<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script>',
    '<div class="gate"><p>Subscribe to continue reading.</p><a href="/subscribe">Subscribe now</a>'
    '<p>Already a subscriber? <a href="/login">Log in</a></p></div>',
], ids=["marked", "prompted"])
def test_a_story_only_the_scripts_of_a_gated_page_carry_is_not_read(gate):
    page = flight_page(f"24:T{len(EMBEDDED_HTML.encode()):x},{EMBEDDED_HTML}").replace("<body>", f"<body>{gate}")
    with pytest.raises(ExtractionError) as error:
        extract(page, "https://news.example/2024/06/17/bridge")
    assert error.value.reason == "paywalled"  # not stored, and not for want of a story the page showed


def test_a_next_js_text_row_longer_than_its_stream_is_read_to_the_streams_end():
    page = flight_page(f"24:Tffffff,{EMBEDDED_HTML}", cuts=1)
    assert extract(page, "https://news.example/2024/06/17/bridge")["body"].split("\n\n") == LONG_STORY


def test_a_script_whose_string_literals_never_close_is_read_once():
    # each quote opens a literal the script never closes: read again from every one, it holds a
    # worker for hours; the story the next script streams is read all the same
    stream = f"24:T{len(EMBEDDED_HTML.encode()):x},{EMBEDDED_HTML}"
    page = scripted_page('"\\' * 200_000, f"self.__next_f.push([1,{json.dumps(stream)}])")
    assert extract(page, "https://news.example/2024/06/17/bridge")["body"].split("\n\n") == LONG_STORY


def test_a_story_a_json_document_in_the_page_carries_is_read_from_it():
    data = {"props": {"pageProps": {"article": {"title": "Bridge opens", "body": EMBEDDED_HTML}}}}
    page = scripted_page(f"window.__INITIAL_STATE__ = {json.dumps(data)};")
    assert extract(page, "https://news.example/2024/06/17/bridge")["body"].split("\n\n") == LONG_STORY


@pytest.mark.parametrize("code", [
    "var quote = '\"';",  # a quote in a single-quoted string
    "var escape = (text) => text.replace(/\"/g, '&quot;');",  # in a regular expression
])
def test_a_story_a_script_carries_after_a_quote_no_double_quoted_literal_holds_is_read(code):
    data = {"props": {"pageProps": {"article": {"title": "Bridge opens", "body": EMBEDDED_HTML}}}}
    page = scripted_page(f"{code} window.__INITIAL_STATE__ = {json.dumps(data)};")
    assert extract(page, "https://news.example/2024/06/17/bridge")["body"].split("\n\n") == LONG_STORY


def test_a_story_in_the_literal_right_after_a_paragraphs_tag_no_double_quoted_literal_holds_is_read():
    # the tag's nearest quotes are the literals' around it: the second opens the story's
    page = scripted_page(f"var lead = \"Bridge\", tag = '<p>', story = {json.dumps(EMBEDDED_HTML)};")
    assert extract(page, "https://news.example/2024/06/17/bridge")["body"].split("\n\n") == LONG_STORY


@pytest.mark.parametrize("article_body", ["\n\n".join(LONG_STORY), "\n".join(f"<p>{text}</p>" for text in LONG_STORY)],
                         ids=["text", "markup"])
def test_a_story_only_the_pages_structured_data_tells_is_read_from_its_article_body(article_body):
    data = json.dumps({"@type": "NewsArticle", "headline": "Bridge opens", "articleBody": article_body})
    page = scripted_page().replace("<body>", f'<body><script type="application/ld+json">{data}</script>')
    assert extract(page, "https://news.example/2024/06/17/bridge")["body"].split("\n\n") == LONG_STORY


@pytest.mark.parametrize("script", [
    'window.banner = "<p>We use cookies.</p><p>Accept?</p><p>Manage choices</p>"',  # a banner's few lines
    # an escape only JavaScript reads
    'var story = "<p>' + "</p><p>".join(LONG_STORY) + '</p><p>The mayor\\\'s office</p>"',
    'self.__next_f.push([1,"24:T40,' + "".join(f"<p>{text}</p>" for text in LONG_STORY) + '"])',  # a row of 64 bytes
    '</script><script type="application/ld+json">' + json.dumps({"@type": "NewsArticle", "articleBody": LONG_STORY}),
])
def test_scripts_that_carry_no_whole_story_leave_the_page_without_one(script):
    with pytest.raises(ExtractionError) as error:
        extract(scripted_page(script), "https://news.example/2024/06/17/bridge")
    assert error.value.reason == "empty-body"


def test_a_story_in_the_pages_markup_is_read_from_there_whatever_its_scripts_carry():
    data = json.dumps({"body": "".join(f"<p>{text} Once more.</p>" for text in LONG_STORY)})
    story = "".join(f"<p>{text}</p>" for text in LONG_STORY)
    page = scripted_page(f"window.state = {data};", markup=f"<article>{story}</article>")
    assert extract(page, "https://news.example/2024/06/17/bridge")["body"].split("\n\n") == LONG_STORY


def test_meta_is_the_first_tag_with_content_under_the_first_name_that_has_some():
    sel = Selector(text="""<html><head>
        <meta property="og:title"><meta property="og:title" content="First"><meta name="og:title" content="Second">
        <meta name="description" content=" "><meta property="og:description" content="Lead">
        </head><body><meta name="author" content="In the body"></body></html>""")
    assert md.meta(sel, "og:title") == "First"
    assert md.meta(sel, "description", "og:description") == "Lead"  # a blank one says nothing
    assert md.meta(sel, "author") == "In the body"
    assert md.meta(sel, "og:image", "keywords") == ""


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "crawler.extract", *args],
                          cwd=ROOT, capture_output=True, text=True)


def test_cli_prints_the_record_as_json():
    truth = HAND_WRITTEN[0]
    page = SITE / "www" / truth["url_path"].lstrip("/")
    result = run_cli(str(page), "--url", "https://www.themoscowtimes.com" + truth["url_path"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == truth["title"]


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\n\x00\x01binary", b"\xff\xfe\x00garbage"])
def test_cli_gives_a_one_line_error_for_bad_input(tmp_path, content):
    page = tmp_path / "page.html"
    page.write_bytes(content)
    result = run_cli(str(page))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr


def test_cli_on_a_missing_file(tmp_path):
    result = run_cli(str(tmp_path / "nope.html"))
    assert result.returncode == 1 and "Traceback" not in result.stderr


def saved_article():
    truth = HAND_WRITTEN[0]
    return SITE / "www" / truth["url_path"].lstrip("/"), truth


@pytest.mark.parametrize("how", ["gzip", "stdin", "file-url"])
def test_cli_reads_gzipped_pages_stdin_and_file_urls(tmp_path, how):
    page, truth = saved_article()
    url = ["--url", "https://www.themoscowtimes.com" + truth["url_path"]]
    if how == "gzip":  # as the corpus keeps pages
        gzipped = tmp_path / "page.html.gz"
        gzipped.write_bytes(gzip.compress(page.read_bytes()))
        result = run_cli(str(gzipped), *url)
    elif how == "stdin":
        result = subprocess.run([sys.executable, "-m", "crawler.extract", "-", *url], cwd=ROOT,
                                input=page.read_bytes(), capture_output=True)
        result.stdout = result.stdout.decode()
    else:
        result = run_cli(page.resolve().as_uri(), *url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == truth["title"]


@pytest.mark.parametrize("document", ["README.md", "docs/schema.md"])
def test_cli_says_a_markdown_file_is_no_article(document):
    result = run_cli(str(ROOT / document))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no article: not-html" in result.stderr
    assert result.stdout == ""


def test_cli_takes_no_web_urls():
    result = run_cli("https://www.themoscowtimes.com/")
    assert result.returncode == 1 and "only saved pages" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("packed", [
    gzip.compress(b"<p>" + b" " * (32 * 1024 * 1024)),  # a bomb
    b"\x1f\x8b" + b"\xff" * 64,  # gzip's magic, then no gzip
], ids=["bomb", "corrupt"])
def test_cli_refuses_a_gzip_it_cannot_unpack(tmp_path, packed):
    page = tmp_path / "page.html.gz"
    page.write_bytes(packed)
    result = run_cli(str(page))
    assert result.returncode == 1 and "cannot decompress" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("text, markup", [
    ("<!DOCTYPE html><html>", True), ("\ufeff  <html>", True), ("Warning: x\n<html><body>", True),
    ("# Title\n\nText with <b>bold</b> inside.", False), ("just text", False),
])
def test_is_markup(text, markup):
    assert is_markup(text) is markup


class Redesigned(SiteRules):
    """A site whose story moved from div.old-body to div.story-body on 2024-03-31."""

    name = "redesigned"
    hosts = ("redesigned.example",)
    body_container = "div.story-body"


class BeforeRedesign(Redesigned):
    VALID_UNTIL = date(2024, 3, 31)
    body_container = "div.old-body"


Redesigned.versions = (BeforeRedesign,)


def test_rules_version_is_the_one_of_the_publication_day():
    assert Redesigned.version_of("2024-03-31T23:00:00+03:00") is BeforeRedesign
    assert Redesigned.version_of("2024-04-01") is Redesigned
    assert Redesigned.version_of(None) is Redesigned and Redesigned.version_of("") is Redesigned


@pytest.mark.parametrize("published, story", [("2024-01-15T10:00:00Z", "Old layout story"),
                                              ("2025-01-15T10:00:00Z", "New layout story")])
def test_a_page_is_read_with_the_rules_of_its_day(monkeypatch, published, story):
    monkeypatch.setitem(site_rules.SITES, "redesigned", Redesigned)
    sentence = " sentence of the story, long enough to be the body of this article page."
    html = (f'<html><head><meta property="article:published_time" content="{published}"><title>T</title></head>'
            f'<body><div class="old-body"><p>Old layout story{sentence}</p></div>'
            f'<div class="story-body"><p>New layout story{sentence}</p></div></body></html>')
    body = extract(html, "https://redesigned.example/2024/01/15/story")["body"]
    assert body == story + sentence


def test_a_page_without_rules_is_named_as_the_spider_names_its_site():
    html = ("<html><head><title>Bridge</title></head><body><article>" + "".join(
        f"<p>Paragraph {i} of the report on the bridge, which will open next spring, three years late.</p>"
        for i in range(5)) + "</article></body></html>")
    url = "http://www.example.org:8080/2024/05/01/bridge"
    assert extract(html, url)["site"] == site_rules.site_name(url) == "example.org:8080"
