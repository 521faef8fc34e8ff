"""Registry of site rules: one class per publisher, looked up by name or URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.site_rules.base import SiteRules
from crawler.site_rules.moscowtimes import MoscowTimes

SITES: dict[str, type[SiteRules]] = {MoscowTimes.name: MoscowTimes}

__all__ = ["SITES", "SiteRules", "rules_for"]


def rules_for(url: str | None = None, site: str | None = None) -> type[SiteRules]:
    """The rules of the site named ``site``, else of the site serving ``url``.

    Unknown sites get the generic ``SiteRules`` (metadata and body found by
    the generic extractor alone).
    """
    if site:
        return SITES[site]
    host = urlsplit(url or "").hostname or ""
    for rules in SITES.values():
        if any(host == h or host.endswith("." + h) for h in rules.hosts):
            return rules
    return SiteRules
