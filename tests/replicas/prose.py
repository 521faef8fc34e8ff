"""Made-up local news, a function of a random generator: headlines, paragraphs, quotes.

Every place, person and organisation is fictional. Sentences are assembled from
interchangeable parts with numbers drawn per sentence, so two stories never share
long runs of words and body F1 (4-token shingles) tells them apart.
"""

from __future__ import annotations

import random
import re
import unicodedata

from tests.appeal_content import compose_trap

TOWNS = ("Millbrook", "Ashford Falls", "Corran Bay", "Eastmere", "Halden", "Kestrel Point", "Lowmoor",
         "North Varley", "Pinecrest", "Redwater", "Silverton", "Tarrow", "Wexley", "Yarrowdale")
BODIES = ("the city council", "the county board", "the school district", "the water authority",
          "the transit agency", "the housing trust", "the port commission", "the regional health service",
          "the planning committee", "the chamber of commerce", "the parks department", "the fire service")
SUBJECTS = ("a new bus depot", "the riverside flood wall", "a library extension", "rent caps for older tenants",
            "a four-day school week", "the closure of the night ferry", "a solar farm on the old airfield",
            "road tolls on the ring road", "a merger of two clinics", "the budget for snow clearing",
            "a ban on short-term lets", "repairs to the harbour bridge", "a community land trust",
            "the relocation of the farmers' market", "a cycle lane on Main Street", "a youth sports centre")
FIRST = ("Ada", "Bram", "Celia", "Dmitri", "Edda", "Farid", "Greta", "Hollis", "Ines", "Joel", "Kaya", "Lionel",
         "Mira", "Nils", "Oona", "Pavel", "Rosa", "Soren", "Talia", "Umar", "Vera", "Wendell", "Ximena", "Yusuf")
LAST = ("Abernathy", "Brandt", "Castellanos", "Dunmore", "Eklund", "Fairweather", "Galloway", "Haddad",
        "Iversen", "Jablonski", "Kowal", "Lindqvist", "Marchetti", "Novak", "Okafor", "Pellegrino", "Quist",
        "Rourke", "Sandoval", "Thorne", "Underhill", "Valdes", "Whitlock", "Zelenko")
ROLES = ("a spokesperson for", "the chair of", "a senior engineer at", "a board member of", "the treasurer of",
         "an organiser with", "the deputy head of", "a lawyer representing")
VERBS = ("approved", "postponed", "rejected", "narrowly passed", "sent back for review", "cut funding for",
         "asked for an audit of", "voted to extend")
OPENERS = (
    "{Body} {verb} plans for {subject} on {day}, after a meeting in {town} that ran past midnight.",
    "Residents of {town} packed a hall on {day} to hear how {subject} would change their neighbourhood.",
    "After {n} months of consultation, {body} in {town} {verb} {subject}.",
    "A report published on {day} found that {subject} in {town} would cost {money}, far above early estimates.",
    "{Town} will go ahead with {subject}, {body} said on {day}, ending a dispute that began {n} years ago.",
)
SENTENCES = (
    "The figure includes {money} for design work and a contingency of {pct} percent.",
    "Officials said about {n} households would be affected in the first phase.",
    "Turnout at the {n} public meetings held since spring was higher than for any project in a decade.",
    "Opponents have gathered {big} signatures on a petition calling for a local referendum.",
    "Engineers expect the work to take {n} months if the weather holds.",
    "The vote was {a} to {b}, with one member abstaining.",
    "Shop owners along the route said footfall had already dropped by {pct} percent during surveys.",
    "The scheme would be paid for partly by a state grant of {money}.",
    "Similar plans were dropped in {town} in {year} after costs doubled.",
    "A legal challenge filed in {year} is still before the regional court.",
    "Members asked staff to return with {n} alternative designs by the end of the year.",
    "Traffic counts taken in {year} recorded {big} vehicles a day on the busiest stretch.",
    "The budget office said the project would add {pct} percent to annual maintenance costs.",
    "Local schools have been asked to adjust timetables for {n} weeks while crews are on site.",
    "Insurance premiums in the low-lying streets have risen by {pct} percent since {year}.",
    "Around {big} people live within a kilometre of the site, according to the latest census.",
    "The contract was awarded to a firm from {town} that built the {year} extension of the tram line.",
    "Council minutes show the proposal was first tabled in {year} and shelved twice.",
)
QUOTES = (
    "We have waited {n} years for this, and we cannot afford to wait another winter",
    "Nobody asked the people who actually use the service what they needed",
    "The numbers only work if every phase comes in on budget, and that has never happened here",
    "This is the most important decision the board will take this decade",
    "We will keep pushing until the plans reflect what residents told us at every meeting",
    "If the grant falls through, the whole timetable moves back by at least {n} months",
)
HEADINGS = ("What happens next", "How the money breaks down", "Why residents are divided", "The timeline",
            "A long dispute", "What the critics say", "Who pays", "The vote")
