"""Decode an HTML page whose declared charset may be wrong.

Servers and templates declare charsets that do not match the bytes (UTF-8
pages labelled windows-1251 and the reverse). Bytes that decode as UTF-8
are UTF-8 whatever the label says: text in a legacy charset with non-ASCII
letters practically never does. Otherwise the declarations are believed in the
order browsers follow (WHATWG's, as w3lib's ``html_to_unicode``): the HTTP
header's charset (kept with the stored page), then the page's own, leaving out
one that claims UTF-8, which the bytes just disproved; without any, the charset
is detected from the words with non-ASCII bytes alone (markup and English text
would outweigh them). A page in UTF-16 or UTF-32 is known by its byte order
mark, or without one by its first two characters: a page begins with "<" or
white space, and in those encodings ASCII characters come with NUL bytes (the
way the XML spec tells them, Appendix F). Its declarations are no help there:
one in the page is written in the encoding it names.
"""

from __future__ import annotations

import re

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

FALLBACK = "cp1252"  # what browsers assume for undeclared legacy pages
# "<" or white space, then an ASCII character, in the code units of each encoding (UTF-32 first:
# its first unit begins as UTF-16's does)
_WIDE_STARTS = (
    (re.compile(rb"[<\s]\x00{3}[\x01-\x7f]\x00{3}"), "utf-32-le"),
    (re.compile(rb"\x00{3}[<\s]\x00{3}[\x01-\x7f]"), "utf-32-be"),
    (re.compile(rb"[<\s]\x00[\x01-\x7f]\x00"), "utf-16-le"),
    (re.compile(rb"\x00[<\s]\x00[\x01-\x7f]"), "utf-16-be"),
)
# Characters XML cannot hold, but for the form feed and vertical tab (white space to trafilatura):
# it discards a whole document for one of these
_NOT_XML = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# the same in UTF-8, which holds no surrogate: the controls as bytes, the non-characters as sequences
_NOT_XML_CONTROLS = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))
_NOT_XML_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def decode_html(body: bytes, header_charset: str | None = None) -> str:
    """The text of ``body``: by its BOM or its wide code units, as UTF-8, by the charset its HTTP header
    declared (``header_charset``) or the page declares, else detected."""
    encoding, bom = read_bom(body)
    if encoding:
        return body[len(bom):].decode(encoding, "replace")
    encoding = wide_encoding(body)
    if encoding:
        return body.decode(encoding, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for declared in (header_charset, html_body_declared_encoding(body)):
        declared = resolve_encoding(declared or "")
        if declared and declared != "utf-8":
            return body.decode(declared, "replace")
    # the words that tell one legacy charset from another (split, not a regex: a long run without
    # spaces before its first non-ASCII byte would be read again from each of its bytes)
    detected = charset_normalizer.from_bytes(b" ".join(word for word in body.split() if not word.isascii())).best()
    return body.decode(detected.encoding if detected is not None else FALLBACK, "replace")


def content_type_charset(content_type: bytes | None) -> str | None:
    """The charset a ``Content-Type`` header declares (its codec's name), None when it declares none we know."""
    return http_content_type_encoding(content_type.decode("latin-1")) if content_type else None


def wide_encoding(body: bytes) -> str | None:
    """UTF-16 or UTF-32 (and its byte order) if ``body`` begins as a page in it without a BOM, else None."""
    return next((encoding for start, encoding in _WIDE_STARTS if start.match(body)), None)


def drop_non_xml(text: str) -> str:
    """``text`` without the control characters and non-characters XML cannot hold (NUL, ESC, U+FFFF…)."""
    return _NOT_XML.sub("", text) if holds_non_xml(text) else text


def holds_non_xml(text: str) -> bool:
    """Does ``text`` hold a character ``_NOT_XML`` matches? A page nearly never does, and the
    regular expression costs more per character than encoding and looking through the bytes."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return len(data.translate(None, _NOT_XML_CONTROLS)) != len(data) or any(
        sequence in data for sequence in _NOT_XML_NONCHARACTERS)
