"""What generated appeals and trap paragraphs say, and where appeals link.

The wording imitates the many ways publishers ask (nonprofit newsrooms, exile
media, public-interest sites, fundraising banners, newsletters, metered
paywalls, app and ad-blocker nags), deliberately not The Moscow Times' own.
Every text is composed from interchangeable parts, so the space of panels is
far larger than anything a rule could list. ``tests/appeals.py`` puts them
into markup; this module only decides the words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# -- Panels ------------------------------------------------------------------------------------

KIND_WEIGHTS = {"donation": 10, "membership": 3, "newsletter": 4, "subscription": 2, "app": 1, "adblock": 1}


@dataclass
class Appeal:
    """The visible content of one panel, before any markup."""

    kind: str
    link: str = ""
    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    choice_groups: list[list[str]] = field(default_factory=list)  # periods, amounts, lists to tick
    email_label: str | None = None  # None: no email field; "": a field without a visible label
    buttons: list[str] = field(default_factory=list)
    fine_print: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Every visible text line, in reading order."""
        return [line for line in (self.heading, *self.paragraphs, *self.bullets,
                                  *(entry for group in self.choice_groups for entry in group),
                                  self.email_label or "", *self.buttons, *self.fine_print) if line]


HOOKS = (
    "Enjoyed this story?", "Found this useful?", "Value our reporting?", "Still here?",
    "Reader-funded since 2009.", "No paywall, no billionaire.", "Want more stories like this?",
    "Made it to the end?", "Do you value investigative journalism?", "We're blocked in Russia.",
    "Reader-funded, in wartime.",
)

