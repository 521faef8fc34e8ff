"""Remove what the journalists did not write: appeals, sign-ups, paywall prompts, promos.

Three passes, each returning the RemovedBlock records it produced:

* ``strip_site``: CSS selectors from the site rules (exact, cheap, site-specific).
* ``strip_tree``: the generic DOM pass. One bottom-up walk gathers evidence per element from
  independent signal *families* (markup words, link targets, form controls, amount/period
  pickers, call-to-action text, link density, a short box around a button); an element goes
  only when at least two families agree on a kind and its text is mostly explained by that
  evidence, so one keyword, or a quoted "your support makes a difference" in a story, never
  cuts anything.
* ``strip_paragraphs``: the text pass on the extracted paragraphs, for the short
  call-to-action lines that reach the body without telling markup.

``mode="flag"`` reports the same records without removing anything.
The vocabulary (token groups, phrase lists) comes first; the logic follows.
"""

from __future__ import annotations

import gc
import logging
import re
from bisect import bisect_right
from contextlib import contextmanager
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector

LOGGER = logging.getLogger(__name__)

KINDS = ("donation", "newsletter", "paywall", "promo", "related", "ad", "share",
         "disclaimer", "cookie", "bio", "tags", "other")  # fmt: skip

# == Vocabulary ====================================================================================
# Each group maps a kind, or a tuple of kinds when a token is ambiguous, to regex patterns.
# Every pattern starts with a literal of 2+ characters (a leading (?:a|b) group is expanded):
# the literal is found with str.find and the regex only confirms at that spot.

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

# -- link targets (href, form action), lowercased
LINK_TOKENS = {
    "donation": (r"/contribute(?![a-z])", r"/donate", r"/donation", r"/support-?us(?![a-z])",
                 r"/become-a-(?:member|supporter)", r"/membership", r"/spenden", r"/unterst(?:ue|ü)tzen",
                 r"/faire-un-don", r"/soutenir", r"/donar(?![a-z])", r"/apoya", r"paypal\.(?:com|me)",
                 r"patreon\.com", r"ko-fi\.com", r"buymeacoffee\.com", r"liberapay", r"donorbox", r"givebutter",
                 r"utm_\w+=[^&]*(?:contribut|donat|support|member)"),
    "newsletter": (r"/newsletters?(?![a-z])", r"list-manage\.com", r"mailchi\.mp", r"eepurl\.com",
                   r"/email-?(?:signup|alerts)", r"substack\.com/subscribe", r"/sign-?up(?![a-z])",
                   r"opt-?in(?![a-z])", r"mailing-?list"),
    ("newsletter", "paywall"): (r"/subscribe(?![a-z])", r"/abonnieren", r"/suscribirse", r"/s-abonner"),
    "paywall": (r"/subscriptions?(?![a-z])", r"/abo(?:nnement)?(?![a-z])", r"/suscripcion", r"/podpiska",
                r"/premium(?![a-z])", r"/plans(?![a-z])", r"/pricing", r"/log-?in(?![a-z])",
                r"/sign-?in(?![a-z])", r"/register(?![a-z])", r"/registrierung", r"/connexion", r"checkout"),
    "share": (r"facebook\.com/(?:sharer|share|dialog/share)", r"twitter\.com/(?:intent|share)", r"//x\.com/intent",
              r"linkedin\.com/(?:share|cws/share|sharearticle)", r"wa\.me/", r"whatsapp:", r"api\.whatsapp\.com/send",
              r"//t\.me/share", r"telegram\.me/share", r"mailto:\?", r"pinterest\.com/pin/create", r"reddit\.com/submit",
              r"vk\.com/share", r"flipboard\.com", r"bsky\.app/intent", r"threads\.net/intent"),
    "ad": (r"doubleclick\.net", r"googleadservices", r"adclick", r"utm_medium=(?:cpc|display|banner|paid)"),
}

