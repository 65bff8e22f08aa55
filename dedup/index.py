"""The in-memory dedup index: URL keys, content hashes, MinHash signatures and LSH band keys.

Built from the index segments of archived snapshots (a window of days) and grown batch by batch. Band
keys live in a few sorted numpy arrays (merged like an LSM tree), so a million documents cost ~1.5 GB
and no Python object per band.
"""

from __future__ import annotations

import numpy as np

from dedup.signatures import BANDS, NUM_PERM


class _BandSegments:
    def __init__(self) -> None:
        self.segments: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, positions)

    def add(self, keys: np.ndarray, first_position: int) -> None:
        """keys: n x BANDS for the documents at first_position .. first_position + n - 1."""
        flat = keys.reshape(-1)
        positions = np.repeat(np.arange(first_position, first_position + len(keys), dtype=np.int64), BANDS)
        order = np.argsort(flat, kind="stable")
        self.segments.append((flat[order], positions[order]))
        while len(self.segments) > 1 and len(self.segments[-1][0]) * 2 >= len(self.segments[-2][0]):
            (k1, p1), (k2, p2) = self.segments.pop(-2), self.segments.pop()
            keys_all, pos_all = np.concatenate([k1, k2]), np.concatenate([p1, p2])
            order = np.argsort(keys_all, kind="stable")  # timsort: two sorted runs merge in linear time
            self.segments.append((keys_all[order], pos_all[order]))

    def lookup(self, keys: np.ndarray, limit: int) -> list[list[int]]:
        """For each row of keys (n x BANDS), the positions sharing at least one band key (at most limit)."""
        found: list[list[int]] = [[] for _ in range(len(keys))]
        flat = keys.reshape(-1)
        for seg_keys, seg_pos in self.segments:
            left = np.searchsorted(seg_keys, flat, side="left")
            right = np.searchsorted(seg_keys, flat, side="right")
            for hit in np.flatnonzero(right > left).tolist():
                row = found[hit // BANDS]
                if len(row) < limit:
                    row.extend(seg_pos[left[hit]:min(right[hit], left[hit] + limit)].tolist())
        return found

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + p.nbytes for k, p in self.segments)


class DedupIndex:
    """Everything seen so far, by position: id, canonical id, URL key, content hash, signature."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.root_ids: list[str] = []  # the first-seen (canonical) article's id for each position
        self.url_keys: list[int] = []
        self.contents: list[int] = []
        self.url_pos: dict[int, int] = {}  # URL key -> newest position with that canonical URL
        self.content_pos: dict[int, int] = {}  # content hash -> first position with that normalised text
        self._sigs = np.empty((0, NUM_PERM), dtype=np.uint32)
        self.bands = _BandSegments()

    def __len__(self) -> int:
        return len(self.ids)

    def signature(self, position: int) -> np.ndarray:
        return self._sigs[position]

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
        needed = first_position + len(sigs)
        if needed > len(self._sigs):
            grown = np.empty((max(needed, 2 * len(self._sigs)), NUM_PERM), dtype=np.uint32)
            grown[:first_position] = self._sigs[:first_position]
            self._sigs = grown
        self._sigs[first_position:needed] = sigs
        self.bands.add(keys, first_position)

    def add_segment(self, segment: dict[str, np.ndarray]) -> None:
        """Load a stored segment (see `segment`) after what the index holds."""
        from dedup.signatures import band_keys

        first = len(self)
        for article_id, root_id, url_key, content in zip(
            segment["ids"].tolist(), segment["root_ids"].tolist(), segment["url_keys"].tolist(),
            segment["contents"].tolist(), strict=True,
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
            "signatures": self._sigs[start:stop].copy(),
        }

    @property
    def nbytes(self) -> int:
        return self._sigs.nbytes + self.bands.nbytes
