"""The in-memory dedup index: URL keys, content hashes, MinHash signatures and LSH band keys.

Built from the index segments of archived snapshots (a window of days) and grown batch by batch. Per
document: 32 packed band keys (256 bytes) in a few sorted numpy arrays merged like an LSM tree, and a
128-value signature (512 bytes) in the chunk it came with; no Python object per band or signature.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from dedup.signatures import BANDS, NUM_PERM, band_keys

POSITION_BITS = 28  # up to 268M documents in one index
_POSITION_MASK = np.uint64((1 << POSITION_BITS) - 1)


class _BandSegments:
    """Band keys packed with positions into one uint64 each (high 36 bits of the key, low 28 bits the
    position), kept as a few sorted arrays merged like an LSM tree. A truncated key can only add a
    false candidate, which the similarity check then rejects."""

    def __init__(self) -> None:
        self.segments: list[np.ndarray] = []

    def add(self, keys: np.ndarray, first_position: int) -> None:
        """keys: n x BANDS for the documents at first_position .. first_position + n - 1."""
        if first_position + len(keys) > 1 << POSITION_BITS:
            raise OverflowError(f"the dedup index holds at most {1 << POSITION_BITS} documents")
        positions = np.repeat(
            np.arange(first_position, first_position + len(keys), dtype=np.uint64), BANDS
        )
        packed = (keys.reshape(-1) & ~_POSITION_MASK) | positions
        packed.sort()
        self.segments.append(packed)
        while len(self.segments) > 1 and len(self.segments[-1]) * 2 >= len(self.segments[-2]):
            merged = np.concatenate([self.segments.pop(-2), self.segments.pop()])
            merged.sort()
            self.segments.append(merged)

    def lookup(self, keys: np.ndarray, limit: int) -> list[list[int]]:
        """For each row of keys (n x BANDS), the positions sharing at least one band key (at most limit)."""
        found: list[list[int]] = [[] for _ in range(len(keys))]
        low = keys.reshape(-1) & ~_POSITION_MASK
        high = low | _POSITION_MASK
        for segment in self.segments:
            left = np.searchsorted(segment, low, side="left")
            right = np.searchsorted(segment, high, side="right")
            for hit in np.flatnonzero(right > left).tolist():
                row = found[hit // BANDS]
                if len(row) < limit:
                    hits = segment[left[hit] : min(right[hit], left[hit] + limit)] & _POSITION_MASK
                    row.extend(hits.tolist())
        return found


class DedupIndex:
    """Everything seen so far, by position: id, canonical id, URL key, content hash, signature."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.root_ids: list[str] = []  # the first-seen (canonical) article's id for each position
        self.url_keys: list[int] = []
        self.contents: list[int] = []
        self.url_pos: dict[int, int] = {}  # URL key -> newest position with that canonical URL
        self.content_pos: dict[
            int, int
        ] = {}  # content hash -> first position with that normalised text
        self._sig_chunks: list[
            np.ndarray
        ] = []  # signatures in the chunks they were added in (no copying)
        self._sig_starts: list[int] = []
        self.bands = _BandSegments()

    def __len__(self) -> int:
        return len(self.ids)

    def signature(self, position: int) -> np.ndarray:
        chunk = bisect_right(self._sig_starts, position) - 1
        sig: np.ndarray = self._sig_chunks[chunk][position - self._sig_starts[chunk]]
        return sig

    def append(self, article_id: str, root_id: str, url_key: int, content: int) -> int:
        position = len(self.ids)
        self.ids.append(article_id)
        self.root_ids.append(root_id)
        self.url_keys.append(url_key)
        self.contents.append(content)
        self.url_pos[url_key] = position
        self.content_pos.setdefault(content, position)
        return position

    def add_signatures(self, sigs: np.ndarray, keys: np.ndarray, first_position: int) -> None:
        """Signatures and band keys for positions first_position.. (after their append calls)."""
        if len(sigs):
            self._sig_starts.append(first_position)
            self._sig_chunks.append(sigs)
        self.bands.add(keys, first_position)

    def add_segment(self, segment: dict[str, np.ndarray]) -> None:
        """Load a stored segment (see `segment`) after what the index holds."""
        first = len(self)
        for article_id, root_id, url_key, content in zip(
            segment["ids"].tolist(),
            segment["root_ids"].tolist(),
            segment["url_keys"].tolist(),
            segment["contents"].tolist(),
            strict=True,
        ):
            self.append(article_id, root_id, url_key, content)
        self.add_signatures(segment["signatures"], band_keys(segment["signatures"]), first)

    def segment(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Positions start..stop as plain arrays: the form a segment is stored in the archive."""
        stop = len(self) if stop is None else stop
        return {
            "ids": np.array(self.ids[start:stop], dtype=str),
            "root_ids": np.array(self.root_ids[start:stop], dtype=str),
            "url_keys": np.array(self.url_keys[start:stop], dtype=np.uint64),
            "contents": np.array(self.contents[start:stop], dtype=np.uint64),
            "signatures": self._signatures(start, stop),
        }

    def _signatures(self, start: int, stop: int) -> np.ndarray:
        parts = [np.empty((0, NUM_PERM), dtype=np.uint32)]
        for first, chunk in zip(self._sig_starts, self._sig_chunks, strict=True):
            lo, hi = max(start, first), min(stop, first + len(chunk))
            if lo < hi:
                parts.append(chunk[lo - first : hi - first])
        return np.concatenate(parts)
