"""newsarchive/cli/pipeline.py: `newsarchive run`, `demo` and `replica`. What a run cannot do is named in
one line before anything is crawled (an unknown outlet, a date that is none, an archive that cannot be
written, a retention the archive cannot keep, a signing key that does not load); `demo` runs the pipeline
on its own replica and prints what each outlet gave; `replica --help` lists the fault modes.
(The pipeline itself: tests/newsarchive/run/test_pipeline.py.)"""

from __future__ import annotations

import json
import socket

import pytest

from newsarchive.cli.main import main
from tests.conftest import RUN_DAY


def _run(*argv: str) -> int:
    try:
        return main(list(argv))
    except SystemExit as exc:  # refused by an argument's type
        return int(exc.code or 0)


def test_run_names_a_bad_outlet_date_or_archive_in_one_line(tmp_path, capsys):
    assert _run("run", "--outlet", "bbc", "--archive", str(tmp_path / "a")) == 2
    err = capsys.readouterr().err
    assert "unknown outlet 'bbc'" in err and "anapress" in err
    assert _run("run", "--date", "21/11/2026") == 2
    assert "'21/11/2026' is not a date; give a date YYYY-MM-DD" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert _run("run", "--outlet", "orient", "--archive", str(blocker / "archive")) == 2
    err = capsys.readouterr().err
    assert "is not writable" in err and "--archive" in err


@pytest.mark.parametrize(
    ("argv", "env", "named"),
    [
        (("run", "--retention-days", "30"), {}, "--retention-days needs an S3 archive"),
        (
            ("demo", "--per-outlet", "1"),
            {"NEWSARCHIVE_SIGNING_KEY": "{tmp}/no-such-key.pem"},
            "NEWSARCHIVE_SIGNING_KEY",
        ),
    ],
    ids=["run-retention", "demo-signing-key"],
)
def test_what_the_run_could_not_publish_is_named_before_anything_is_crawled(
    tmp_path, monkeypatch, capsys, argv, env, named
):
    """A retention on a local archive, or a key that does not load, used to be found at publish, after
    every outlet was crawled and extracted (`demo` and `outlets capture` did not look for the key)."""
    with socket.socket() as probe:  # were anything crawled, it would stay on loopback
        probe.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{probe.getsockname()[1]}"
    hosts = {"www.orient-news.net": closed, "orient-news.net": closed}
    monkeypatch.setenv("NEWSARCHIVE_HOST_MAP", json.dumps(hosts))
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(tmp=tmp_path))
    archive = tmp_path / "archive"
    code = _run(
        *argv, "--outlet", "orient", "--date", RUN_DAY.isoformat(), "--archive", str(archive)
    )
    err = capsys.readouterr().err
    assert code == 2 and named in err and len(err.strip().splitlines()) == 1, err
    assert not (archive / "staging").exists() and not (archive / "snapshots").exists()


def test_the_replica_command_refuses_a_bad_fault_in_one_line(capsys):
    assert main(["replica", "--fault", "orient:http_500,nobody:http_500"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown outlet 'nobody'" in err


def test_replica_help_lists_every_fault_mode(capsys):
    from replica.faults import MODES

    with pytest.raises(SystemExit) as done:
        main(["replica", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    assert done.value.code == 0 and "{fault_modes}" not in out
    assert f"modes: {', '.join(MODES)}" in out


@pytest.mark.slow  # a pipeline run
def test_demo_runs_on_its_own_replica_and_prints_what_each_outlet_gave(tmp_path, capsys):
    archive = tmp_path / "archive"
    argv = ["demo", "--outlet", "orient", "--per-outlet", "3", "--date", RUN_DAY.isoformat()]
    code = main([*argv, "--archive", str(archive)])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("replica of 5 outlets on 127.0.0.1:")
    assert lines[1].split() == [
        "outlet",
        "discovered",
        "fetched",
        "failed",
        "extracted",
        "dupes",
        "archived",
    ]
    assert lines[2].split()[:1] == ["orient"] and lines[2].split()[2:] == ["3", "0", "3", "0", "3"]
    assert (
        lines[-1] == f"snapshot {RUN_DAY} rev 1 published: {archive}/snapshots/date={RUN_DAY}/rev=1"
    )
    assert (archive / "snapshots" / f"date={RUN_DAY}" / "rev=1" / "_SUCCESS").is_file()
