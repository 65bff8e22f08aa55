"""Citations of archived articles: one `Citation` per row (`citation_of`), written as CSL-JSON (Zotero,
pandoc, citeproc) or BibTeX/biblatex. The same fields wherever a citation is shown: `export`, search hits.

A citation names the article as published (title, outlet, author, publication date, URL) and where it is
kept (archived date, snapshot and rev, article id, WARC capture id), so a reader can fetch exactly the
text that was cited with `newsarchive snapshots get D --rev N`, and its replay URL: the capture as a
Memento (`<replay base>/<YYYYMMDDhhmmss>/<url>`, the base NEWSARCHIVE_REPLAY_URL, by default what
`newsarchive replay` serves) with its Memento-Datetime, the time of the capture. The language goes into
biblatex's `langid` by its babel/polyglossia name (arabic, not ar). Every value from a page goes into
BibTeX through common.escape.bibtex (bibtex_url for the urls) and into CSL-JSON through
common.escape.json_text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from archive.records import ArchivedRow
from common.escape import bibtex, bibtex_url, json_text
from newsarchive.variables import DEFAULT_REPLAY_URL

FORMATS = ("csl-json", "bibtex")
# BCP 47 primary subtags to the language names biblatex's langid takes (babel and polyglossia)
BIBLATEX_LANGUAGES = {
    "ar": "arabic",
    "en": "english",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "tr": "turkish",
    "fa": "persian",
    "ku": "kurdish",
    "he": "hebrew",
    "ru": "russian",
    "ur": "urdu",
    "nl": "dutch",
    "pt": "portuguese",
}


@dataclass(frozen=True)
class Citation:
    article_id: str
    title: str
    outlet: str  # the outlet's id
    outlet_name: str  # its name in the registry (the id when unknown)
    author: str | None
    published: str | None  # YYYY-MM-DD, as the page dated it
    url: str
    archived: str | None  # YYYY-MM-DD the capture was made
    snapshot_date: str | None
    snapshot_rev: int | None
    capture_id: str | None  # WARC-Record-ID of the capture
    language: str | None
    replay_url: str | None = None  # the capture as a Memento on the replay server
    memento_datetime: str | None = (
        None  # when it was captured (ISO 8601, UTC): its Memento-Datetime
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def snapshot(self) -> str | None:
        """ "2026-11-21 rev 2", as manifests and the CLI name a snapshot."""
        if self.snapshot_date is None:
            return None
        return (
            f"{self.snapshot_date} rev {self.snapshot_rev}"
            if self.snapshot_rev
            else self.snapshot_date
        )


def _day(value: Any) -> str | None:
    """The YYYY-MM-DD of an ISO date or timestamp (the date as written, before any time zone shift)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    match = re.match(r"\d{4}-\d{2}-\d{2}", str(value))
    return match.group(0) if match else None


def _instant(value: Any) -> datetime | None:
    """A capture time (a datetime, or ISO 8601 text with its offset) in UTC; None when it is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def replay_url(base: str, captured: datetime, url: str) -> str:
    """The capture of `url` at `captured` (UTC) on a Wayback-style replay server (pywb, `newsarchive
    replay`): `<base>/<YYYYMMDDhhmmss>/<url>`."""
    return f"{base.rstrip('/')}/{captured.astimezone(UTC):%Y%m%d%H%M%S}/{url}"


def citation_of(
    row: ArchivedRow | Mapping[str, Any],
    outlet_names: Mapping[str, str] | None = None,
    replay_base: str | None = DEFAULT_REPLAY_URL,
) -> Citation:
    """The citation of one archived row: an ArchivedRow, or a mapping with its fields (a row of `export`,
    of the current-articles table or of a search hit) and optionally snapshot_date and snapshot_rev.
    With a `replay_base`, a row with its capture time gets its replay URL and Memento-Datetime."""
    data: Mapping[str, Any] = row.to_dict() if isinstance(row, ArchivedRow) else row
    outlet = str(data.get("outlet") or "")
    rev = data.get("snapshot_rev")
    url = str(data.get("url") or "")
    captured = _instant(data.get("fetched_at"))
    return Citation(
        article_id=str(data.get("id") or ""),
        title=str(data.get("title") or ""),
        outlet=outlet,
        outlet_name=(outlet_names or {}).get(outlet, outlet),
        author=data.get("author") or None,
        published=_day(data.get("published_date")) or _day(data.get("published")),
        url=url,
        archived=_day(captured) or _day(data.get("snapshot_date")),
        snapshot_date=_day(data.get("snapshot_date")),
        snapshot_rev=int(rev) if rev is not None else None,
        capture_id=data.get("capture_id") or None,
        language=data.get("language") or None,
        replay_url=replay_url(replay_base, captured, url)
        if replay_base and captured and url
        else None,
        memento_datetime=captured.strftime("%Y-%m-%dT%H:%M:%SZ") if captured else None,
    )


def biblatex_language(tag: str | None) -> str | None:
    """The language name biblatex's langid takes for a BCP 47 tag (ar-SY: arabic); None if unknown."""
    return BIBLATEX_LANGUAGES.get((tag or "").split("-")[0].lower())


