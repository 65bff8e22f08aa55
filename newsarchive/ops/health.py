"""`newsarchive health`: the archive's state as a Nagios plugin reports it (exit 0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN; one line: `NEWSARCHIVE <STATE> - <summary> | <perfdata>`).

CRITICAL: an outlet failing (its latest try failed: retrying or failed for good), an outlet stale (no
complete snapshot in `stale_days` days), today's snapshot not complete past the deadline, or the canary
of the newest snapshot failed. WARNING: a manifest or live record that cannot be read. UNKNOWN: nothing
has been written to the archive yet, or it cannot be read at all (the CLI reports that).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from newsarchive.ops.status import ArchiveStatus

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")


@dataclass(frozen=True)
class Perf:
    """One perfdata item: label=value;warn;crit;min;max (Nagios plugin guidelines)."""

    label: str
    value: int
    warn: str = ""
    crit: str = ""
    low: int | None = 0
    high: int | None = None

    def render(self) -> str:
        fields = [str(self.value), self.warn, self.crit]
        fields += [
            "" if self.low is None else str(self.low),
            "" if self.high is None else str(self.high),
        ]
        return f"{self.label}=" + ";".join(fields).rstrip(";")


@dataclass(frozen=True)
class HealthReport:
    code: int
    summary: str
    perfdata: tuple[Perf, ...]
    problems: tuple[str, ...]  # why the state is what it is, one item each
    status: ArchiveStatus | None

    @property
    def state(self) -> str:
        return NAMES[self.code]

    def line(self) -> str:
        perf = " ".join(p.render() for p in self.perfdata)
        return f"NEWSARCHIVE {self.state} - {self.summary}" + (f" | {perf}" if perf else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "code": self.code,
            "summary": self.summary,
            "problems": list(self.problems),
            "perfdata": {p.label: p.value for p in self.perfdata},
            "status": asdict(self.status) if self.status else None,
        }


def unknown(why: str) -> HealthReport:
    return HealthReport(UNKNOWN, why, (), (why,), None)


def _clock(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M:%SZ") if iso else "?"


def verdict(status: ArchiveStatus) -> HealthReport:
    # no snapshot in the window and no live record: a new archive, unless its outlets are stale (their
    # last snapshot is older than the window: the runs stopped, which is critical, not unknown)
    if status.snapshots == 0 and not status.outlets_seen and not status.stale:
        return unknown("no run has written to this archive yet")
    critical: list[str] = []
    failing, stale = status.failing, status.stale
    if failing:
        critical.append(
            f"{len(failing)} outlet{'s' if len(failing) > 1 else ''} failing: "
            + "; ".join(f"{o.outlet} ({o.describe()})" for o in failing)
        )
    stale = tuple(o for o in stale if not o.failing)
    if stale:
        critical.append(
            f"stale (no complete snapshot in {status.stale_days} days): "
            + ", ".join(f"{o.outlet} (last complete: {o.last_complete})" for o in stale)
        )
    today = status.today
    if status.deadline_missed:
        critical.append(
            f"today's snapshot {today.day} not complete by its deadline {_clock(status.deadline)}"
        )
    if status.canary.passed is False:
        first = status.canary.problems[0] if status.canary.problems else "failed"
        more = len(status.canary.problems) - 1
        critical.append(
            f"canary failed on {status.canary.snapshot}: {first}"
            + (f" (+{more} more)" if more else "")
        )
    warnings = [f"damaged: {d}" for d in status.damaged]
    code = CRITICAL if critical else WARNING if warnings else OK
    if today.state == "complete":
        day = f"today {today.day}: complete ({today.snapshot})"
    elif today.state == "incomplete":
        day = f"today {today.day}: published with gaps ({', '.join(today.gaps)})"
    else:
        day = f"today {today.day}: not published yet"
    if status.deadline and not status.deadline_missed and today.state != "complete":
        day += f", due {_clock(status.deadline)}"
    canary = (
        f"canary passed ({status.canary.snapshot})"
        if status.canary.passed
        else "canary: no snapshot yet"
        if status.canary.passed is None
        else ""
    )
    if code == OK:
        ok = [o for o in status.outlets if o.active]
        lead = [f"{len(ok)} outlet{'s' if len(ok) != 1 else ''} ok"]
        running = [o.outlet for o in status.outlets if o.state == "running"]
        if running:
            lead = [f"{len(ok) - len(running)} ok, running: {', '.join(running)}"]
    else:
        lead = critical + warnings
    summary = "; ".join(x for x in [*lead, day, canary] if x)
    active = [o for o in status.outlets if o.active]
    perf = (
        Perf("outlets", len(active)),
        Perf("failing", len(failing), crit="0", high=len(active)),
        Perf("stale", len(stale), crit="0", high=len(active)),
        Perf("today_complete", int(today.state == "complete"), high=1),
        Perf("deadline_missed", int(status.deadline_missed), crit="0", high=1),
        Perf("canary_problems", len(status.canary.problems), crit="0"),
        Perf("damaged", len(status.damaged), warn="0"),
    )
    return HealthReport(code, summary, perf, tuple(critical + warnings), status)