# -- call-to-action and boilerplate phrases, in lowercased text with single spaces
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
        r"subscribe (?:now )?to (?:continue|keep) reading", r"(?:already|are you) a (?:subscriber|member)\b",
        r"(?:log|sign) in to (?:continue|read|keep reading|access)", r"(?:continue|keep) reading (?:with|for)",
        r"this (?:article|content|story) is (?:exclusive |only )?(?:for|to|available (?:only )?to) (?:\w+\+? )?(?:subscribers|members)",
        r"(?:subscribers|members)[- ]only", r"(?:start|get|begin) (?:your |a )?free (?:\d+[- ]days? )?trial", r"(?:for|with) a free trial", r"unlock (?:this|full|unlimited|all)",
        r"(?:you've|you’ve|you have) reached (?:your|the) (?:free )?(?:article )?limit", r"free articles? (?:left|remaining)",
        r"cancel (?:at )?any ?time", r"subscribe (?:now|today) (?:for|and|to)",
        r"(?:bereits|schon) abonnent", r"jetzt (?:abonnieren|weiterlesen)", r"weiterlesen mit", r"(?:déjà|vous êtes) abonné",
        r"réservée? aux abonnés", r"abonnez-vous pour (?:lire|continuer)", r"(?:ya eres|ya soy) suscriptor",
        r"suscríbete para (?:seguir|continuar)", r"exclusivo para suscriptores", r"(?:уже есть|оформите|оформить) подписк",
        r"только для подписчиков", r"чтобы (?:продолжить|читать дальше)",
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
    "bio": (r"this (?:story|article|report|piece) (?:about [^.]{1,80} )?was (?:written|produced|reported) by",),
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
    "sign subscribe join support donate contribute follow share download register log become click tap unlock "
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
META_MAX_WORDS = 14
# appeal words in a line that also has the shape of a call to action
APPEAL_WORD_RE = re.compile(
    r"\b(?:subscri\w*|sign(?:ing)? up|newsletters?|donat\w+|membership|become a member|support (?:us|our|my|this site)"
    r"|abonn\w+|anmelden|spende\w*|inscri\w+|suscri\w+|bolet[íi]n|donar|подпис\w+|рассылк\w+|пожертв\w+)\b"
)
CTA_WORDS = frozenset("today now free here below please".split())  # urgency and pointers of a call to action
WORD_RE = re.compile(r"\w[\w'’-]*")
# a title-like first line: a known title of the page, perhaps behind a short kicker
KICKER_MAX_WORDS = 4
KICKER_CHARS = 60  # a title line may carry this much kicker text before the title
DATE_SHARE = 0.4  # a short line that is mostly a date is a dateline

# -- paywall: publisher markup of gated content
GATED_TIERS = frozenset(("locked", "metered", "premium", "paid", "subscriber"))
FREE_FALSE = frozenset(("false", "no", "0"))
JSONLD_NESTING = ("@graph", "hasPart", "mainEntity", "mainEntityOfPage", "isPartOf")

# an amount picker: currency amounts and standalone period words
AMOUNT_RE = re.compile(
    r"(?:[$€£₽¥₴]|us\$)\s?\d{1,5}(?:[.,]\d{1,2})?(?!\d)"
    r"|(?<![\w.])\d{1,5}(?:[.,]\d{1,2})?\s?(?:[$€£₽¥]|руб|usd|eur|euros?|dollars?)(?!\w)"
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
QUOTE_OPENERS, QUOTE_CLOSERS = "“„«", "”»"  # a phrase inside quotation marks is quoted, not addressed

BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul html".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template svg iframe head title meta link path use g symbol defs circle rect polygon "
    "polyline line ellipse lineargradient radialgradient stop clippath mask img source picture br wbr hr".split()
)
CONTROL_TAGS = frozenset("button input select textarea form".split())
BUTTON_TAGS = frozenset(("a", "button"))
BUTTON_CLASS_RE = re.compile(r"(?<![a-z0-9_])(?:btn|button)")  # a link styled as one: "btn-gold", "wp-block-button__link"

