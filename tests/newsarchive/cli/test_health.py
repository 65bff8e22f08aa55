"""newsarchive/cli/health.py: `newsarchive health` as a Nagios plugin: its options override the settings,
and whatever keeps the check from reading the archive (a bad argument or setting, an archive that is not
there) is UNKNOWN: one line, exit 3, in every format (the verdict itself: tests/newsarchive/ops)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from newsarchive.cli.main import main
from tests.newsarchive.ops.test_health import _archive


def _health(capsys, *args: str) -> tuple[int, str]:
    try:
        code = main(["health", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    "args", [["--stale-days", "0"], ["--deadline", "25:00"], ["--format", "xml"]]
)
def test_a_bad_argument_is_unknown_in_one_line(args, capsys):
    with pytest.raises(SystemExit) as done:
        main(["health", *args])
    err = capsys.readouterr().err
    assert done.value.code == 3 and err.count("\n") == 1 and "newsarchive health: error:" in err


def test_what_keeps_the_check_from_reading_is_unknown(tmp_path, monkeypatch, capsys):
    code, out = _health(capsys, "--archive", str(tmp_path / "nowhere"))
    assert code == 3 and out.startswith("NEWSARCHIVE UNKNOWN - cannot read the archive: archive")
    assert out.count("\n") == 1
    assert not (tmp_path / "nowhere").exists()  # never a new empty archive
    (tmp_path / "archive").mkdir()
    monkeypatch.setenv("NEWSARCHIVE_STALE_DAYS", "0")
    code, out = _health(capsys, "--archive", str(tmp_path / "archive"))
    assert code == 3 and "NEWSARCHIVE_STALE_DAYS='0'" in out and out.count("\n") == 1


def test_unknown_is_exit_3_in_json_and_prometheus_too(tmp_path, capsys):
    missing = ["--archive", str(tmp_path / "nowhere")]
    code, out = _health(capsys, *missing, "--format", "json")
    data = json.loads(out)
    assert code == 3 and data["state"] == "UNKNOWN"
    assert data["summary"].startswith("cannot read the archive")
    code, out = _health(capsys, *missing, "--format", "prometheus")
    samples = [s for family in text_string_to_metric_families(out) for s in family.samples]
    assert code == 3 and [(s.name, s.value) for s in samples] == [("newsarchive_health_state", 3)]


def test_the_options_override_the_settings(tmp_path, monkeypatch, capsys):
    today = datetime.now(UTC).date()
    _archive(tmp_path, [today - timedelta(days=3)])  # every outlet's newest snapshot: 3 days old
    archive = ["--archive", str(tmp_path / "archive")]
    monkeypatch.setenv("NEWSARCHIVE_STALE_DAYS", "2")
    code, out = _health(capsys, *archive)
    assert code == 2 and out.startswith(
        "NEWSARCHIVE CRITICAL - stale (no complete snapshot in 2 days)"
    )
    code, out = _health(capsys, *archive, "--stale-days", "4")
    assert code == 0 and out.startswith(
        f"NEWSARCHIVE OK - 5 outlets ok; today {today}: not published"
    )
    code, out = _health(capsys, *archive, "--stale-days", "4", "--deadline", "00:00")
    assert code == 2 and f"today's snapshot {today} not complete by its deadline 00:00" in out
