"""The in-memory dedup index: URL keys, content hashes, MinHash signatures and LSH band keys.

Built from the index segments of archived snapshots (a window of days) and grown batch by batch. Every
field is kept in numpy arrays, in the chunks it came in (a segment, a batch): no Python object per
document, per band or per signature. Lookups take a whole batch of keys at once: band keys (32 per
document) packed with positions into sorted arrays, URL keys and content hashes as sorted (key,
position) pairs, each merged like an LSM tree; the queries are sorted first, so a lookup walks each
sorted array once in order instead of jumping around it.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from dedup.signatures import BANDS, NUM_PERM, band_keys

POSITION_BITS = 28  # up to 268M documents in one index
_POSITION_MASK = np.uint64((1 << POSITION_BITS) - 1)
_KEY_MASK = ~_POSITION_MASK


class _BandSegments:
    """Band keys packed with positions into one uint64 each (high 36 bits of the key, low 28 bits the
    position), kept as a few sorted arrays merged like an LSM tree. A truncated key can only add a
    false candidate, which the similarity check then rejects."""

    def __init__(self) -> None:
        self.segments: list[np.ndarray] = []  # oldest positions first

    def add(self, keys: np.ndarray, first_position: int) -> None:
        """keys: n x BANDS for the documents at first_position .. first_position + n - 1."""
        if first_position + len(keys) > 1 << POSITION_BITS:
            raise OverflowError(f"the dedup index holds at most {1 << POSITION_BITS} documents")
        if not len(keys):
            return
        positions = np.repeat(
            np.arange(first_position, first_position + len(keys), dtype=np.uint64), BANDS
        )
        packed = (keys.reshape(-1) & _KEY_MASK) | positions
        packed.sort()
        self.segments.append(packed)
        while len(self.segments) > 1 and len(self.segments[-1]) * 2 >= len(self.segments[-2]):
            merged = np.concatenate([self.segments.pop(-2), self.segments.pop()])
            merged.sort(kind="stable")  # two sorted runs: one linear merge
            self.segments.append(merged)

    def lookup(self, keys: np.ndarray, limit: int) -> list[list[int]]:
        """For each row of keys (n x BANDS), the positions sharing at least one band key, oldest segment
        first and, within one, band by band: a band's positions (at most `limit` of them) are taken while
        the row holds fewer than `limit`, so a row holds at most 2 x limit - 1."""
        found: list[list[int]] = [[] for _ in range(len(keys))]
        wanted = keys.reshape(-1) & _KEY_MASK
        order = np.argsort(wanted)
        queries = wanted[order]
        for segment in self.segments:
            left = np.searchsorted(segment, queries, side="left")
            inside = np.flatnonzero(left < len(segment))
            hits = inside[(segment[left[inside]] & _KEY_MASK) == queries[inside]]
            if not len(hits):
                continue
            right = np.searchsorted(segment, queries[hits] | _POSITION_MASK, side="right")
            by_query = np.argsort(order[hits])  # each row's bands in their order
            for query, start, stop in zip(
                order[hits][by_query].tolist(),
                left[hits][by_query].tolist(),
                right[by_query].tolist(),
                strict=True,
            ):
                row = found[query // BANDS]
                if len(row) < limit:
                    row.extend(
                        (segment[start : min(stop, start + limit)] & _POSITION_MASK).tolist()
                    )
        return found


class _KeyPositions:
    """uint64 key → the first (or the newest) position holding it, as sorted (key, position) arrays merged
    like an LSM tree; looked up a batch of keys at a time."""

    def __init__(self, newest: bool) -> None:
        self.newest = newest
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted unique keys, positions)

    def _one_per_key(
        self, keys: np.ndarray, positions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(keys, kind="stable")  # equal keys keep their positions' order
        keys, positions = keys[order], positions[order]
        if len(keys) > 1:
            change = keys[1:] != keys[:-1]
            keep = np.append(change, True) if self.newest else np.insert(change, 0, True)
            keys, positions = keys[keep], positions[keep]
        return keys, positions

    def add(self, keys: np.ndarray, first_position: int) -> None:
        if not len(keys):
            return
        positions = np.arange(first_position, first_position + len(keys), dtype=np.int64)
        self.runs.append(self._one_per_key(np.asarray(keys, dtype=np.uint64), positions))
        while len(self.runs) > 1 and len(self.runs[-1][0]) * 2 >= len(self.runs[-2][0]):
            newer, older = self.runs.pop(), self.runs.pop()
            self.runs.append(
                self._one_per_key(
                    np.concatenate([older[0], newer[0]]), np.concatenate([older[1], newer[1]])
                )
            )

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """For each key its position, -1 where no position holds it."""
        result = np.full(len(keys), -1, dtype=np.int64)
        for run_keys, positions in reversed(self.runs) if self.newest else self.runs:
            at = np.minimum(np.searchsorted(run_keys, keys), len(run_keys) - 1)
            hit = (run_keys[at] == keys) & (result < 0)
            result[hit] = positions[at[hit]]
        return result


class DedupIndex:
    """Everything seen so far, by position: id, canonical id, URL key, content hash, signature."""

    def __init__(self) -> None:
        self._starts: list[int] = []  # the first position of each chunk
        self._chunks: list[dict[str, np.ndarray]] = []  # a segment's or a batch's arrays
        self._size = 0
        self.url_positions = _KeyPositions(newest=True)  # URL key -> newest position with it
        self.content_positions = _KeyPositions(newest=False)  # content hash -> first position
        self.bands = _BandSegments()

    def __len__(self) -> int:
        return self._size

    def _at(self, position: int) -> tuple[dict[str, np.ndarray], int]:
        chunk = bisect_right(self._starts, position) - 1
        return self._chunks[chunk], position - self._starts[chunk]

    def signature(self, position: int) -> np.ndarray:
        chunk, row = self._at(position)
        sig: np.ndarray = chunk["signatures"][row]
        return sig

    def article_id(self, position: int) -> str:
        chunk, row = self._at(position)
        return str(chunk["ids"][row])

    def root_id(self, position: int) -> str:
        """The first-seen (canonical) article's id for the article at this position."""
        chunk, row = self._at(position)
        return str(chunk["root_ids"][row])

    def content(self, position: int) -> int:
        chunk, row = self._at(position)
        return int(chunk["contents"][row])

    def add_chunk(self, chunk: dict[str, np.ndarray], keys: np.ndarray | None = None) -> None:
        """Positions len(self).. for a segment's arrays (see `segment`); keys: their band keys, when
        already computed."""
        first = self._size
        count = len(chunk["ids"])
        if not count:
            return
        self._starts.append(first)
        self._chunks.append(chunk)
        self._size += count
        self.url_positions.add(chunk["url_keys"], first)
        self.content_positions.add(chunk["contents"], first)
        self.bands.add(band_keys(chunk["signatures"]) if keys is None else keys, first)

    def add_segment(self, segment: dict[str, np.ndarray]) -> None:
        """Load a stored segment (see `segment`) after what the index holds."""
        self.add_chunk(segment)

    def segment(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Positions start..stop as plain arrays: the form a segment is stored in the archive."""
        stop = self._size if stop is None else stop
        empty = {
            "ids": np.empty(0, dtype=str),
            "root_ids": np.empty(0, dtype=str),
            "url_keys": np.empty(0, dtype=np.uint64),
            "contents": np.empty(0, dtype=np.uint64),
            "signatures": np.empty((0, NUM_PERM), dtype=np.uint32),
        }
        parts: list[dict[str, np.ndarray]] = [empty]
        for first, chunk in zip(self._starts, self._chunks, strict=True):
            lo, hi = max(start, first), min(stop, first + len(chunk["ids"]))
            if lo < hi:
                parts.append(
                    {name: array[lo - first : hi - first] for name, array in chunk.items()}
                )
        return {name: np.concatenate([part[name] for part in parts]) for name in empty}
