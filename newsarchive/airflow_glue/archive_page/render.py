"""The Archive page as one self-contained HTML document: inline CSS and SVG charts, no script, no CDN.
Every value that is not a number goes through `escape` (common.escape.html), whatever its source."""

from __future__ import annotations

from urllib.parse import quote

from common.escape import html as escape
from newsarchive.airflow_glue.archive_page.health import ArchiveHealth, DayPoint, LastRun

DAG_ID = "news_archive"
CHART_W, CHART_H, PAD = 320, 64, 6

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1a202c;background:#fff}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:20px 0 6px}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #e2e8f0;padding:4px 8px;text-align:left;
vertical-align:middle} th{background:#f7fafc;font-weight:600} td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#c53030;font-weight:600} .ok{color:#2f855a} .muted{color:#718096}
.banner{background:#fff5f5;border:1px solid #feb2b2;padding:8px 12px;margin:8px 0;border-radius:4px}
svg.yield-chart{display:block} .yield-chart polyline{fill:none;stroke:#3182ce;stroke-width:1.5}
.yield-chart circle.ok{fill:#3182ce} .yield-chart circle.gap{fill:#e53e3e} .yield-chart line{stroke:#e2e8f0}
"""


def run_link(run_id: str) -> str:
    """A link to the DAG run in the Airflow UI; a run of the CLI (`newsarchive run`) has none."""
    if run_id.startswith("cli__"):
        return (
            f'<span class="muted" title="a newsarchive run outside Airflow">{escape(run_id)}</span>'
        )
    href = f"/dags/{DAG_ID}/runs/{quote(run_id, safe='')}"
    return f'<a class="run-link" href="{escape(href)}" target="_top">{escape(run_id)}</a>'


def chart(outlet: str, points: tuple[DayPoint, ...], days: tuple[str, ...]) -> str:
    """New articles per day as an inline SVG line: one circle per day that has a snapshot."""
    top = max([p.new for p in points] + [1])
    slot = {d: k for k, d in enumerate(days)}

    def xy(p: DayPoint) -> tuple[float, float]:
        x = PAD + (CHART_W - 2 * PAD) * slot[p.day] / max(1, len(days) - 1)
        y = CHART_H - PAD - (CHART_H - 2 * PAD) * p.new / top
        return round(x, 1), round(y, 1)

    shown = [p for p in points if p.day in slot]
    line = " ".join(f"{x},{y}" for x, y in map(xy, shown))
    circles = "".join(
        f'<circle class="point {escape(p.status)}" data-day="{escape(p.day)}" data-new="{p.new}" '
        f'cx="{x}" cy="{y}" r="3">'
        f"<title>{escape(p.day)}: {p.new} new{' (gap)' if p.status == 'gap' else ''}</title></circle>"
        for p, (x, y) in zip(shown, map(xy, shown), strict=True)
    )
    base = CHART_H - PAD
    return (
        f'<svg class="yield-chart" data-outlet="{escape(outlet)}" width="{CHART_W}" height="{CHART_H}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="new articles per day, {escape(outlet)}">'
        f'<line x1="{PAD}" y1="{base}" x2="{CHART_W - PAD}" y2="{base}"/>'
        f'<polyline points="{line}"/>{circles}'
        f'<text x="{PAD}" y="11" font-size="10" fill="#718096">max {top}</text></svg>'
    )


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
        return '<td colspan="8" class="muted">no run in the window</td>'
    status = f'<span class="{"bad" if last.status != "ok" else "ok"}">{escape(last.status)}</span>'
    return (
        f"<td>{status}</td><td class='n'>{last.discovered}</td><td class='n'>{last.fetched}</td>"
        f"<td>{_failed(last.failed)}</td><td class='n'>{last.extracted}</td><td class='n'>{last.duplicates}</td>"
        f"<td class='n'>{last.revisions}</td><td class='n'>{last.archived}</td>"
    )


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def render(health: ArchiveHealth, *, notices: tuple[str, ...] = ()) -> str:
    last_run = next((o.last for o in health.outlets if o.last), None)
    head = (
        f"last run {run_link(last_run.run_id)} for {escape(last_run.day)}"
        if last_run
        else "no snapshot yet"
    )
    out = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Archive - newsarchive</title>"
        f"<style>{CSS}</style></head><body>",
        f"<h1>Archive</h1><p class='muted'>{escape(health.archive)} · {head} · "
        f"new articles per day from {escape(health.days[0])} to {escape(health.days[-1])}</p>",
    ]
    out += [f'<div class="banner notice">{escape(n)}</div>' for n in notices]
    out += [
        f'<div class="banner damaged">damaged snapshot {escape(d)}</div>' for d in health.damaged
    ]
    out.append(
        "<h2>Outlets</h2><table id='outlets'><tr><th>outlet</th><th>new articles per day</th><th>status</th>"
        "<th>discovered</th><th>fetched</th><th>failed</th><th>extracted</th><th>duplicates</th>"
        "<th>revisions</th><th>archived</th></tr>"
    )
    for o in health.outlets:
        out.append(
            f'<tr class="outlet-row" data-outlet="{escape(o.outlet)}"><td>{escape(o.outlet)}</td>'
            f"<td>{chart(o.outlet, o.points, health.days)}</td>{_last_cells(o.last)}</tr>"
        )
    if not health.outlets:
        out.append("<tr><td colspan='10' class='muted'>no snapshots in this archive yet</td></tr>")
    out.append(
        "</table><h2>Gaps</h2><table id='gaps'><tr><th>day</th><th>outlet</th><th>stage</th><th>cause</th>"
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