# which kinds a kind-neutral family supports
NEUTRAL_FAMILIES = {
    "controls": ("donation", "newsletter", "paywall", "cookie"),
    "picker": ("donation", "paywall"),
    "dense": ("related", "share", "tags", "promo"),
    "box": ("donation", "newsletter", "paywall", "promo"),
}

# thresholds
SHORT_UNIT = 150  # a prompt and its dismissal in a block this short count as two signals
PLAIN_BASE, PLAIN_PER_SIGNAL, PLAIN_RATIO = 80, 250, 0.6  # purity: unexplained text allowed
MAX_SIGNALS = 10  # beyond this many, more signals explain no more text
CTA_BOX_MAX = 320  # a block this short around a labelled button is a call-to-action box: its text is the pitch
SMALL_BOX = 40  # a box this small ("Keep us going. Give") may be all unexplained text when its signals agree
STRONG_SIGNALS, PLAIN_RATIO_STRONG = 5, 0.75  # a box this loud may carry more unexplained text
EXPLAINED_PER_HIT = 150  # chars of a text unit one phrase hit accounts for
DENSE_LINK_SHARE = 0.6  # link text share of a link-dense block
BLOCK_CEILING = 0.6  # no single block holding more of the page's non-link text is removed whole
REVERT_SHARE = 0.85  # a pass that would remove more of the non-link text is reverted
NEIGHBOUR_MAX_TEXT = 150  # short blocks with a same-kind signal next to a removed one go with it
STUB_MAX_WORDS, STUB_MAX_CHARS = 3, 30  # a few words without a full stop at the very edge: a label or leftover link
SHAPE_MAX_WORDS = 8  # a bare call to action ("Follow us on X", "Book a table now") is a few words
CTA_MAX_WORDS = 40  # a call to action is short
LONG_CTA_MAX_WORDS = 120  # longer appeals ("Before you go...") need several signals and sit at an edge
EDGE_LINES = 3  # paragraphs this close to the start or end of the body are where prompts sit
HEAD_LINES = 5  # meta lines (byline, date, credits) are cut only among the first paragraphs
TAIL_LINES = 6  # or among the last ones
LABEL_MAX = 60  # longer units are not labels
PICKER_MAX = 30  # nor, beyond this, amount picker entries


# == Matching ======================================================================================