DONATION_ROLES = {
    "opener": (
        "If you've made it this far, you clearly value careful reporting.",
        "Thanks for reading to the end of this story.",
        "You've read {n_read} stories this month, and we hope they were worth your time.",
        "Every week, readers in more than 150 countries turn to us for news they can't find anywhere else.",
        "Before you close this tab, we'd like to ask you for something.",
        "This story was free to read, but it was not free to produce.",
        "We don't usually interrupt your reading, but this is an important moment for {outlet}.",
        "Here is something most of our readers don't know: only a tiny share of them pay for what they read.",
        "Maybe you came here for one story; we hope you'll stay for many more.",
        "Our {season} fundraising drive ends {deadline}, and we are not there yet.",
        "Please don't scroll past this: it's a little awkward, so we'll get straight to the point.",
        "We're a small, reader-funded newsroom, and this is the one time of year we ask.",
        "Academic rigor and journalistic flair cost more than you might think.",
    ),
    "stakes": (
        "Newsrooms across the region have shut down, and many of the reporters who remain work under"
        " threat of prosecution.",
        "Advertisers have pulled back, printing costs keep climbing, and the platforms that once sent us"
        " readers have changed their rules.",
        "Our correspondents travel to places other outlets have stopped covering.",
        "Fact-checking a single investigation can take weeks and involve lawyers, translators and editors.",
        "Misinformation spreads faster than ever, and careful reporting is the best answer to it.",
        "Several of our colleagues have had to leave their home countries to keep doing their jobs.",
        "In a year like this one, the stakes for honest reporting could hardly be higher.",
        "Censors block our site again and again, and each time our readers find a way back.",
        "Local news deserts are spreading, and whole counties now have no reporter at all.",
        "Our team works through air-raid alerts and power cuts to keep the news coming.",
    ),
    "independence": (
        "We are independent: no billionaire owner, no government money, no corporate parent.",
        "As a nonprofit newsroom, we answer to our readers and to no one else.",
        "Nobody tells us what to publish, and we intend to keep it that way.",
        "We keep every article free to read, because access to facts should not depend on your income.",
        "There is no paywall here, and we want to keep it that way.",
        "Because we don't depend on advertisers, we can follow a story wherever it leads.",
        "Our editorial decisions are made by journalists, not shareholders.",
    ),
    "cost": (
        "Gifts from readers cover more than half of our budget.",
        "Fewer than two in every hundred readers chip in, yet they fund the work everyone else reads for free.",
        "It costs about {cost} a month to keep our small team reporting.",
        "Last year, {count} readers gave, and that is why this story exists.",
        "A single month of gifts pays for a reporter's salary, their travel and their legal protection.",
        "Every gift, however modest, goes straight into reporting.",
    ),
    "impact": (
        "Your gift pays for the hours of research behind every article.",
        "With your help, we can hire another reporter and keep our correspondents safe.",
        "Readers like you made our investigations of the past year possible.",
        "Help from readers lets us plan months ahead instead of week to week.",
        "When you give, you keep this journalism open to people who cannot afford to pay.",
    ),
    "match": (
        "Until {deadline}, {partner} will match every new gift up to {match}.",
        "All new monthly gifts made this week will be matched for their first year.",
        "Thanks to {partner}, your gift goes twice as far through {deadline}.",
    ),
    "ask": (
        "Will you join them with a gift of {amount} {period}?",
        "Please consider giving {amount} {period} so we can keep going.",
        "If you value what you read here, become a monthly donor today.",
        "Can you chip in {amount} today?",
        "Would you consider a regular gift of any size?",
        "Give {amount} {period}, or whatever you can afford, and help us keep the lights on.",
        "Make a gift before {deadline} and help us reach our goal.",
        "Back independent reporting with a recurring donation today.",
        "Start a monthly gift of {amount} and help us plan for the year ahead.",
        "Help us find {count} new donors by {deadline}.",
        "If everyone reading this gave {amount}, we could close our budget gap within a day.",
        "Do your part: pledge {amount} {period} and keep these pages open for everyone.",
    ),
    "reassurance": (
        "It takes less than a minute, and you can cancel at any time.",
        "You can change or stop your monthly gift whenever you like.",
        "Payments are processed securely, and we never store your card details.",
        "Any amount helps, and every gift is spent on journalism.",
        "No account needed: pick an amount and you're done.",
        "Most people give about {amount}; whatever you choose is enough.",
    ),
    "thanks": (
        "Thank you for standing with independent journalism.",
        "We're grateful for every reader who chooses to help.",
        "Thank you; it means a great deal to our whole team.",
        "Thank you for reading, and for considering it.",
    ),
}
SIGN_OFFS = ("With gratitude, {editor}, editor-in-chief", "{editor}, editor", "{editor} and the whole newsroom")
DONATION_BUTTONS = (
    "Donate now", "Give monthly", "Fund our reporting", "Chip in", "Yes, I'll give", "Make a gift",
    "Become a donor", "Donate", "Give now", "Count me in", "Give {amount}", "Make my gift",
)
DONATION_HEADINGS = (
    "Before you go", "A note from our editors", "Can we count on you?", "Journalism like this isn't free",
    "Help keep this reporting going", "We rely on readers like you", "Independent news needs you",
    "Our year-end campaign is underway", "Your gift goes twice as far today", "Keep us going",
    "An appeal from the newsroom", "Reporting that answers to you",
)
DONATION_FINE_PRINT = (
    "{org} is a registered nonprofit; gifts are tax-deductible to the extent allowed by law.",
    "We accept Visa, Mastercard, PayPal, Apple Pay and Google Pay.",
    "Recurring gifts renew automatically until you cancel them.",
    "Already gave? Thank you! Log in to hide these messages.",
    "Payments are handled by a certified payment processor.",
    "Questions about your gift? Write to our reader team.",
)
DISMISS = ("No thanks", "Not now", "Close", "Ask me next month", "I already gave")

