"""The stripper's vocabulary: what appeals, nags and furniture say, and how they are marked up.

Data only, apart from the passes that use it (as trafilatura keeps ``xpaths.py``). Each group
maps a kind, or a tuple of kinds when a token is ambiguous, to regex patterns. Every pattern
starts with a literal of 2+ characters (a leading (?:a|b) group is expanded): one
Aho-Corasick scan finds the literals and the regex only confirms at each spot
(``appeals.Vocabulary``).
"""

from __future__ import annotations

import re

KINDS = ("donation", "newsletter", "paywall", "promo", "related", "ad", "share",
         "disclaimer", "cookie", "bio", "tags", "other")  # fmt: skip

# -- markup: class, id, role, aria-label, data-* and other short attribute values, lowercased;
#    a token matches at the start of a name part ("btn-donate", not "antidonate")
MARKUP_TOKENS = {
    "donation": (r"donat", r"contribut(?!or)", r"support-?us", r"supporter", r"membership",
                 r"become-?a-?member", r"fundrais", r"patreon", r"paypal", r"tip-?jar", r"spende"),
    "newsletter": (r"newsletter", r"sign-?up", r"mailing-?list", r"mailchimp", r"mc4wp", r"klaviyo",
                   r"convertkit", r"(?:email|e-mail)-?(?:capture|signup|form|opt)", r"opt-?in", r"inbox"),
    "paywall": (r"paywall", r"regwall", r"piano", r"tp-(?:modal|container|iframe)", r"metered",
                r"premium", r"subscriber", r"subscription", r"locked"),
    ("newsletter", "paywall"): (r"subscribe",),
    "promo": (r"promo", r"upsell", r"teaser", r"cta(?![a-z])", r"call-?to-?action",
              r"app-?(?:download|promo|banner|store)", r"campaign", r"house-?ad"),
    "related": (r"related", r"recommend", r"most-?(?:read|popular|viewed|shared|commented)", r"popular",
                r"trending", r"read-?(?:more|next|also)", r"more-?(?:stories|articles|news|from)",
                r"also-?(?:like|read)", r"outbrain", r"taboola", r"you-?may", r"further-?reading"),
    "share": (r"share", r"sharing", r"social", r"addthis"),
    "cookie": (r"cookie", r"consent", r"gdpr", r"cmp(?![a-z])", r"onetrust", r"didomi",
               r"privacy-?(?:banner|notice|manager)"),
    "ad": (r"advert", r"ads?(?![a-z])", r"ad-?(?:slot|unit|container|wrapper|label|zone)",
           r"dfp", r"google-?ad", r"sponsor", r"banner", r"adsense", r"freestar"),
    "bio": (r"author-?(?:bio|info|box|excerpt|card|about|description|profile)",
            r"about-?(?:the-?)?author", r"bio(?![a-z])"),
    "tags": (r"tags?(?![a-z])", r"tag-?(?:list|cloud)", r"topics(?![a-z])"),
    "disclaimer": (r"disclaimer", r"disclosure", r"affiliate"),
}
# attributes whose values are content or layout, not naming
MARKUP_SKIP_ATTRS = frozenset(
    "href src srcset style alt title content datetime value placeholder width height action "
    "target rel type lang dir".split()
)
MARKUP_MAX_VALUE = 120  # longer values are payloads (JSON pools, tracking blobs)
WORD_CASE_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")  # where a CamelCase name starts its next word

