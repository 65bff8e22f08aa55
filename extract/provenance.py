"""Which extractor made an article: the package version, a hash of the extraction options (the same for
every outlet) and a hash of the outlet's rules (cleanup selectors and labels, time zone, language prior).

A row's `extractor` is `"<version> options=<8 hex> rules=<8 hex>"`; two rows with the same value were
made by the same code, options and rules, so `newsarchive reextract --only-stale` re-processes exactly the
rows whose value differs from what the current registry and version would write."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import trafilatura

from extract.engine import FULL_CASCADE_BELOW, MIN_TEXT_CHARS, TRAFILATURA_OPTIONS, OutletContext


def _digest(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:8]


def options_hash() -> str:
    """The extraction options every outlet shares (and trafilatura's version, whose output they shape)."""
    return _digest(
        {
            "trafilatura": trafilatura.__version__,
            "options": TRAFILATURA_OPTIONS,
            "min_text_chars": MIN_TEXT_CHARS,
            "full_cascade_below": FULL_CASCADE_BELOW,
        }
    )


def rules_hash(context: OutletContext) -> str:
    """The outlet's own rules as extraction sees them (not its id: a renamed outlet keeps its rows current)."""
    return _digest(
        {
            "prune": list(context.rules.prune),
            "labels": list(context.rules.labels),
            "timezone": context.timezone,
            "language": context.language,
        }
    )


def engine_version(package_version: str) -> str:
    """The part of an extractor id that is the same for every outlet: `"<version> options=<hash>"`."""
    return f"{package_version} options={options_hash()}"


def extractor_id(context: OutletContext, package_version: str) -> str:
    """What a row made under `context` by this code records in its `extractor` field."""
    return f"{engine_version(package_version)} rules={rules_hash(context)}"