MEMBERSHIP = {
    "headings": ("Become a member", "Join the community behind our journalism", "Members make this possible",
                 "Why become a member?", "Our members get more"),
    "paragraphs": (
        "Membership is how {count} readers keep our journalism free for everyone.",
        "Members receive a quarterly print magazine, invitations to live events and a monthly letter"
        " from our editor.",
        "For {amount} {period}, you'll get ad-free reading, early access to investigations and a say in"
        " what we cover next.",
        "Join today and become part of a community that funds reporting in the public interest.",
        "Membership starts at {amount} {period}, and you can cancel whenever you want.",
        "Our members come from all walks of life, but they share one belief: good information is a"
        " public good.",
    ),
    "bullets": ("Ad-free reading on all devices", "A members-only weekly briefing",
                "Invitations to online events with our reporters", "Discounts in our shop",
                "Early access to new podcasts", "A digital membership card"),
    "buttons": ("Become a member", "Join now", "Join today", "See membership options", "Choose your plan"),
    "fine_print": ("Already a member? Sign in", "Memberships renew automatically; cancel anytime in your account.",
                   "Prices include VAT where applicable.", "Reduced memberships are available on request."),
}
NEWSLETTER = {
    "headings": ("Get our best stories in your inbox", "Never miss a story", "Stay informed, every morning",
                 "The Evening Digest", "Sign up for The Briefing", "Start your day with us", "Like what you read?"),
    "paragraphs": (
        "Sign up for our free daily newsletter and get the most important news before breakfast.",
        "Our editors pick the stories you need to read, every weekday at 7 a.m.",
        "Join {count} readers who get our weekly roundup of analysis, interviews and long reads.",
        "A short, smart summary of the week's events, delivered every Friday.",
        "Get breaking news alerts and exclusive analysis straight to your inbox.",
        "Enter your email address below to receive our morning briefing.",
    ),
    "lists": ("Morning briefing", "Weekly long reads", "Breaking news alerts", "Culture picks", "Business brief"),
    "labels": ("Email address", "Your email", "E-mail", ""),
    "buttons": ("Sign up", "Sign me up", "Get the newsletter", "Join", "Send me the briefing"),
    "fine_print": (
        "By signing up, you agree to our Terms of Use and Privacy Policy.",
        "You can unsubscribe at any time using the link in every email.",
        "We will never share your address with anyone.",
        "This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of Service apply.",
        "Free. No spam. Unsubscribe whenever you like.",
    ),
}
SUBSCRIPTION = {
    "headings": ("You've reached your free article limit", "Subscribe to keep reading",
                 "This is your last free article this month", "Unlock unlimited access",
                 "A special offer for new readers"),
    "paragraphs": (
        "You have {n_left} free articles left this month.",
        "Subscribe now for unlimited access to our journalism, starting at {amount} a week.",
        "Get full digital access for {amount} for your first month, then {amount2} {period}.",
        "Subscribers get unlimited articles, the crossword, our apps and the complete archive.",
        "Back quality journalism and enjoy reading without limits.",
        "Continue reading this article with a digital subscription.",
        "This story is for members only. Get unlimited access for less than {amount} a week.",
    ),
    "buttons": ("Subscribe now", "See all offers", "Start my trial", "Get access", "Continue with a subscription"),
    "fine_print": ("Already a subscriber? Log in",
                   "Offer for new subscribers only; renews at the standard rate unless cancelled.",
                   "Taxes may apply. Cancel or pause anytime.", "Billed as {amount2} every four weeks."),
}
APP = {
    "headings": ("Read it in the app", "Get our free app", "News on the go"),
    "paragraphs": (
        "Get breaking news alerts, save stories for later and read offline with our free app.",
        "Our app is faster, lighter and built for reading.",
        "Download the app and never miss an important update.",
        "Available for iPhone and Android.",
    ),
    "buttons": ("Download on the App Store", "Get it on Google Play", "Open in app", "Install now"),
    "fine_print": ("Requires iOS 15 or later.", "Free to download. In-app purchases available."),
}
ADBLOCK = {
    "headings": ("Is your ad blocker on?", "We noticed you're using an ad blocker", "A quick request"),
    "paragraphs": (
        "Advertising helps pay for the journalism you are reading right now.",
        "Please add our site to your ad blocker's allow list, or consider a subscription instead.",
        "We keep our ads light and never use pop-ups that follow you around.",
        "Turning off your ad blocker takes a few seconds and helps keep our reporting free.",
    ),
    "bullets": ("Click the ad blocker icon in your browser", "Choose 'Pause on this site'", "Reload the page"),
    "buttons": ("I've turned it off", "Show me how", "Continue without ads", "Reload page"),
    "fine_print": ("Using a privacy extension? Most let you allow ads on a single site.",),
}