# -- link targets (href, form action), lowercased
LINK_TOKENS = {
    "donation": (r"/contribute(?![a-z])", r"/donate", r"/donation", r"/support-?us(?![a-z])", r"/support(?![\w.-])",
                 r"/give(?![\w.-])",
                 r"/become-a-(?:member|supporter)", r"/membership", r"/spenden", r"/unterst(?:ue|ü)tzen",
                 r"/faire-un-don", r"/soutenir", r"/donar(?![a-z])", r"/apoya", r"paypal\.(?:com|me)",
                 r"patreon\.com", r"ko-fi\.com", r"buymeacoffee\.com", r"liberapay", r"donorbox", r"givebutter",
                 r"givelively", r"opencollective\.com", r"memberful\.com", r"steadyhq\.com",
                 r"utm_\w+=[^&\s]*(?:contribut|donat|support|member)"),
    "newsletter": (r"/newsletters?(?![a-z])", r"list-manage\.com", r"mailchi\.mp", r"eepurl\.com", r"buttondown\.",
                   r"beehiiv\.com", r"convertkit\.com", r"ck\.page", r"mailerlite\.com", r"createsend\.com",
                   r"/email-?(?:signup|alerts)", r"substack\.com/subscribe", r"/sign-?up(?![a-z])",
                   r"opt-?in(?![a-z])", r"mailing-?list"),
    ("newsletter", "paywall"): (r"/subscribe(?![a-z])", r"/abonnieren", r"/suscribirse", r"/s-abonner"),
    "paywall": (r"/subscriptions?(?![a-z])", r"/abo(?:nnement)?(?![a-z])", r"/suscripcion", r"/podpiska",
                r"/premium(?![a-z])", r"/plans(?![a-z])", r"/pricing", r"/log-?in(?![a-z])",
                r"/sign-?in(?![a-z])", r"/register(?![a-z])", r"/registrierung", r"/connexion", r"/offers?(?![\w.-])"),
    ("donation", "paywall"): (r"checkout",),  # where any payment goes: a gift or a subscription
    "share": (r"facebook\.com/(?:sharer|share|dialog/share)", r"twitter\.com/(?:intent|share)", r"//x\.com/intent",
              r"linkedin\.com/(?:share|cws/share|sharearticle)", r"wa\.me/", r"whatsapp:", r"api\.whatsapp\.com/send",
              r"//t\.me/share", r"telegram\.me/share", r"mailto:\?", r"pinterest\.com/pin/create", r"reddit\.com/submit",
              r"vk\.com/share", r"flipboard\.com", r"bsky\.app/intent", r"threads\.net/intent"),
    "promo": (r"/apps?(?![\w./-])",),  # the house's app page ("Open in app"), not pages under it; app stores: STORE_LINKS
    "ad": (r"doubleclick\.net", r"googleadservices", r"adclick", r"utm_medium=(?:cpc|display|banner|paid)"),
    "bio": (r"/authors?/[\w.-]+/?(?![\w/])",),  # an author's own page on the site, not a listing under it
}

# an app store's page: the house's app when a link to it asks ("Get it on Google Play"); a story's
# list of apps links to them by name
STORE_LINKS = {"promo": (r"apps\.apple\.com", r"itunes\.apple\.com", r"play\.google\.com/store")}

