"""Searching and counting over the segments of the newest complete rev of each day.

A stemmed word is every exact form the segments' lexicons hold for its stem (a disjunction of terms); an
exact word is its term, a phrase its terms in order, a prefix every term that begins with it (after
Light10's clitics unless exact). Ranking is tantivy's BM25 (title weighted twice the text), top-k by
block-max WAND; hits are in one total order (score, then place), so pages cut from it (`offset`) are
disjoint and together the whole result. Duplicates
(rows with `duplicate_of`) are left out unless asked for. A hit carries its citation and a snippet of
its text with the matched words in **bold**, both read from its row in the snapshot
(search/rows_local.py)."""

from __future__ import annotations

import heapq
import logging
import math
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import tantivy

from search.query import Piece, Query
from search.rows_local import SnapshotRows
from search.segment import (
    LEXICON,
    SEPARATOR,
    Location,
    SegmentError,
    lexicon_prefix,
    locations,
    open_index,
)
from search.segments_local import LocalSegment, combined_view
from search.text import CLITICS, WORD, Analyzer, surface_many

logger = logging.getLogger(__name__)
TITLE_WEIGHT = 2.0
FIELDS = ("title", "body")
MAX_EXPANSIONS = 4096  # words a prefix or a stem may stand for, scored one by one
SNIPPET_WORDS = 32


@dataclass(frozen=True)
class Filters:
    outlet: str | None = None
    lang: str | None = None
    include_duplicates: bool = False

    def clauses(self, schema: tantivy.Schema) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        out = []
        if not self.include_duplicates:
            out.append((tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "dup", 1)))
        if self.outlet:
            out.append(
                (
                    tantivy.Occur.Must,
                    _unscored(tantivy.Query.term_query(schema, "outlet", self.outlet)),
                )
            )
        if self.lang:
            out.append(
                (tantivy.Occur.Must, _unscored(tantivy.Query.term_query(schema, "lang", self.lang)))
            )
        return out


def _unscored(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)


@dataclass
class Opened:
    """A segment's index and searcher (open once per command)."""

    segment: LocalSegment
    index: tantivy.Index
    searcher: tantivy.Searcher

    def __post_init__(self) -> None:
        self._forms: dict[str, list[str]] = {}

    def forms_of(self, stem: str) -> list[str]:
        """Every exact form the lexicon holds for `stem` (beyond MAX_EXPANSIONS, the most common)."""
        if stem not in self._forms:
            found = self.searcher.terms_with_prefix(
                LEXICON, lexicon_prefix(stem), limit=MAX_EXPANSIONS
            )
            self._forms[stem] = sorted(t.split(SEPARATOR, 1)[1] for t, _ in found)
        return self._forms[stem]


def open_segment(segment: LocalSegment) -> Opened:
    try:
        index = open_index(segment.path)
        return Opened(segment, index, index.searcher())
    except (ValueError, OSError) as exc:
        raise SegmentError(f"{segment.ref.label}: cannot open its search segment ({exc})") from None


def _piece_in(opened: Opened, piece: Piece, field: str) -> tantivy.Query:
    schema = opened.index.schema
    if piece.prefix is not None:
        starts = [piece.prefix] if piece.exact else [c + piece.prefix for c in CLITICS]
        words = sorted(
            {
                t
                for start in starts
                for t, _ in opened.searcher.terms_with_prefix(
                    field, start, limit=MAX_EXPANSIONS + 1
                )
            }
        )
        if len(words) > MAX_EXPANSIONS:  # too many to score one by one: all of them, unscored
            return _any(
                [tantivy.Query.phrase_prefix_query(schema, field, [start]) for start in starts]
            )
    elif piece.stem is not None:
        return _stemmed(opened, field, opened.forms_of(piece.stem))
    elif len(piece.forms) > 1:
        return tantivy.Query.phrase_query(schema, field, list(piece.forms))
    else:
        words = list(piece.forms)
    return _any([tantivy.Query.term_query(schema, field, w) for w in words])


