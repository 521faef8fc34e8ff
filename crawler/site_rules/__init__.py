"""Registry of site rules: one class per publisher, one module per site, looked up by name or URL.

Every module of this package that defines a ``SiteRules`` subclass with a ``name``
of its own registers it: adding a site is adding its rules file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from urllib.parse import urlsplit

from crawler.frontier import host_of, on_site, url_refusal
from crawler.site_rules.base import SiteRules
from crawler.site_rules.generic import GenericSite

__all__ = ["SITES", "SiteRules", "GenericSite", "rules_for", "rules_of_host", "resolve_site", "site_name"]


def _registered() -> dict[str, type[SiteRules]]:
    sites = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in ("base", "generic"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        defined = [rules for _, rules in inspect.getmembers(module, inspect.isclass)
                   if issubclass(rules, SiteRules) and rules.__module__ == module.__name__]
        for rules in defined:
            # A site's current rules: the class the module defines whose name no base class has.
            if rules.name != SiteRules.name and "name" in vars(rules):
                if rules.name in sites:
                    raise ValueError(f"two rules classes are named {rules.name!r}")
                # Its older versions: the module's subclasses of it that say when they ended.
                rules.versions = tuple(v for v in defined if issubclass(v, rules) and v.VALID_UNTIL)
                sites[rules.name] = rules
    return dict(sorted(sites.items()))


SITES: dict[str, type[SiteRules]] = _registered()


def rules_of_host(host: str | None) -> type[SiteRules] | None:
    """The rules of the site ``host`` belongs to, or None."""
    host = (host or "").lower()
    return next((rules for rules in SITES.values() if on_site(host, rules.hosts)), None)


def rules_for(url: str | None = None, site: str | None = None) -> type[SiteRules]:
    """The rules of the site named ``site``, else of the site serving ``url``.

    A ``site`` that is a host (it has a dot or a port: the name of a site without
    rules) or an unknown host get the generic rules; an unknown rules name is a KeyError.
    """
    if site and site in SITES:
        return SITES[site]
    if site and not any(c in site for c in ".:"):
        raise KeyError(f"no site rules named {site!r}; known: {', '.join(SITES)}")
    return rules_of_host(host_of(url or "")) or GenericSite


def site_name(url: str) -> str:
    """The name a site without rules is stored under: its host (``www.`` dropped), with its port if it has one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}:{parts.port}" if parts.port else host


def resolve_site(value: str, base_url: str | None = None) -> tuple[str, type[SiteRules], str]:
    """(name, rules, base URL) of a site given as a rules name, a URL, or a rules name and the URL it is served at.

    ``base_url`` is where a site given by name is served (its ``default_base_url`` if None).
    ValueError with a one-line reason for anything else.
    """
    words = value.split()
    if len(words) == 2 and words[0] in SITES:
        (name, base_url) = words
    elif len(words) == 1 and words[0] in SITES:
        name = words[0]
        base_url = base_url or SITES[name].default_base_url
        if not base_url:
            raise ValueError(f"{name} has no default address: give its URL too ('{name} URL')")
    elif len(words) == 1 and "://" in value:
        name, base_url = None, words[0]
    else:
        raise ValueError(f"must be a rules name ({', '.join(SITES)}), an http(s) URL, or a rules name and a URL, "
                         f"not {value!r}")
    check_base_url(base_url)
    rules = SITES[name] if name else rules_for(base_url)
    return name or (rules.name if rules is not GenericSite else site_name(base_url)), rules, base_url.rstrip("/")


def check_base_url(value: str) -> str:
    """``value`` if it is an http(s) URL with a host (a site, a mirror, a replica); ValueError if not.

    The URL the frontier would admit of no site is no site's either, credentials included: the
    crawl never logs in, and the run's row (which Datasette shows) would keep the password.
    """
    reason = url_refusal(value)
    if reason == "credentials":
        raise ValueError("must not carry a user name or password: the crawl never logs in")
    if reason or urlsplit(value).port == 0:
        raise ValueError(f"must be an http(s) URL such as https://www.themoscowtimes.com, not {value!r}")
    return value