# -- call-to-action and boilerplate phrases, in lowercased text with single spaces
# a paywall's prompt that says the story is withheld (what makes a page paywalled), where the others
# offer a subscription, a trial or a log-in, as a free article's page or a shop's does too
WITHHELD = (
    r"subscribe (?:now )?to (?:continue|keep) reading", r"(?:log|sign) in to (?:continue|read|keep reading|access)",
    r"(?:continue|keep) reading (?:with|for)", r"unlock (?:this|the full) (?:article|story|piece|post)",
    r"this (?:article|content|story) is (?:exclusive |only )?(?:for|to|available (?:only )?to) (?:\w+\+? )?(?:subscribers|members)",
    r"(?:you've|you’ve|you have) reached (?:your|the) (?:free )?(?:article )?limit", r"free articles? (?:left|remaining)",
    r"weiterlesen mit", r"réservée? aux abonnés", r"abonnez-vous pour (?:lire|continuer)",
    r"suscríbete para (?:seguir|continuar)", r"exclusivo para suscriptores", r"только для подписчиков",
    r"чтобы (?:продолжить|читать дальше)",
)
PHRASES = {
    "donation": (
        # en
        r"small favou?r to ask", r"we need your (?:help|support)",
        r"your support,? (?:[\w,]+ ){0,6}(?:helps|makes|means|keeps|allows|enables)",
        r"(?:please )?support (?:us|our (?:work|journalism|reporting|newsroom|mission)|independent (?:journalism|media|news|reporting))",
        r"supporting (?:open, )?independent journalism",
        r"(?:make|give) a (?:one-?(?:off|time) |monthly |small )?(?:donation|contribution|gift)",
        r"donate (?:now|today|here|to us|monthly|once)", r"contribute (?:today|now|monthly)", r"support (?:us )?(?:monthly|today)",
        r"become a (?:member|supporter|patron|friend of)", r"(?:reader|listener|viewer)[- ](?:funded|supported)",
        r"funded by (?:readers|our readers|you)", r"thank you for (?:your support|supporting)", r"starting from (?:just|only)",
        r"not ready to (?:support|contribute|donate|give)",
        r"(?:every|any) (?:gift|contribution|donation|amount),? (?:big or small|no matter|helps|counts|makes)",
        r"if you (?:value|appreciate|rely on) (?:our|what we)", r"help us (?:keep|continue|fund|grow|stay|remain)",
        r"if you (?:enjoy|like)(?:d)? (?:this|our) (?:article|post|piece|newsletter|work|journalism|reporting)",
        r"(?:please )?consider (?:supporting|donating|contributing|making a|a donation|a contribution|becoming a)",
        r"we (?:can't|can’t|cannot|can not) do (?:it|this) (?:alone|without you)", r"readers like you",
        r"(?:recurring|monthly|one-time|one-off) (?:contribution|donation|gift)", r"we (?:rely|depend) on (?:readers|you|your)",
        r"(?:without|with) your (?:help|support)", r"support (?:my|our) work",
        r"support (?:this|the|my|our) (?:site|website|blog|channel|podcast|newsletter|publication)", r"keep (?:our )?(?:journalism|reporting|work) (?:free|independent|open)",

        # de / fr / es / ru
        r"unterstützen sie (?:uns|unsere|unabhängigen)", r"jetzt (?:spenden|unterstützen)", r"mit (?:einer|ihrer) spende",
        r"werden sie (?:mitglied|unterstützer)", r"soutenez(?:-nous| notre| le journalisme| une rédaction)",
        r"(?:faites|faire) un don", r"apoya (?:nuestro|el periodismo|a )", r"apóyanos", r"haz una donación",
        r"hazte (?:socio|miembro)", r"поддерж(?:ите|ать) (?:нас|наш\w*|редакци\w+|проект|независим\w+)",
        r"сделать (?:пожертвование|донат)", r"пожертвовани[ея] (?:для|в пользу) (?:нас|редакции)",
    ),
    "newsletter": (
        r"sign up (?:for|to) (?:our|the|my)(?: [\w'’-]+){0,4} (?:newsletters?|emails?|updates|list)",
        r"subscribe to (?:our|the|my)(?: [\w'’-]+){0,4} (?:newsletters?|mailing list|emails?)",
        r"join (?:our|the|my)(?: [\w'’-]+){0,3} (?:newsletter|mailing list|email list)",
        r"(?:delivered|straight|directly|direct) to your inbox", r"(?:in|to|into) your inbox",
        r"enter your e-?mail", r"unsubscribe at any time", r"by (?:signing up|subscribing),? you agree",
        r"thanks? (?:you )?for (?:signing up|subscribing)", r"get our newsletter",
        r"by (?:entering|submitting|providing) your (?:e-?mail|information|details)", r"you agree to (?:receive|our)",
        r"agree to our (?:terms|privacy)", r"would you like to (?:receive|get) (?:notifications|updates|alerts|e-?mails)",
        r"(?:is )?(?:a|our) (?:free )?(?:weekly|daily|monthly|bi-?weekly) newsletter (?:for|about|from|on|that)",
        r"stay connected with (?:me|us)",
        r"sign up (?:today|now|here|below|for free|free)", r"subscribe (?:today|now|here|below|for free)",
        r"(?:want|like) to (?:keep up|stay up to date|stay informed|stay in the loop) with", r"you can (?:also )?subscribe",
        r"stay (?:up to date|updated|informed|in the loop) (?:by|with) (?:signing up|subscribing|our)",
        r"newsletter abonnieren", r"zum newsletter anmelden", r"ihre e-?mail-adresse",
        r"(?:inscrivez|abonnez)-vous (?:à|a) (?:notre|la) (?:newsletter|lettre)", r"votre adresse (?:e-?mail|électronique)",
        r"suscríbete a (?:nuestro|nuestra|el|la) (?:newsletter|boletín)", r"tu (?:correo|dirección de correo)",
        r"подпи(?:шитесь|сывайтесь|саться|ска) на (?:нашу |наш )?(?:\w+ )?рассылк\w*", r"ваш (?:e-?mail|адрес электронной почты)",
    ),
    "paywall": (
        *WITHHELD,
        r"(?:already|are you) a (?:subscriber|member)\b", r"(?:subscribers|members)[- ]only",
        r"(?:start|get|begin) (?:your |a )?free (?:\d+[- ]days? )?trial", r"(?:for|with) a free trial", r"unlock (?:this|full|unlimited|all)",
        r"cancel (?:at )?any ?time", r"subscribe (?:now|today) (?:for|and|to)",
        r"(?:bereits|schon) abonnent", r"jetzt (?:abonnieren|weiterlesen)", r"(?:déjà|vous êtes) abonné",
        r"(?:ya eres|ya soy) suscriptor", r"(?:уже есть|оформите|оформить) подписк",
    ),
    "share": (
        r"share (?:this|the) (?:article|story|post|page|video)", r"share (?:on|via) (?:facebook|twitter|x|linkedin|whatsapp|email)",
        r"copy (?:the )?link", r"artikel teilen", r"partager (?:cet|sur)", r"compartir en", r"поделиться",
    ),
    "related": (
        r"read more:", r"you (?:may|might) also (?:like|enjoy)", r"you (?:may|might) (?:also )?be interested in (?:the following|these|our|other|some|reading)", r"^(?:related|recommended) (?:articles|stories|posts|reading|content|news)",
        r"more (?:stories|articles|news) from", r"lesen sie (?:auch|mehr)", r"mehr zum thema", r"(?:à )?lire aussi",
        r"sur le même sujet", r"te puede interesar", r"noticias relacionadas", r"читайте также", r"по теме:",
    ),
    "bio": (r"this (?:story|article|report|piece) (?:about [^.\n]{1,80} )?was (?:written|produced|reported) by",),
    "tags": (r"^(?:tags|topics|read more about|filed under|themen|schlagw(?:ö|oe)rter|mots-clés|etiquetas|темы|теги) ?:",),
    "cookie": (
        r"we use cookies", r"(?:site|website) uses cookies", r"accept (?:all )?cookies", r"cookie (?:settings|preferences|policy)",
        r"manage (?:cookies|preferences|consent)", r"wir verwenden cookies", r"nous utilisons des cookies",
        r"utilizamos cookies", r"мы используем (?:файлы )?cookie",
    ),
    "promo": (
        r"download (?:our|the) (?:free )?app", r"get the app", r"follow us on", r"join (?:us|our community) on",
        r"(?:save|get|enjoy|take|extra|up to) (?:up to )?\d+ ?% off", r"(?:use|promo|coupon|discount) code", r"free shipping on", r"request a (?:demo|quote)",
        r"book a (?:demo|call|consultation)", r"(?:get|start) (?:your )?free (?:trial|quote|consultation|demo)",
        r"get in touch with (?:us|our)", r"talk to (?:our|an?)(?: [\w&-]+){0,4} (?:experts?|team|specialists?|advisors?)",
        r"fill out (?:the|this|our) (?:short )?form (?:for|below|and)", r"terms of submitting this form",
        r"(?:may|to) contact me (?:regarding|about|by|via|at)", r"help (?:me|us) spread the word",
        r"join (?:the|our|my) (?:facebook|telegram|discord|slack|whatsapp|linkedin) (?:group|community|server|channel)",
        r"(?:do not|don't|don’t) hesitate to (?:reach out|contact|get in touch)",
        r"we(?:'d| would)? (?:want|love|like) to hear from you",
        r"subscribe to (?:our|the) (?:youtube|telegram|podcast|channel)",
        r"(?:favou?rite|follow|add) (?:us )?on google (?:news|discover)",
    ),
    "ad": (r"sponsored content", r"paid (?:content|partnership|post)", r"advertisement\b"),
    "disclaimer": (r"past performance is (?:no|not an?) (?:guarantee|indicat)", r"investing involves risk",
                   r"(?:is|are) (?:a )?(?:registered )?trademarks? of", r"is a registered investment advis[eo]r",
                   r"the views expressed (?:in|here)", r"do not necessarily reflect",
                   r"(?:this|our) (?:post|article|page|site|blog|story) (?:may )?(?:contains?|uses?|includes?) affiliate",
                   r"(?:we|i) (?:may )?(?:earn|receive|get|make) (?:a )?(?:small )?(?:commission|compensation)",
                   r"as an amazon associate,? (?:we|i)", r"earn (?:us|me) a (?:small )?commission",
                   r"we independently (?:select|review|choose|test)", r"affiliate links? (?:are|is) used",
                   r"(?:by )?using (?:the|our|my|these) affiliate links?", r"affiliate links? (?:in|on) this (?:post|article|page)", r"chosen independently by our editors", r"qualifying purchases",
                   r"(?:we|i) may be compensated", r"(?:supported|funded) by (?:commissions|affiliate)",
                   r"(?:posts?|articles?|pages?|links?) (?:may )?(?:contains?|includes?|are) affiliate", r"^disclosure:"),
    # kind-neutral dismissals of a prompt
    "other": (r"remind me later", r"maybe later", r"später erinnern", r"me le rappeler plus tard", r"recuérdamelo",
              r"напомнить (?:мне )?позже"),
}

