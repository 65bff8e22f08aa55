"""A user's query as pieces over the index's stems (search/engine.py makes each a tantivy query).

Words are ANDed; "a phrase" matches its words in order; word* matches every stem it begins; -word
excludes. Every piece is folded and stemmed as the index is (search/text.py), so والأطفال finds
الأطفال; no query syntax is ever taken from the user (pieces become term and phrase queries)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.errors import NewsArchiveError
from search.text import fold_many, stem

_PIECE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
MAX_PIECES = 32


class QueryError(NewsArchiveError, ValueError):
    reason = "bad_query"


@dataclass(frozen=True)
class Piece:
    terms: tuple[str, ...]  # stems in order (a phrase if more than one)
    prefix: bool  # the last stem is a prefix


@dataclass(frozen=True)
class Query:
    text: str
    must: tuple[Piece, ...]
    must_not: tuple[Piece, ...]
    stems: frozenset[str]  # whole stems to highlight
    prefixes: tuple[str, ...]  # prefix stems to highlight


def parse(text: str) -> Query:
    must: list[Piece] = []
    must_not: list[Piece] = []
    stems: set[str] = set()
    prefixes: list[str] = []
    pieces = _PIECE.findall(text)
    if len(pieces) > MAX_PIECES:
        raise QueryError(f"the query has {len(pieces)} parts; give at most {MAX_PIECES}")
    for neg_phrase, phrase, neg_word, word in pieces:
        negate = bool(neg_phrase or neg_word)
        raw = phrase if phrase or neg_phrase else word
        is_prefix = not (phrase or neg_phrase) and raw.endswith("*")
        words = fold_many([raw.rstrip("*")])[0].split()
        if not words:
            continue
        terms = [stem(w) for w in words]
        if is_prefix:
            terms[-1] = stem(words[-1]) if len(stem(words[-1])) >= 2 else words[-1]
        (must_not if negate else must).append(Piece(tuple(terms), is_prefix))
        if not negate:
            stems.update(terms[:-1] if is_prefix else terms)
            if is_prefix:
                prefixes.append(terms[-1])
    if not must:
        raise QueryError(
            f"the query {text[:80]!r} has no word to search for (only punctuation, marks or "
            "excluded words); give at least one word"
        )
    return Query(text, tuple(must), tuple(must_not), frozenset(stems), tuple(prefixes))
