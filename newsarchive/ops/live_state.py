"""What is happening now: each try of a task writes its state to the archive when it starts and when it
ends (`ops/live/`, keys in archive/layout.py), so the Archive page, `newsarchive health` and the metrics
see a failing outlet from its first failed try, not after its last one.

One record kind, `LiveState`, per outlet (its crawl and extract tries, then its outcome in the published
snapshot) and one for the run's own stages (list_outlets, dedup, publish, quality, gc). One codec:
`to_json` and `from_json`, which checks every field it reads (the archive is read as hostile: a damaged
record is named and skipped, never trusted). Records are overwritten as a run goes; a new run of the
outlet starts its durations afresh.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from archive import layout
from archive.store import Store
from common.errors import NewsArchiveError, ObjectNotFound

VERSION = 1
RUN = "run"  # the subject of the run-level stages
STATES = ("running", "retrying", "failed", "ok")
OUTLET_STAGES = ("crawl", "extract", "publish")
RUN_STAGES = ("list_outlets", "dedup", "publish", "quality", "gc")
MAX_TEXT = 2000  # a cause's message, as kept
MAX_RECORD = 64 * 1024  # bytes: a record past this is damaged, not read
_OUTLET = re.compile(r"[a-z][a-z0-9_]{1,31}")
_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_RUN_ID = re.compile(
    r"[\x21-\x7e]{1,250}"
)  # printable ASCII, no space: Airflow's and the CLI's ids


class DamagedLiveState(NewsArchiveError):
    reason = "damaged_live_state"


Bad = Callable[[str], DamagedLiveState]  # the error naming the record and what is wrong in it
N = TypeVar("N", int, float)


@dataclass(frozen=True)
class LiveState:
    """The latest try of an outlet (subject = its id) or of the run's own stages (subject = "run")."""

    subject: str
    day: str  # the run's day, YYYY-MM-DD
    run_id: str
    stage: str  # the stage running, or the one that ended last
    state: str  # running | retrying | failed | ok
    updated_at: str  # ISO 8601, UTC
    try_number: int = 1
    max_tries: int = 1
    reason: str = ""  # the cause's code (http_500, dns, quality ...) when retrying or failed
    message: str = ""
    next_try_at: str | None = None  # ISO 8601, UTC, when retrying
    started_at: str | None = None  # when the current try of `stage` started
    durations: Mapping[str, float] = field(default_factory=dict)  # stage -> seconds, this run
    counts: Mapping[str, int] = field(default_factory=dict)  # the crawl's discovered, fetched
    failed: Mapping[str, int] = field(default_factory=dict)  # failed requests by reason

    @property
    def failing(self) -> bool:
        return self.state in ("retrying", "failed")

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "version": VERSION,
            "subject": self.subject,
            "day": self.day,
            "run_id": self.run_id,
            "stage": self.stage,
            "state": self.state,
            "updated_at": self.updated_at,
            "try_number": self.try_number,
            "max_tries": self.max_tries,
            "reason": self.reason,
            "message": self.message,
            "next_try_at": self.next_try_at,
            "started_at": self.started_at,
            "durations": dict(sorted(self.durations.items())),
            "counts": dict(sorted(self.counts.items())),
            "failed": dict(sorted(self.failed.items())),
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, body: bytes, key: str = "") -> LiveState:
        """The record, every field checked; DamagedLiveState naming the key and the field otherwise."""

        def bad(what: str) -> DamagedLiveState:
            return DamagedLiveState(f"live state {key or '(unnamed)'}: {what}")

        if len(body) > MAX_RECORD:
            raise bad(f"{len(body)} bytes, more than {MAX_RECORD}")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise bad("not JSON") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise bad(f"not a version {VERSION} record")
        subject, stage, state = data.get("subject"), data.get("stage"), data.get("state")
        if not isinstance(subject, str) or not (subject == RUN or _OUTLET.fullmatch(subject)):
            raise bad("subject is not an outlet id or 'run'")
        stages = RUN_STAGES if subject == RUN else OUTLET_STAGES
        if not isinstance(stage, str) or stage not in stages:
            raise bad(f"stage {str(stage)[:40]!r} is not one of {', '.join(stages)}")
        if not isinstance(state, str) or state not in STATES:
            raise bad(f"state {str(state)[:40]!r} is not one of {', '.join(STATES)}")
        run_id = data.get("run_id")
        if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
            raise bad("run_id is not printable ASCII")
        return cls(
            subject=subject,
            day=_day(data.get("day"), bad),
            run_id=run_id,
            stage=stage,
            state=state,
            updated_at=_when(data.get("updated_at"), bad, "updated_at"),
            try_number=_whole(data.get("try_number"), bad, "try_number"),
            max_tries=_whole(data.get("max_tries"), bad, "max_tries"),
            reason=_code(data.get("reason"), bad),
            message=_text(data.get("message"), bad),
            next_try_at=_maybe_when(data.get("next_try_at"), bad, "next_try_at"),
            started_at=_maybe_when(data.get("started_at"), bad, "started_at"),
            durations=_numbers(data.get("durations"), bad, "durations", float),
            counts=_numbers(data.get("counts"), bad, "counts", int),
            failed=_numbers(data.get("failed"), bad, "failed", int),
        )


