"""Remove what the journalists did not write: appeals, sign-ups, paywall prompts, promos.

The passes, each returning the ``RemovedBlock`` records it produced (``crawler.body.extract_body``
runs them, in this order, around trafilatura):

* ``site``: what the site's rules say is no story: blocks named by CSS, and anything in the
  story's container that is not one of the story's own blocks (exact, cheap, site-specific).
* ``tree``: the generic DOM pass, on any page: blocks that independent signal families agree on.
* ``text``: the text pass on the extracted paragraphs, for call-to-action lines that reach
  the body without telling markup, and meta lines at its edges.

``paywall`` reads the publisher's gating markup and the prompts the passes cut. The words
all of this looks for are in ``vocabulary``; ``matching`` finds them fast.
"""

from crawler.stripping.dom import RemovedBlock, css, normalise_space, root_of
from crawler.stripping.paywall import detect_paywall
from crawler.stripping.site import site_blocks, strip_site
from crawler.stripping.text import strip_paragraphs
from crawler.stripping.tree import strip_tree

__all__ = [
    "RemovedBlock", "css", "detect_paywall", "normalise_space", "root_of", "site_blocks", "strip_paragraphs",
    "strip_site", "strip_tree",
]
