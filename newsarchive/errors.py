"""Errors that reach the user: each message names the input and says what to do."""


class NewsArchiveError(Exception):
    """Base class for errors reported to the user without a traceback; `reason` is a short code that
    manifests (gap causes) and logs use."""

    reason = "error"


class ConfigError(NewsArchiveError):
    """The outlet registry or a setting is wrong."""


class UnknownOutletError(ConfigError):
    def __init__(self, outlet_id: str, known: list[str]):
        super().__init__(
            f"unknown outlet {outlet_id!r}; known outlets: {', '.join(known)} "
            "(add it to outlets.toml or pick one of these)"
        )
        self.outlet_id = outlet_id