PERIOD_SETS = (
    ("Once", "Monthly", "Annually"), ("One-time", "Monthly", "Yearly"), ("Give once", "Give monthly"),
    ("Single gift", "Every month"), ("One-off", "Every month", "Every year"), ("Just once", "Each month"),
)
CURRENCIES = ("${}", "€{}", "£{}", "{} €", "US${}")
AMOUNTS = (1, 2, 3, 5, 7, 8, 10, 12, 15, 20, 25, 30, 50, 75, 100, 250)
OTHER_AMOUNT = ("Other", "Other amount", "Custom", "Choose your own")
ASK_PERIODS = ("a month", "per month", "every month", "a year", "each month")

OUTLETS = ("our newsroom", "The Moscow Times", "this publication", "our small team", "independent reporting")
ORGS = ("Our publisher", "The Northlight Media Trust", "Meridian Reporting Fund", "Open Ledger Foundation")
PARTNERS = ("a group of longtime readers", "an anonymous donor", "our board", "a national press fund")
DEADLINES = ("December 31", "midnight tonight", "the end of the month", "Friday", "Sunday night")
SEASONS = ("spring", "year-end", "summer", "autumn", "anniversary")
COUNTS = ("12,000", "more than 40,000", "3,417", "nearly 9,000", "1,500", "over 100,000")
MATCHES = ("$50,000", "€25,000", "$1 million", "£10,000")
EDITORS = ("Anna Keller", "Tomas Varga", "Maria Lind", "David Osei")


def compose_appeal(rng: random.Random) -> Appeal:
    """One appeal of a random kind; most are donation appeals."""
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    values = _values(rng)
    appeal = _COMPOSERS[kind](rng, values)
    appeal.link = link_for(rng, kind)
    if len(appeal.paragraphs) > 1 and rng.random() < 0.15:
        appeal.buttons = []  # text only: the panel links nowhere
    for name in ("paragraphs", "buttons", "fine_print"):  # the parts with placeholders
        setattr(appeal, name, [text.format_map(values) for text in getattr(appeal, name)])
    return appeal


def _values(rng):
    """Placeholder values shared by one panel's sentences."""
    currency = rng.choice(CURRENCIES)
    amount, amount2 = sorted(rng.sample(AMOUNTS[:10], 2))
    return {
        "amount": currency.format(amount), "amount2": currency.format(amount2),
        "period": rng.choice(ASK_PERIODS), "currency": currency,
        "cost": currency.format(f"{rng.randrange(20, 400)},000"),
        "n_read": rng.randrange(3, 40), "n_left": rng.randrange(1, 4),
        "outlet": rng.choice(OUTLETS), "org": rng.choice(ORGS), "partner": rng.choice(PARTNERS),
        "deadline": rng.choice(DEADLINES), "season": rng.choice(SEASONS), "count": rng.choice(COUNTS),
        "match": rng.choice(MATCHES), "editor": rng.choice(EDITORS),
    }


