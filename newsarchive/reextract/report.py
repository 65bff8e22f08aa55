"""What a re-extraction changed, per day and outlet: articles whose text changed and by how many words,
the lines removed and added most often (a furniture rule's effect shows as one line removed from many
articles), articles newly extracted and newly failing, and metadata fields that changed.

Printed by `newsarchive reextract` and stored beside the new rev as `reextract/<outlet>.diff.json`
(listed in its manifest)."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from archive.records import ArchivedRow

METADATA_FIELDS = (
    "title",
    "author",
    "published",
    "published_date",
    "modified",
    "modified_date",
    "date_source",
    "language",
    "canonical_url",
)
TOP_LINES = 20  # lines removed / added most often, in the report
EXAMPLES = 50  # changed articles and metadata values listed by URL
_SPACE = re.compile(r"\s+")


def _lines(text: str) -> Counter[str]:
    return Counter(line for line in (_SPACE.sub(" ", x).strip() for x in text.split("\n")) if line)


def word_changes(old: str, new: str) -> tuple[int, int]:
    """(words removed, words added) from `old` to `new`, by a word-level diff."""
    a, b = old.split(), new.split()
    removed = added = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return removed, added


@dataclass
class OutletDiff:
    day: str
    outlet: str
    source: str  # the rev re-processed ("D rev N")
    extractor: str  # what made the new rows
    processed: int = 0  # captures re-extracted
    unchanged: int = 0
    text_changed: int = 0
    words_removed: int = 0
    words_added: int = 0
    words_before: int = 0  # of the articles whose text changed
    newly_extracted: list[str] = field(default_factory=list)  # URLs
    newly_failing: list[dict[str, str]] = field(default_factory=list)  # {url, reason}
    still_failing: int = 0
    fields_changed: Counter[str] = field(default_factory=Counter)  # field -> articles
    lines_removed: Counter[str] = field(default_factory=Counter)  # line -> articles it left
    lines_added: Counter[str] = field(default_factory=Counter)
    changes: list[dict[str, Any]] = field(
        default_factory=list
    )  # the first EXAMPLES changed articles

    def compare(self, old: ArchivedRow, new: ArchivedRow) -> bool:
        """Record one re-extracted article against its archived row; True if anything changed."""
        self.processed += 1
        was, now = old.to_dict(), new.to_dict()  # dates and times as ISO 8601 text
        fields = {
            name: [was[name], now[name]] for name in METADATA_FIELDS if was[name] != now[name]
        }
        self.fields_changed.update(fields.keys())
        entry: dict[str, Any] = {"url": new.url, "old_id": old.id, "new_id": new.id}
        if old.text != new.text:
            removed, added = word_changes(old.text, new.text)
            before, after = _lines(old.text), _lines(new.text)
            self.lines_removed.update(set(before - after))
            self.lines_added.update(set(after - before))
            self.text_changed += 1
            self.words_removed += removed
            self.words_added += added
            self.words_before += len(old.text.split())
            entry.update(
                words_removed=removed, words_added=added, words_before=len(old.text.split())
            )
        if fields:
            entry["fields"] = fields
        if old.text == new.text and not fields:
            self.unchanged += 1
            return False
        if len(self.changes) < EXAMPLES:
            self.changes.append(entry)
        return True

    def extracted(self, new: ArchivedRow) -> None:
        """A capture that had no row before and has one now."""
        self.processed += 1
        self.newly_extracted.append(new.url)

    def failed(self, url: str, reason: str, *, had_row: bool) -> None:
        self.processed += 1
        if had_row:
            self.newly_failing.append({"url": url, "reason": reason})
        else:
            self.still_failing += 1

    @property
    def changed(self) -> bool:
        return bool(self.text_changed or self.fields_changed or self.newly_extracted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "outlet": self.outlet,
            "source": self.source,
            "extractor": self.extractor,
            "processed": self.processed,
            "unchanged": self.unchanged,
            "text_changed": {
                "articles": self.text_changed,
                "words_removed": self.words_removed,
                "words_added": self.words_added,
                "words_before": self.words_before,
            },
            "lines_removed": [
                {"line": k, "articles": v} for k, v in self.lines_removed.most_common(TOP_LINES)
            ],
            "lines_added": [
                {"line": k, "articles": v} for k, v in self.lines_added.most_common(TOP_LINES)
            ],
            "newly_extracted": self.newly_extracted,
            "newly_failing": self.newly_failing,
            "still_failing": self.still_failing,
            "fields_changed": dict(sorted(self.fields_changed.items())),
            "changes": self.changes,
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1).encode("utf-8")

    def render(self) -> str:
        """The report as people read it: a headline, then the details that are not zero."""
        out = [
            f"{self.day} {self.outlet} (from {self.source}): {self.processed} re-extracted, "
            f"{self.text_changed} text changed, {self.unchanged} unchanged, {len(self.newly_extracted)} newly "
            f"extracted, {len(self.newly_failing)} newly failing"
        ]
        if self.text_changed:
            share = (self.words_removed + self.words_added) / max(1, self.words_before)
            out.append(
                f"  words: -{self.words_removed} +{self.words_added} ({share:.1%} of the changed "
                f"articles' {self.words_before} words)"
            )
        for title, lines in (("removed", self.lines_removed), ("added", self.lines_added)):
            if lines:
                out.append(f"  lines {title} most often:")
                out += [f"    {n:>5} × {line[:120]}" for line, n in lines.most_common(10)]
        if self.fields_changed:
            out.append(
                "  metadata changed: "
                + ", ".join(f"{k} {v}" for k, v in sorted(self.fields_changed.items()))
            )
        out += [f"  newly failing: {f['url']} ({f['reason']})" for f in self.newly_failing[:10]]
        out += [f"  newly extracted: {url}" for url in self.newly_extracted[:10]]
        return "\n".join(out)