# -- whole-unit labels: the entire short text is one of these (case and edge punctuation ignored)
LABELS = {
    "ad": ("advertisement", "advertising", "sponsored", "anzeige", "werbung", "publicité", "publicidad", "реклама", "ad"),
    "related": ("read more", "related", "recommended", "most read", "most popular", "read next", "trending",
                "more stories", "related articles", "related stories", "related posts", "you may also like",
                "lesen sie auch", "meistgelesen", "les plus lus", "lire aussi", "lo más leído", "самое читаемое",
                "читайте также"),
    "share": ("share", "share this", "share your story", "share this article", "share this story", "share article", "teilen",
              "partager", "compartir", "поделиться", "tweet", "email", "print", "facebook", "twitter", "x", "linkedin",
              "instagram", "tiktok", "youtube", "pinterest", "telegram", "whatsapp", "reddit", "threads", "bluesky",
              "flipboard", "copy link", "follow on social media"),
    "tags": ("tags", "topics", "read more about", "themen", "schlagworte", "темы", "теги"),
    "newsletter": ("newsletter", "sign up", "subscribe", "subscribe now", "join now"),
    "paywall": ("log in", "login", "sign in", "register", "subscribe to continue reading", "already a subscriber"),
    "disclaimer": ("advertiser disclosure", "affiliate disclosure", "disclosure", "disclaimer", "why trust us"),
    "promo": ("book a demo", "request a demo", "request a quote", "get a quote", "get started", "get started today",
              "get in touch", "contact us", "contact info", "learn more", "find out more", "see more", "view all",
              "show more", "load more", "pin for later", "pin it", "follow us", "shop now", "buy now", "try it free"),
    "donation": ("donate", "donate now", "contribute", "contribute today", "support us"),
    "other": ("table of contents", "contents", "in this article", "jump to", "skip to content", "skip navigation",
              "key takeaways", "back to top", "back to blog", "back to blogs", "blog index", "home", "comments",
              "leave a comment", "add a comment", "reply", "share this post",
              # dismissals of a prompt
              "not now", "no thanks", "no, thanks", "maybe later", "later", "dismiss", "close", "nicht jetzt",
              "vielleicht später", "pas maintenant", "plus tard", "ahora no", "más tarde", "не сейчас", "позже"),
}