def _donation(rng, values):
    """From a one-line ask with a button to an eight-paragraph monthly-gift letter."""
    size = rng.choices((1, 2, 3, 5, 6, 8), weights=(5, 3, 3, 5, 2, 1))[0]
    if size == 1:
        paragraphs = [_short_ask(rng)]
    else:
        others = [role for role in DONATION_ROLES if role != "ask"]
        roles = sorted(rng.sample(others, size - 1) + ["ask"], key=list(DONATION_ROLES).index)
        sentences = [rng.sample(DONATION_ROLES[role], rng.choice((1, 1, 2))) for role in roles]
        _lengthen(rng, sentences, roles, min_words=125 if size >= 5 else 0)
        paragraphs = [" ".join(paragraph) for paragraph in sentences]
        if 5 <= size < 8 and rng.random() < 0.3:
            paragraphs.append(rng.choice(SIGN_OFFS))
    appeal = Appeal("donation", heading=_maybe(rng, DONATION_HEADINGS, 0.1 * size + 0.1),
                    paragraphs=paragraphs, buttons=[rng.choice(DONATION_BUTTONS)])
    if size > 1 and rng.random() < 0.5:
        appeal.choice_groups = _amount_picker(rng, values["currency"])
    if size > 1 and rng.random() < 0.3:
        appeal.buttons.append(rng.choice(DISMISS))
    if size > 2:
        appeal.fine_print = rng.sample(DONATION_FINE_PRINT, rng.choice((0, 1, 1, 2)))
    return appeal


def _short_ask(rng):
    """A one-paragraph ask, such as 'Value our reporting? Can you chip in $5 today?'."""
    ask = rng.choice(DONATION_ROLES["ask"])
    return f"{rng.choice(HOOKS)} {ask}" if rng.random() < 0.6 else ask


def _lengthen(rng, sentences, roles, min_words):
    """Add a sentence of its own role to the shortest paragraph but the ask until the panel has
    ``min_words``."""
    growing = [i for i, role in enumerate(roles) if role != "ask"]
    while sum(len(s.split()) for paragraph in sentences for s in paragraph) < min_words:
        shortest = min(len(sentences[i]) for i in growing)
        i = rng.choice([i for i in growing if len(sentences[i]) == shortest])
        unused = [s for s in DONATION_ROLES[roles[i]] if s not in sentences[i]]
        sentences[i].append(rng.choice(unused))


def _amount_picker(rng, currency):
    periods = list(rng.choice(PERIOD_SETS)) if rng.random() < 0.7 else []
    amounts = [currency.format(a) for a in sorted(rng.sample(AMOUNTS, rng.randrange(3, 6)))]
    if rng.random() < 0.6:
        amounts.append(rng.choice(OTHER_AMOUNT))
    return [group for group in (periods, amounts) if group]


def _membership(rng, values):
    appeal = _panel(rng, "membership", MEMBERSHIP, most_paragraphs=4)
    if rng.random() < 0.2:
        appeal.choice_groups = [list(rng.choice(PERIOD_SETS))]
    return appeal


def _newsletter(rng, values):
    appeal = _panel(rng, "newsletter", NEWSLETTER, most_paragraphs=2)
    if rng.random() < 0.85:
        appeal.email_label = rng.choice(NEWSLETTER["labels"])
    if rng.random() < 0.25:
        appeal.choice_groups = [rng.sample(NEWSLETTER["lists"], rng.randrange(2, 4))]
    return appeal


def _panel(rng, kind, parts, most_paragraphs=3):
    """A heading (usually), paragraphs, a list (sometimes), buttons and fine print from ``parts``."""
    appeal = Appeal(kind, heading=_maybe(rng, parts["headings"], 0.75),
                    paragraphs=rng.sample(parts["paragraphs"], rng.randrange(1, most_paragraphs + 1)),
                    buttons=rng.sample(parts["buttons"], rng.choice((1, 1, 2))),
                    fine_print=rng.sample(parts["fine_print"], rng.randrange(0, min(3, len(parts["fine_print"]) + 1))))
    if parts.get("bullets") and rng.random() < 0.5:
        appeal.bullets = rng.sample(parts["bullets"], rng.randrange(2, len(parts["bullets"]) + 1))
    return appeal


_COMPOSERS = {
    "donation": _donation,
    "membership": _membership,
    "newsletter": _newsletter,
    "subscription": lambda rng, values: _panel(rng, "subscription", SUBSCRIPTION),
    "app": lambda rng, values: _panel(rng, "app", APP),
    "adblock": lambda rng, values: _panel(rng, "adblock", ADBLOCK),
}


def _maybe(rng, choices, probability):
    return rng.choice(choices) if rng.random() < probability else ""


