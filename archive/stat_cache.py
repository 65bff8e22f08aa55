"""SHA-256s verified before, by local file identity: (device, inode, size, mtime_ns, ctime_ns).

Any write to a file changes its mtime and ctime (a user cannot set ctime back), and a replaced file is a
new inode with a new ctime: a file whose identity is unchanged still holds the bytes that were hashed.
Like git's index, an identity is remembered only once the file's timestamps are older than the clock's
coarse granularity could hide (MIN_AGE_NS), so a write in the same tick as the hash is never trusted.

The cache is one JSON file in the user's own cache directory (never in the archive: that is what is
checked); a missing or damaged cache is an empty one, and it keeps at most MAX_ENTRIES files.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

Identity = tuple[int, int, int, int, int]
MIN_AGE_NS = 2_000_000_000
MAX_ENTRIES = 200_000
MAX_BYTES = 64 << 20


def identity(st: os.stat_result) -> Identity:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class StatCache:
    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, list[int | str]] = {}
        self.changed = False
        try:
            if path.stat().st_size <= MAX_BYTES:
                data = json.loads(path.read_bytes())
                if isinstance(data, dict):
                    self.entries = {
                        k: v
                        for k, v in data.items()
                        if isinstance(v, list)
                        and len(v) == 6
                        and all(type(x) is int for x in v[:5])
                        and isinstance(v[5], str)
                    }
        except (OSError, ValueError, RecursionError):
            self.entries = {}

    def get(self, file: str, ident: Identity) -> str | None:
        """The SHA-256 verified for this file when it had this identity, or None."""
        entry = self.entries.get(file)
        if entry is None or tuple(entry[:5]) != ident or not isinstance(entry[5], str):
            return None
        return entry[5]

    def put(self, file: str, ident: Identity, sha256: str) -> None:
        if time.time_ns() - max(ident[3], ident[4]) < MIN_AGE_NS:
            return  # too fresh to tell a later write in the same tick from none
        if self.entries.get(file) != [*ident, sha256]:
            self.entries[file] = [*ident, sha256]
            self.changed = True

    def save(self) -> None:
        """Written whole (a temporary file renamed), only when something changed; a cache that cannot be
        written is only a slower next run."""
        if not self.changed:
            return
        entries = dict(list(self.entries.items())[-MAX_ENTRIES:])
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".stat-cache-")
            with os.fdopen(fd, "w") as fh:
                json.dump(entries, fh)
            os.replace(tmp, self.path)
        except OSError:
            return
        self.changed = False
