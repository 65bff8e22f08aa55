"""Decoding what is read back from the archive: bytes to typed values, or `Malformed` saying where and what.

Every object kind's decoder (the manifest in archive/records.py, the crawl state in spiders/state.py, the
dedup segment, CDXJ lines, the sidecar record, the current table's day file, search pointers, claims) is
built from these, so every malformation (bytes that are not UTF-8, a gzip stream that does not inflate,
JSON that does not parse, a value of another type, a missing key, an impossible value) is one exception,
`Malformed`, which the kind's decoder turns into its damaged-object error naming the object and the
repair. Nothing here trusts its input: sizes are bounded, `bool` is not a number, NaN is not JSON.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

T = TypeVar("T")
MAX_INFLATED = 1 << 30  # a gzip stream inflating past this is damaged (or a bomb), not a state
MAX_TEXT = 1 << 20  # characters of one string value
_SHA256 = re.compile(r"[0-9a-f]{64}")
_REQUIRED: Any = object()


class Malformed(ValueError):
    """A decoded value is not what this version writes; `where` is its path in the object."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


def gunzip(blob: bytes, *, limit: int = MAX_INFLATED) -> bytes:
    """The inflated bytes of one or more gzip members; Malformed if the stream is damaged or inflates past
    `limit` bytes."""
    out: list[bytes] = []
    size, data = 0, blob
    try:
        while data:  # one gzip member after another
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = inflater.decompress(data, limit + 1 - size)
            size += len(chunk)
            if size > limit or inflater.unconsumed_tail:
                raise Malformed("", f"inflates to more than {limit:,} bytes")
            if not inflater.eof:
                raise Malformed("", "the gzip stream is cut short")
            out.append(chunk)
            data = inflater.unused_data
    except zlib.error as exc:
        raise Malformed("", f"not a gzip stream ({exc})") from None
    return b"".join(out)


def _no_constant(name: str) -> Any:
    raise Malformed("", f"{name} is not a JSON number")


def json_value(data: bytes) -> Any:
    """JSON from UTF-8 bytes (no NaN or Infinity); Malformed otherwise."""
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise Malformed("", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, Malformed):
            raise
        raise Malformed("", f"not JSON ({str(exc)[:120]})") from None


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# -- values -------------------------------------------------------------------------------------------
def text(
    value: Any, where: str, *, pattern: re.Pattern[str] | None = None, limit: int = MAX_TEXT
) -> str:
    if not isinstance(value, str):
        raise Malformed(where, f"expected text, found {_kind(value)}")
    if len(value) > limit:
        raise Malformed(where, f"{len(value):,} characters, at most {limit:,}")
    if pattern is not None and not pattern.fullmatch(value):
        raise Malformed(where, f"{value[:60]!r} is not {pattern.pattern!r}")
    return value


def whole(value: Any, where: str, *, low: int = 0, high: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(where, f"expected a whole number, found {_kind(value)}")
    if not low <= value <= high:
        raise Malformed(where, f"{value} is not from {low} to {high}")
    return value


def number(value: Any, where: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(where, f"expected a number, found {_kind(value)}")
    if not low <= value <= high:
        raise Malformed(where, f"{value} is not from {low} to {high}")
    return float(value)


def day(value: Any, where: str) -> str:
    """An ISO date (YYYY-MM-DD), as text."""
    try:
        return date.fromisoformat(text(value, where, limit=10)).isoformat()
    except ValueError as exc:
        if isinstance(exc, Malformed):
            raise
        raise Malformed(where, f"{value!r} is not a date YYYY-MM-DD") from None


def moment(value: Any, where: str) -> str:
    """An ISO 8601 date and time, as text."""
    try:
        datetime.fromisoformat(text(value, where, limit=40))
    except ValueError as exc:
        if isinstance(exc, Malformed):
            raise
        raise Malformed(where, f"{value!r} is not an ISO 8601 time") from None
    return str(value)


def sha256(value: Any, where: str) -> str:
    return text(value, where, pattern=_SHA256)


def optional(check: Callable[[Any, str], T]) -> Callable[[Any, str], T | None]:
    def checked(value: Any, where: str) -> T | None:
        return None if value is None else check(value, where)

    return checked


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(where, f"expected an object, found {_kind(value)}")
    return value


def items(value: Any, where: str, check: Callable[[Any, str], T]) -> list[T]:
    if not isinstance(value, list):
        raise Malformed(where, f"expected a list, found {_kind(value)}")
    return [check(item, f"{where}[{n}]") for n, item in enumerate(value)]


def mapping(
    value: Any,
    where: str,
    check: Callable[[Any, str], T],
    *,
    key: Callable[[Any, str], str] = text,
) -> dict[str, T]:
    """An object whose every key passes `key` and every value `check`."""
    data = obj(value, where)
    if (
        check is text
        and key is text
        and all(
            type(k) is str and type(v) is str and len(k) <= MAX_TEXT and len(v) <= MAX_TEXT
            for k, v in data.items()
        )
    ):  # the common case (URL -> text), checked in one pass; anything else is named below
        return dict(data)
    return {
        key(name, f"{where} key"): check(item, f"{where}[{name[:60]!r}]")
        for name, item in data.items()
    }


class Fields:
    """The fields of one JSON object, read by name with a check each; `where` names the object's path."""

    def __init__(self, value: Any, where: str = ""):
        self.data = obj(value, where or "the object")
        self.where = where

    def _at(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def get(self, name: str, check: Callable[[Any, str], T], default: Any = _REQUIRED) -> T:
        if name not in self.data:
            if default is _REQUIRED:
                raise Malformed(self._at(name), "missing")
            return default  # type: ignore[no-any-return]
        return check(self.data[name], self._at(name))

    def child(self, name: str, default: Any = _REQUIRED) -> Fields:
        if name not in self.data and default is not _REQUIRED:
            return Fields(default, self._at(name))
        return Fields(self.get(name, obj), self._at(name))
