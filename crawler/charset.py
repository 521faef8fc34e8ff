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

import re

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

FALLBACK = "cp1252"  # what browsers assume for undeclared legacy pages
_NON_ASCII_WORD = re.compile(rb"\S*[\x80-\xff]\S*")


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
    detected = charset_normalizer.from_bytes(b" ".join(_NON_ASCII_WORD.findall(body))).best()
    return body.decode(detected.encoding if detected is not None else FALLBACK, "replace")