def _day(value: object, bad: Bad) -> str:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise bad("day is not YYYY-MM-DD")


def _maybe_when(value: object, bad: Bad, name: str) -> str | None:
    return None if value is None else _when(value, bad, name)


def _when(value: object, bad: Bad, name: str) -> str:
    try:
        if isinstance(value, str) and len(value) <= 40:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC).isoformat()
    except ValueError:
        pass
    raise bad(f"{name} is not an ISO 8601 time with its offset")


def _whole(value: object, bad: Bad, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1_000_000:
        return value
    raise bad(f"{name} is not a whole number from 0 to 1,000,000")


def _code(value: object, bad: Bad) -> str:
    if value == "" or (isinstance(value, str) and _CODE.fullmatch(value)):
        return str(value)
    raise bad("reason is not a short code")


def _text(value: object, bad: Bad) -> str:
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    raise bad(f"message is not text of at most {MAX_TEXT} characters")


def _numbers(value: object, bad: Bad, name: str, kind: type[N]) -> dict[str, N]:
    if not isinstance(value, dict) or len(value) > 64:
        raise bad(f"{name} is not an object of at most 64 entries")
    out: dict[str, N] = {}
    for k, v in value.items():
        ok = isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 1e12
        if not (_CODE.fullmatch(k) and ok and (kind is float or isinstance(v, int))):
            raise bad(f"{name}: {str(k)[:40]!r} is not a code with a {kind.__name__} value")
        out[k] = kind(v)
    return out


def now_utc() -> datetime:
    return datetime.now(UTC)


def key_of(subject: str) -> str:
    return layout.live_run_key() if subject == RUN else layout.live_outlet_key(subject)


def read(store: Store, subject: str) -> LiveState | None:
    """The subject's record; None when there is none (DamagedLiveState when it is damaged)."""
    key = key_of(subject)
    try:
        body = store.get_bytes(key)
    except ObjectNotFound:
        return None
    return LiveState.from_json(body, key)


def write(store: Store, state: LiveState) -> None:
    store.put_bytes(key_of(state.subject), state.to_json(), overwrite=True)


def read_all(store: Store) -> tuple[dict[str, LiveState], list[str]]:
    """Every outlet's record and the run's (key "run"), and the damaged ones named."""
    found: dict[str, LiveState] = {}
    damaged: list[str] = []
    for info in store.list(layout.LIVE_PREFIX):
        if info.key != layout.live_run_key() and layout.live_outlet_of(info.key) is None:
            continue
        try:
            record = LiveState.from_json(store.get_bytes(info.key), info.key)
        except ObjectNotFound:  # overwritten or removed since the listing
            continue
        except DamagedLiveState as exc:
            damaged.append(str(exc))
            continue
        if key_of(record.subject) != info.key:
            damaged.append(f"live state {info.key}: names {record.subject}, not its own key")
            continue
        found[record.subject] = record
    return found, damaged


def transition(
    previous: LiveState | None,
    *,
    subject: str,
    day: str,
    run_id: str,
    stage: str,
    state: str,
    when: datetime,
    try_number: int = 1,
    max_tries: int = 1,
    reason: str = "",
    message: str = "",
    next_try_at: datetime | None = None,
    started: datetime | None = None,
    ended: tuple[str, datetime] | None = None,
    counts: Mapping[str, int] | None = None,
    failed: Mapping[str, int] | None = None,
) -> LiveState:
    """The subject's next record. Within the same run durations are carried, and `ended` (a stage and
    when its try started) adds that stage's time; counts are kept unless new ones are given."""
    same_run = previous is not None and previous.run_id == run_id
    durations = dict(previous.durations) if same_run and previous else {}
    if ended is not None:
        durations[ended[0]] = round(max(0.0, (when - ended[1]).total_seconds()), 3)
    kept_counts = dict(previous.counts) if same_run and previous else {}
    kept_failed = dict(previous.failed) if same_run and previous else {}
    return LiveState(
        subject=subject,
        day=day,
        run_id=run_id,
        stage=stage,
        state=state,
        updated_at=when.astimezone(UTC).isoformat(),
        try_number=try_number,
        max_tries=max_tries,
        reason=reason if not reason or _CODE.fullmatch(reason) else "error",
        message=message[:MAX_TEXT],
        next_try_at=next_try_at.astimezone(UTC).isoformat() if next_try_at else None,
        started_at=started.astimezone(UTC).isoformat() if started else None,
        durations=durations,
        counts={k: int(v) for k, v in counts.items() if _CODE.fullmatch(k)}
        if counts is not None
        else kept_counts,
        failed={k: int(v) for k, v in failed.items() if _CODE.fullmatch(k)}
        if failed is not None
        else kept_failed,
    )