def _stemmed(opened: Opened, field: str, words: list[str]) -> tantivy.Query:
    """A stem as the disjunction of its forms, each weighted so that it counts as rare as the stem
    (BM25's IDF of the forms together, not its own): else an article with a rare form of a common
    word would outrank the articles with the word itself."""
    schema, searcher = opened.index.schema, opened.searcher
    freqs = [(w, searcher.doc_freq(field, w)) for w in words]
    found = [(w, df) for w, df in freqs if df]
    together = _idf(searcher.num_docs, sum(df for _, df in found))
    return _any(
        [
            tantivy.Query.boost_query(
                tantivy.Query.term_query(schema, field, w), together / _idf(searcher.num_docs, df)
            )
            for w, df in found
        ]
    )


def _idf(docs: int, freq: int) -> float:
    """BM25's IDF (as tantivy computes it) of a term in `freq` of `docs` documents."""
    freq = min(freq, docs)
    return math.log(1 + (docs - freq + 0.5) / (freq + 0.5))


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    if not queries:
        return tantivy.Query.empty_query()
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _piece(opened: Opened, piece: Piece) -> tantivy.Query:
    title, body = (_piece_in(opened, piece, f) for f in FIELDS)
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Should, tantivy.Query.boost_query(title, TITLE_WEIGHT)),
            (tantivy.Occur.Should, body),
        ]
    )


def compile_query(opened: Opened, query: Query | None, filters: Filters) -> tantivy.Query:
    """The user's query and the filters as one tantivy query for this segment (None: every article)."""
    clauses = filters.clauses(opened.index.schema)
    if query is None:
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    else:
        clauses += [(tantivy.Occur.Must, _piece(opened, p)) for p in query.must]
        clauses += [(tantivy.Occur.MustNot, _piece(opened, p)) for p in query.must_not]
    return tantivy.Query.boolean_query(clauses)


