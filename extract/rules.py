"""Per-outlet cleanup rules, as the registry states them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CleanupRules:
    """prune: CSS selectors removed before extraction; labels: extra labels that open furniture."""

    prune: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
