"""The one on-site test: which URLs a crawl of a site may fetch, follow or store.

Everything a page, sitemap or robots.txt names is untrusted, so a URL is
admitted only when it is http(s), carries no credentials, is no longer than
``max_length`` (Scrapy's ``URLLENGTH_LIMIT``) and names one of the site's hosts
(or a subdomain of one) where that host is served:

- the hosts of the site's rules (``SiteRules.hosts``), on the default ports;
- the host of ``base_url`` (a leading ``www.`` dropped), which may be an IP
  address: a replica on loopback is served that way;
- hosts the base's own robots.txt names in ``Sitemap:`` lines, when they
  belong to the same registered domain as the base (a mirror's static host).

A base served on the default port of its scheme is served on both: http and
https are one site, as a site that moves to https redirects its old links. A
base that names a port of its own (``http://127.0.0.1:8800``) is that scheme
and port alone, as browsers have an origin: another port of the same host is
another service. Any other IP address is refused, private, loopback and
link-local ones included, as are URLs that cannot be parsed. The reasons are
slugs for stats and logs (``frontier/refused/<reason>``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from tldextract import TLDExtract

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# The public suffix list shipped with tldextract: never fetched, crawls stay offline. Its
# private part too: a tenant of github.io or blogspot.com shares no domain with its neighbours.
_DOMAINS = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)
# A backslash, white space or a control character in the host: urlsplit keeps it in the host
# (evil.example\.site.example ends in the site's name) where browsers and Scrapy read the
# backslash as "/" and the host as evil.example; resolvers stop at a NUL.
_UNSAFE_NETLOC = re.compile(r"[\\\x00-\x20\x7f]")
# A log line names at most this much of a URL (a sitemap may list one of a megabyte).
LOGGED_LENGTH = 300


@dataclass
class Frontier:
    """The hosts of one site and the test every URL of its crawl passes."""

    base_url: str
    hosts: set[str] = field(default_factory=set)  # served on the default ports
    max_length: int = 0  # the longest URL admitted; 0: any

    def __post_init__(self):
        base = urlsplit(self.base_url)
        self.base_host = base.hostname or ""
        origin = _origin(base.scheme, base.port)
        # (scheme, port) of a base that names a port of its own; None: the default ports.
        self.base_origin = None if _is_default(origin) else origin
        self.hosts = {_site_host(host) for host in self.hosts if host}
        self.base_hosts = {_site_host(self.base_host)} if self.base_host else set()  # served where the base is

    @classmethod
    def of(cls, rules, base_url: str, max_length: int = 0) -> Frontier:
        """The frontier of a crawl of ``rules``' site served at ``base_url``."""
        return cls(base_url, set(rules.hosts), max_length)

    def add_robots_host(self, url: str) -> bool:
        """Admit the host of a ``Sitemap:`` URL of the base's robots.txt if it shares the base's domain."""
        host = host_of(url)
        if not host or _ip(host) or _ip(self.base_host):
            return False
        registered = _DOMAINS(host).top_domain_under_public_suffix
        if registered and registered == _DOMAINS(self.base_host).top_domain_under_public_suffix:
            self.base_hosts.add(_site_host(host))
            return True
        return False

    def refusal(self, url: str) -> str | None:
        """Why ``url`` (absolute) is not on the site, or None when it is."""
        reason = url_refusal(url)
        if reason:
            return reason
        if self.max_length and len(url) > self.max_length:
            return "too-long"
        parts = urlsplit(url)
        host = parts.hostname
        origin = _origin(parts.scheme.lower(), parts.port)
        at_base = origin == self.base_origin if self.base_origin else _is_default(origin)
        if host == self.base_host and at_base:
            return None
        address = _ip(host)
        if address is not None:
            return "private-address" if not address.is_global else "ip-address"
        if host == "localhost" or host.endswith(".localhost"):
            return "private-address"
        if (at_base and on_site(host, self.base_hosts)) or (_is_default(origin) and on_site(host, self.hosts)):
            return None
        return "offsite"

    def resolve(self, url: str, base: str) -> tuple[str | None, str | None]:
        """(absolute URL, None) for a link on the site, else (None, reason); never raises."""
        absolute = absolute_url(base, url)
        if absolute is None:
            return None, "invalid-url"
        reason = self.refusal(absolute)
        return (None, reason) if reason else (absolute, None)


def url_refusal(url: str) -> str | None:
    """Why ``url`` (absolute) can be on no site at all, or None: an http(s) URL with a host and no credentials."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        return "invalid-url"
    if parts.scheme.lower() not in SCHEMES:
        return "scheme"
    if _UNSAFE_NETLOC.search(parts.netloc):
        return "invalid-url"
    if parts.username is not None or parts.password is not None:
        return "credentials"
    if not host:
        return "invalid-url"
    return None


def absolute_url(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``; None when either is no URL ("http://[x")."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def on_site(host: str | None, hosts: Iterable[str]) -> bool:
    """``host`` is one of ``hosts`` or a subdomain of one."""
    return bool(host) and any(host == domain or host.endswith("." + domain) for domain in hosts)


def redact(url: str) -> str:
    """``url`` without its credentials, for logs, its first ``LOGGED_LENGTH`` characters only;
    what cannot be parsed is cut to its scheme."""
    try:
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    except ValueError:
        return url.partition(":")[0] + ":…"
    return url if len(url) <= LOGGED_LENGTH else url[:LOGGED_LENGTH] + "…"


def _origin(scheme: str, port: int | None) -> tuple[str, int | None]:
    return scheme, port or DEFAULT_PORTS.get(scheme)


def _is_default(origin: tuple[str, int | None]) -> bool:
    return origin[1] == DEFAULT_PORTS.get(origin[0])


def _site_host(host: str) -> str:
    return host.lower().removeprefix("www.")


def host_of(url: str) -> str | None:
    "The host ``url`` names (lowercased), or None: a relative URL or one that does not parse names none."
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
