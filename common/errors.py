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
    """The outlet registry or a setting is wrong: a retry cannot change that, so a task fails for good
    (newsarchive/errors.py: fails_for_good) and names what to correct."""

    reason = "config"
    retryable = False


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


# -- the object store (archive/store.py, archive/s3.py); here so that a state kept in the archive can be read
# and written by its own package (spiders/state.py) through a Store without importing archive
class StoreError(NewsArchiveError):
    """The store cannot be used as configured (path, endpoint, credentials) or did not answer."""

    reason = "store"


class ObjectExists(StoreError):
    reason = "object_exists"

    def __init__(self, key: str):
        super().__init__(f"object {key} already exists and is never overwritten")
        self.key = key


class ObjectNotFound(StoreError):
    reason = "object_missing"

    def __init__(self, key: str):
        super().__init__(f"object {key} does not exist")
        self.key = key


class ObjectChanged(StoreError):
    """A conditional write lost the race: someone else wrote the object since it was read."""

    reason = "object_changed"

    def __init__(self, key: str):
        super().__init__(f"object {key} changed since it was read")
        self.key = key


class DamagedObject(StoreError):
    """An object read from the archive is damaged: missing while its commit marker says it is there, or
    its bytes, compression, JSON, types, keys or values are not what this version writes. The message
    names the object and the repair; what depends on the object (and only that) is skipped or fails.

    Defined here so every package that owns an object kind (spiders/state.py included) raises it;
    archive.snapshot re-exports it."""

    reason = "damaged"
