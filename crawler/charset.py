"""Decode an HTML page whose declared charset may be wrong.

Servers and templates declare charsets that do not match the bytes (UTF-8
pages labelled windows-1251 and the reverse). Bytes that decode as UTF-8
are UTF-8 whatever the label says: text in a legacy charset with non-ASCII
letters practically never does. Otherwise the declaration is believed,
unless it claims UTF-8, which the bytes just disproved; then the charset is
detected from the words with non-ASCII bytes alone (markup and English text
would outweigh them).
"""

from __future__ import annotations

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

FALLBACK = "cp1252"  # what browsers assume for undeclared legacy pages


def decode_html(body: bytes) -> str:
    """The text of ``body``: by its BOM, as UTF-8, by its declared charset, else detected."""
    encoding, bom = read_bom(body)
    if encoding:
        return body[len(bom):].decode(encoding, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = resolve_encoding(html_body_declared_encoding(body) or "")
    if declared and declared != "utf-8":
        return body.decode(declared, "replace")
    # the words that tell one legacy charset from another (split, not a regex: a long run without
    # spaces before its first non-ASCII byte would be read again from each of its bytes)
    detected = charset_normalizer.from_bytes(b" ".join(word for word in body.split() if not word.isascii())).best()
    return body.decode(detected.encoding if detected is not None else FALLBACK, "replace")
