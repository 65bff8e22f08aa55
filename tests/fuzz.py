"""Seeded mutations of stored objects (issue 24): what a flaky disk, a partial copy, a hand edit or another
version's writer does to an object. The same seed gives the same mutations on every machine.

- bytes: a byte flipped, the object cut short, a range cut out, bytes inserted, the object emptied;
- JSON: a key deleted, a value swapped for one of another type, an impossible value (negative, huge,
  a path, control characters, a date that is not one), at a path drawn from the whole document;
- deleted: the object gone (`data` None).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

SWAPS: list[Any] = [
    None,
    0,
    -1,
    2**63,
    1.5,
    float("1e308"),
    True,
    "",
    "x",
    "../../etc/passwd",
    "\x00\u202e",
    "2026-13-45",
    [],
    [1, "a"],
    {},
    {"a": 1},
]


@dataclass(frozen=True)
class Mutation:
    name: str
    data: bytes | None  # None: the object is deleted


def byte_mutations(data: bytes, rng: random.Random, count: int) -> Iterator[Mutation]:
    """`count` byte-level mutations of `data` (each differs from it)."""
    yield Mutation("deleted", None)
    yield Mutation("emptied", b"")
    for n in range(count):
        kind = n % 4
        if not data:
            yield Mutation("inserted", bytes([rng.randrange(256)]))
            continue
        at = rng.randrange(len(data))
        if kind == 0:
            flipped = bytearray(data)
            flipped[at] ^= rng.randrange(1, 256)
            yield Mutation(f"byte {at} flipped", bytes(flipped))
        elif kind == 1:
            yield Mutation(f"cut at {at}", data[:at])
        elif kind == 2:
            end = min(len(data), at + rng.randrange(1, 64))
            yield Mutation(f"bytes {at}-{end} cut out", data[:at] + data[end:])
        else:
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
            yield Mutation(f"{len(junk)} bytes inserted at {at}", data[:at] + junk + data[at:])


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _paths(item, (*path, n))


def _replaced(value: Any, path: tuple, new: Any, *, delete: bool = False) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        if delete and not rest:
            del out[head]
        else:
            out[head] = _replaced(value[head], rest, new, delete=delete)
        return out
    out_list = list(value)
    if delete and not rest:
        del out_list[head]
    else:
        out_list[head] = _replaced(value[head], rest, new, delete=delete)
    return out_list


def json_mutations(value: Any, rng: random.Random, count: int) -> Iterator[tuple[str, Any]]:
    """`count` structural mutations of a JSON document: (what was done, the new document)."""
    paths = list(_paths(value))
    for n in range(count):
        path = rng.choice(paths)
        where = "/".join(map(str, path)) or "(root)"
        if n % 3 == 0 and path:
            yield f"{where} deleted", _replaced(value, path, None, delete=True)
        else:
            swap = rng.choice(SWAPS)
            yield f"{where} = {json.dumps(swap)[:30]}", _replaced(value, path, swap)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8")


def sweep(
    original: bytes,
    seed: int,
    count: int,
    *,
    to_json: Callable[[bytes], Any] | None = None,
    from_json: Callable[[Any], bytes] = dumps,
) -> list[tuple[Mutation, bool]]:
    """Byte mutations of `original` and, with `to_json`, structural ones re-encoded by `from_json`:
    (mutation, structural). A structural mutation is re-sealed by the caller (its checksum made right)
    so the decoder, not the checksum, has to catch it."""
    rng = random.Random(seed)
    out = [(m, False) for m in byte_mutations(original, rng, count)]
    if to_json is not None:
        for name, value in json_mutations(to_json(original), rng, count):
            out.append((Mutation(name, from_json(value)), True))
    return out
