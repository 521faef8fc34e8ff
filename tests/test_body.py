"""crawler.body.extract_body on the Moscow Times replica pages and on small snippets.

Every hand-written article kind is checked three ways: with the site's container and prune
rules, on the whole page with no site rules, and on the whole page with every class name
replaced by a random token (only the generic stripper can find the appeals then)."""

import gzip
import json
import random
import re

import lxml.html
import pytest
from lxml import etree

from crawler.body import (
    AFTER_STORY_RULE, BodyResult, extract_body, open_disclosures, paragraph_text_held, paragraphs_from_body,
    story_block, unname_story,
)
from crawler.stripping.appeals import page_site
from tests.paths import DEV_SITE

BASE = "http://127.0.0.1:1"
KINDS = {"news", "opinion", "video", "podcast", "gallery", "archive"}
# The site rules the crawler passes (site doc §3.6, §4, "What a crawler ... must handle").
CONTAINER = "article.article div.article__content[y-name=article-content], article.article div.article__content + div.article__content"
PRUNE = (
    ("aside.article__related-article", "promo"),
    ("[y-name=banner]", "ad"),
    ("div.article__aside, div.article__link", "promo"),
    ("script, .slider__nav", "other"),
)
TRUTHS = sorted(
    (t for t in (json.loads(p.read_text()) for p in (DEV_SITE / "truth").glob("*.json") if p.stem.isdigit())
     if t["kind"] in KINDS),
    key=lambda t: t["article_id"],
)
HAND_WRITTEN = [t for t in TRUTHS if not t.get("filler")]


def load(truth: dict, scramble: bool = False) -> lxml.html.HtmlElement:
    html = (DEV_SITE / "www" / truth["url_path"].lstrip("/")).read_text(encoding="utf-8")
    html = html.replace("{{www}}", BASE).replace("{{static}}", BASE + "/_static")
    if scramble:
        tokens = random.Random(truth["article_id"])
        html = re.sub(r'class="[^"]*"', lambda _: f'class="x{tokens.getrandbits(32):08x}"', html)
    return lxml.html.document_fromstring(html)


def assert_is_the_story(body: list[str], truth: dict) -> None:
    optional = set(truth["optional_paragraphs"])
    assert [p for p in body if p not in optional] == truth["body_paragraphs"]
    joined = "\n\n".join(body)
    assert [leak for leak in truth["must_not_contain"] if leak in joined] == []


@pytest.mark.parametrize("truth", TRUTHS, ids=lambda t: f"{t['kind']}-{t['article_id']}")
def test_body_with_site_rules(truth):
    result = extract_body(load(truth), BASE + truth["url_path"], container=CONTAINER, prune=PRUNE)
    assert_is_the_story(result.paragraphs, truth)


@pytest.mark.parametrize("truth", HAND_WRITTEN, ids=lambda t: f"{t['kind']}-{t['article_id']}")
def test_body_of_the_whole_page_without_site_rules(truth):
    result = extract_body(load(truth), BASE + truth["url_path"])
    assert_is_the_story(result.paragraphs, truth)
    assert {"donation", "share", "related"} <= {block.kind for block in result.removed} or truth["kind"] == "gallery"


@pytest.mark.parametrize("truth", HAND_WRITTEN, ids=lambda t: f"{t['kind']}-{t['article_id']}")
def test_body_when_class_names_are_random(truth):
    assert_is_the_story(extract_body(load(truth, scramble=True), BASE + truth["url_path"]).paragraphs, truth)


def test_the_callers_tree_is_left_alone():
    truth = HAND_WRITTEN[0]
    tree = load(truth)
    before = lxml.html.tostring(tree)
    extract_body(tree, BASE + truth["url_path"], container=CONTAINER, prune=PRUNE)
    assert lxml.html.tostring(tree) == before


def test_flag_mode_keeps_the_appeal_in_the_body_and_reports_it():
    truth = next(t for t in HAND_WRITTEN if t["appeal_era"] == "C" and t["kind"] == "news")
    result = extract_body(load(truth), BASE + truth["url_path"], mode="flag")
    assert isinstance(result, BodyResult)
    assert "foreign agent" in "\n".join(result.paragraphs)
    assert any(block.kind == "donation" and "small favor" in block.text for block in result.removed)


