"""Is this block, or this paragraph, an appeal? The signals, and how they add up.

Blocks: one bottom-up walk gathers evidence per element from independent signal *families*
(markup words, link targets, form controls, amount/period pickers, call-to-action text, link
density, a short box around a button, the house's voice asking the reader, buttons that ask);
an element qualifies only when at least two families agree on a kind and its text is mostly
explained by that evidence, so one keyword, or a quoted "your support makes a difference" in a
story, never cuts anything. Paragraphs: how strongly one extracted line reads as a prompt, a
meta line (byline, date, credit) or story text. The words looked for are in ``vocabulary``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit, urlunsplit

import ahocorasick
from lxml import etree

from crawler.frontier import Frontier
from crawler.stripping.dom import (
    BLOCK_TAGS, BUTTON_CLASS_RE, BUTTON_TAGS, CONTROL_TAGS, HEADINGS, SKIP_TAGS, element_text, is_control, loose_text,
    lowered_units, normalise_space,
)
from crawler.stripping.vocabulary import (
    ABOUT_US_RE, ACTION_MAX_CHARS, ACTION_MAX_WORDS, ACTION_WORDS, AMOUNT_RE, APART_KINDS, APPEAL_WORD_RE, ASKS,
    ATTRIBUTION_RE, BOX_FAMILIES, CTA_BOX_MAX, CTA_MAX_WORDS, CTA_WORDS, DATE_RE, DATE_SHARE, DENSE_LINK_SHARE,
    EXPLAINED_PER_HIT, GIVING_RE, HOUSE_VOICES, IMPERATIVES, INTERACTIVE, KINDS, LABELS, LABEL_MAX, LINK_TOKENS,
    LONG_CTA_MAX_WORDS, LOOSE_TEXT_MAX, MARKUP_MAX_VALUE, MARKUP_SKIP_ATTRS, MARKUP_TOKENS, MAX_SIGNALS,
    META_LINE_RES, META_MAX_WORDS, NEUTRAL_FAMILIES, PAGER_RE, PANEL_FAMILIES, PANEL_MAX_TEXT, PERIOD_RE, PHRASES,
    PICKER_MAX, PITCH_MAX_WORDS, PITCHED_SHARE, PLAIN_BASE, PLAIN_PER_SIGNAL, PLAIN_RATIO, PLAIN_RATIO_STRONG,
    PRINT_HIDDEN_RE, PROSE_CHARS, QUOTED_SHARE, QUOTE_CLOSERS, QUOTE_OPENERS, READER_OBJECT, READER_REPLIES,
    READER_SELF, READER_WORDS, REQUEST_RE, SELF_MAX_WORDS, SELLING_UNITS, SENTENCE_ENDS, SHAPE_MAX_WORDS,
    SHORT_UNIT, SHOWING_WORDS, SMALL_BOX, SOLD_KINDS, SPEAKER_WORDS, SPOKEN_FAMILIES, STORE_LINKS, STORY_BESIDE,
    STORY_RUN, STORY_SHARE, STORY_TAGS, STRONG_SIGNALS, STUB_MAX_CHARS, STUB_MAX_WORDS, TRAILER_RE, VOICES,
    VOICE_WORDS, WITHHELD, WORD_CASE_RE, WORD_RE,
)

# == Matching the vocabulary =======================================================================


def expand_leading(pattern: str) -> list[str]:
    "Variants of a pattern that starts with a (?:a|b) or (?:a)? group, so each starts with a literal."
    if not pattern.startswith("(?:"):
        return [pattern]
    depth, close, branches, start = 0, 0, [], 3
    for index, char in enumerate(pattern):
        if char == "(" and pattern[index - 1 : index] != "\\":
            depth += 1
        elif char == ")" and pattern[index - 1 : index] != "\\":
            depth -= 1
            if depth == 0:
                close = index
                break
        elif char == "|" and depth == 1:
            branches.append(pattern[start:index])
            start = index + 1
    branches.append(pattern[start:close])
    rest = pattern[close + 1 :]
    variants = [branch + rest.removeprefix("?") for branch in branches]
    if rest.startswith("?"):
        variants.append(rest[1:])
    return [v for variant in variants for v in expand_leading(variant)]


def literal_prefix(pattern: str) -> str:
    "The fixed text a pattern starts with."
    for index, char in enumerate(pattern):
        if char in "\\()[]{}|.^$?*+":
            return pattern[: index - 1] if char in "?*{" else pattern[:index]
    return pattern


class Vocabulary:
    """Find vocabulary patterns fast: one Aho-Corasick scan finds every pattern's literal prefix,
    and a regex confirms at that spot. A single big alternation costs `re` every branch at every
    character, and a str.find per literal one pass over the text each. A leading ^ anchors a
    pattern to the start of a unit; `boundary` lists characters that may not precede a match
    besides letters and digits, unless the match starts with `separator`, which sets it apart
    itself ("/donate" in "/en/donate"); `whole_words` forbids a match that ends inside a word."""

    def __init__(self, groups: dict, boundary: str = "", whole_words: bool = False, separator: str = "") -> None:
        by_literal: dict[tuple[str, bool], list[tuple[str, tuple[str, ...]]]] = {}
        for key, patterns in groups.items():
            for pattern in patterns:
                anchored = pattern.startswith("^")
                for variant in expand_leading(pattern.removeprefix("^")):
                    literal = literal_prefix(variant)
                    if len(literal) < 2:
                        raise ValueError(f"vocabulary pattern needs a literal start: {variant!r}")
                    variant += r"(?!\w)" if whole_words else ""
                    kinds = key if isinstance(key, tuple) else (key,)
                    by_literal.setdefault((literal, anchored), []).append((variant, kinds))
        self.boundary, self.separator = boundary, separator
        by_prefix: dict[str, list] = {}
        for (literal, anchored), items in by_literal.items():
            pattern = re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(items)))
            by_prefix.setdefault(literal, []).append(
                (anchored, pattern, {f"g{i}": kinds for i, (_, kinds) in enumerate(items)}))
        self.automaton = ahocorasick.Automaton()
        for literal, entries in by_prefix.items():
            self.automaton.add_word(literal, (len(literal) - 1, entries))
        self.automaton.make_automaton()

    def scan(self, text: str) -> list[tuple[int, tuple[str, ...], str]]:
        "(position, kinds, matched text) of every match, ordered by position; units split at newlines."
        hits, boundary, separator = [], self.boundary, self.separator
        for end, (back, entries) in self.automaton.iter(text):
            position = end - back
            before = text[position - 1] if position else "\n"
            apart = not (before.isalnum() or before in boundary) or text[position] == separator
            for anchored, pattern, kinds in entries:
                if (before == "\n" if anchored else apart):
                    match = pattern.match(text, position)
                    if match:
                        hits.append((position, kinds[match.lastgroup], match.group()))
        return sorted(hits)


MARKUP = Vocabulary(MARKUP_TOKENS, boundary="_")  # after a letter or digit, a token is mid-name


LINKS = Vocabulary(LINK_TOKENS)  # another site's whole URL: a path token right after its host never matches
PATHS = Vocabulary(LINK_TOKENS, separator="/")  # a path on the page's own site: a token at any depth
STORES = Vocabulary(STORE_LINKS)  # an app store: read only where a link asks


PHRASE_VOCABULARY = Vocabulary(PHRASES, boundary="_", whole_words=True)
WITHHELD_VOCABULARY = Vocabulary({"paywall": WITHHELD}, boundary="_", whole_words=True)  # ``says_withheld``
ASK_VOCABULARY = Vocabulary(ASKS, boundary="_", whole_words=True)
VOICE_VOCABULARY = Vocabulary(VOICE_WORDS, boundary="_", whole_words=True)


LABEL_KINDS = {label: kind for kind, labels in LABELS.items() for label in labels}


EDGE_PUNCTUATION = " \t\n.:!?…,;-–—•|>»›→*#()[]\"'“”‘’"


LABEL_ROW_RE = re.compile(r"\s*(?:\|+|•|·|/)\s*")  # separators in a row of links


def label_kind(text: str) -> str | None:
    """The kind of a unit that is nothing but a known label, or a row of labels ("Share | Tweet |
    Email"): most of its short segments are labels."""
    if len(text) > LABEL_MAX * 2:
        return None
    kind = LABEL_KINDS.get(text.strip(EDGE_PUNCTUATION))
    if kind or not LABEL_ROW_RE.search(text):
        return kind
    segments = [segment.strip(EDGE_PUNCTUATION) for segment in LABEL_ROW_RE.split(text)]
    kinds = [LABEL_KINDS[segment] for segment in segments if segment in LABEL_KINDS]
    return max(kinds, key=kinds.count) if len(segments) > 1 and len(kinds) * 2 > len(segments) else None


def scan_units(texts: Sequence[str], vocabulary: Vocabulary) -> list[list[tuple[int, tuple[str, ...], str]]]:
    """Hits (offset, kinds, token) per text, found in one scan over the distinct texts joined by
    newlines (class strings repeat a lot within a page)."""
    return spread(texts, vocabulary.scan)


def matches_in(texts: Sequence[str], pattern: re.Pattern) -> list[bool]:
    "Whether `pattern` matches each text, in one scan."
    return [bool(hits) for hits in spread(texts, lambda joined: ((m.start(),) for m in pattern.finditer(joined)))]


def spread(texts: Sequence[str], scan) -> list[list[tuple]]:
    """Per text, what `scan` finds in the distinct texts joined by newlines: `scan` yields tuples
    that start with a position in the joined text, returned with the offset in their text instead
    (texts alike share one list)."""
    distinct = list(dict.fromkeys(texts))
    starts, offset = [], 0
    for text in distinct:
        starts.append(offset)
        offset += len(text) + 1
    found: list[list] = [[] for _ in distinct]
    for position, *rest in scan("\n".join(distinct)):
        index = bisect_right(starts, position) - 1
        found[index].append((position - starts[index], *rest))
    by_text = dict(zip(distinct, found))
    return [by_text[text] for text in texts]


def is_quoted(text: str, position: int) -> bool:
    before = text[:position]
    openers = sum(before.count(c) for c in QUOTE_OPENERS)
    return before.count('"') % 2 == 1 or openers > sum(before.count(c) for c in QUOTE_CLOSERS)


def addressed_kinds(text: str, hits: list) -> list[str]:
    """Kinds of the phrases a unit addresses to the reader: a whole label, else its phrases
    outside quotation marks, none at all if the unit reads as reported speech."""
    label = label_kind(text)
    if label:
        return [label]
    hits = [(kinds, token) for position, kinds, token in hits if not is_quoted(text, position)]
    if not hits or ATTRIBUTION_RE.search(text):
        return []
    return [kind for kinds, _ in hits for kind in kinds]


def text_hits(texts: Sequence[str]) -> list[list[str]]:
    "Kinds signalled by each lowercased, space-normalised text unit."
    return [addressed_kinds(text, hits) for text, hits in zip(texts, scan_units(texts, PHRASE_VOCABULARY))]


def is_picker_entry(text: str) -> bool:
    """An amount ("$5") or a period ("Monthly") on its own, as in a donation picker."""
    if len(text) > LABEL_MAX:
        return False
    text = text.strip(EDGE_PUNCTUATION)
    return bool(PERIOD_RE.fullmatch(text) or len(text) <= PICKER_MAX and AMOUNT_RE.search(text))


def is_house_voice(words: Sequence[str]) -> bool:
    "The publisher (we, our) talking to the reader (you, your)."
    return any(w in SPEAKER_WORDS for w in words) and any(w in READER_WORDS for w in words)


def ask_of(lowered: str, asks: list, voices: set[str], amount_asked: bool) -> str | None:
    """What a unit asks for (money, a sign-up, a subscription, an app): the kind most of its ask
    words (`asks`, vocabulary hits) name; giving money is donating, and so is an amount the
    reader is asked for (`amount_asked`, see ``pitches``), whatever words ask it."""
    if asks:
        return most_common([kinds[0] for _, kinds, _ in asks])
    if "money" not in voices:
        return None
    return "donation" if amount_asked or GIVING_RE.search(lowered) else None


def quoted_share(text: str) -> float:
    "How much of `text` sits inside quotation marks."
    if '"' not in text and not any(char in text for char in QUOTE_OPENERS):
        return 0.0
    inside, depth, straight = 0, 0, False
    for char in text:
        if char in QUOTE_OPENERS:
            depth += 1
        elif char in QUOTE_CLOSERS:
            depth = max(depth - 1, 0)
        elif char == '"':
            straight = not straight
        elif depth or straight:
            inside += 1
    return inside / len(text)


def is_action_label(lowered: str) -> bool:
    """A link or button label that asks the reader to act: it opens with an ask ("Give monthly"),
    or puts words in the reader's mouth ("Count me in", "Show me how", "Yes, I'll chip in", "I've
    turned it off", "Send me the briefing")."""
    words = WORD_RE.findall(lowered)
    if not 0 < len(words) <= ACTION_MAX_WORDS:
        return False
    return (words[0] in ACTION_WORDS or words[0] in READER_REPLIES or len(words) > 1 and words[1] in READER_OBJECT
            or len(words) <= SELF_MAX_WORDS and any(w in READER_SELF for w in words))


def is_showing_label(lowered: str) -> bool:
    """A link or button label that shows something ("See membership options", "View our plans")."""
    return lowered.lstrip().split(" ", 1)[0] in SHOWING_WORDS


# == Blocks ========================================================================================


class Stats:
    "One element's subtree: lengths, evidence (family, kind) -> count, and the verdict."

    __slots__ = ("dirty", "evidence", "explained", "has_block", "kids", "label", "link", "links", "loose", "own_text",
                 "plain", "rule", "sample", "text", "told", "verdict", "voiced", "words")  # fmt: skip

    def __init__(self) -> None:
        self.kids: list[Stats] = []
        self.dirty = self.has_block = False  # dirty: evidence somewhere below
        self.own_text = self.explained = 0  # this element's own text pieces, and what its hits explain
        self.text = self.link = self.links = self.plain = 0  # subtree totals
        self.label = 0  # text of links and buttons: nobody's prose
        self.voiced = 0  # text in the house's voice that asks nothing: explained only by a pitch beside it
        self.told = 0  # this unit's text if it names the page's author: explained only in a box about them
        self.evidence: dict = {}  # everything below, for qualifying
        self.loose: dict = {}  # what is not inside a removable child, for purity
        self.sample: dict = {}  # kind -> first matched markup/link token, for the rule name
        self.verdict: str | None = None
        self.rule = ""
        self.words = ""  # text of an inline-only subtree (scripts left out)


EMPTY = Stats()  # shared by skipped elements (scripts, styles, svg shapes): no text, no signals


def add(counts: dict, key, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


def page_site(url: str | None, publisher_hosts: Iterable[str] = ()) -> Frontier | None:
    """The site of the page served at `url`, as a crawl of it would have it, and its publisher's
    where the page names one (`publisher_hosts`); None without a URL, or for one that names no
    site ("http://[x"): then only a relative link is the site's."""
    try:
        return Frontier(url, set(publisher_hosts)) if url else None
    except ValueError:
        return None


class Collector:
    """Strings to match in one go after the walk, each with the Stats it belongs to, and the boxes
    with nothing to read that it found among loose text; `url` is the page's (its site's links
    are read as paths, and so are those to `publisher_hosts`)."""

    def __init__(self, url: str | None = None, authors: Sequence[str] = (), publisher_hosts: Iterable[str] = ()
                 ) -> None:
        self.site = page_site(url, publisher_hosts)
        self.refused: dict[str, bool] = {}  # origin -> not the page's site
        self.authors = author_names(authors)
        self.markup: list[tuple[Stats, str]] = []
        self.links: list[tuple[Stats, str]] = []  # targets read whole: other sites' URLs, mailto: and the like
        self.paths: list[tuple[Stats, str]] = []  # targets on the page's own site, as paths
        self.units: list[tuple[Stats, str]] = []
        self.names: list[tuple[Stats, str]] = []  # what the publisher calls a block for screen readers
        self.blank_boxes: list = []  # a picture's or an ad slot's `div`, with text running loose around it

    def own(self, element, tag: str, stats: Stats) -> None:
        "Markup, link target, attribute text and control signals of the element itself (one pass over attributes)."
        attributes = dict(element.items())
        names = [name + " " + value if name.startswith(("data-", "aria-")) else value
                 for name, value in attributes.items() if name not in MARKUP_SKIP_ATTRS and len(value) <= MARKUP_MAX_VALUE]
        if names:
            self.markup.append((stats, " ".join(names)))
        target = attributes.get("href") or attributes.get("action")
        if target:
            stats.links = int(tag == "a")
            path = self.local(target)
            if path is None:
                self.links.append((stats, target.lower()))
            else:
                self.paths.append((stats, path.lower()))
        for name in ("placeholder", "aria-label"):
            if name in attributes:
                self.units.append((stats, attributes[name]))
        if "aria-label" in attributes and tag not in BUTTON_TAGS:  # a link's or button's is its label
            self.names.append((stats, attributes["aria-label"]))
        if attributes.get("type") in ("submit", "button"):
            label = attributes.get("value", "")
            if tag == "input" and len(label.strip()) > 1:  # an input button shows its value as its label
                self.units.append((stats, label))
                add(stats.evidence, ("button", ""))
            if is_action_label(label.lower()):
                add(stats.evidence, ("action", ""))
        classes = attributes.get("class", "").lower()
        if ("data-nosnippet" in attributes or attributes.get("role") == "complementary"
                or "print" in classes and PRINT_HIDDEN_RE.search(classes)):
            add(stats.evidence, ("marker", ""))
        if is_control(tag, attributes):
            add(stats.evidence, ("controls", ""))
            if attributes.get("type") in ("radio", "number") and attributes.get("value", "").isdigit():
                add(stats.evidence, ("picker", ""))
            elif attributes.get("type") == "email":
                add(stats.evidence, ("address", "newsletter"))  # the reader's address: what a sign-up asks for

    def local(self, target: str) -> str | None:
        """A link to the page's own site as its path, which the link vocabulary reads at any depth
        ("/pricing", "/en/donate"); None for any other, read whole, where only a host names what
        it asks for ("paypal.com"): a path on another site is a story's reference, not the house
        asking."""
        if target.startswith("/") and not target.startswith("//"):
            return target
        if self.site is None or not target.startswith(("http:", "https:", "//")):
            return None
        absolute = "https:" + target if target.startswith("//") else target
        origin = "/".join(absolute.split("/", 3)[:3])  # scheme, host and port: all that refusal reads
        refused = self.refused.get(origin)
        if refused is None:  # a page links to a few hosts many times
            refused = self.refused[origin] = self.site.refusal(origin + "/") is not None
        if refused:
            return None
        parts = urlsplit(absolute)
        return urlunsplit(("", "", parts.path, parts.query, ""))

    def match(self) -> None:
        "Turn every collected string's vocabulary hits into evidence on its owner."
        for (stats, _), hits in zip(self.markup, scan_units(markup_words([m for _, m in self.markup]), MARKUP)):
            record_tokens(stats, "markup", hits)
        # a block's name says what it asks for; its words may have been read as markup already
        names = lowered_units([name for _, name in self.names])
        for (stats, _), hits in zip(self.names, scan_units(names, ASK_VOCABULARY)):
            record_tokens(stats, "markup", [(at, kinds, token) for at, kinds, token in hits
                                            if ("markup", kinds[0]) not in stats.evidence])
        for vocabulary, targets in ((LINKS, self.links), (PATHS, self.paths)):
            for (stats, _), hits in zip(targets, scan_units([t for _, t in targets], vocabulary)):
                record_tokens(stats, "link", hits)
        for stats, _ in self.paths + self.links:  # a link showing what its target asks for ("See plans") asks
            if stats.text <= ACTION_MAX_CHARS and is_showing_label(stats.words.lower()) \
                    and any(family == "link" and kind in ASKS for family, kind in stats.evidence):
                add(stats.evidence, ("action", ""))
        asking = [(stats, target) for stats, target in self.links if ("action", "") in stats.evidence]
        for (stats, _), hits in zip(asking, scan_units([t for _, t in asking], STORES)):
            record_tokens(stats, "link", hits)
        texts = lowered_units([t for _, t in self.units])
        asked = label_asks(self.units, texts)
        for (stats, _), text, kinds, ask in zip(self.units, texts, text_hits(texts), asked):
            if ask and ask not in kinds:
                kinds = [*kinds, ask]
            if is_picker_entry(text):
                kinds = [*kinds, ""]
            for kind in kinds:
                add(stats.evidence, ("picker", "") if kind == "" else ("text", kind))
            stats.explained += EXPLAINED_PER_HIT * len(kinds)
        if self.authors:
            for (stats, _), text in zip(self.units, texts):
                name_author(stats, text, self.authors)
        # a link's label pitches nothing, a button's only what it names (``pitch``), and long prose
        # is no one's pitch: most of a page's units, and most of its text
        speaking = [(stats, text) for (stats, _), text in zip(self.units, texts)
                    if (stats.label < stats.text or ("button", "") in stats.evidence)
                    and text.count(" ") < LONG_CTA_MAX_WORDS]
        for (stats, text), (asks, voices, amount_asked, reported) in zip(speaking, pitches([t for _, t in speaking])):
            if not reported:  # reported speech is somebody else talking
                pitch(stats, text, asks, voices, amount_asked)


def author_names(authors: Sequence[str]) -> tuple[set[str], set[str], re.Pattern] | None:
    """The page's authors' full names (two words or more, lowercased), their first names, and a
    pattern that finds any of either as words in a unit; None without such a name."""
    names = {name for name in lowered_units(authors) if " " in name}
    if not names:
        return None
    firsts = {name.split()[0] for name in names}
    pattern = "|".join(sorted(map(re.escape, names | firsts), key=len, reverse=True))
    return names, firsts, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


def name_author(stats: Stats, text: str, authors: tuple[set[str], set[str], re.Pattern]) -> None:
    """A unit that is an author's name is the label of a box about them (``name`` evidence); one
    that names them tells about them, which such a box explains."""
    names, firsts, named = authors
    if not any(first in text for first in firsts):  # most units: `in` is much cheaper than the tests below
        return
    if text.strip(EDGE_PUNCTUATION) in names:
        add(stats.evidence, ("name", "bio"))
        stats.explained += len(text)
    elif named.search(text):
        stats.told += len(text)


def markup_words(markups: Sequence[str]) -> list[str]:
    """Markup lowercased, CamelCase names (CSS-in-JS: "sc-x-NewsletterSignup") one word each:
    once per distinct string (a page repeats its class names)."""
    words = {markup: (markup if markup.islower() else WORD_CASE_RE.sub("-", markup)).lower() for markup in set(markups)}
    return [words[markup] for markup in markups]


def label_asks(units: Sequence[tuple[Stats, str]], texts: Sequence[str]) -> list[str | None]:
    """Per unit: what the label of a link or button asks for by its ask words, one that asks
    ("Become a donor", "Join the club") or shows what the house offers ("See membership
    options"); None for any other unit (a label asks; it speaks for no one)."""
    labels = [i for i, (stats, _) in enumerate(units) if stats.label >= stats.text and stats.text <= ACTION_MAX_CHARS]
    found: list[str | None] = [None] * len(units)
    for i, asks in zip(labels, scan_units([texts[i] for i in labels], ASK_VOCABULARY)):
        if asks and (is_action_label(texts[i]) or is_showing_label(texts[i]) or is_row_asking(units[i][0])):
            found[i] = most_common([kinds[0] for _, kinds, _ in asks])
    return found


def is_row_asking(stats: Stats) -> bool:
    """Is the unit a row of labels, one of which asks the reader to act ("Open in app", "Get it on …")?"""
    return len(stats.kids) > 1 and any(("action", "") in kid.evidence for kid in stats.kids)


def pitches(texts: Sequence[str]) -> list[tuple[list, set[str], bool, bool]]:
    """Per unit: its ask words (vocabulary hits), the voices heard in it ("speaker": we/our;
    "reader": you/your, or a request opening a sentence; "money": an amount, or a recurring
    one), whether an amount is asked of the reader, in a question or again and again ("Can you
    chip in $5?", "Join them with $5 every month"), and whether it reports speech, each found
    in one scan over the page's units. Voices are listened for only where ``pitch`` weighs them:
    in a short unit, or one that asks or speaks of giving (a long one pitches nothing else);
    reported speech only where a unit asks or speaks."""
    asks = scan_units(texts, ASK_VOCABULARY)
    listened = [bool(ask) or text.count(" ") < CTA_MAX_WORDS or "giv" in text and bool(GIVING_RE.search(text))
                for text, ask in zip(texts, asks)]
    heard = [text for text, listen in zip(texts, listened) if listen]
    found = zip(scan_units(heard, VOICE_VOCABULARY), matches_in(heard, REQUEST_RE), matches_in(heard, AMOUNT_RE))
    voices: list[set[str]] = []
    amounts_asked: list[bool] = []
    for text, listen in zip(texts, listened):
        heard_here: set[str] = set()
        amount_asked = False
        if listen:
            hits, request, amount = next(found)
            heard_here = {kinds[0] for _, kinds, _ in hits}
            recurring = "money" in heard_here  # the voice's own words are periods
            if request:
                heard_here.add("reader")
            if amount:
                heard_here.add("money")
                amount_asked = "reader" in heard_here and ("?" in text or recurring)
        voices.append(heard_here)
        amounts_asked.append(amount_asked)
    pitching = [text for text, ask, heard_here in zip(texts, asks, voices) if ask or heard_here]
    reported = iter(matches_in(pitching, ATTRIBUTION_RE))
    return [(ask, heard_here, amount_asked, bool(ask or heard_here) and next(reported))
            for ask, heard_here, amount_asked in zip(asks, voices, amounts_asked)]


def pitch(stats: Stats, text: str, asks: list, voices: set[str], amount_asked: bool) -> None:
    """The house asking the reader in one unit (`text`, lowercased, single spaces; its ask words,
    voices and whether it asks an amount, see ``pitches``): a pitch, explained whole; or the
    house's voices and offers around a pitch, explained if the block has one. A panel's pitch
    spreads its voices over its units.
    Quotations and a link's or button's label are no one's pitch (nor is long prose, never passed
    here); a button that names what it asks for ("See membership options") is an action, as one
    that opens with a request is."""
    words = text.count(" ") + 1
    if asks and ("button", "") in stats.evidence and words <= ACTION_MAX_WORDS:
        add(stats.evidence, ("action", ""))
    if stats.label >= stats.text or not (asks or voices):
        return
    # an amount the house names is asked for when the reader is, or when the line's own button asks
    ask = ask_of(text, asks, voices, amount_asked or ends_in_action(stats))
    if ask is None and words > CTA_MAX_WORDS or quoted_share(text) >= QUOTED_SHARE:
        return
    for voice in voices:
        add(stats.evidence, (voice, ""))
    if ask and voices:
        add(stats.evidence, ("voice", ask))
        stats.explained += len(text)
    elif words <= CTA_MAX_WORDS:
        stats.voiced += len(text)


def record_tokens(stats: Stats, family: str, hits: list) -> None:
    for _, kinds, token in hits:
        for kind in kinds:
            add(stats.evidence, (family, kind))
            stats.sample.setdefault(kind, token)


def is_button(element, tag: str) -> bool:
    "A button, or a link styled as one: what a call-to-action box is built around."
    if tag == "button" or element.get("role") == "button":
        return True
    return bool(BUTTON_CLASS_RE.search((element.get("class") or "").lower()))


def is_scripted(href: str) -> bool:
    "Does a link lead nowhere (``#``, ``javascript:``), a script acting on its click?"
    href = href.strip().lower()
    return href == "#" or href.startswith("javascript:")


def walk(root, table: dict, collector: Collector) -> list:
    "First pass, children before parents: own signals, text totals and the inline text units."
    order = list(root.iter(etree.Element))
    order.reverse()
    units = collector.units
    for element in order:
        tag = element.tag
        if tag in SKIP_TAGS:
            table[element] = EMPTY
            continue
        stats = table[element] = Stats()
        if tag in CONTROL_TAGS or element.attrib:
            collector.own(element, tag, stats)
        head = element.text
        pieces = [head] if head else []
        words = [head] if head else []
        kids, has_block, text, link, links, label = stats.kids, False, 0, 0, stats.links, 0
        for child in element.iterchildren(etree.Element):
            child_stats = table[child]
            if child_stats is not EMPTY:
                kids.append(child_stats)
                has_block = has_block or child_stats.has_block or child.tag in BLOCK_TAGS
                text += child_stats.text
                link += child_stats.link
                label += child_stats.label
                links += child_stats.links
                words.append(child_stats.words)
            tail = child.tail
            if tail:
                pieces.append(tail)
                words.append(tail)
        own = 0
        for piece in pieces:
            own += len(piece.strip())
        stats.own_text, stats.text, stats.links, stats.has_block = own, own + text, links, has_block
        if own and has_block:  # text running loose between blocks
            collector.blank_boxes.extend(box for box in element.iterchildren("div") if not table[box].text)
        stats.link = stats.text if tag == "a" else link
        stats.label = stats.text if tag in BUTTON_TAGS else label
        if tag in BUTTON_TAGS and stats.text > 1 and is_button(element, tag):  # labelled: no icon or "×"
            add(stats.evidence, ("button", ""))
        if not has_block:
            stats.words = "".join(words)
            if tag in BUTTON_TAGS and stats.text <= ACTION_MAX_CHARS and is_action_label(stats.words.lower()):
                add(stats.evidence, ("action", ""))
                if ("button", "") not in stats.evidence and tag == "a" and is_scripted(element.get("href", "")):
                    add(stats.evidence, ("button", ""))  # a script acts on the ask: a button but for its class
            continue
        units.extend((stats, p) for p in pieces if not p.isspace())  # loose text in a container
        units.extend((k, k.words) for k in kids if not k.has_block and k.words and not k.words.isspace())
    if not table[root].has_block and table[root].words.strip():
        units.append((table[root], table[root].words))
    return order


def aggregate(order: list, table: dict) -> None:
    """Second pass, children before parents, only where evidence lies below: evidence, the
    unexplained text, and the verdicts."""
    for element in order:
        stats = table[element]
        stats.dirty = bool(stats.evidence) or any(k.dirty for k in stats.kids)
        if not stats.dirty:
            continue
        stats.loose = dict(stats.evidence)
        stats.plain = stats.own_text
        for child in stats.kids:
            merge_child(stats, child)
        stats.plain = max(0, stats.plain - stats.explained)
        if stats.evidence and may_be_pure(stats):
            judge(element, table)


def stands_apart(element, table: dict) -> bool:
    """Is `element` a panel the page set among or beside the story's blocks rather than one of
    them? It has a shape (tag and class) none of its siblings has, is no story block, and holds
    several lines (a heading and a line, lines and a button), not one paragraph in a wrapper;
    the largest shape of its siblings that is the story's, one that repeats (the story's
    paragraphs, or its block wrappers), holds half the page's text or is the block the story's
    paragraphs run in (the story's container), or is a brief's one paragraph, or any shape when
    they sit in one of the story's block wrappers, holds at least STORY_BESIDE of its text: a
    panel may be longer than the few paragraphs around it, and other panels beside it are no story."""
    if element.tag in STORY_TAGS or element.tag not in BLOCK_TAGS:
        return False
    parent = element.getparent()
    own = table[element].text - table[element].link
    if parent is None or not own:
        return False
    lines = (stats for stats in map(table.get, element.iterdescendants(etree.Element)) if stats.own_text)
    if next(lines, None) is None or next(lines, None) is None:
        return False
    shapes: dict = {}
    for sibling in parent.iterchildren(etree.Element):
        text = table[sibling].text - table[sibling].link
        if text:
            counts = shapes.setdefault(shape_of(sibling), [0, 0, sibling])
            counts[0] += 1
            counts[1] += text
    mine = shape_of(element)
    others = [counts for key, counts in shapes.items() if key != mine]
    if shapes[mine][0] != 1 or not others:
        return False
    page = table[element.getroottree().getroot()]
    in_run = is_in_run(parent, table)
    for count, text, sibling in sorted(others, key=lambda counts: counts[1], reverse=True):
        # a run, the story's container (half the page's text, or the block its paragraphs run
        # in), a brief's one paragraph, or one of the story's blocks (its wrappers repeat)
        if (count >= STORY_RUN or text >= STORY_SHARE * (page.text - page.link) or in_run
                or tells_story(sibling, table)):
            return text >= STORY_BESIDE * own
    return False


def tells_story(element, table: dict) -> bool:
    """Is `element` the story told: a brief's one paragraph of prose no signal touched, or the
    block it is told in beside boxes (no lines of their own), or the block the story's
    paragraphs run in, however deep in wrappers: the story's container (``holds_story_run``),
    or a block holding STORY_RUN paragraphs of prose no signal touched beside lines that carry
    one (a story's paragraph may say "our", and a panel's lines all do)?"""
    if is_brief(element, table):
        return True
    while len(kids := [kid for kid in element.iterchildren(etree.Element) if table[kid].text]) == 1:
        element = kids[0]  # a wrapper's wrapper
    prose = [kid for kid in kids if is_clean_prose(table[kid])]
    return holds_story_run(element, table) or len(prose) >= STORY_RUN or len(prose) == 1 and is_brief(
        prose[0], table) and all(table[kid].has_block for kid in kids if kid is not prose[0])


def is_brief(element, table: dict) -> bool:
    "Is `element` a paragraph of prose no signal touched?"
    return element.tag == "p" and is_clean_prose(table[element])


def holds_story_run(element, table: dict) -> bool:
    """Is `element` the story's container: it holds a run of the story's paragraphs (STORY_RUN
    lines of prose no signal touched, and no line that carries one; or paragraphs of prose
    running loose between line breaks) or of its block wrappers (STORY_RUN children of one
    shape, each around such a paragraph)? Then it is judged only through its blocks: the boxes
    in it go on their own evidence, and the evidence of several never adds up to take the story
    with them."""
    if table[element].text < STORY_RUN * PROSE_CHARS:
        return False  # most verdicts: a label, a button, a line
    if sum(len(piece.strip()) >= PROSE_CHARS for piece in loose_text(element)) >= STORY_RUN:
        return True
    children = list(element.iterchildren(etree.Element))
    lines = [table[child] for child in children if table[child].text and not table[child].has_block]
    if sum(map(is_clean_prose, lines)) >= STORY_RUN and not any(line.dirty for line in lines):
        return True
    wrappers = Counter(shape_of(child) for child in children
                       if table[child].has_block and any(map(is_clean_prose, table[child].kids)))
    return any(count >= STORY_RUN for count in wrappers.values())


def wraps_story_line(element, table: dict) -> bool:
    """Is the element one of the story's block wrappers (a run of siblings of its shape) around a
    block of the story (a paragraph, a quote, a list, a figure) or a paragraph of prose that no
    signal touched, or a subheading (who speaks in a paragraph is no signal; it and a subheading
    are the story's unless the lines beside them that ask outweigh them)? Then a box beside that
    block, a button's or a panel's, goes on its own: the block is the story's, whatever the box
    says, and its evidence never lets the story's text go unexplained with the wrapper."""
    if not table[element].has_block:
        return False  # a paragraph's parts are no blocks
    kids = list(element.iterchildren(etree.Element))
    untouched = [is_untouched_story_block(kid, table[kid]) for kid in kids]
    if not any(untouched) or not is_in_run(element, table):
        return False
    if any(story and (not table[kid].dirty or kid.tag != "p") and kid.tag not in HEADINGS
           for kid, story in zip(kids, untouched)):
        return True  # a block no signal touched; a quote, a list
    # a subheading, or a paragraph in which somebody only talks; a panel repeated in one shape
    # makes a run too, and its title and its unmarked lines are the house talking
    told = sum(table[kid].text for kid, story in zip(kids, untouched) if story)
    asked = sum(table[kid].text for kid, story in zip(kids, untouched)
                if not story and table[kid].dirty and not table[kid].has_block)
    return told > asked


def is_untouched_story_block(element, stats: Stats) -> bool:
    "Is the element prose, or a block of a story's kinds, that no signal touched (who speaks in it is no signal)?"
    return is_clean_prose(stats) or element.tag in STORY_TAGS and stats.text > 0 and all(
        family in VOICES for family, _ in stats.evidence)


def is_clean_prose(stats: Stats) -> bool:
    "Is the block a paragraph of prose without evidence?"
    return not stats.dirty and not stats.has_block and stats.text - stats.link >= PROSE_CHARS


def shape_of(element) -> tuple:
    "What a block looks like among its siblings: its tag and class."
    return element.tag, element.get("class")


def is_in_run(element, table: dict) -> bool:
    """Is `element` one of a run of siblings of its shape (the story's block wrappers)? Only
    siblings with text count: empty ad slots of one shape make no run."""
    parent, shape = element.getparent(), shape_of(element)
    if parent is None:
        return False
    return sum(shape_of(sibling) == shape and table[sibling].text > 0
               for sibling in parent.iterchildren(etree.Element)) >= STORY_RUN


def merge_child(parent: Stats, child: Stats) -> None:
    "Fold a finished child into its parent; a removable child's text counts as explained."
    if not child.dirty:
        parent.plain += child.text
        parent.voiced += child.voiced  # an offer ("Read it in the app") is evidence of nothing alone
        return
    for key, n in child.evidence.items():
        add(parent.evidence, key, n)
    for kind, token in child.sample.items():
        parent.sample.setdefault(kind, token)
    if child.verdict is None:
        parent.plain += child.plain
        parent.voiced += child.voiced
        for key, n in child.loose.items():
            add(parent.loose, key, n)


def best_kind(stats: Stats, apart: bool = False) -> tuple[str | None, list[str]]:
    """The kind most signal families agree on, and those families, if at least two agree;
    `apart`: the block stands apart from the story's blocks (``stands_apart``). A box set apart
    in which the house talks to the reader is "other" when nothing names its kind, if its
    publisher marks it as no content (a marker: three families agree that it is no story), the
    house talks in all of it (``is_all_talk``) or in a call-to-action box whose button asks."""
    evidence, best, best_families, best_weight = stats.evidence, None, [], 1
    by_kind: dict[str, set[str]] = {}
    for family, kind in evidence:
        by_kind.setdefault(kind, set()).add(family)
    for kind in KINDS:
        families = by_kind.get(kind)
        if not families:
            continue
        families |= {f for f, allowed in NEUTRAL_FAMILIES.items() if kind in allowed and (f, "") in evidence}
        if stats.voiced and kind in NEUTRAL_FAMILIES["action"] and families & {"address", "link", "markup"}:
            families.add("voice")  # the house's words ask for what its link, its name or its address field says
        if apart and ("voice" in families or is_heard(stats)) and (
                kind in APART_KINDS or is_interactive(stats) or is_all_pitch(stats, kind)
                or kind in ASKS and "marker" in families):
            families.add("apart")
        if "voice" in families and not is_panel_pitch(stats, families):
            families.discard("voice")
        if "voice" not in families or not stats.has_block and "action" not in families:
            families -= PANEL_FAMILIES  # a button that asks backs a pitch; in a paragraph, only both count
        if kind in NEUTRAL_FAMILIES["dense"] and is_dense(stats):
            families.add("dense")
        if kind in NEUTRAL_FAMILIES["box"] and is_cta_box(stats):
            families.add("box")
        weight = len(families) + boost(stats, kind)
        if weight > best_weight:
            best, best_families, best_weight = kind, sorted(families), weight
    if best is None and apart and is_heard(stats):
        if ("marker", "") in evidence:
            return "other", ["apart", "marker", "voice"]
        if is_all_talk(stats):
            return "other", ["apart", "voice"]
        if is_cta_box(stats) and ("action", "") in evidence:
            return "other", ["action", "apart", "box", "voice"]
    return best, best_families


def is_heard(stats: Stats) -> bool:
    "Does the house talk to the reader in the block (HOUSE_VOICES)?"
    return any(voices <= stats.evidence.keys() for voices in HOUSE_VOICES)


def is_all_talk(stats: Stats) -> bool:
    """Does the house talk in several of the block's units (SELLING_UNITS with a "we") and in all
    of its text that no pitch explains? A panel about the house itself ("we are independent …
    thank you for reading"), where a review's tip says "we found" once."""
    return stats.evidence.get(("speaker", ""), 0) >= SELLING_UNITS and stats.plain <= stats.voiced


def is_interactive(stats: Stats) -> bool:
    "Has the block something to press or fill in?"
    return any((family, "") in stats.evidence for family in INTERACTIVE)


def is_all_pitch(stats: Stats, kind: str) -> bool:
    """Is the block mostly the house's pitch for `kind`: pitched in several of its units
    (SELLING_UNITS), which hold most of its text (PITCHED_SHARE)? An app's or an ad blocker's
    panel need have nothing to press; a review's box that names plans once among its facts is no pitch."""
    return stats.evidence.get(("voice", kind), 0) >= SELLING_UNITS and stats.plain <= (1 - PITCHED_SHARE) * stats.text


def is_panel_pitch(stats: Stats, families: set[str]) -> bool:
    """Does the pitch in a block make it a panel: the house asking the reader (HOUSE_VOICES), or
    selling itself in several units, in a block of a panel's size, with a signal besides forms
    and prices (those are also what a story about products or subscriptions shows)?"""
    evidence = stats.evidence
    selling = ("speaker", "") in evidence and sum(n for (f, _), n in evidence.items() if f == "voice") >= SELLING_UNITS
    return (is_heard(stats) or selling) and stats.text <= PANEL_MAX_TEXT and bool(
        families - {"voice", "controls", "picker"})


def boost(stats: Stats, kind: str) -> int:
    """One family counts twice when plural: a prompt and its dismissal ("Not ready to support today?
    Remind me later.") in one short block, or links to several share targets."""
    evidence = stats.evidence
    if kind != "other" and ("text", kind) in evidence and ("text", "other") in evidence and stats.text <= SHORT_UNIT:
        return 1
    return int(kind == "share" and evidence.get(("link", "share"), 0) >= 3)


def is_dense(stats: Stats) -> bool:
    return stats.links > 0 and stats.link >= DENSE_LINK_SHARE * stats.text


def is_cta_box(stats: Stats) -> bool:
    """A call-to-action box: a few short blocks (a heading, a line or two) around a labelled button,
    or a line whose last words are an action's label after its finished sentence ("A short summary
    of the week, every Friday. Send me the briefing"): a button in all but its class, after its
    pitch. It counts as one more family, so the box still needs a kind's own signal (its markup,
    the button's label or link target, a phrase) before it goes."""
    if stats.text > CTA_BOX_MAX:
        return False
    if stats.has_block:
        return ("button", "") in stats.evidence
    return ends_in_action(stats)


def ends_in_action(line: Stats) -> bool:
    "Does the `line` end in a label that asks the reader to act, after its finished sentence or two?"
    return bool(line.kids) and ("action", "") in line.kids[-1].evidence and follows_sentence(line, line.kids[-1])


def follows_sentence(line: Stats, last: Stats) -> bool:
    "Does the `line` end in its `last` part, after a finished sentence or two (PITCH_MAX_WORDS)?"
    label, words = last.words.strip(), line.words.rstrip()
    if not label or not words.endswith(label):
        return False
    pitch = words[: -len(label)].rstrip()
    return pitch.endswith(SENTENCE_ENDS) and len(pitch.split()) <= PITCH_MAX_WORDS


def is_form_box(stats: Stats, families: list[str]) -> bool:
    """A box of a call-to-action box's size around something to press or fill in, built as one
    kind: its markup, link targets, fields and markers (BOX_FAMILIES of its `families` that are
    not the house's words) agree, so a story's box that only talks like a pitch never is one."""
    return (stats.has_block and stats.text <= CTA_BOX_MAX and is_interactive(stats)
            and len(set(families) - SPOKEN_FAMILIES) >= BOX_FAMILIES)


def frames_pitch(element, table: dict, kind: str, families: list[str]) -> bool:
    """Is the element a small box whose lines are all there to frame its pitch, whatever they
    say? Its lines are its elements: text running loose in it is a story's flow."""
    stats = table[element]
    if stats.own_text > LOOSE_TEXT_MAX:
        return False
    if "box" in families:
        return True  # its few lines are the pitch for its button (``is_cta_box``)
    if is_form_box(stats, families):
        return True  # its few lines frame the form
    # a small box set apart, whose ask went already, whoever speaks in it: its other lines framed it
    return kind in ASKS and stats.text <= CTA_BOX_MAX and asked_below(stats, kind) and stands_apart(element, table)


def is_pure(stats: Stats, kind: str, families: list[str]) -> bool:
    """Is the element's text mostly explained by its own evidence for `kind` (not by a removable
    child's, nor by other kinds' markup)? Link text counts as unexplained, except for the
    link-list kinds, where the links are the block and only the other text is weighed; with a
    pitch among the `families`, or set apart to ask for the house or marked by its publisher as
    no content, the house's voice around it is explained too."""
    neutral = [(f, "") for f, allowed in NEUTRAL_FAMILIES.items() if kind in allowed]
    signals = sum(n for (f, k), n in stats.loose.items() if k == kind)  # a row of buttons explains no text
    apart = "apart" in families and kind in APART_KINDS  # set apart to ask for the house itself: one more signal
    signals = min(signals + sum(key in stats.loose for key in neutral) + apart, MAX_SIGNALS)
    if kind in NEUTRAL_FAMILIES["dense"]:
        plain, text = max(0, stats.plain - stats.link), stats.text - stats.link
    else:
        plain, text = stats.plain, stats.text
    if "voice" in families or "apart" in families and (kind in APART_KINDS or "marker" in families):
        plain = max(0, plain - stats.voiced)
    if "name" in families and stats.text <= PANEL_MAX_TEXT:  # a box about the author is a panel's size
        plain = max(0, plain - told_below(stats))
    ratio = PLAIN_RATIO_STRONG if signals >= STRONG_SIGNALS else PLAIN_RATIO
    allowed = min(PLAIN_BASE + PLAIN_PER_SIGNAL * signals if signals else 0, max(ratio * text, SMALL_BOX))
    return plain <= allowed


def may_be_pure(stats: Stats) -> bool:
    """Could ``is_pure`` hold for some kind? Its bound for the least unexplained text any kind
    leaves and the most signals: most of a page's dirty blocks are its containers, which fail it."""
    if stats.text <= CTA_BOX_MAX:
        return True  # so could ``frames_pitch``
    if ("name", "bio") in stats.evidence and stats.text <= PANEL_MAX_TEXT:
        return True  # what its lines tell about the author is counted only if it comes to that
    plain = max(0, stats.plain - stats.link - stats.voiced)
    return plain <= min(PLAIN_BASE + PLAIN_PER_SIGNAL * MAX_SIGNALS, max(PLAIN_RATIO_STRONG * stats.text, SMALL_BOX))


def told_below(stats: Stats) -> int:
    "Text in the block, outside removable blocks, that names the page's author (``name_author``)."
    return stats.told + sum(told_below(kid) for kid in stats.kids if kid.verdict is None)


def asked_below(stats: Stats, kind: str) -> bool:
    "Is a block below removable as `kind` already?"
    return any(kid.verdict == kind or kid.verdict is None and kid.dirty and asked_below(kid, kind)
               for kid in stats.kids)


def judge(element, table: dict) -> None:
    """Set the verdict (kind) and rule name of an element whose evidence is complete. A box that
    frames a pitch goes whole unless it reports what somebody said: that is the story talking,
    and then its text must be explained like any block's. The story's container and its block
    wrappers never go whole: the boxes in them go on their own evidence."""
    stats = table[element]
    pitched = is_heard(stats) or any(family == "voice" for family, _ in stats.evidence)
    kind, families = best_kind(stats, apart=pitched and stands_apart(element, table))
    if not kind:
        return
    if not (is_pure(stats, kind, families) or frames_pitch(element, table, kind, families)
            and not ATTRIBUTION_RE.search(element_text(element).lower())):
        return
    if wraps_story_line(element, table) or holds_story_run(element, table):
        return
    stats.verdict = kind
    detail = stats.sample.get(kind)
    stats.rule = "generic:" + "+".join(families) + (f":{detail}" if detail else "")


# == Paragraphs ====================================================================================


def line_strength(text: str, lowered: str, hits: list) -> tuple[int, str, str]:
    """How sure we are that one paragraph is not story text: 0 no, 1 weak (a call-to-action
    shape), 2 medium, 3 strong, or -1 for a meta line (byline, date, credit: head/tail only);
    with the kind and the signal that fired. `lowered` is the paragraph lowercased with single
    spaces, `hits` its phrase hits."""
    words = lowered.split()
    if PAGER_RE.match(lowered):
        return 3, "other", "pager"
    if TRAILER_RE.match(lowered) and len(words) <= CTA_MAX_WORDS:
        return 3, "related", "trailer"
    if len(words) <= META_MAX_WORDS:
        meta = meta_kind(normalise_space(text))
        if meta:
            return -1, "bio" if meta == "bio" else "other", meta
    if len(words) > LONG_CTA_MAX_WORDS:
        return 0, "", ""
    kinds = addressed_kinds(lowered, hits)
    appeal = bool(APPEAL_WORD_RE.search(lowered)) and not ATTRIBUTION_RE.search(lowered)
    if len(words) > CTA_MAX_WORDS and not (kinds or appeal):
        return 0, "", ""  # most of the story: nothing below can fire
    bare = WORD_RE.findall(lowered)
    if len(words) > CTA_MAX_WORDS:  # a long paragraph needs several appeal signals, and then only at the edges
        # the publisher ("we") pitching to the reader ("you"); its hopes ("with your help") need an appeal word too
        pitch = kinds and is_house_voice(bare) and (appeal or set(kinds) != {"donation"})
        if len(kinds) > 1 or pitch or appeal and cta_signals(bare, lowered) >= 3:
            return 2, most_common(kinds) if kinds else "newsletter", "phrases"
        return 0, "", ""
    if label_kind(lowered):
        return 3, kinds[0], "label"
    shaped = bool(bare) and bare[0] in IMPERATIVES or lowered.endswith("!") or any(w in SPEAKER_WORDS for w in bare)
    if kinds:
        kind = most_common(kinds)
        # "you" alone shapes no offer: a review tells the reader of a product's trial or its code;
        # a line saying the story is withheld is the house's gate, whoever it names
        addressed = any(w in READER_WORDS for w in bare) and (not set(kinds) <= SOLD_KINDS or says_withheld(lowered))
        return (3 if shaped or addressed or len(kinds) > 1 else 2), kind, "phrase"
    if appeal and cta_signals(bare, lowered):
        return min(cta_signals(bare, lowered) + 1, 3), "newsletter", "appeal"
    if bare and bare[0] in IMPERATIVES and len(words) <= SHAPE_MAX_WORDS and not lowered.endswith((".", '"', "”")):
        return 1, "other", "shape"
    if len(words) <= STUB_MAX_WORDS and len(lowered) <= STUB_MAX_CHARS and not lowered.endswith(SENTENCE_ENDS):
        return 1, "other", "stub"
    return 0, "", ""


def says_withheld(lowered: str) -> bool:
    """Does a line (lowercased, single spaces) say that the story is withheld ("Subscribe to
    continue reading", ``WITHHELD``): the prompt a gated article shows, the house's own?"""
    return bool(WITHHELD_VOCABULARY.scan(lowered))


def most_common(kinds: list[str]) -> str:
    "The kind named most often, the first named on a tie (a set's order changes with every process)."
    return Counter(kinds).most_common(1)[0][0]


def is_about_us(lowered: str) -> bool:
    """A publisher's self-description at the foot of the body: "<Name> is a ... agency. We ..." (no attribution)."""
    if len(lowered.split()) > LONG_CTA_MAX_WORDS or not ABOUT_US_RE.match(lowered) or ATTRIBUTION_RE.search(lowered):
        return False
    return any(w in SPEAKER_WORDS for w in WORD_RE.findall(lowered))


def cta_signals(words: list[str], lowered: str) -> int:
    """Call-to-action cues besides the appeal word: an imperative start, the house talking to the
    reader (a "you" alone is how advice is written), urgency, an exclamation."""
    return ((words[0] in IMPERATIVES) + is_house_voice(words) + any(w in CTA_WORDS for w in words)
            + ("!" in lowered)) if words else 0


def meta_kind(text: str) -> str | None:
    "Which meta line (byline, date, reading time, credit, contact) a short line is, if any."
    for kind, pattern in META_LINE_RES.items():
        if pattern.search(text):
            return kind
    date = DATE_RE.search(text.lower())
    if date and date.start() == 0 and META_LINE_RES["bio"].match(text[date.end():].strip(" |·•-–—,")):
        return "bio"  # "11/12/2025 by Jane Doe"
    return "date" if date and len(date.group()) >= DATE_SHARE * len(text) else None