# -- Where appeals link -----------------------------------------------------------------------

SITE_PATHS = {
    "donation": ("/donate", "/support", "/give", "/help-us", "/support-us/monthly"),
    "membership": ("/join", "/membership", "/members/plans"),
    "newsletter": ("/newsletters/{slug}", "/newsletters", "/email/signup"),
    "subscription": ("/subscribe", "/offers", "/checkout?plan=digital-{n}"),
    "app": ("/app", "/apps"),
    "adblock": ("/help/ad-blockers", "#"),
}
EXTERNAL = {
    "donation": ("https://donorbox.org/{slug}", "https://www.paypal.com/donate/?hosted_button_id={code}",
                 "https://checkout.stripe.com/c/pay/cs_live_{hex}", "https://secure.givelively.org/donate/{slug}",
                 "https://opencollective.com/{slug}", "https://www.patreon.com/{slug}"),
    "membership": ("https://{slug}.memberful.com/checkout?plan={n}", "https://steadyhq.com/en/{slug}/plans",
                   "https://www.patreon.com/{slug}/membership"),
    "newsletter": ("https://{slug}.substack.com/subscribe", "https://buttondown.com/{slug}",
                   "https://{slug}.us{n}.list-manage.com/subscribe?u={hex}&id={code}"),
    "subscription": ("https://buy.tinypass.com/checkout/template/cOffer?offerId={code}",
                     "https://{slug}.substack.com/subscribe?plan=paid"),
    "app": ("https://apps.apple.com/app/id{n}{n}", "https://play.google.com/store/apps/details?id=com.{word}.news"),
    "adblock": (),
}
UTM_CAMPAIGNS = ("eoy{yy}", "spring-drive", "membership-{yy}", "nl-daily", "appeal-{n}", "inline-{n}")
SITE = "https://www.themoscowtimes.com"
_SLUG_WORDS = ("northlight", "meridian", "openledger", "riverside", "kestrel", "lantern", "tideline")


def link_for(rng: random.Random, kind: str) -> str:
    """A link target for ``kind``: on the site (relative or absolute) or on a platform, maybe with utm."""
    external = EXTERNAL[kind] and rng.random() < 0.35
    template = rng.choice(EXTERNAL[kind] if external else SITE_PATHS[kind])
    word = rng.choice(_SLUG_WORDS)
    url = template.format(slug=f"{word}-{rng.choice(('news', 'media', 'press', 'org'))}", word=word,
                          n=rng.randrange(1, 99), code=f"{rng.getrandbits(40):X}", hex=f"{rng.getrandbits(64):x}")
    if url == "#":
        return url
    if not external and rng.random() < 0.4:
        url = SITE + url
    if rng.random() < 0.4:
        campaign = rng.choice(UTM_CAMPAIGNS).format(yy=rng.randrange(19, 27), n=rng.randrange(1, 30))
        medium = rng.choice(("inline", "end-of-article", "in-body", "web"))
        url += ("&" if "?" in url else "?") + f"utm_source=article&utm_medium={medium}&utm_campaign={campaign}"
    return url


# -- Trap paragraphs ---------------------------------------------------------------------------