def test_site_rules_are_recorded_with_their_selector():
    truth = next(t for t in HAND_WRITTEN if t["article_id"] == 86045)
    result = extract_body(load(truth), BASE + truth["url_path"], container=CONTAINER, prune=PRUNE)
    assert "site:aside.article__related-article" in {block.rule for block in result.removed}


def test_bare_table_cells_neither_run_together_nor_lose_their_rows():
    # trafilatura drops the table and rows of one nested in a list item, and keeps its cells
    body = etree.fromstring("<body><list><item><head>Product Specs</head><th>Equipment Costs</th>"
                            "<td>Packages starting at $250</td><th>Contract Lengths</th><td>Month-to-month</td>"
                            "</item></list></body>")
    assert paragraphs_from_body(body) == ["Product Specs", "Equipment Costs Packages starting at $250",
                                          "Contract Lengths Month-to-month"]


def test_paragraphs_from_body_splits_blocks_and_line_breaks():
    # the HTML a trafilatura fallback returns
    html = ("<p>First paragraph of the post, with enough words to count as text.</p>"
            "<h3>A heading</h3><ul><li>One item</li><li>Another item</li></ul>"
            "<p>Line one of a legacy body.<br>Line two of a legacy body.</p>")
    assert paragraphs_from_body(lxml.html.fragment_fromstring(html, create_parent="div")) == [
        "First paragraph of the post, with enough words to count as text.", "A heading", "One item",
        "Another item", "Line one of a legacy body.", "Line two of a legacy body.",
    ]


def test_what_the_site_adds_between_the_story_blocks_is_no_story():
    "MoscowTimes.story_blocks: a panel between the typed blocks, or a button box inside an html block, goes."
    from crawler.site_rules.moscowtimes import MoscowTimes

    truth = next(t for t in HAND_WRITTEN if t["kind"] == "news" and len(t["body_paragraphs"]) > 2)
    html = (DEV_SITE / "www" / truth["url_path"].lstrip("/")).read_text(encoding="utf-8")
    between = '<div class="fresh-3a"><p>Independent newsrooms need readers.</p><a href="/x">Keep reading</a></div>'
    inside = '<div class="fresh-3b"><h4>One more thing</h4><p>Our newsroom runs on you.</p><button>Go</button></div>'
    first_block = html.index('<div data-id="article-block-type"')
    html = html[:first_block] + between + html[first_block:]
    first_end = html.index("</p>", html.index("article__block--html article__block--column")) + len("</p>")
    html = html[:first_end] + inside + html[first_end:]
    result = extract_body(lxml.html.document_fromstring(html), BASE + truth["url_path"],
                          container=MoscowTimes.body_container, prune=MoscowTimes.prune,
                          story=MoscowTimes.story_blocks, editor_markup=MoscowTimes.story_markup, site="moscowtimes")
    assert result.paragraphs == truth["body_paragraphs"]
    outside = [b for b in result.removed if b.rule == "site:moscowtimes:not-story"]
    assert [b.text for b in outside] == ["Independent newsrooms need readers. Keep reading",
                                         "One more thing Our newsroom runs on you. Go"]
    flagged = extract_body(lxml.html.document_fromstring(html), BASE + truth["url_path"],
                           container=MoscowTimes.body_container, story=MoscowTimes.story_blocks,
                           editor_markup=MoscowTimes.story_markup, site="moscowtimes", mode="flag")
    assert "Independent newsrooms need readers." in flagged.paragraphs


def test_a_container_without_story_blocks_is_left_whole():
    "A live blog's posts fill the container with no typed blocks: nothing there is judged by story_blocks."
    html = ('<html><body><article class="article"><div class="article__content live-posts"><p>First post.</p>'
            "<p>Second post.</p></div></article></body></html>")
    result = extract_body(lxml.html.document_fromstring(html), container="div.article__content",
                          story=("div.article__content > div[data-id=article-block-type]",), site="moscowtimes")
    assert not [b for b in result.removed if b.rule.endswith("not-story")]


