"""The settings model's machinery: a `Variable` (one NEWSARCHIVE_* variable: its kind, default, what it
sets, who reads it) and reading an environment against the declarations.

The declarations themselves are in two places, each variable once: the crawl process's in
spiders/variables.py (it validates its Scrapy settings with them), every other one in
newsarchive/variables.py, which also gathers the crawl's into `VARIABLES`, the one table that the CLI,
the DAG, task processes and the scripts validate at start and that docs/configuration.md is generated
from. A NEWSARCHIVE_* variable that no declaration names is an error, never silently ignored."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from common.errors import ConfigError
from common.values import BadValue, Kind, shown

T = TypeVar("T")
PREFIX = "NEWSARCHIVE_"
DOCS = "docs/configuration.md"


@dataclass(frozen=True)
class Variable(Generic[T]):
    """One NEWSARCHIVE_* variable. `default` None: `default_text` says what happens then. `internal`: set
    by the crawl stage for each crawl (a Scrapy setting), never from the environment. `empty_is_value`:
    an empty value is parsed (NEWSARCHIVE_SCHEDULE= means no schedule); otherwise empty is unset."""

    name: str
    kind: Kind[T]
    default: T | None
    doc: str
    read_by: str
    default_text: str = ""
    internal: bool = False
    empty_is_value: bool = False
    settings_field: str | None = None  # the newsarchive.config.Settings field it sets, if any

    def parse(self, text: str) -> T | None:
        """The value, or ConfigError naming the variable, the value and what it accepts."""
        if text == "" and not self.empty_is_value:
            return self.default
        try:
            return self.kind.parse(text)
        except BadValue as exc:
            raise ConfigError(f"{self.name}={shown(text)}: give {exc}") from None

    def text(self, value: T | None) -> str:
        return "" if value is None else self.kind.text(value)

    @property
    def shown_default(self) -> str:
        if self.default_text:
            return self.default_text
        if self.default is None:
            return "none"
        return self.kind.text(self.default) or "empty"


def unknown_variable(name: str, known: Iterable[str]) -> ConfigError:
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.8)
    hint = f"did you mean {near[0]}? " if near else ""
    return ConfigError(
        f"{name} is not a newsarchive setting ({hint}every one is listed in {DOCS}); "
        "unset it or correct its name"
    )


def read_environment(variables: Iterable[Variable[Any]], env: Mapping[str, str]) -> dict[str, Any]:
    """Every declared variable's value (its default when unset), checked: a NEWSARCHIVE_* variable that is
    not declared, or an internal one set, or a wrong value is a ConfigError in one line."""
    declared = {v.name: v for v in variables}
    for name in sorted(env):
        if not name.startswith(PREFIX):
            continue
        variable = declared.get(name)
        if variable is None:
            raise unknown_variable(name, declared)
        if variable.internal and env[name] != "":
            raise ConfigError(
                f"{name} is set by the crawl stage for each crawl, not from the environment; unset it"
            )
    return {
        name: variable.parse(env[name])
        if name in env and not variable.internal
        else variable.default
        for name, variable in declared.items()
    }
