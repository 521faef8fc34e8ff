"""crawler.audit: paragraphs and stripped blocks interleaved in the order of the stored page."""


from crawler.audit import audit_text, describe_rule, story_with_blocks

PAGE = b"""<html><body>
<div class="banner">Support us today</div>
<article><p>First paragraph of the story.</p>
<div class="ad"></div>
<p>Second paragraph of the story.</p>
<p>Subscribe to our newsletter for more.</p>
<div class="ad"></div></article>
<section class="related">Read more: another story</section>
</body></html>"""
BLOCKS = [  # in the order the stripping removed them: site rules first, then the general stripper
    {"position": 0, "kind": "donation", "rule": "site:x:div.banner", "text": "Support us today", "removed": 1},
    {"position": 1, "kind": "ad", "rule": "site:x:div.ad", "text": "", "removed": 1},
    {"position": 2, "kind": "ad", "rule": "site:x:div.ad", "text": "", "removed": 1},
    {"position": 3, "kind": "related", "rule": "site:x:section.related", "text": "Read more: another story", "removed": 1},
    {"position": 4, "kind": "newsletter", "rule": "generic:newsletter-phrase", "text": "Subscribe to our newsletter for more.",
     "removed": 1},
]
PARAGRAPHS = ["First paragraph of the story.", "Second paragraph of the story."]


def labels(segments):
    return [segment.block["kind"] if segment.block else segment.text.split()[0] for segment in segments]


def test_blocks_stand_where_they_stood_in_the_page():
    text = audit_text(PAGE, BLOCKS)
    assert labels(story_with_blocks(PARAGRAPHS, BLOCKS, text)) == [
        "donation", "First", "ad", "Second", "newsletter", "ad", "related"]


def test_without_a_stored_page_blocks_follow_the_story_in_removal_order():
    assert labels(story_with_blocks(PARAGRAPHS, BLOCKS, None)) == [
        "First", "Second", "donation", "ad", "ad", "related", "newsletter"]


def test_a_block_found_nowhere_follows_the_block_removed_before_it():
    blocks = BLOCKS[:1] + [dict(BLOCKS[1], rule="site:x:div.gone-from-the-page")]
    assert labels(story_with_blocks(PARAGRAPHS, blocks, audit_text(PAGE, blocks))) == [
        "donation", "ad", "First", "Second"]


def test_a_page_that_no_longer_parses_has_no_text():
    assert audit_text(b"%PDF-1.4", BLOCKS) is None


def test_rules_are_described_for_readers():
    assert describe_rule("site:moscowtimes:div.social") == ("site rule moscowtimes", "div.social")
    assert describe_rule("generic:newsletter-phrase") == ("general stripper", "newsletter-phrase")