# -- text pass: the shape of a call to action (first word, words addressing the reader)
IMPERATIVES = frozenset(
    "sign subscribe join support donate contribute continue follow share download register log become click tap unlock "
    "shop buy order book request contact "
    "abonnieren melden unterstützen spenden folgen teilen "
    "abonnez-vous inscrivez-vous soutenez suivez lisez partagez découvrez "
    "suscríbete apóyanos síguenos lee comparte descubre "
    "подпишитесь поддержите читайте следите поделитесь".split()
)
READER_WORDS = frozenset(
    "you your you're you’re you'll yours yourself du dein deine euch vous votre vos tu tus usted вы вас ваш ваша".split()
)
SPEAKER_WORDS = frozenset("we us our wir uns unser unsere nous notre nos nosotros nuestro nuestra мы нас наш наша".split())
SOLD_KINDS = frozenset(("paywall", "promo"))  # offers a third party makes too: a review tells "you" of a product's trial
# -- a pitch: the publisher ("we") asking the reader ("you") for something; what is asked, by
#    kind. Words of the ask, not sentences: they only count in the house voice (``appeals.pitch``).
ASKS = {
    "donation": (
        r"donat\w*", r"donors?", r"contribut(?:e|es|ing|ion|ions)", r"gifts?",
        r"give (?:monthly|today|now|once|what you can|a gift)", r"chip in", r"pitch in", r"pledge\w*", r"patrons?",
        r"members?", r"membership", r"members-only", r"fund (?:us|our|this|independent)",
        r"keep us (?:going|independent|free|running|alive)", r"support (?:us|our|this|independent|the work|what we)",
        r"supporters?", r"(?:monthly|recurring|one-?(?:time|off)) (?:gift|donation|contribution|payment)",
        r"spende\w*", r"unterstütz\w*", r"faire un don", r"donaci\w+", r"пожертв\w+", r"поддерж\w+",
    ),
    "newsletter": (
        r"newsletters?", r"inbox(?:es)?", r"sign(?:ing)?[- ]up (?:for|to)", r"mailing list",
        r"(?:e-mail|email) (?:list|updates|alerts)", r"anmelden", r"bolet[íi]n", r"рассылк\w*",
    ),
    "paywall": (
        r"subscri(?:be|bing|ption|ptions|ber|bers)", r"unlimited (?:access|reading|articles)", r"unlock\w*",
        r"(?:full|digital|unlimited|premium) (?:digital )?access", r"plans?", r"ad-free", r"log ?in to", r"sign in to",
        r"free trial", r"paywall", r"abonn\w+", r"suscri\w+", r"подпис\w+",
    ),
    "promo": (
        r"apps?", r"app store", r"google play", r"notifications", r"ads", r"advert\w*", r"ad ?-?block\w*",
        r"whitelist\w*", r"allowlist", r"privacy extensions?",
    ),
}
# requests that open a sentence: the reader is addressed without a "you"
REQUEST_OPENERS = frozenset("please help consider make keep stand continue".split())
# classes that hide a block from print (each says "print"): the publisher's own word that it is no content
PRINT_HIDDEN_RE = re.compile(
    r"(?<![a-z0-9])(?:(?:hide|hidden|no|none)[-_:]?(?:(?:on|for)[-_:]?)?print|(?:d-)?print[-_:]?(?:hide|hidden|none|no)\b)"
)
# what a link or button label starting with one of these asks for: an action, not a headline
ACTION_WORDS = frozenset(
    "sign subscribe join support donate contribute give become register unlock upgrade renew pledge chip pitch "
    "count yes make fund back get download install open reload turn choose start try continue".split()
)
SHOWING_WORDS = frozenset("see view explore compare".split())  # a label that shows the offer ("See plans")
REQUESTS = REQUEST_OPENERS | ACTION_WORDS  # a sentence opening with one asks the reader for something
GIVING_RE = re.compile(r"\b(?:give|gives|giving)\b")  # with an amount: a donation asked for
# the reader speaking in a button's label, as the house would have them ("Count me in", "Start my trial")
READER_SELF = frozenset("me my i i'll i’ll i'm i’m ich mich mein moi je mon yo mi я мне мой".split())
READER_OBJECT = frozenset("me mich mir moi мне меня".split())  # the reader as a request's object ("Send me ...")
# a label opening with the reader's answer ("I'll chip in", "I've turned it off"): no request in a sentence
READER_REPLIES = frozenset("i'll i’ll i've i’ve".split())
# an in-text promo aside: "Read more: <headline>"
TRAILER_RE = re.compile(
    r"^(?:read more|read also|also read|see also|related(?: \w+)?|more on this|recommended|(?:next|previous|prev) (?:article|post|story)"
    r"|lesen sie auch|mehr zum thema"
    r"|à lire aussi|lire aussi|lee también|te puede interesar|читайте также)\s?:"
)