def test_the_editor_grammar_judges_containers_never_a_paragraph():
    """MoscowTimes.story_markup: a div the editor cannot make (data-* attributes) goes; a paragraph
    with attributes the editor strips, or a tag it lacks inside, is still the reporter's."""
    from crawler.site_rules.moscowtimes import MoscowTimes

    truth = next(t for t in HAND_WRITTEN if t["kind"] == "news" and len(t["body_paragraphs"]) > 2)
    html = (DEV_SITE / "www" / truth["url_path"].lstrip("/")).read_text(encoding="utf-8")
    panel = '<div class="c-card" data-component="Slab"><p>Readers keep this site running.</p></div>'
    odd = '<p style="color: red" data-x="1">An odd paragraph <img src="x.png"> the reporter wrote.</p>'
    first_end = html.index("</p>", html.index("article__block--html article__block--column")) + len("</p>")
    html = html[:first_end] + panel + odd + html[first_end:]
    result = extract_body(lxml.html.document_fromstring(html), BASE + truth["url_path"],
                          container=MoscowTimes.body_container, prune=MoscowTimes.prune,
                          story=MoscowTimes.story_blocks, editor_markup=MoscowTimes.story_markup, site="moscowtimes")
    assert "An odd paragraph the reporter wrote." in result.paragraphs
    assert "Readers keep this site running." not in result.paragraphs
    assert [b.rule for b in result.removed if "Readers keep" in b.text] == ["site:moscowtimes:not-story"]


@pytest.mark.parametrize(("key", "least_recall"), [("4184", 0.9), ("4106", 0.75)])  # 4106: a box of 2,529 chars
def test_a_recall_pass_that_settled_on_a_corner_of_the_page_gets_a_second_opinion(key, least_recall):
    # Real pages (wcxb-dev, tune half) on which trafilatura's recall pass keeps one box of a
    # long guide and its default pass the guide: the body must be the guide.
    from bench.extraction import DEFAULT_CORPUS, load_wcxb, page_pr

    page = next(p for p in load_wcxb(DEFAULT_CORPUS / "wcxb-dev") if p.key == key)
    tree = lxml.html.document_fromstring(gzip.decompress(page.html_path.read_bytes()).decode("utf-8", "replace"))
    body = extract_body(tree, page.url)
    precision, recall = page_pr(page.reference, "\n".join(body.paragraphs))
    assert recall > least_recall and precision > 0.85


def test_the_pages_footer_is_left_to_trafilatura_and_an_articles_own_is_stripped():
    "The site-wide footer is dropped unwalked (trafilatura deletes every footer); an article's footer prompt is recorded."
    from crawler.extract import extract

    story = "".join(f"<p>Paragraph {i} of the report: the council said the new bridge would open next spring, "
                    "three years late, after a long dispute with its contractors.</p>" for i in range(6))
    html = ("<html><head><title>Bridge</title></head><body><article><h1>Bridge</h1>" + story +
            '<footer><div class="paywall"><p>Subscribe to continue reading this article.</p>'
            '<a class="btn" href="/subscribe">Subscribe</a></div></footer></article>'
            '<footer><div class="newsletter"><p>Get our newsletter in your inbox every morning.</p>'
            '<form action="/newsletter"><input type="email"><button>Sign up</button></form></div></footer></body></html>')
    record = extract(html, "https://news.example.org/2024/05/01/bridge")
    assert record["paywalled"] == 1 and "continue reading" not in record["body"] and "inbox" not in record["body"]
    assert [b["kind"] for b in record["removed"] if b["rule"].startswith("generic:")] == ["paywall"]


def test_a_box_with_nothing_to_read_costs_the_story_no_sentence():
    # Text running loose between line-break spans, as some sites write a story, with a picture's box
    # among it: trafilatura's recall pass reads the box as an empty block and loses a sentence by it.
    def sentence(i: int) -> str:
        return (f"Sentence group {i} of the report: the regional government said on Tuesday that the new bridge "
                "would open next spring, three years later than planned, and that its cost had doubled. ")

    br, picture = '<span class="br"></span>', '<div class="media"><div><img src="/bridge.jpg" alt=""></div></div>'
    story = sentence(1) + br + picture + br + sentence(2) + sentence(3) + br + sentence(4) + br + sentence(5)
    page = f'<html><body><h1>Bridge delayed</h1><div class="story">{story}</div></body></html>'
    text = " ".join(extract_body(lxml.html.document_fromstring(page), "https://example.org/news/1").paragraphs)
    assert [i for i in range(1, 6) if f"group {i} " not in text] == []


