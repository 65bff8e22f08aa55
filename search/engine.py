"""Searching and counting over the segments of the newest complete rev of each day.

Ranking is tantivy's BM25 (title weighted twice the text) with each day's segment's own statistics,
top-k by block-max WAND inside a segment; the best hits of every day are merged by score. Duplicates
(rows with `duplicate_of`) are left out unless asked for. A hit carries its citation and a snippet of
its text with the matched words in **bold**, both read from its row in the snapshot
(search/rows_local.py)."""

from __future__ import annotations

import heapq
import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import tantivy

from search.query import Piece, Query
from search.rows_local import SnapshotRows
from search.segment import Location, SegmentError, open_index
from search.segments_local import LocalSegment, combined_view
from search.text import WORD, Stemmer, fold_many

logger = logging.getLogger(__name__)
TITLE_WEIGHT = 2.0
FIELDS = ("title", "body")
MAX_EXPANSIONS = (
    4096  # stems a prefix may stand for in one segment, scored one by one; beyond, unscored
)
SNIPPET_WORDS = 32
_STEMMER = Stemmer()


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


def open_segment(segment: LocalSegment) -> Opened:
    try:
        index = open_index(segment.path)
        return Opened(segment, index, index.searcher())
    except (ValueError, OSError) as exc:
        raise SegmentError(f"{segment.ref.label}: cannot open its search segment ({exc})") from None


def _piece_in(opened: Opened, piece: Piece, field: str) -> tantivy.Query:
    schema = opened.index.schema
    if not piece.prefix:
        if len(piece.terms) == 1:
            return tantivy.Query.term_query(schema, field, piece.terms[0])
        return tantivy.Query.phrase_query(schema, field, list(piece.terms))
    stems = [
        t
        for t, _ in opened.searcher.terms_with_prefix(
            field, piece.terms[-1], limit=MAX_EXPANSIONS + 1
        )
    ]
    if len(stems) > MAX_EXPANSIONS:  # too many to score one by one: all of them, unscored
        return tantivy.Query.phrase_prefix_query(schema, field, list(piece.terms))
    if not stems:
        return tantivy.Query.empty_query()
    head = list(piece.terms[:-1])
    alternatives = [
        tantivy.Query.term_query(schema, field, s)
        if not head
        else tantivy.Query.phrase_query(schema, field, [*head, s])
        for s in stems
    ]
    return (
        alternatives[0]
        if len(alternatives) == 1
        else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in alternatives])
    )


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
    segments: Iterable[LocalSegment], query: Query, filters: Filters, limit: int
) -> list[dict[str, Any]]:
    """The best `limit` hits over the segments: one search over their combined view (BM25 with the
    statistics of all the days, pruning across them), else each segment in a thread pool (tantivy
    searches without the GIL) with its own statistics, merged by score."""
    ordered = list(segments)
    rows = _Rows(ordered)
    try:
        view = combined_view(ordered)
        if view is not None:
            index = open_index(view)
            opened = Opened(ordered[0], index, index.searcher())
            found = opened.searcher.search(
                compile_query(opened, query, filters), limit, count=False
            ).hits
            return [_hit(opened, address, score, query, rows) for score, address in found]
    except (ValueError, OSError, KeyError) as exc:  # a view that cannot be made or read: day by day
        logger.info("searching day by day (%s)", exc)

    def best_of(segment: LocalSegment) -> tuple[Opened, list[tuple[float, Any]]]:
        opened = open_segment(segment)
        found = opened.searcher.search(
            compile_query(opened, query, filters), limit, count=False
        ).hits
        return opened, found

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        merged = [
            (score, n, opened, address)
            for n, (opened, hits) in enumerate(pool.map(best_of, ordered))
            for score, address in hits
        ]
    best = heapq.nsmallest(limit, merged, key=lambda f: (-f[0], f[1], f[3].doc))
    return [_hit(opened, address, score, query, rows) for score, _, opened, address in best]


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


def _hit(opened: Opened, address: Any, score: float, query: Query, rows: _Rows) -> dict[str, Any]:
    doc = opened.searcher.doc(address)
    segment, row = rows.at(Location.from_bytes(bytes(doc["at"][0])))
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


def _matches(words: list[str], query: Query) -> list[bool]:
    folded = fold_many(words) if words else []
    out = []
    for word in folded:
        stems = _STEMMER.tokens(word)
        out.append(
            any(s in query.stems or s.startswith(query.prefixes) for s in stems)
            if query.prefixes
            else any(s in query.stems for s in stems)
        )
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