PAGER_RE = re.compile(r"^page \d+ of \d+$")  # pagination left in the body
# a publisher describing itself: "<Name> is a ... company"; the name may hold dots ("Example.com")
ABOUT_US_RE = re.compile(
    r"^(?:[^.!?]|\.(?=\w)){2,60}? (?:is|ist|est|es) (?:a|an|the|eine?|une?|una?) (?:[^.]{0,80} )?(?:agency|company|organi[sz]ation|firm"
    r"|nonprofit|non-profit|charity|provider|publisher|production|studio|consultancy|startup|agentur|webagentur"
    r"|digitalagentur|unternehmen|entreprise|empresa)\b"
)
# -- text pass: lines about the article rather than of it, cut near the top or bottom of the body
MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?"
    "|nov(?:ember)?|dec(?:ember)?|januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril"
    "|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto"
    "|septiembre|octubre|noviembre|diciembre|января|февраля|марта|апреля|мая|июня|июля|августа|сентября"
    "|октября|ноября|декабря"
)
DATE_RE = re.compile(
    rf"\b(?:(?:{MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\.? (?:{MONTHS})\.?,? \d{{4}}"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})\b"
)
META_LINE_RES = {
    "bio": re.compile(
        r"^(?i:by|von|par|por|от|автор:?)\s+[^\W\d_][\w'’.-]*(?:(?:\s+|\s*,\s*|\s+(?:and|und|et|y|и)\s+)[^\W\d_][\w'’.-]*){0,7}$"
        r"|^(?i:written|posted|reviewed|edited|fact[- ]checked|reported|produced|photographs?|photos?) by\b"
    ),
    "date": re.compile(r"^(?i:(?:last )?(?:updated|published|posted|modified|created|aktualisiert|veröffentlicht|mis à jour"
                       r"|publié|actualizado|publicado|обновлено|опубликовано))\b"),
    "readtime": re.compile(r"^(?i:\d+\s?-?\s?min(?:ute)?s?\.?(?: read(?:ing)?(?: time)?)?|(?:reading time|lesezeit|temps de lecture"
                           r"|tiempo de lectura|время чтения):? ?\d+ ?min\w*)$"),
    "credit": re.compile(r"^\(?(?i:image|photo|picture|header image|featured image|cover image|foto|bild)(?: credits?| by)?\s?:"
                         r"|^(?i:credits?|copyright)\s?:|^©"),
    "contact": re.compile(r"^(?i:e-?mail|phone|tel|fax)\s?:\s?\S+$|^(?i:page) \d+ (?i:of) \d+$"),
}
# appeal words in a line that also has the shape of a call to action
APPEAL_WORD_RE = re.compile(
    r"\b(?:subscri\w*|sign(?:ing)? up|newsletters?|donat\w+|membership|become a member|support (?:us|our|my|this site)"
    r"|abonn\w+|anmelden|spende\w*|inscri\w+|suscri\w+|bolet[íi]n|donar|подпис\w+|рассылк\w+|пожертв\w+)\b"
)
CTA_WORDS = frozenset("today now free here below please".split())  # urgency and pointers of a call to action


