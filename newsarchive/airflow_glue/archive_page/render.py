"""The Archive page as one self-contained HTML document: inline CSS and SVG charts, no script, no CDN.
Every value that is not a number goes through `escape` (common.escape.html), whatever its source."""

from __future__ import annotations

from urllib.parse import quote

from common.escape import html as escape
from newsarchive.airflow_glue.archive_page.health import ArchiveHealth, DayPoint, LastRun
from newsarchive.ops.status import OutletStatus

DAG_ID = "news_archive"
CHART_W, PLOT_H, AXIS_H, PAD = 320, 64, 14, 6
CHART_H = PLOT_H + AXIS_H
MAX_CAUSE = 300  # characters of a cause in the table (the whole of it in the cell's title)

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1a202c;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #e2e8f0;padding:4px 8px;text-align:left;
vertical-align:middle} th{background:#f7fafc;font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#c53030;font-weight:600} .ok{color:#2f855a} .muted{color:#718096}
.banner{background:#fff5f5;border:1px solid #feb2b2;padding:8px 12px;margin:8px 0;border-radius:4px}
svg.yield-chart{display:block} .yield-chart polyline{fill:none;stroke:#3182ce;stroke-width:1.5}
.yield-chart circle.ok{fill:#3182ce} .yield-chart circle.gap{fill:#e53e3e} .yield-chart line{stroke:#e2e8f0}
.yield-chart rect.missing,.yield-chart rect.failing{fill:#e53e3e} .yield-chart rect.running{fill:#a0aec0}
.yield-chart text{font-size:9px;fill:#718096} .yield-chart line.tick{stroke:#a0aec0}
.state{font-weight:600} .state-ok{color:#2f855a} .state-running{color:#2b6cb0}
.state-retrying,.state-failed,.state-stale{color:#c53030} td.cause{min-width:320px;max-width:480px}
td.latest{white-space:nowrap}
"""


def run_link(run_id: str) -> str:
    """A link to the DAG run in the Airflow UI; a run of the CLI (`newsarchive run`) has none."""
    if run_id.startswith("cli__"):
        return (
            f'<span class="muted" title="a newsarchive run outside Airflow">{escape(run_id)}</span>'
        )
    href = f"/dags/{DAG_ID}/runs/{quote(run_id, safe='')}"
    return f'<a class="run-link" href="{escape(href)}" target="_top">{escape(run_id)}</a>'


def chart(
    outlet: str,
    points: tuple[DayPoint, ...],
    days: tuple[str, ...],
    missing: tuple[str, ...] = (),
    live: OutletStatus | None = None,
) -> str:
    """New articles per day as an inline SVG over the window's days, with a date axis: a circle per day
    with a snapshot (red on a gap, its cause in the title), lines only between consecutive days, a red
    mark on each day without a snapshot, and the day of a run going on marked by its state."""
    top = max([p.new for p in points] + [1])
    slot = {d: k for k, d in enumerate(days)}
    base = PLOT_H - PAD

    def x(day: str) -> float:
        return round(PAD + (CHART_W - 2 * PAD) * slot[day] / max(1, len(days) - 1), 1)

    def y(new: int) -> float:
        return round(base - (PLOT_H - 2 * PAD) * new / top, 1)

    shown = [p for p in points if p.day in slot]
    segments: list[list[DayPoint]] = []
    for p in shown:
        if segments and slot[p.day] == slot[segments[-1][-1].day] + 1:
            segments[-1].append(p)
        else:
            segments.append([p])
    lines = "".join(
        '<polyline points="' + " ".join(f"{x(p.day)},{y(p.new)}" for p in seg) + '"/>'
        for seg in segments
        if len(seg) > 1
    )
    circles = "".join(
        f'<circle class="point {escape(p.status)}" data-day="{escape(p.day)}" data-new="{p.new}" '
        f'cx="{x(p.day)}" cy="{y(p.new)}" r="3"><title>{escape(p.day)}: {p.new} new'
        + (f" (gap: {escape(p.cause)})" if p.status == "gap" else "")
        + "</title></circle>"
        for p in shown
    )
    held = {p.day for p in shown}
    marks = "".join(
        f'<rect class="missing" data-missing-day="{d}" x="{x(d) - 2}" y="{base - 8}" width="4" '
        f'height="8"><title>{d}: no snapshot</title></rect>'
        for d in missing
        if d in slot and d not in held
    )
    if live is not None and live.day in slot and live.day not in held:
        kind = "failing" if live.failing else "running" if live.state == "running" else ""
        if kind:
            text = live.describe() + (f": {live.message}" if live.message else "")
            marks += (
                f'<rect class="{kind}" data-live-day="{live.day}" x="{x(live.day) - 2}" '
                f'y="{base - 8}" width="4" height="8"><title>{live.day}: {escape(text)}</title></rect>'
            )
    ticks = "".join(
        f'<line class="tick" x1="{x(d)}" y1="{base}" x2="{x(d)}" y2="{base + 2}"/>' for d in days
    )
    labels = {0: "start", len(days) // 2: "middle", len(days) - 1: "end"}
    axis = "".join(
        f'<text class="axis-label" x="{x(days[k])}" y="{CHART_H - 3}" text-anchor="{anchor}">'
        f"{escape(days[k][5:])}</text>"
        for k, anchor in labels.items()
        if 0 <= k < len(days)
    )
    return (
        f'<svg class="yield-chart" data-outlet="{escape(outlet)}" width="{CHART_W}" height="{CHART_H}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="new articles per day, {escape(outlet)}">'
        f'<line x1="{PAD}" y1="{base}" x2="{CHART_W - PAD}" y2="{base}"/>{ticks}{axis}'
        f'{lines}{circles}{marks}<text x="{PAD}" y="11">max {top}</text></svg>'
    )


def _state_cells(status: OutletStatus | None) -> str:
    """The outlet's state now, its latest run (any date) and the cause with the next try's time."""
    if status is None:
        return "<td class='muted'>-</td><td class='muted'>-</td><td></td>"
    state = (
        f'<span class="state state-{escape(status.state)}" data-state="{escape(status.state)}">'
        f"{escape(status.state)}</span>"
    )
    if status.state == "running" and status.stage:
        state += f' <span class="muted">({escape(status.stage)})</span>'
    run = f"{escape(status.day)} {run_link(status.run_id)}" if status.day and status.run_id else "-"
    cause = ""
    if status.failing or status.reason:
        text = f"{status.stage or ''} {status.reason}".strip()
        message = (status.message.splitlines() or [""])[0]
        cause = f"<b>{escape(text)}</b>" + (
            f": <span title='{escape(status.message)}'>{escape(message[:MAX_CAUSE])}</span>"
            if message
            else ""
        )
    if status.state == "retrying" and status.next_try_at:
        cause += (
            f'<div class="next-try" data-next-try="{escape(status.next_try_at)}">try '
            f"{status.try_number} of {status.max_tries}; next try at "
            f"{escape(status.next_try_at[11:19])} UTC</div>"
        )
    if status.stale and not status.failing:
        cause += f'<div class="bad">last complete snapshot: {escape(status.last_complete)}</div>'
    return f"<td>{state}</td><td class='latest'>{run}</td><td class='cause'>{cause}</td>"


def _failed(failed: dict[str, int]) -> str:
    if not failed:
        return "0"
    return (
        f'{sum(failed.values())} <span class="muted">('
        + ", ".join(f"{escape(k)}: {v}" for k, v in sorted(failed.items()))
        + ")</span>"
    )


def _last_cells(last: LastRun | None) -> str:
    if last is None:
        return '<td colspan="7" class="muted">no published run in the window</td>'
    return (
        f"<td class='n'>{last.discovered}</td><td class='n'>{last.fetched}</td>"
        f"<td>{_failed(last.failed)}</td><td class='n'>{last.extracted}</td><td class='n'>{last.duplicates}</td>"
        f"<td class='n'>{last.revisions}</td><td class='n'>{last.archived}</td>"
    )


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def render(health: ArchiveHealth, *, notices: tuple[str, ...] = (), changes: str = "") -> str:
    """The page; `changes`: the changes panel (archive_page/changes_panel.py), after the outlets."""
    status = health.status
    latest = max(
        (o.status for o in health.outlets if o.status and o.status.since and o.status.run_id),
        key=lambda s: s.since or "",
        default=None,
    )
    head = (
        f"latest run {run_link(latest.run_id or '')} for {escape(latest.day or '')}"
        if latest
        else "no run yet"
    )
    now = f" · as of {escape(status.now[11:19])} UTC" if status else ""
    out = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Archive - newsarchive</title>"
        f"<style>{CSS}</style></head><body>",
        f"<h1>Archive</h1><p class='muted'>{escape(health.archive)} · {head}{now} · "
        f"new articles per day from {escape(health.days[0])} to {escape(health.days[-1])}</p>",
    ]
    out += [f'<div class="banner notice">{escape(n)}</div>' for n in notices]
    if status is not None:
        for failing in status.failing:
            text = f"{failing.outlet}: {failing.describe()}" + (
                f": {(failing.message.splitlines() or [''])[0][:MAX_CAUSE]}"
                if failing.message
                else ""
            )
            out.append(
                f'<div class="banner failing" data-outlet="{escape(failing.outlet)}">'
                f"{escape(text)}</div>"
            )
        if status.deadline_missed:
            out.append(
                f'<div class="banner deadline">the snapshot of {escape(status.today.day)} is not '
                f"complete past its deadline {escape((status.deadline or '')[11:19])} UTC</div>"
            )
    out += [
        f'<div class="banner damaged">damaged snapshot {escape(d)}</div>' for d in health.damaged
    ]
    out.append(
        "<h2>Outlets</h2><table id='outlets'><tr><th>outlet</th><th>new articles per day</th>"
        "<th>state</th><th>latest run</th><th>cause</th><th>discovered</th><th>fetched</th>"
        "<th>failed</th><th>extracted</th><th>duplicates</th><th>revisions</th><th>archived</th></tr>"
    )
    for o in health.outlets:
        state = o.status.state if o.status else ""
        out.append(
            f'<tr class="outlet-row" data-outlet="{escape(o.outlet)}" data-state="{escape(state)}">'
            f"<td>{escape(o.outlet)}</td>"
            f"<td>{chart(o.outlet, o.points, health.days, health.missing, o.status)}</td>"
            f"{_state_cells(o.status)}{_last_cells(o.last)}</tr>"
        )
    if not health.outlets:
        out.append("<tr><td colspan='12' class='muted'>no snapshots in this archive yet</td></tr>")
    out.append("</table>" + changes)
    out.append(
        "<h2>Gaps</h2><table id='gaps'><tr><th>day</th><th>outlet</th><th>stage</th><th>cause</th>"
        "<th>message</th><th>run</th></tr>"
    )
    for g in health.gaps:
        out.append(
            f'<tr class="gap-row" data-outlet="{escape(g.outlet)}" data-day="{escape(g.day)}"><td>{escape(g.day)}</td>'
            f"<td>{escape(g.outlet)}</td><td>{escape(g.stage)}</td><td class='bad'>{escape(g.reason)}</td>"
            f"<td>{escape(g.message)}</td><td>{run_link(g.run_id)}</td></tr>"
        )
    if not health.gaps:
        out.append("<tr><td colspan='6' class='ok'>no gaps in the window</td></tr>")
    out.append(
        "</table><h2>Quality check (canary)</h2><table id='problems'><tr><th>day</th><th>problem</th>"
        "<th>run</th></tr>"
    )
    for p in health.problems:
        out.append(
            f'<tr class="problem-row" data-day="{escape(p.day)}"><td>{escape(p.day)}</td><td>{escape(p.message)}</td>'
            f"<td>{run_link(p.run_id)}</td></tr>"
        )
    if not health.problems:
        out.append("<tr><td colspan='3' class='ok'>no problems in the window</td></tr>")
    out.append(
        "</table><h2>Latest snapshots</h2><table id='snapshots'><tr><th>snapshot</th><th>size</th>"
        "<th>articles</th><th>verify</th><th>run</th></tr>"
    )
    for s in health.snapshots:
        verdict = {"ok": "ok", "failed": "bad"}.get(s.verify, "muted")
        detail = "".join(f"<div class='muted'>{escape(p)}</div>" for p in s.problems[:5])
        out.append(
            f'<tr class="snapshot-row" data-day="{escape(s.day)}"><td>{escape(s.day)} rev {s.rev}</td>'
            f"<td class='n'>{_size(s.size)}</td><td class='n'>{s.articles}</td>"
            f"<td class='{verdict}'>{escape(s.verify)}{detail}</td><td>{run_link(s.run_id)}</td></tr>"
        )
    out.append("</table></body></html>")
    return "\n".join(out)
