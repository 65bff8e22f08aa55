"""The project's one error root. Every error of ours derives from NewsArchiveError and carries a short
`reason` code (manifests' gap causes, coverage reports and logs use it). The edges map these errors to
exit codes and task outcomes in one place: newsarchive/errors.py."""

from __future__ import annotations


class NewsArchiveError(Exception):
    """An error reported to the user without a traceback; `reason` is a short code."""

    reason: str = "error"
    # False: running the same step again cannot succeed (the DAG fails its task without retries)
    retryable: bool = True


class ConfigError(NewsArchiveError):
    """The outlet registry or a setting is wrong."""


class UnknownOutletError(ConfigError):
    def __init__(self, outlet_id: str, known: list[str]):
        super().__init__(
            f"unknown outlet {outlet_id!r}; known outlets: {', '.join(known)} "
            "(add it to outlets.toml or pick one of these)"
        )
        self.outlet_id = outlet_id


class ExtractionError(NewsArchiveError):
    """A document yielded no article (or could not be read); `reason` is a short machine-readable cause."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
