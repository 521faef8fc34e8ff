"""``fts_query(text)``: what people type into a search box, as a full-text query that always parses.

Words must all appear; ``OR`` between two terms, ``word*`` for a prefix and
``"a phrase"`` work as in web search engines. Everything else is quoted, so
punctuation or a stray quote never becomes FTS5 syntax (or a syntax error).
"""

import re

from datasette import hookimpl

TOKENS = re.compile(r'"([^"]*)"?|(\S+)')
WORD = re.compile(r"\w+")
OPERATORS = {"OR", "AND", "NOT"}


def fts_query(text: str) -> str:
    parts = []
    for phrase, word in TOKENS.findall(text or ""):
        if word in OPERATORS:
            if parts and parts[-1] not in OPERATORS:
                parts.append(word)
            continue
        terms = WORD.findall(phrase if phrase else word)
        if terms:
            prefix = "*" if not phrase and word.endswith("*") else ""
            parts.append('"' + " ".join(terms) + '"' + prefix)
    while parts and parts[-1] in OPERATORS:
        parts.pop()
    return " ".join(parts) or '""'


@hookimpl
def prepare_connection(conn):
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