@dataclass
class RemovedBlock:
    kind: str
    text: str
    rule: str


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
    """Find vocabulary patterns fast: str.find scans for each pattern's literal prefix, and a
    regex confirms at that spot. A single big alternation costs `re` every branch at every
    character, which was most of the stripper's time. A leading ^ anchors a pattern to the
    start of a unit; `boundary` lists characters that may not precede a match besides
    letters and digits; `whole_words` forbids a match that ends inside a word."""

    def __init__(self, groups: dict, boundary: str = "", whole_words: bool = False) -> None:
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
        self.boundary = boundary
        self.entries = [
            (literal, anchored, re.compile("|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(items))),
             {f"g{i}": kinds for i, (_, kinds) in enumerate(items)})
            for (literal, anchored), items in by_literal.items()
        ]

    def scan(self, text: str) -> list[tuple[int, tuple[str, ...], str]]:
        "(position, kinds, matched text) of every match, ordered by position; units split at newlines."
        hits, boundary = [], self.boundary
        for literal, anchored, pattern, kinds in self.entries:
            position = text.find(literal)
            while position != -1:
                before = text[position - 1] if position else "\n"
                if (before == "\n" if anchored else not (before.isalnum() or before in boundary)):
                    match = pattern.match(text, position)
                    if match:
                        hits.append((position, kinds[match.lastgroup], match.group()))
                position = text.find(literal, position + 1)
        return sorted(hits)


MARKUP = Vocabulary(MARKUP_TOKENS, boundary="_")  # after a letter or digit, a token is mid-name
LINKS = Vocabulary(LINK_TOKENS)
PHRASE_VOCABULARY = Vocabulary(PHRASES, boundary="_", whole_words=True)
LABEL_KINDS = {label: kind for kind, labels in LABELS.items() for label in labels}
EDGE_PUNCTUATION = " \t\n.:!?…,;-–—•|>»›→*#()[]\"'“”‘’"
LABEL_ROW_RE = re.compile(r"\s*(?:\|+|•|·|/)\s*")  # separators in a row of links
SPACE_RE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    return SPACE_RE.sub(" ", text).strip()


def label_kind(text: str) -> str | None:
    """The kind of a unit that is nothing but a known label, or a row of labels ("Share | Tweet |
    Email"): most of its short segments are labels."""
    if len(text) > LABEL_MAX * 2:
        return None
    kind = LABEL_KINDS.get(text.strip(EDGE_PUNCTUATION))
    if kind or len(text) > LABEL_MAX and not LABEL_ROW_RE.search(text):
        return kind
    segments = [segment.strip(EDGE_PUNCTUATION) for segment in LABEL_ROW_RE.split(text)]
    kinds = [LABEL_KINDS[segment] for segment in segments if segment in LABEL_KINDS]
    return max(kinds, key=kinds.count) if len(segments) > 1 and len(kinds) * 2 > len(segments) else None


def scan_units(texts: Sequence[str], vocabulary: Vocabulary) -> list[list[tuple[int, tuple[str, ...], str]]]:
    """Hits (offset, kinds, token) per text, found in one scan over the distinct texts joined by
    newlines (class strings repeat a lot within a page)."""
    distinct = list(dict.fromkeys(texts))
    starts, offset = [], 0
    for text in distinct:
        starts.append(offset)
        offset += len(text) + 1
    found: list[list] = [[] for _ in distinct]
    for position, kinds, token in vocabulary.scan("\n".join(distinct)):
        index = bisect_right(starts, position) - 1
        found[index].append((position - starts[index], kinds, token))
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


# == Site rules ====================================================================================


@lru_cache(maxsize=256)
def css(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def root_of(tree):
    return tree.getroot() if hasattr(tree, "getroot") else tree


def drop_element(element) -> None:
    "Remove an element but keep its tail text in place."
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


VISIBLE_TEXT = etree.XPath(
    ".//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def element_text(element) -> str:
    return normalise_space(" ".join(VISIBLE_TEXT(element)))


def strip_site(
    tree, prune: Sequence[tuple[str, str]], *, site: str | None = None, mode: str = "remove"
) -> list[RemovedBlock]:
    "Remove nodes matching the site's (css_selector, kind) pairs; outermost matches only."
    blocks = site_blocks(tree, prune, site=site)
    if mode == "remove":
        for element in blocks:
            drop_element(element)
    return list(blocks.values())


def site_blocks(tree, prune: Sequence[tuple[str, str]], *, site: str | None = None) -> dict:
    "Element -> RemovedBlock for the outermost nodes matching the site's (css_selector, kind) pairs."
    root, prefix = root_of(tree), f"site:{site}:" if site else "site:"
    chosen: dict = {}
    for selector, kind in prune:
        for element in css(selector)(root):
            chosen.setdefault(element, RemovedBlock(kind, element_text(element), prefix + selector))
    return {e: block for e, block in chosen.items() if not any(a in chosen for a in e.iterancestors())}


# == Generic DOM pass ==============================================================================


class Stats:
    "One element's subtree: lengths, evidence (family, kind) -> count, and the verdict."

    __slots__ = ("dirty", "evidence", "explained", "has_block", "kids", "link", "links", "loose", "own_text",
                 "plain", "rule", "sample", "text", "verdict", "words")  # fmt: skip

    def __init__(self) -> None:
        self.kids: list[Stats] = []
        self.dirty = self.has_block = False  # dirty: evidence somewhere below
        self.own_text = self.explained = 0  # this element's own text pieces, and what its hits explain
        self.text = self.link = self.links = self.plain = 0  # subtree totals
        self.evidence: dict = {}  # everything below, for qualifying
        self.loose: dict = {}  # what is not inside a removable child, for purity
        self.sample: dict = {}  # kind -> first matched markup/link token, for the rule name
        self.verdict: str | None = None
        self.rule = ""
        self.words = ""  # text of an inline-only subtree (scripts left out)


EMPTY = Stats()  # shared by skipped elements (scripts, styles, svg shapes): no text, no signals


def add(counts: dict, key, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


class Collector:
    "Strings to match in one go after the walk, each with the Stats it belongs to."

    def __init__(self) -> None:
        self.markup: list[tuple[Stats, str]] = []
        self.links: list[tuple[Stats, str]] = []
        self.units: list[tuple[Stats, str]] = []

    def own(self, element, tag: str, stats: Stats) -> None:
        "Markup, link target, attribute text and control signals of the element itself (one pass over attributes)."
        names, attributes = [], dict(element.items())
        for name, value in attributes.items():
            if name not in MARKUP_SKIP_ATTRS and len(value) <= MARKUP_MAX_VALUE:
                names.append(name + " " + value if name.startswith(("data-", "aria-")) else value)
        if names:
            self.markup.append((stats, " ".join(names).lower()))
        target = attributes.get("href") or attributes.get("action")
        if target:
            stats.links = int(tag == "a")
            self.links.append((stats, target.lower()))
        for name in ("placeholder", "aria-label"):
            if name in attributes:
                self.units.append((stats, attributes[name]))
        if tag in CONTROL_TAGS and attributes.get("type") != "hidden":
            add(stats.evidence, ("controls", ""))
            if attributes.get("type") in ("radio", "number") and attributes.get("value", "").isdigit():
                add(stats.evidence, ("picker", ""))

    def match(self) -> None:
        "Turn every collected string's vocabulary hits into evidence on its owner."
        for (stats, _), hits in zip(self.markup, scan_units([m for _, m in self.markup], MARKUP)):
            record_tokens(stats, "markup", hits)
        for (stats, _), hits in zip(self.links, scan_units([t for _, t in self.links], LINKS)):
            record_tokens(stats, "link", hits)
        texts = [normalise_space(t.lower()) for _, t in self.units]
        for (stats, _), text, kinds in zip(self.units, texts, text_hits(texts)):
            if is_picker_entry(text):
                kinds = [*kinds, ""]
            for kind in kinds:
                add(stats.evidence, ("picker", "") if kind == "" else ("text", kind))
            stats.explained += EXPLAINED_PER_HIT * len(kinds)


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
        kids, has_block, text, link, links = stats.kids, False, 0, 0, stats.links
        for child in element.iterchildren(etree.Element):
            child_stats = table[child]
            if child_stats is not EMPTY:
                kids.append(child_stats)
                has_block = has_block or child_stats.has_block or child.tag in BLOCK_TAGS
                text += child_stats.text
                link += child_stats.link
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
        stats.link = stats.text if tag == "a" else link
        if tag in BUTTON_TAGS and stats.text > 1 and is_button(element, tag):  # labelled: no icon or "×"
            add(stats.evidence, ("button", ""))
        if not has_block:
            stats.words = "".join(words)
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
        if stats.evidence:
            judge(stats)


def merge_child(parent: Stats, child: Stats) -> None:
    "Fold a finished child into its parent; a removable child's text counts as explained."
    if not child.dirty:
        parent.plain += child.text
        return
    for key, n in child.evidence.items():
        add(parent.evidence, key, n)
    for kind, token in child.sample.items():
        parent.sample.setdefault(kind, token)
    if child.verdict is None:
        parent.plain += child.plain
        for key, n in child.loose.items():
            add(parent.loose, key, n)


def best_kind(stats: Stats) -> tuple[str | None, list[str]]:
    "The kind most signal families agree on, and those families, if at least two agree."
    evidence, best, best_families, best_weight = stats.evidence, None, [], 1
    for kind in KINDS:
        families = {f for (f, k) in evidence if k == kind}
        if not families:
            continue
        families |= {f for f, allowed in NEUTRAL_FAMILIES.items() if kind in allowed and (f, "") in evidence}
        if kind in NEUTRAL_FAMILIES["dense"] and is_dense(stats):
            families.add("dense")
        if kind in NEUTRAL_FAMILIES["box"] and is_cta_box(stats):
            families.add("box")
        weight = len(families) + boost(stats, kind)
        if weight > best_weight:
            best, best_families, best_weight = kind, sorted(families), weight
    return best, best_families


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
    """A call-to-action box: a few short blocks (a heading, a line or two) around a labelled button.
    It counts as one more family, so the box still needs a kind's own signal (its markup, the
    button's label or link target, a phrase) before it goes."""
    return stats.has_block and stats.text <= CTA_BOX_MAX and ("button", "") in stats.evidence


def is_pure(stats: Stats, kind: str) -> bool:
    """Is the element's text mostly explained by its own evidence for `kind` (not by a removable
    child's, nor by other kinds' markup)? Link text counts as unexplained, except for the
    link-list kinds, where the links are the block and only the other text is weighed."""
    if kind in NEUTRAL_FAMILIES["box"] and is_cta_box(stats):
        return True  # its few lines are the pitch for its button
    neutral = [(f, "") for f, allowed in NEUTRAL_FAMILIES.items() if kind in allowed]
    signals = sum(n for (f, k), n in stats.loose.items() if k == kind)  # a row of buttons explains no text
    signals = min(signals + sum(key in stats.loose for key in neutral), MAX_SIGNALS)
    if kind in NEUTRAL_FAMILIES["dense"]:
        plain, text = max(0, stats.plain - stats.link), stats.text - stats.link
    else:
        plain, text = stats.plain, stats.text
    ratio = PLAIN_RATIO_STRONG if signals >= STRONG_SIGNALS else PLAIN_RATIO
    allowed = min(PLAIN_BASE + PLAIN_PER_SIGNAL * signals if signals else 0, max(ratio * text, SMALL_BOX))
    return plain <= allowed


def judge(stats: Stats) -> None:
    "Set the verdict (kind) and rule name of an element whose evidence is complete."
    kind, families = best_kind(stats)
    if kind and is_pure(stats, kind):
        stats.verdict = kind
        detail = stats.sample.get(kind)
        stats.rule = "generic:" + "+".join(families) + (f":{detail}" if detail else "")


def choose(root, table: dict) -> list:
    """Top-down: the outermost elements with a verdict, plus weak neighbours of removed siblings.
    A candidate holding most of the page's text is never taken whole; its children are judged."""
    chosen, stack = [], [root]
    ceiling = BLOCK_CEILING * (table[root].text - table[root].link)
    while stack:
        element = stack.pop()
        if not table[element].has_block:
            continue  # inside a paragraph: never cut words out of a sentence
        children = [c for c in element.iterchildren(etree.Element) if table[c].dirty]
        picked = [c for c in children if table[c].verdict and table[c].text - table[c].link <= ceiling]
        if picked:
            picked += absorb_neighbours(element, picked, table)
            chosen += picked
        stack.extend(c for c in children if c not in picked)
    return chosen


def absorb_neighbours(parent, picked: list, table: dict) -> list:
    "Short siblings next to a removed block that carry a signal of the same kind, or a dismissal."
    siblings = [c for c in parent.iterchildren(etree.Element) if table[c].text or c in picked]
    removed, extra, changed = set(picked), [], True
    while changed:
        changed = False
        for index, child in enumerate(siblings):
            stats = table[child]
            if child in removed or not stats.loose or stats.text > NEIGHBOUR_MAX_TEXT:
                continue
            kinds = {table[n].verdict for n in siblings[max(index - 1, 0) : index + 2] if n in removed}
            own = {k for (_, k) in stats.loose}
            if kinds & own or kinds and own & {"other", ""}:
                stats.verdict, stats.rule = (kinds & own or kinds).pop(), "generic:neighbour"
                removed.add(child)
                extra.append(child)
                changed = True
    return extra


@contextmanager
def gc_paused():
    "The walk allocates thousands of small acyclic objects; the cyclic GC scanning them costs a third of it."
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def strip_tree(tree, url: str | None = None, *, mode: str = "remove") -> list[RemovedBlock]:
    "Generic DOM pass: remove blocks several signal families agree on; revert if it takes most text."
    root, table, collector = root_of(tree), {}, Collector()
    with gc_paused():
        order = walk(root, table, collector)
        collector.match()
        aggregate(order, table)
    chosen = choose(root, table)
    if not chosen:
        return []
    body_text = table[root].text - table[root].link
    removed_text = sum(table[e].text - table[e].link for e in chosen)
    if removed_text > REVERT_SHARE * max(body_text, 1):
        LOGGER.info("generic strip reverted: would remove %s of %s chars (%s)", removed_text, body_text, url)
        return []
    position = {element: index for index, element in enumerate(order)}
    chosen.sort(key=position.get, reverse=True)  # document order
    blocks = [RemovedBlock(table[e].verdict, element_text(e), table[e].rule) for e in chosen]
    if mode == "remove":
        for element in chosen:
            drop_element(element)
    return blocks


# == Text pass =====================================================================================


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
    bare = WORD_RE.findall(lowered)
    appeal = bool(APPEAL_WORD_RE.search(lowered)) and not ATTRIBUTION_RE.search(lowered)
    if len(words) > CTA_MAX_WORDS:  # a long paragraph needs several appeal signals, and then only at the edges
        # the publisher ("we") pitching to the reader ("you"); its hopes ("with your help") need an appeal word too
        pitch = kinds and is_house_voice(bare) and (appeal or set(kinds) != {"donation"})
        if len(kinds) > 1 or pitch or appeal and cta_signals(bare, lowered) >= 3:
            return 2, max(set(kinds), key=kinds.count) if kinds else "newsletter", "phrases"
        return 0, "", ""
    if label_kind(lowered):
        return 3, kinds[0], "label"
    shaped = bool(bare) and bare[0] in IMPERATIVES or lowered.endswith("!") or any(w in READER_WORDS or w in SPEAKER_WORDS for w in bare)
    if kinds:
        kind = max(set(kinds), key=kinds.count)
        return (3 if shaped or len(kinds) > 1 else 2), kind, "phrase"
    if appeal and cta_signals(bare, lowered):
        return min(cta_signals(bare, lowered) + 1, 3), "newsletter", "appeal"
    if bare and bare[0] in IMPERATIVES and len(words) <= SHAPE_MAX_WORDS and not lowered.endswith((".", '"', "”")):
        return 1, "other", "shape"
    if len(words) <= STUB_MAX_WORDS and len(lowered) <= STUB_MAX_CHARS and not lowered.endswith((".", "!", "?", ":", '"', "”", "。")):
        return 1, "other", "stub"
    return 0, "", ""


def is_house_voice(words: list[str]) -> bool:
    "The publisher (we, our) talking to the reader (you, your)."
    return any(w in SPEAKER_WORDS for w in words) and any(w in READER_WORDS for w in words)


def is_about_us(lowered: str) -> bool:
    """A publisher's self-description at the foot of the body: "<Name> is a ... agency. We ..." (no attribution)."""
    if len(lowered.split()) > LONG_CTA_MAX_WORDS or not ABOUT_US_RE.match(lowered) or ATTRIBUTION_RE.search(lowered):
        return False
    return any(w in SPEAKER_WORDS for w in WORD_RE.findall(lowered))


def cta_signals(words: list[str], lowered: str) -> int:
    "Call-to-action cues besides the appeal word: an imperative start, the reader addressed, urgency, an exclamation."
    return ((words[0] in IMPERATIVES) + any(w in READER_WORDS for w in words) + any(w in CTA_WORDS for w in words)
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


def title_cut(paragraphs: list[str], titles: Sequence[str]) -> set[int]:
    "The page's title repeated at the top of the body, and any short kicker lines above it."
    wanted = {normalise_space(t).casefold() for t in titles if t and t.strip()}
    for index, paragraph in enumerate(paragraphs[:EDGE_LINES]):
        line = paragraph.casefold()
        if line in wanted or any(t in line and len(line) <= len(t) + KICKER_CHARS for t in wanted):
            kickers = {i for i in range(index) if len(paragraphs[i].split()) <= KICKER_MAX_WORDS}
            return kickers | {index}
    return set()


def strip_paragraphs(
    paragraphs: list[str], url: str | None = None, *, titles: Sequence[str] = (), mode: str = "remove"
) -> tuple[list[str], list[RemovedBlock]]:
    """Text pass on extracted paragraphs: strong lines go anywhere; weaker ones only at the
    edges of the body or next to another removed line; meta lines and the repeated title
    only near the top (meta lines also near the bottom)."""
    lowered = [normalise_space(p.lower()) for p in paragraphs]
    hits = scan_units(lowered, PHRASE_VOCABULARY)
    strengths = [line_strength(*line) for line in zip(paragraphs, lowered, hits)]
    cut = {i for i, (level, _, _) in enumerate(strengths) if level == 3}
    cut |= edge_run(strengths, range(len(paragraphs)))
    cut |= edge_run(strengths, range(len(paragraphs) - 1, -1, -1))
    cut |= {i for i, (level, _, _) in enumerate(strengths) if level == 2 and {i - 1, i + 1} & cut}
    edges = set(range(HEAD_LINES)) | set(range(len(paragraphs) - TAIL_LINES, len(paragraphs)))
    cut |= {i for i in range(max(len(paragraphs) - TAIL_LINES, 1), len(paragraphs)) if is_about_us(lowered[i])}
    cut |= {i for i, (level, _, _) in enumerate(strengths) if (level < 0 or level == 2) and i in edges}
    titled = title_cut(paragraphs, titles)
    strengths = [(0, "other", "title") if i in titled else s for i, s in enumerate(strengths)]
    cut |= titled
    if len(cut) == len(paragraphs) and cut:
        LOGGER.info("text strip reverted: every paragraph looked like a prompt (%s)", url)
        return paragraphs, []
    removed = [RemovedBlock(strengths[i][1], paragraphs[i], f"text:{strengths[i][2]}") for i in sorted(cut)]
    kept = paragraphs if mode == "flag" else [p for i, p in enumerate(paragraphs) if i not in cut]
    return kept, removed


def edge_run(strengths: list[tuple[int, str, str]], indices: range) -> set[int]:
    "Prompt and meta lines from one end of the body inwards, until the story starts."
    cut = set()
    for position, index in enumerate(indices):
        level = strengths[index][0]
        if not level or (position >= EDGE_LINES and 0 < level < 2):
            break
        cut.add(index)
    return cut


# == Paywall =======================================================================================

CONTENT_TIER = etree.XPath("//meta[@property='article:content_tier' or @name='article:content_tier']/@content")


def detect_paywall(tree, jsonld_objects: Iterable, removed: Sequence[RemovedBlock] = ()) -> bool:
    """Publisher signals that the article is gated: JSON-LD isAccessibleForFree false (on the
    object or a hasPart), a locked/metered content tier, or a paywall prompt the stripper cut."""
    if any(is_gated(item) for item in jsonld_objects):
        return True
    if any(tier.strip().lower() in GATED_TIERS for tier in CONTENT_TIER(root_of(tree))):
        return True
    return any(block.kind == "paywall" and is_paywall_prompt(block.text) for block in removed)


def is_gated(item) -> bool:
    "isAccessibleForFree false on a JSON-LD object or anything nested in it (graph, parts)."
    if isinstance(item, list):
        return any(is_gated(part) for part in item)
    if not isinstance(item, dict):
        return False
    if str(item.get("isAccessibleForFree", "")).strip().lower() in FREE_FALSE:
        return True
    return any(is_gated(item.get(key)) for key in JSONLD_NESTING)


def is_paywall_prompt(text: str) -> bool:
    """A paywall phrase (not just a "Log in" label): the prompt a gated article shows."""
    lowered = normalise_space(text.lower())
    return any("paywall" in kinds for _, kinds, _ in scan_units([lowered], PHRASE_VOCABULARY)[0])
