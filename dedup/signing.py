"""What the layers compare of a batch's documents, made on threads: normalised texts' hashes, MinHash
signatures, canonical URL keys (`Signed`), with the CPU seconds each step took.

A batch is cut into chunks of SIGN_CHUNK texts, folded and signed on SIGN_THREADS threads (numpy, rensa
and hashlib release the GIL: one thread's URLs go on while the other's arrays are worked on), one batch
ahead of the caller, so the next batch is signed while the caller decides the current one."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

import numpy as np

from dedup.normalize import content_hash, fold_batch
from dedup.signatures import signatures_of_folded
from dedup.urls import canonical_url

if TYPE_CHECKING:
    from dedup.engine import Document

SIGN_CHUNK = 256  # texts folded and signed at once: ~800k code units
SIGN_THREADS = 2
Spent = tuple[float, float, float]  # CPU seconds normalising, signing, keying URLs


def url_key(url: str) -> int:
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "little")


class Signed(NamedTuple):
    """What the layers compare of a batch's documents, row by row."""

    sigs: np.ndarray  # MinHash signatures, n x NUM_PERM
    contents: np.ndarray  # hashes of the normalised texts
    nonempty: np.ndarray  # whether anything is left of a text once normalised
    urls: np.ndarray  # canonical URL keys (a document without URL or canonical URL: its id's)


def located(doc: Document) -> bool:
    """The document has a URL key of its own: its URL, or a canonical URL given alone when that is an
    absolute http(s) URL with a host (a researcher's corpus may hold only that; «/» or «index.html»
    alone would put unrelated documents under one key); else its key is its id's, which matches no
    other document."""
    if doc.url:
        return True
    if not doc.canonical:
        return False
    try:
        parts = urlsplit(doc.canonical.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _sign_chunk(docs: Sequence[Document]) -> tuple[Signed, Spent]:
    """A chunk's Signed, and the CPU seconds this thread spent on each step."""
    began = time.thread_time()
    normalized, folded = fold_batch([doc.text for doc in docs])
    contents = np.fromiter(map(content_hash, normalized), dtype=np.uint64, count=len(docs))
    nonempty = np.fromiter(map(bool, normalized), dtype=bool, count=len(docs))
    normalised = time.thread_time()
    sigs = signatures_of_folded(folded, len(docs))
    signed = time.thread_time()
    urls = np.fromiter(
        (
            url_key(canonical_url(doc.url or "", doc.canonical) if located(doc) else f"id:{doc.id}")
            for doc in docs
        ),
        dtype=np.uint64,
        count=len(docs),
    )
    keyed = time.thread_time()
    return Signed(sigs, contents, nonempty, urls), (
        normalised - began,
        signed - normalised,
        keyed - signed,
    )


def _joined(chunks: list[Future[tuple[Signed, Spent]]]) -> tuple[Signed, Spent]:
    results = [chunk.result() for chunk in chunks]
    if len(results) == 1:
        return results[0]
    columns = zip(*(signed for signed, _ in results), strict=True)
    spent = zip(*(spent for _, spent in results), strict=True)
    total: Spent = tuple(sum(step) for step in spent)
    return Signed(*(np.concatenate(column) for column in columns)), total


def signed_batches(
    batches: Iterable[list[Document]],
) -> Iterator[tuple[list[Document], Signed, Spent]]:
    """Each batch with its Signed and the CPU seconds spent on it, in order; the next batch's chunks
    are queued on the threads before this one is handed back, so they are signed while it is used."""
    with ThreadPoolExecutor(SIGN_THREADS, thread_name_prefix="dedup-sign") as pool:
        ahead: tuple[list[Document], list[Future[tuple[Signed, Spent]]]] | None = None
        for docs in batches:
            queued = (
                docs,
                [
                    pool.submit(_sign_chunk, docs[start : start + SIGN_CHUNK])
                    for start in range(0, len(docs), SIGN_CHUNK)
                ],
            )
            if ahead is not None:
                yield ahead[0], *_joined(ahead[1])
            ahead = queued
        if ahead is not None:
            yield ahead[0], *_joined(ahead[1])
