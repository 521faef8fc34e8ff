"""Remove what the journalists did not write: appeals, sign-ups, paywall prompts, promos.

``passes`` holds the three passes (``crawler.body.extract_body`` runs them in order, around
trafilatura): the site pass (what the site's rules say is no story), the block pass (any page:
blocks independent signals agree on) and the paragraph pass (prompt and meta lines in the
extracted text). ``appeals`` says what is an appeal (the signals and how they add up),
``vocabulary`` holds the words and thresholds they use, ``dom`` the tree helpers, and
``paywall`` reads the publisher's gating markup and the prompts the passes cut.
"""

from crawler.stripping.dom import RemovedBlock, css, normalise_space, root_of
from crawler.stripping.passes import outside_story, site_blocks, strip_paragraphs, strip_site, strip_tree
from crawler.stripping.paywall import cut_paywall_prompt, detect_paywall, is_paywall_prompt

__all__ = [
    "RemovedBlock", "css", "cut_paywall_prompt", "detect_paywall", "is_paywall_prompt", "normalise_space",
    "outside_story", "root_of", "site_blocks", "strip_paragraphs", "strip_site", "strip_tree",
]