def report_paragraph(i: int) -> str:
    return (f"<p>Paragraph {i} of the report: the council said on Tuesday that the new bridge over the river would "
            "open next spring, three years later than planned, after a long dispute with its contractors over the "
            "cost of steel and the design of the approach roads.</p>")


def test_a_story_in_a_block_named_like_boilerplate_keeps_every_paragraph():
    # A Webflow story (wcxb-dev tune page 0061): its rich text holds an embed ("w-embed": a name
    # trafilatura drops as a share widget) with a table and the rest of the story in it
    intro = "".join(report_paragraph(i) for i in range(4))
    rest = "".join(report_paragraph(i) for i in range(4, 12))
    page = ('<html><body><h1>Bridge delayed</h1><div class="rich-text-block">' + intro + '<div class="w-embed">'
            '<div class="responsive-table"><table><tr><td>2023</td><td>$40m</td></tr></table>' + rest +
            '</div></div></div></body></html>')
    body = extract_body(lxml.html.document_fromstring(page), "https://example.org/news/1")
    assert [p for p in body.paragraphs if p.startswith("Paragraph")] == [
        re.sub("<[^>]+>", "", report_paragraph(i)) for i in range(12)]


def test_a_block_named_like_boilerplate_beside_the_story_stays_out():
    story = "".join(report_paragraph(i) for i in range(8))
    elsewhere = "".join(f"<p>Elsewhere {i}: the mayor's office announced a new schedule for the city's buses, trams "
                        "and ferries, starting in the autumn.</p>" for i in range(3))
    page = (f'<html><body><h1>Bridge delayed</h1><div class="column">{story}</div>'
            f'<div class="sidebar">{elsewhere}</div></body></html>')
    body = extract_body(lxml.html.document_fromstring(page), "https://example.org/news/1")
    assert len(body.paragraphs) == 8 and not any("Elsewhere" in p for p in body.paragraphs)


@pytest.mark.parametrize(("menu", "kept"), [("menu", True), ("topics", False)])
def test_a_story_named_like_boilerplate_keeps_its_name_where_trafilatura_would_keep_it(menu, kept):
    # trafilatura drops what it names only if a seventh of the page's text is left: with the menu
    # named too, nothing is (a page builder names every block a widget), and the names stay
    story = "".join(report_paragraph(i) for i in range(8))
    links = "".join(f'<li><a href="/section/{i}">Section number {i} of the city desk</a></li>' for i in range(20))
    document = lxml.html.document_fromstring(
        f'<html><body><div class="{menu}"><ul>{links}</ul></div><div class="widget-wrap">{story}</div></body></html>')
    unname_story(document, paragraph_text_held(document))
    assert (document.xpath("//body/div[2]/@class") == ["widget-wrap"]) is kept


def test_a_page_not_written_in_paragraphs_keeps_its_names():
    # The story runs as text between line breaks; the only paragraph is the author's box, which
    # holds all of the page's paragraph text and is no story
    story = "<br>".join(re.sub("</?p>", "", report_paragraph(i)) for i in range(8))
    document = lxml.html.document_fromstring(
        f'<html><body><div class="text">{story}</div>'
        '<div class="author-box"><p>About the author: Jane Roe covers city hall for the desk.</p></div></body></html>')
    unname_story(document, paragraph_text_held(document))
    assert document.xpath("//body/div[2]/@class") == ["author-box"]


def test_a_story_in_several_blocks_named_like_boilerplate_loses_their_names():
    # A page builder's sections, each named a widget and holding half of the story: trafilatura
    # would drop both (the topics list leaves it more than a seventh of the page's text)
    sections = "".join(f'<div class="widget">{"".join(report_paragraph(i) for i in range(s, s + 4))}</div>'
                       for s in (0, 4))
    topics = "".join(f'<li><a href="/topics/{i}">Topic number {i} of the city desk</a></li>' for i in range(40))
    document = lxml.html.document_fromstring(
        f'<html><body><div class="topics"><ul>{topics}</ul></div>{sections}</body></html>')
    unname_story(document, paragraph_text_held(document))
    assert document.xpath("//body/div/@class") == ["topics"]