def search(
    segments: Iterable[LocalSegment],
    query: Query,
    filters: Filters,
    limit: int,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Hits `offset + 1` to `offset + limit` over the segments, best first: one search over their
    combined view (BM25 with the statistics of all the days, pruning across them), else each segment
    in a thread pool (tantivy searches without the GIL) with its own statistics, merged by score. Ties
    go to the earlier place (segment, then document), so every page is cut from the same order."""
    ordered = list(segments)
    rows = _Rows(ordered)
    try:
        view = combined_view(ordered)
        if view is not None:
            index = open_index(view)
            opened = Opened(ordered[0], index, index.searcher())
            found = opened.searcher.search(
                compile_query(opened, query, filters), limit, count=False, offset=offset
            ).hits
            return _hits(
                [(score, opened, address) for score, address in found], query, rows, offset
            )
    except (ValueError, OSError, KeyError) as exc:  # a view that cannot be made or read: day by day
        logger.info("searching day by day (%s)", exc)

    def best_of(segment: LocalSegment) -> tuple[Opened, list[tuple[float, Any]]]:
        opened = open_segment(segment)
        found = opened.searcher.search(
            compile_query(opened, query, filters), offset + limit, count=False
        ).hits
        return opened, found

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        merged = [
            (score, n, opened, address)
            for n, (opened, hits) in enumerate(pool.map(best_of, ordered))
            for score, address in hits
        ]
    best = heapq.nsmallest(
        offset + limit, merged, key=lambda f: (-f[0], f[1], f[3].segment_ord, f[3].doc)
    )[offset:]
    return _hits(
        [(score, opened, address) for score, _, opened, address in best], query, rows, offset
    )


class _Rows:
    """The rows of the segments' snapshots, each opened once per search."""

    def __init__(self, segments: Iterable[LocalSegment]):
        self.segments = {(s.ref.day, s.ref.rev): s for s in segments}
        self.opened: dict[tuple[str, int], SnapshotRows] = {}

    def at(self, at: Location) -> tuple[LocalSegment, dict[str, Any]]:
        key = (at.day, at.rev)
        segment = self.segments.get(key)
        if segment is None:
            raise SegmentError(
                f"a search segment names {at.day} rev {at.rev}, which is not searched"
            )
        if key not in self.opened:
            self.opened[key] = SnapshotRows(segment.ref, segment.rows_file)
        return segment, self.opened[key].row(at)


def _iso(value: date | None) -> str | None:
    """A date or time of the typed columns (archive/schema.py) as ISO 8601 text, as hits cite it."""
    return value.isoformat() if value is not None else None


def _hits(
    found: list[tuple[float, Opened, Any]], query: Query, rows: _Rows, offset: int
) -> list[dict[str, Any]]:
    """The hits with their rows, ranked from `offset + 1` (each segment's places read in one go)."""
    places: list[Location | None] = [None] * len(found)
    by_segment: dict[int, list[int]] = {}
    for n, (_, opened, _) in enumerate(found):
        by_segment.setdefault(id(opened), []).append(n)
    for numbers in by_segment.values():
        searcher = found[numbers[0]][1].searcher
        for n, place in zip(
            numbers, locations(searcher, [found[n][2] for n in numbers]), strict=True
        ):
            places[n] = place
    return [
        _hit(place, score, query, rows, offset + n)
        for n, ((score, _, _), place) in enumerate(zip(found, places, strict=True), 1)
        if place is not None
    ]


def _hit(at: Location, score: float, query: Query, rows: _Rows, rank: int) -> dict[str, Any]:
    segment, row = rows.at(at)
    citation = {
        "title": row["title"],
        "outlet": row["outlet"],
        "author": row["author"],
        "published": _iso(row["published"] or row["published_date"]),
        "url": row["url"],
        "archived": _iso(row["fetched_at"]) or segment.ref.day,
        "snapshot": segment.ref.day,
        "rev": segment.ref.rev,
        "article_id": row["id"],
        "capture_id": row["capture_id"],
    }
    return {
        "rank": rank,
        "id": row["id"],
        "score": round(score, 4),
        "day": segment.ref.day,
        "outlet": row["outlet"],
        "language": row["language"],
        "duplicate": row["duplicate_of"] is not None,
        "title": highlight(row["title"] or "", query),
        "snippet": snippet(row["text"] or "", query),
        "citation": citation,
    }


@cache
def _analyzer(stemmer: str) -> Analyzer:
    return Analyzer(stemmer.split()[0])


def _matches(words: list[str], query: Query) -> list[bool]:
    """Which of these words of the text the query matched: the same exact form, the same stem, or a
    word that begins with a prefix (after clitics unless exact)."""
    forms = _analyzer(query.stemmer).forms
    starts = tuple(
        start
        for p in query.prefixes
        for start in ([p.prefix or ""] if p.exact else [c + (p.prefix or "") for c in CLITICS])
    )
    out = []
    for surface in surface_many(words) if words else []:
        hit = False
        for word in surface.split():
            exact, stem = forms(word)
            if exact in query.forms or stem in query.stems or (starts and exact.startswith(starts)):
                hit = True
        out.append(hit)
    return out


def highlight(text: str, query: Query) -> str:
    spans = [m.span() for m in WORD.finditer(text)]
    hits = _matches([text[a:b] for a, b in spans], query)
    return _marked(text, spans, hits, 0, len(spans))


def snippet(text: str, query: Query) -> str:
    """About SNIPPET_WORDS words of the text around its densest run of matched words."""
    spans = [m.span() for m in WORD.finditer(text)]
    if not spans:
        return ""
    hits = _matches([text[a:b] for a, b in spans], query)
    width = min(SNIPPET_WORDS, len(spans))
    window = sum(hits[:width])
    best, best_start = window, 0
    for start in range(1, len(spans) - width + 1):
        window += hits[start + width - 1] - hits[start - 1]
        if window > best:
            best, best_start = window, start
    start = 0
    if best:  # the window's first matched word a few words in, the window kept inside the text
        first = hits.index(True, best_start)
        start = max(0, min(first - 3, len(spans) - width))
    end = min(len(spans), start + width)
    out = _marked(text, spans, hits, start, end)
    return ("… " if start else "") + out + (" …" if end < len(spans) else "")


def _marked(text: str, spans: list[tuple[int, int]], hits: list[bool], start: int, end: int) -> str:
    if start >= end:
        return " ".join(text.split())
    parts, cursor = [], spans[start][0]
    for n in range(start, end):
        a, b = spans[n]
        parts.append(text[cursor:a])
        parts.append(f"**{text[a:b]}**" if hits[n] else text[a:b])
        cursor = b
    return " ".join("".join(parts).split())
