"""Searching and counting over the segments of the newest complete rev of each day.

Ranking is FTS5's BM25 (title weighted twice the text) with each day's segment's own statistics; the
best hits of every day are merged by score. Duplicates (rows with `duplicate_of`) are left out unless
asked for. A hit carries its citation and a snippet of its text with the matched words in **bold**."""

from __future__ import annotations

import heapq
import os
import sqlite3
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from search.query import Query
from search.segment import read_text
from search.segments_local import LocalSegment
from search.text import WORD, Stemmer, fold_many

TITLE_WEIGHT, BODY_WEIGHT = 2.0, 1.0
SNIPPET_WORDS = 32
_STEMMER = Stemmer()


@dataclass(frozen=True)
class Filters:
    outlet: str | None = None
    lang: str | None = None
    include_duplicates: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        where, args = [], []
        if not self.include_duplicates:
            where.append("docs.dup = 0")
        if self.outlet:
            where.append("docs.outlet = ?")
            args.append(self.outlet)
        if self.lang:
            where.append("(docs.lang = ? OR docs.lang LIKE ?)")
            args += [self.lang, self.lang + "-%"]
        return " AND ".join(where) or "1", args


def connect(segment: LocalSegment) -> sqlite3.Connection:
    db = sqlite3.connect(f"file:{segment.path}?mode=ro&immutable=1", uri=True)
    db.row_factory = sqlite3.Row
    return db


def search(segments: Iterable[LocalSegment], query: Query, filters: Filters, limit: int) -> list[dict[str, Any]]:
    """The best `limit` hits over the segments, each segment queried in its own thread (SQLite runs
    without the GIL)."""
    where, args = filters.sql()
    sql = (f"SELECT fts.rowid AS rowid, bm25(fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score FROM fts "
           f"JOIN docs ON docs.rowid = fts.rowid WHERE fts MATCH ? AND {where} ORDER BY score LIMIT ?")

    def best_of(segment: LocalSegment) -> list[tuple[float, LocalSegment, int]]:
        db = connect(segment)
        try:
            rows = db.execute(sql, [query.expression, *args, limit]).fetchall()  # noqa: S608 - no user text in sql
        finally:
            db.close()
        return [(row["score"], segment, row["rowid"]) for row in rows]

    ordered = list(segments)
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        found = [hit for hits in pool.map(best_of, ordered) for hit in hits]
    best = heapq.nsmallest(limit, enumerate(found), key=lambda f: (f[1][0], f[0]))
    return [_hit(segment, rowid, score, query) for _, (score, segment, rowid) in best]


def _hit(segment: LocalSegment, rowid: int, score: float, query: Query) -> dict[str, Any]:
    db = connect(segment)
    try:
        doc = db.execute("SELECT * FROM docs WHERE rowid = ?", [rowid]).fetchone()
        text = read_text(db, rowid)
    finally:
        db.close()
    citation = {
        "title": doc["title"], "outlet": doc["outlet"], "author": doc["author"], "published": doc["published"],
        "url": doc["url"], "archived": doc["fetched_at"] or segment.ref.day, "snapshot": segment.ref.day,
        "rev": segment.ref.rev, "article_id": doc["id"], "capture_id": doc["capture_id"],
    }
    return {"id": doc["id"], "score": round(-score, 4), "day": segment.ref.day, "outlet": doc["outlet"],
            "language": doc["lang"], "duplicate": bool(doc["dup"]), "title": highlight(doc["title"] or "", query),
            "snippet": snippet(text, query), "citation": citation}


def _matches(words: list[str], query: Query) -> list[bool]:
    folded = fold_many(words) if words else []
    out = []
    for word in folded:
        stems = _STEMMER.tokens(word)
        out.append(any(s in query.stems or s.startswith(query.prefixes) for s in stems) if query.prefixes
                   else any(s in query.stems for s in stems))
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