@pytest.mark.parametrize(("block", "named"), [
    ('<div class="share-widget">', True), ('<div id="sidebar">', True), ('<div role="navigation">', True),
    ('<div style="display:none">', False), ('<div class="story">', False),
])
def test_trafilaturas_expression_for_blocks_named_like_boilerplate_is_the_one_asked(block, named):
    # unname_story asks trafilatura's first discard expression (names), not its second (hidden
    # blocks): a trafilatura that reorders its list must fail here, not change bodies quietly
    from crawler.body import IS_NAMED_BOILERPLATE

    element = lxml.html.fragment_fromstring(block + "<p>Text.</p></div>")
    assert bool(IS_NAMED_BOILERPLATE(element)) is named


def elsewhere(count: int) -> str:
    "Summaries of the site's other stories, as plain paragraphs: what many sites put after a story."
    return "".join(f"<p>Elsewhere {i}: the port authority said on Monday that the morning ferries would run later "
                   "from next week.</p>" for i in range(count))


def page_with_story_then(after: str, story_class: str = "copy") -> lxml.html.HtmlElement:
    story = "".join(report_paragraph(i) for i in range(10))
    return lxml.html.document_fromstring(
        f'<html><body><h1>Bridge delayed</h1><div class="main"><div class="{story_class}">{story}</div>'
        f'<div class="more">{after}</div></div></body></html>')


STORY = [re.sub("<[^>]+>", "", report_paragraph(i)) for i in range(10)]


def test_what_follows_the_block_the_story_is_told_in_is_cut_and_recorded():
    result = extract_body(page_with_story_then(elsewhere(2)), "https://example.org/news/1")
    assert result.paragraphs == STORY
    assert [(block.kind, block.rule, block.text[:10]) for block in result.removed] == [
        ("other", AFTER_STORY_RULE, "Elsewhere ")]


def test_flag_mode_records_what_follows_the_story_and_keeps_it():
    result = extract_body(page_with_story_then(elsewhere(2)), "https://example.org/news/1", mode="flag")
    assert result.paragraphs[:10] == STORY and result.paragraphs[10].startswith("Elsewhere 0")
    assert [block.rule for block in result.removed] == [AFTER_STORY_RULE]


def test_the_next_block_of_the_storys_shape_is_the_story():
    # A story's blocks as siblings of one shape (the Moscow Times' "article__block"): the last is
    # short, yet no box after the story
    page = page_with_story_then(elsewhere(1), story_class="block")
    page.find(".//div[@class='more']").addprevious(lxml.html.fragment_fromstring(
        '<div class="block"><p>The council meets again in May.</p></div>'))
    result = extract_body(page, "https://example.org/news/1")
    assert result.paragraphs == [*STORY, "The council meets again in May."]
    assert [block.text[:10] for block in result.removed] == ["Elsewhere "]


def test_a_story_told_in_line_breaks_after_a_box_of_paragraphs_is_kept():
    # The page's only paragraphs are in a box before the story, which runs between line breaks
    story = "<br><br>".join(STORY)
    page = lxml.html.document_fromstring(
        '<html><body><div class="main"><div class="about"><p>About the desk: our reporters cover the city '
        f'council, its budget and its contractors.</p></div><div class="text">{story}</div></div></body></html>')
    result = extract_body(page, "https://example.org/news/1")
    assert [p for p in result.paragraphs if p.startswith("Paragraph")] == STORY
    assert result.removed == []


def test_with_site_rules_nothing_after_the_story_block_is_cut():
    # The site's container says where the story is
    result = extract_body(page_with_story_then(elsewhere(2)), "https://example.org/news/1", container="div.main")
    assert result.paragraphs[10].startswith("Elsewhere 0") and result.removed == []


