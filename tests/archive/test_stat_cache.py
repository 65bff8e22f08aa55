"""archive/stat_cache.py: a SHA-256 verified before is trusted only while the file's identity (device,
inode, size, mtime, ctime) is unchanged, never for a write in the same clock tick; a damaged cache file
is an empty cache, and one that cannot be written is only a slower next run."""

from __future__ import annotations

import os

from archive.stat_cache import MIN_AGE_NS, StatCache, identity

SHA = "a" * 64


def _aged(path):
    old = os.stat(path).st_mtime_ns - 2 * MIN_AGE_NS
    os.utime(path, ns=(old, old))
    return identity(os.stat(path))


def test_a_hash_is_remembered_for_the_files_identity_and_forgotten_when_it_changes(tmp_path):
    day = tmp_path / "day.parquet"
    day.write_bytes(b"rows")
    ident = _aged(day)  # mtime set back: ctime stays now, so the identity is still too fresh
    cache = StatCache(tmp_path / "cache.json")
    cache.put(str(day), ident, SHA)
    assert cache.get(str(day), ident) is None and not cache.changed
    cache.put(str(day), ident[:4] + (ident[3],), SHA)  # an identity older than the tick
    old_ident = ident[:4] + (ident[3],)
    assert cache.get(str(day), old_ident) == SHA
    cache.save()
    again = StatCache(tmp_path / "cache.json")
    assert again.get(str(day), old_ident) == SHA
    assert again.get(str(day), old_ident[:2] + (5,) + old_ident[3:]) is None  # another size
    assert again.get(str(tmp_path / "other"), old_ident) is None


def test_a_damaged_cache_is_empty_and_an_unwritable_one_is_no_error(tmp_path):
    path = tmp_path / "cache.json"
    for damaged in (b"{not json", b"[1, 2]", b'{"f": [1, 2, 3]}', b'{"f": ["1", 2, 3, 4, 5, "x"]}'):
        path.write_bytes(damaged)
        assert StatCache(path).entries == {}
    blocked = StatCache(tmp_path / "a-file" / "cache.json")
    (tmp_path / "a-file").write_text("not a directory")
    blocked.put("f", (1, 2, 3, 4, 5), SHA)
    blocked.save()  # no error: the next run only hashes again
    assert blocked.changed