def _date_parts(day: str | None) -> dict[str, Any] | None:
    return {"date-parts": [[int(p) for p in day.split("-")]]} if day else None


def _note(c: Citation) -> str:
    parts = [
        f"Archived in newsarchive snapshot {c.snapshot}"
        if c.snapshot
        else "Archived in newsarchive",
        f"article {c.article_id}",
    ]
    if c.capture_id:
        parts.append(f"capture {c.capture_id}")
    if c.replay_url and c.memento_datetime:
        when = datetime.fromisoformat(c.memento_datetime.replace("Z", "+00:00"))
        parts.append(
            f"replay {c.replay_url} (Memento-Datetime: {format_datetime(when, usegmt=True)})"
        )
    return "; ".join(parts)


def to_csl(c: Citation) -> dict[str, Any]:
    """A CSL-JSON item (type article-newspaper)."""
    item: dict[str, Any] = {
        "id": c.article_id,
        "type": "article-newspaper",
        "title": c.title,
        "container-title": c.outlet_name,
        "URL": c.url,
        "archive": "newsarchive",
        "note": _note(c),
    }
    if c.snapshot_date:
        item["archive_location"] = (
            f"snapshots/date={c.snapshot_date}/rev={c.snapshot_rev}"
            if c.snapshot_rev
            else f"snapshots/date={c.snapshot_date}"
        )
    if c.author:
        item["author"] = [{"literal": c.author}]
    for key, value in (("issued", _date_parts(c.published)), ("accessed", _date_parts(c.archived))):
        if value:
            item[key] = value
    if c.language:
        item["language"] = c.language
    return item


def to_bibtex(c: Citation) -> str:
    """A BibTeX entry (@article; also read by biblatex, which uses date and urldate)."""
    key = (
        re.sub(r"[^A-Za-z0-9]", "", c.outlet)
        + (c.published or "").replace("-", "")
        + "-"
        + c.article_id
    )
    fields: list[tuple[str, str]] = [
        ("title", bibtex(c.title)),
        ("journal", bibtex(c.outlet_name)),
    ]
    if c.author:
        fields.append(("author", "{" + bibtex(c.author) + "}"))  # a name as written, not split
    if c.published:
        fields += [
            ("year", c.published[:4]),
            ("month", str(int(c.published[5:7]))),
            ("date", c.published),
        ]
    fields.append(("url", bibtex_url(c.url)))  # verbatim in biblatex: percent-encoded
    if c.archived:
        fields.append(("urldate", c.archived))
    if language := biblatex_language(c.language):
        fields.append(("langid", language))
    fields.append(("note", bibtex(_note(c))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@article{{{key},\n{body}\n}}\n"


def write_citations(
    rows: Iterable[Mapping[str, Any]],
    fmt: str,
    out: Path,
    outlet_names: Mapping[str, str] | None = None,
    replay_base: str | None = DEFAULT_REPLAY_URL,
) -> int:
    """Write the rows' citations in `fmt` (csl-json: one JSON array; bibtex: one entry per row)."""
    citations = [citation_of(row, outlet_names, replay_base) for row in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        if fmt == "csl-json":
            fh.write(json_text([to_csl(c) for c in citations], indent=1) + "\n")
        elif fmt == "bibtex":
            fh.write("\n".join(to_bibtex(c) for c in citations))
        else:
            raise ValueError(f"unknown citation format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return len(citations)