@pytest.mark.parametrize("box", ["copy", "text"])
def test_a_story_nothing_names_keeps_its_headings(box):
    # no <article>, <main> or "post-content" on the page, or only a paragraph's box named like one
    # ("text"): trafilatura would take that box, or gather the paragraphs, and leave the headings
    # out, so the block the story is told in becomes its <article>
    tips = "".join(f'<div class="tip"><h3>Tip {i}: carry a cloth bag</h3><div class="{box}"><p>Paragraph {i} of the '
                   f"story tells the reader one more way to waste less at home, in words enough to be prose.</p>"
                   "</div></div>" for i in range(1, 8))
    html = (f'<html><head><title>Tips</title></head><body><div class="page"><div class="stream"><h1>Tips</h1>{tips}'
            '</div><div class="foot"><p>Footer.</p></div></div></body></html>')
    paragraphs = extract_body(lxml.html.document_fromstring(html), "https://example.org/tips").paragraphs
    assert paragraphs[paragraphs.index("Tip 1: carry a cloth bag") + 1].startswith("Paragraph 1")
    assert sum(line.startswith("Tip ") for line in paragraphs) == 7


@pytest.mark.parametrize("inside", [True, False])
def test_flag_mode_records_each_block_after_the_story_once(inside):
    # A box the block pass flags stays in place in "flag" mode, in a block after the story or as
    # one: the cut's records leave it out
    box = '<div class="donate-box"><p>The fund needs help.</p><a href="/donate">Read on</a></div>'
    page = page_with_story_then(elsewhere(2) + (box if inside else ""))
    if not inside:
        page.find(".//div[@class='more']").addnext(lxml.html.fragment_fromstring(box))
    for mode in ("remove", "flag"):
        removed = extract_body(page, "https://example.org/news/1", mode=mode).removed
        donation, after = [block for block in removed if block.rule.startswith("generic:")]
        assert (donation.rule, donation.text) == ("generic:link+markup:donat", "The fund needs help. Read on")
        assert after.rule == AFTER_STORY_RULE and after.text.startswith("Elsewhere 0") and "fund" not in after.text


FAQ_ANSWER = "Answer {i}: the council expects the first cars on it next spring, weather permitting."


def page_with_faq(faq: str) -> lxml.html.HtmlElement:
    # a story long enough that trafilatura's recall pass does not go looking for more text
    story = "".join(report_paragraph(i) for i in range(20))
    return lxml.html.document_fromstring(
        f'<html><body><h1>Bridge delayed</h1><div class="main"><div class="copy">{story}<div>{faq}</div></div>'
        "</div></body></html>")


@pytest.mark.parametrize("item", [
    # wcxb-dev tune page 0073: trafilatura reads a <details> as a div, drops it by its name
    '<details class="expandable"><summary>Question {i}?</summary><p>' + FAQ_ANSWER + "</p></details>",
    # tune pages 0267, 4497: the panel an expanding button names, hidden while it is closed
    '<h3><button aria-expanded="false" aria-controls="answer-{i}">Question {i}?</button></h3>'
    '<div class="collapse" style="display:none"><div id="answer-{i}" role="region"><p>' + FAQ_ANSWER + "</p></div></div>",
])
def test_a_faq_the_reader_opens_in_the_story_keeps_its_answers(item):
    page = page_with_faq("".join(item.format(i=i) for i in range(3)))
    paragraphs = extract_body(page, "https://example.org/news/1").paragraphs
    assert len([p for p in paragraphs if p.startswith("Paragraph")]) == 20
    assert [p for p in paragraphs if p.startswith("Answer")] == [FAQ_ANSWER.format(i=i) for i in range(3)]


def test_a_hidden_block_in_the_story_that_no_button_opens_stays_out():
    page = page_with_faq('<div style="display:none"><p>' + FAQ_ANSWER.format(i=0) + "</p></div>")
    assert not any(p.startswith("Answer") for p in extract_body(page, "https://example.org/news/1").paragraphs)


@pytest.mark.parametrize(("item", "opened"), [
    ('<details class="expandable"><summary>Q</summary><p>{answer}</p></details>', True),
    ('<details open class="newsletter-box"><summary>Q</summary><p>{answer}</p></details>', False),
    ('<button aria-expanded="false" aria-controls="a">Q</button>'
     '<div id="a" class="x-hide" hidden><p>{answer}</p></div>', True),
    ('<button aria-expanded="true" aria-controls="a">Q</button><div id="a" class="x-hide"><p>{answer}</p></div>',
     False),
    ('<div id="a" class="x-hide" hidden><p>{answer}</p></div>', False),
])
def test_only_what_the_reader_has_yet_to_open_is_opened(item, opened):
    # a page shows a pitch open; what it keeps closed until the reader asks is the page's text
    document = page_with_faq(item.format(answer=FAQ_ANSWER.format(i=0)))
    held = paragraph_text_held(document)
    open_disclosures(story_block(document, held), held)
    panel = document.xpath("//p[starts-with(., 'Answer')]/..")[0]
    assert (panel.get("class") is None) is opened