# an amount picker: currency amounts and standalone period words
AMOUNT_RE = re.compile(
    r"(?:[$€£₽¥₴]|us\$)\s?\d{1,5}(?:[.,]\d{1,2})?(?!\d)"
    # a number not inside another word or number; led by the digit (`re` skips fast to one)
    r"|\d(?<![\w.]\d)\d{0,4}(?:[.,]\d{1,2})?\s?(?:[$€£₽¥]|руб|usd|eur|euros?|dollars?)(?!\w)"
)
PERIOD_RE = re.compile(
    r"(?:once|one-?time|monthly|annual(?:ly)?|yearly|weekly|einmalig|monatlich|jährlich|une fois|mensuel(?:lement)?"
    r"|annuel(?:lement)?|única vez|mensual|anual|разово|ежемесячно|ежегодно)"
)
# reported speech: phrases inside such a unit are a story's quotes, not the page talking
ATTRIBUTION_RE = re.compile(
    r"\b(?:said|says|told|according to|added|explained|wrote|warned|warns|announced|urged|sagte|sagt|erklärte"
    r"|laut|warnt|teilte mit|a déclaré|a dit|selon|affirme|dijo|afirmó|según|advirtió|señaló)\b"
    r"|(?:заявил|сказал|сообщил|по словам|отметил|предупредил)"
)
WORD_RE = re.compile(r"\w[\w'’-]*")  # a word, with its apostrophes and hyphens
# who talks in a unit (``VOICES``): the house, the reader, money asked for again and again
VOICE_WORDS = {
    "speaker": tuple(SPEAKER_WORDS),
    "reader": tuple(READER_WORDS),
    "money": (r"monthly", r"annually", r"yearly", r"(?:per|a|each|every) (?:month|year|week)",
              r"regular (?:gift|donation|contribution|payment)"),
}
# a request opening a sentence addresses the reader without a "you"
REQUEST_RE = re.compile(r"(?:^|(?<=[.!?…] ))(?:" + "|".join(sorted(map(re.escape, REQUESTS), key=len, reverse=True)) + r")(?!\w)", re.M)
QUOTE_OPENERS, QUOTE_CLOSERS = "“„«", "”»"  # a phrase inside quotation marks is quoted, not addressed


# == Thresholds ====================================================================================
# -- which kinds a kind-neutral signal family supports (blocks)
NEUTRAL_FAMILIES = {
    "controls": ("donation", "newsletter", "paywall", "cookie"),
    "picker": ("donation", "paywall"),
    "dense": ("related", "share", "tags", "promo"),
    "box": ("donation", "newsletter", "paywall", "promo"),
    "action": ("donation", "newsletter", "paywall", "promo"),
    "marker": KINDS,  # data-nosnippet, hidden from print, an ARIA complementary landmark: whatever it is, no story
}
PANEL_FAMILIES = frozenset(("voice", "action"))  # they count for containers of blocks only
VOICES = ("speaker", "reader", "money")  # who talks in a unit, and of what: no signal on their own
# a panel's pitch: "we" ask "you"; "you" are asked for an amount of money; a button asks "you", or
# for what "we" offer
HOUSE_VOICES = (
    *(frozenset((("reader", ""), (other, ""))) for other in ("speaker", "money", "action")),
    frozenset((("speaker", ""), ("action", ""))),
)

