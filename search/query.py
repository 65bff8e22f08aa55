"""A user's query as pieces over a segment's two forms of each word (search/text.py).

Words are ANDed; -word excludes. A word is searched by its stem (every form the segment's lexicon
holds for that stem: والأطفال finds الأطفال, and الحكومة finds الحكومية under Light10); "a word" or
"a phrase" in quotes, or every word with `exact=True` (`--exact`), by its exact form (الحكومة finds
الحكومة and الحكومه, never الحكومية nor والحكومة); a phrase matches its words in order. word* matches every word that
begins with it, after Light10's و and article (روسي* finds الروسية), or exactly with it when exact. No
query syntax is ever taken from the user (pieces become term and phrase queries)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from common.errors import NewsArchiveError
from search.text import Analyzer, strip_clitics, surface_many

_PIECE = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
MAX_PIECES = 32


class QueryError(NewsArchiveError, ValueError):
    reason = "bad_query"


@dataclass(frozen=True)
class Piece:
    forms: tuple[str, ...]  # exact forms, in order (a phrase if more than one)
    stem: str | None = None  # one word searched by its stem (else by its exact forms)
    prefix: str | None = None  # one word searched as a prefix (folded, clitics off unless exact)
    exact: bool = True


@dataclass(frozen=True)
class Query:
    text: str
    must: tuple[Piece, ...]
    must_not: tuple[Piece, ...]
    forms: frozenset[str]  # exact forms to highlight
    stems: frozenset[str]  # stems to highlight
    prefixes: tuple[Piece, ...]  # prefix pieces to highlight
    stemmer: str  # the Analyzer's identity: segments of another are not searched with it


def parse(text: str, *, exact: bool = False, analyzer: Analyzer | None = None) -> Query:
    analyzer = analyzer or Analyzer()
    must: list[Piece] = []
    must_not: list[Piece] = []
    pieces = _PIECE.findall(text)
    if len(pieces) > MAX_PIECES:
        raise QueryError(f"the query has {len(pieces)} parts; give at most {MAX_PIECES}")
    for neg_phrase, phrase, neg_word, word in pieces:
        quoted = bool(phrase or neg_phrase)
        raw = phrase if quoted else word
        is_prefix = not quoted and raw.endswith("*")
        words = surface_many([raw.rstrip("*")])[0].split()
        if not words:
            continue
        forms = tuple(analyzer.forms(w)[0] for w in words)
        if is_prefix:  # the star belongs to the last word
            head = (
                [Piece((f,)) for f in forms[:-1]]
                if exact
                else [_word(analyzer, w) for w in words[:-1]]
            )
            start = forms[-1] if exact else strip_clitics(forms[-1])
            piece_list = [*head, Piece((forms[-1],), prefix=start, exact=exact)]
        elif quoted or exact:
            piece_list = [Piece(forms)] if quoted else [Piece((f,)) for f in forms]
        else:
            piece_list = [_word(analyzer, w) for w in words]
        (must_not if neg_phrase or neg_word else must).extend(piece_list)
    if not must:
        raise QueryError(
            f"the query {text[:80]!r} has no word to search for (only punctuation, marks or "
            "excluded words); give at least one word"
        )
    return Query(
        text,
        tuple(must),
        tuple(must_not),
        frozenset(f for p in must if p.stem is None and p.prefix is None for f in p.forms),
        frozenset(p.stem for p in must if p.stem is not None),
        tuple(p for p in must if p.prefix is not None),
        analyzer.identity,
    )


def _word(analyzer: Analyzer, word: str) -> Piece:
    exact, stem = analyzer.forms(word)
    return Piece((exact,), stem=stem, exact=False)