def teasers(count: int, title: str = '<a href="/news/{i}">Ferry timetable {i} changes</a>') -> str:
    "Other stories' teasers, each a linked title over its excerpt: longer, together, than a short story."
    return "".join(f'<div class="teaser"><h3>{title.format(i=i)}</h3><span>May {i + 1}</span><p>The port '
                   f"authority said on Monday that the morning ferries on route {i} would run later from next week, "
                   "after the harbour works overran.</p></div>" for i in range(count))


def test_teasers_after_a_short_story_are_no_story_however_long():
    # the excerpts hold more paragraph text than the story's three paragraphs: only without them
    # does the story's block hold most of the page's
    page = page_with_story_then(teasers(6))
    for paragraph in page.xpath("//div[@class='copy']/p")[3:]:
        paragraph.drop_tree()
    result = extract_body(page, "https://example.org/news/1")
    assert result.paragraphs == STORY[:3]
    assert [(block.rule, block.text[:16]) for block in result.removed] == [(AFTER_STORY_RULE, "Ferry timetable ")]


@pytest.mark.parametrize(("title", "excerpt"), [
    ('<a href="/news/{i}">Ferry timetable {i} changes</a>', True),
    ("Ferry timetable {i} changes", False),  # a guide's step under its heading
    ('Route {i}: <a href="/routes">see the map</a> and every stop', False),  # a heading with a link in it
    ('<a href="https://shop.example.net/p/{i}">Ferry ticket {i}</a>', False),  # a product, linked to its shop
])
def test_an_excerpt_is_a_paragraph_alone_under_a_linked_title(title, excerpt):
    page = lxml.html.document_fromstring(f"<html><body><div>{teasers(2, title)}</div></body></html>")
    held = paragraph_text_held(page)
    assert held[page.find("body/div")] == (0 if excerpt else 2 * held[page.find(".//p")])


@pytest.mark.parametrize(("href", "excerpt"), [
    ("https://www.example.org/news/{i}", True),  # the site under its other name, as a crawl of it admits it
    ("https://example.org/news/{i}", True),
    ("{i}/", True),  # relative
    ("https://mirror.example.net/news/{i}", True),  # a host the page names as its publisher's
    ("https://shop.example.net/p/{i}", False),
    ("mailto:ferries{i}@example.org", False),
])
def test_a_title_links_to_the_pages_own_site_as_a_crawl_of_it_would_have_it(href, excerpt):
    title = f'<a href="{href}">Ferry timetable {{i}} changes</a>'
    page = lxml.html.document_fromstring(f"<html><body><div>{teasers(2, title)}</div></body></html>")
    url = "https://example.org/news/1"
    held = paragraph_text_held(page, page_site(url, ["mirror.example.net"]), url)
    assert held[page.find("body/div")] == (0 if excerpt else 2 * held[page.find(".//p")])


def test_a_roundups_products_under_titles_linked_to_their_shops_are_the_story():
    page = page_with_story_then(teasers(6, '<a href="https://shop.example.net/p/{i}">Ferry ticket {i}</a>'))
    for paragraph in page.xpath("//div[@class='copy']/p")[3:]:
        paragraph.drop_tree()
    result = extract_body(page, "https://example.org/news/1")
    assert result.paragraphs[:3] == STORY[:3] and sum(p.startswith("The port") for p in result.paragraphs) == 6
    assert result.removed == []


def test_a_lone_paragraph_of_the_page_is_no_excerpt():
    # a page told in line breaks whose one paragraph is beside its linked title
    page = lxml.html.document_fromstring(
        '<html><body><h1><a href="/news/1">Bridge delayed</a></h1><p>About the desk.</p>Story text.</body></html>')
    assert paragraph_text_held(page)[page.find("body")] == len("About the desk.")