# -- blocks
SHORT_UNIT = 150  # a prompt and its dismissal in a block this short count as two signals
PLAIN_BASE, PLAIN_PER_SIGNAL, PLAIN_RATIO = 80, 250, 0.6  # purity: unexplained text allowed
MAX_SIGNALS = 10  # beyond this many, more signals explain no more text
CTA_BOX_MAX = 320  # a block this short around a labelled button is a call-to-action box: its text is the pitch
BOX_FAMILIES = 3  # or around anything to press or fill in, when this many families of its build agree on its kind
SPOKEN_FAMILIES = frozenset(("voice", "apart", "action"))  # what the house's words say, not how the box is built
SMALL_BOX = 40  # a box this small ("Keep us going. Give") may be all unexplained text when its signals agree
LOOSE_TEXT_MAX = 40  # a box's own text outside its elements beyond this is a story's flow, no frame
STRONG_SIGNALS, PLAIN_RATIO_STRONG = 5, 0.75  # a box this loud may carry more unexplained text
EXPLAINED_PER_HIT = 150  # chars of a text unit one phrase hit accounts for
ACTION_MAX_CHARS = 50  # a button's label is short
DENSE_LINK_SHARE = 0.6  # link text share of a link-dense block
BLOCK_CEILING = 0.6  # no single block holding more of the page's non-link text is removed whole
REVERT_SHARE = 0.85  # a pass that would remove more of the non-link text is reverted
# asks for the house itself (a gift, a sign-up): set apart from the story, that is a panel; prices
# and plans in a box beside the text are a review's tips as often as a paywall's pitch, unless
# the box has something to press or fill in, or is mostly the house's pitch (PITCHED_SHARE)
APART_KINDS = ("donation", "newsletter")
PITCHED_SHARE = 0.5  # a box with nothing to press is set apart for its pitch if its pitch holds this much of its text
INTERACTIVE = ("action", "button", "controls", "picker")  # evidence of something to press or fill in
STORY_RUN = 2  # blocks of one shape that make the story's run among siblings
STORY_SHARE = 0.5  # or one block holding this much of the page's text: the story's container
STORY_BESIDE = 0.5  # the story's blocks beside a panel set apart hold at least this much of its text
PROSE_CHARS = 80  # a paragraph this long is prose, not a label or a line of a box
STORY_TAGS = frozenset("p blockquote h1 h2 h3 h4 h5 h6 ul ol li dl pre table figure".split())  # what a story is made of
PANEL_MAX_TEXT = 2500  # a panel of the house asking the reader is a few paragraphs long
SELLING_UNITS = 2  # units in which "we" offer something: the house selling itself, even to no "you"
NEIGHBOUR_MAX_TEXT = 150  # short blocks with a same-kind signal next to a removed one go with it
LABEL_MAX = 60  # longer units are not labels
SENTENCE_ENDS = (".", "!", "?", ":", '"', "”", "。")  # how a sentence ends, and never a title or a label
PICKER_MAX = 30  # nor, beyond this, amount picker entries
ACTION_MAX_WORDS = 6  # a button's label is a few words
SELF_MAX_WORDS = 3  # "Count me in" is a button; "my article about files" a link in a sentence
QUOTED_SHARE = 0.5  # a unit this much inside quotation marks is somebody quoted

# -- paragraphs
META_MAX_WORDS = 14  # a byline, date or credit line is short
NAME_MAX_WORDS = 4  # a person's name, not a team's or a company's description
KICKER_MAX_WORDS = 4  # a title-like first line: a known title of the page, perhaps behind a short kicker
KICKER_CHARS = 60  # a title line may carry this much kicker text before the title
DATE_SHARE = 0.4  # a short line that is mostly a date is a dateline
STUB_MAX_WORDS, STUB_MAX_CHARS = 3, 30  # a few words without a full stop at the very edge: a label or leftover link
SHAPE_MAX_WORDS = 8  # a bare call to action ("Follow us on X", "Book a table now") is a few words
CTA_MAX_WORDS = 40  # a call to action is short
PITCH_MAX_WORDS = 25  # the pitch a line holds before its button: a sentence or two
LONG_CTA_MAX_WORDS = 120  # longer appeals ("Before you go...") need several signals and sit at an edge
EDGE_LINES = 3  # paragraphs this close to the start or end of the body are where prompts sit
HEAD_LINES = 5  # meta lines (byline, date, credits) are cut only among the first paragraphs
TAIL_LINES = 6  # or among the last ones
REPEAT_MIN_LINES, REPEAT_MIN_CHARS = 2, 600  # a passage the body holds again: a second layout of one block