HEADLINE_FORMS = (
    "{Town} {verb} {subject}", "{Body} in {town} {verb} {subject}", "Why {subject} divides {town}",
    "{Town} residents push back on {subject}", "What {subject} means for {town}",
    "{Town} weighs {subject} as costs climb", "Inside the fight over {subject} in {town}",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def headline(rng: random.Random) -> str:
    return _sentence_case(_fill(rng, rng.choice(HEADLINE_FORMS)))


def paragraph(rng: random.Random, opener: bool = False) -> str:
    sentences = [_fill(rng, rng.choice(OPENERS))] if opener else []
    sentences += [_fill(rng, s) for s in rng.sample(SENTENCES, rng.randint(2, 4))]
    return " ".join(sentences)


def quote(rng: random.Random) -> tuple[str, str]:
    """A quotation and who said it ("Name, role body")."""
    return _fill(rng, rng.choice(QUOTES)) + ".", f"{person(rng)}, {rng.choice(ROLES)} {rng.choice(BODIES)}"


def quoted_paragraph(rng: random.Random) -> str:
    text, speaker = quote(rng)
    return f"\u201c{text[:-1]},\u201d said {speaker}."


def heading(rng: random.Random) -> str:
    return rng.choice(HEADINGS)


def list_items(rng: random.Random) -> list[str]:
    return [_fill(rng, s).rstrip(".") for s in rng.sample(SENTENCES, rng.randint(3, 5))]


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _fill(rng, template):
    town, body = rng.choice(TOWNS), rng.choice(BODIES)
    values = {
        "town": town, "Town": town, "body": body, "Body": body[:1].upper() + body[1:],
        "verb": rng.choice(VERBS), "subject": rng.choice(SUBJECTS), "day": rng.choice(DAYS),
        "n": rng.randint(2, 40), "pct": rng.randint(3, 60), "year": rng.randint(1998, 2023),
        "big": f"{rng.randint(1, 90)},{rng.randint(0, 999):03d}",
        "money": f"${rng.randint(2, 900)}.{rng.randint(1, 9)} million",
        "a": rng.randint(5, 9), "b": rng.randint(1, 4),
    }
    return template.format_map(values)


def _sentence_case(text):
    return text[:1].upper() + text[1:]


COMMENTS = (
    "Great to finally see this covered properly. My street floods every spring.",
    "Who is actually going to pay for all of this? Not the developers, I bet.",
    "I was at the meeting and the hall was packed. Thanks for the write-up!",
    "Does anyone know if the consultation is still open online?",
    "Same story every election year. Promises, then nothing.",
    "My kids take that bus every morning. Glad somebody is paying attention.",
    "Correction: the second meeting was on a Thursday, not a Wednesday.",
    "Fantastic reporting as always, keep it up.",
)


def comment(rng: random.Random) -> str:
    return rng.choice(COMMENTS)


def story_blocks(rng: random.Random) -> list[tuple]:
    """Story blocks: ("p", text), ("h2", text), ("quote", text, cite), ("figure", caption),
    ("ul", items), ("trap", text)."""
    blocks = [("p", paragraph(rng, opener=True))]
    for _ in range(rng.randint(4, 9)):
        kind = rng.choices(("p", "said", "h2", "quote", "figure", "ul"), weights=(10, 3, 2, 1, 1, 1))[0]
        if kind == "p":
            blocks.append(("p", paragraph(rng)))
        elif kind == "said":
            blocks.append(("p", quoted_paragraph(rng)))
        elif kind == "h2" and blocks[-1][0] != "h2":
            blocks.append(("h2", heading(rng)))
        elif kind == "quote":
            blocks.append(("quote", *quote(rng)))
        elif kind == "figure":
            blocks.append(("figure", f"{person(rng)} at a meeting in {rng.choice(TOWNS)}. "
                                     f"(Photo: {person(rng)})"))
        elif kind == "ul":
            blocks.append(("ul", list_items(rng)))
    blocks.append(("p", paragraph(rng)))
    for _ in range(rng.choice((0, 1, 1, 2))):
        blocks.insert(rng.randint(1, len(blocks)), ("trap", compose_trap(rng)))
    return blocks


def story_truth(title: str, blocks: list[tuple]) -> tuple[list[str], list[str], list[str]]:
    """(body paragraphs, optional paragraphs, trap paragraphs) of a story, as truth files list them:
    quote cites, figure captions and the title may be in a stored body or not."""
    body, optional, traps = [], [title], []
    for block in blocks:
        if block[0] in ("p", "h2", "trap"):
            body.append(block[1])
            if block[0] == "trap":
                traps.append(block[1])
        elif block[0] == "quote":
            body.append(block[1])
            optional.append(block[2])
        elif block[0] == "figure":
            optional.append(block[1])
        elif block[0] == "ul":
            body += block[1]
    return body, optional, traps