TRAP_SENTENCES = (
    "{Org} said it had raised {rubles} from {donors} donors {when}, enough to pay for {purpose}.",
    '"{quote}," said {person}, {role} {org}.',
    "{Org} has asked residents to donate {goods} and to sign up for its newsletter for updates on"
    " where to bring them, {attrib}.",
    "Donations to {org} have fallen by {share} this year as regular supporters cut back, {attrib}.",
    "{Org} launched a membership scheme in {month}, offering supporters early access to events in"
    " return for a monthly fee, {attrib}.",
    "A crowdfunding campaign for {beneficiary} collected {rubles} in {days} days, {attrib}.",
    "Lawmakers are considering a bill that would let people deduct donations to registered charities"
    " from their taxes, a measure welcomed by {org}.",
    "Critics say the new rules make it harder for {org} to accept donations from abroad, {attrib}.",
    "{person}, {role} {org}, said the number of people subscribed to the group's email newsletter"
    " had doubled {when}.",
    '"{quote}," {person} wrote in an appeal to supporters on social media.',
    "According to {source}, the campaign aims to collect {rubles} by {month} to pay for {purpose}.",
    "The {paper} lost about {share} of its paying subscribers after the price of newsprint rose, {attrib}.",
)
TRAP_FOLLOW_UPS = (
    "The figure is twice what it raised a year earlier.", "Most of the money came in small amounts.",
    "The group publishes its accounts online every quarter.", "Officials did not respond to a request for comment.",
    "The campaign ends in {month}.", "Similar appeals have multiplied since the start of the war.",
    "It was not possible to verify the figures independently.",
)
TRAP_PARTS = {
    "org": ("a food bank in Kazan", "the Tomsk branch of a national children's charity",
            "an animal shelter outside Tver", "a volunteer search-and-rescue group in Yekaterinburg",
            "the city's only independent radio station", "a regional newspaper in Pskov",
            "a hospice foundation in St. Petersburg", "a Russian-language theater in Riga",
            "an exile-run news site in Vilnius", "a village library near Vologda",
            "a soup kitchen run by a local parish", "an environmental group in Irkutsk",
            "a refugee aid network in Warsaw"),
    "person": ("Irina Sokolova", "Dmitry Belov", "Olga Nikitina", "Pavel Gromov", "Natalia Orlova",
               "Timur Sadykov", "Yulia Markova", "Grigory Lebedev", "Svetlana Ivanova", "Konstantin Zorin"),
    "role": ("the director of", "a coordinator at", "a spokesperson for", "one of the founders of",
             "the chair of", "the editor-in-chief of"),
    "rubles": ("1.2 million rubles", "340,000 rubles", "about $15,000", "nearly 2 million rubles", "€8,000"),
    "donors": ("more than 3,000", "about 600", "nearly 12,000", "several hundred"),
    "when": ("since January", "in less than a week", "over the past month", "since the flood", "this winter"),
    "purpose": ("a new ambulance", "heating fuel for the winter", "its legal fees", "a new roof for the school",
                "medical treatment abroad for a six-year-old girl", "its running costs"),
    "goods": ("warm clothes", "blankets and pet food", "canned food", "school supplies",
              "batteries and flashlights"),
    "attrib": ("the organizers said", "according to a statement on its website", "local media reported",
               "its annual report showed", "a regional news site reported"),
    "source": ("the organizers", "the foundation's website", "a post on the group's Telegram channel"),
    "paper": ("weekly Severny Krai", "district newspaper Zarya", "city daily Vecherny Gorod"),
    "share": ("a third", "almost half", "about 20%", "a quarter"),
    "month": ("March", "June", "September", "November", "the spring"),
    "days": ("three", "five", "ten"),
    "beneficiary": ("an injured firefighter's family", "a boy who needs surgery in Germany",
                    "the flooded village school", "a detained journalist's legal defense"),
    "quote": (
        "Every ruble people give goes straight to the families",
        "We never expected strangers to be this generous",
        "Please keep donating, the winter here is long",
        "If our readers stop paying, we will have to close",
        "We have asked our subscribers to stay with us for one more year",
        "Help from ordinary people is the only reason we are still open",
        "Monthly donations let us plan ahead instead of living week to week",
        "Join us, give what you can and help us keep going",
    ),
}


def compose_trap(rng: random.Random) -> str:
    """An editorial paragraph about donations, subscriptions or newsletters: third person or
    reported speech with attribution, which a correct stripper keeps."""
    values = {name: rng.choice(options) for name, options in TRAP_PARTS.items()}
    values["Org"] = _capitalized(values["org"])
    sentences = [rng.choice(TRAP_SENTENCES)]
    if rng.random() < 0.5:
        sentences.append(rng.choice(TRAP_FOLLOW_UPS))
    return " ".join(s.format_map(values) for s in sentences)


def _capitalized(text):
    return text[:1].upper() + text[1:]
