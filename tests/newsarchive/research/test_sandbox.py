"""`newsarchive query` is read-only by construction: SQL that would write, read another file, load code,
change a setting or reach the spill directory is refused in one line, the archive is unchanged, every
row is still served; a query past its time or spill limit ends in one line and leaves no spill. Each case
is a row of `edges (query lock)` in `make test`'s summary."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from datetime import date
from pathlib import Path

import pytest

from archive.current_table import refresh_day
from archive.snapshot import publish_snapshot
from archive.store import open_store
from newsarchive.cli.main import main
from newsarchive.research.query import QueryError, connect
from newsarchive.research.sandbox import SPILL_PREFIX, spill_dirs
from tests.archive.test_current_table import row
from tests.report import edge_row

DAYS = [date(2026, 11, 20), date(2026, 11, 21)]
ROWS = 4
ROOT = Path(__file__).resolve().parents[3]
SPILLING = (  # a sort of about 700 MB
    "SELECT max(x) FROM (SELECT row_number() OVER (ORDER BY s) AS x FROM "
    "(SELECT md5(i::VARCHAR) || repeat('x', 200) AS s FROM range(3000000) t(i)))"
)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "archive"
    store = open_store(path)
    for n, day in enumerate(DAYS):
        publish_snapshot(store, day, [row(10 * n + 1), row(10 * n + 2, outlet="anapress")], {})
        refresh_day(store, day.isoformat())
    return path


def digest(root: Path) -> dict[str, str]:
    """Every file of the archive and its SHA-256 (the store's own temp and lock files aside)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".tmp" not in p.relative_to(root).parts and not p.name.endswith(".lock")
    }


def cli(capsys, *argv: str) -> tuple[int | None, str, str, bool]:
    """main() in this process: exit code, stdout, stderr, and whether anything escaped as a traceback."""
    try:
        code: int | None = main(list(argv))
        escaped = False
    except BaseException:  # noqa: BLE001 (anything escaping main is what this test counts)
        code, escaped = None, True
        traceback.print_exc()
    out, err = capsys.readouterr()
    return code, out, err, escaped or "Traceback" in err


def served(capsys, archive: Path) -> int:
    code, out, _, _ = cli(
        capsys,
        "query",
        "SELECT count(*) AS n FROM articles",
        "--archive",
        str(archive),
        "--format",
        "csv",
    )
    return int(out.splitlines()[1]) if code == 0 else -1


ATTACKS = [
    # writing: the forgery of issue 24, anywhere else, a database file, an export
    "COPY (SELECT * REPLACE ('FORGED' AS title) FROM articles_all) TO '{day_file}' (FORMAT parquet)",
    "COPY articles TO '{out}/stolen.csv'",
    "COPY (SELECT 1) TO ':memory:'",
    "COPY (SELECT 1) TO '.tmp/x.csv'",
    "EXPORT DATABASE '{out}/exported'",
    "ATTACH '{out}/x.duckdb' AS x",
    "ATTACH ':memory:' AS m",
    "CREATE TABLE t AS SELECT 1",
    "INSERT INTO articles_all SELECT * FROM articles_all",
    "DELETE FROM articles_all",
    "UPDATE articles_all SET title = 'FORGED'",
    "CHECKPOINT",
    "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')",
    "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')",
    "CREATE MACRO m(x) AS x",
    # reading anything but the views
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('{archive}/current/articles.record.json')",
    "SELECT * FROM read_blob('{day_file}')",
    "SELECT * FROM glob('{archive}/**')",
    "SELECT * FROM read_parquet('{archive}/current/articles/*.parquet')",
    "SELECT * FROM '{day_file}'",
    "SELECT * FROM read_text('.tmp/*')",
    "SELECT * FROM parquet_metadata('{day_file}')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM query('SELECT 1')",
    "SELECT * FROM query_table('articles_table')",
    "SELECT * FROM articles_table",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM information_schema.tables",
    "DESCRIBE '/etc/passwd'",
    "SHOW TABLES",
    'WITH "/etc/passwd" AS (SELECT 1) SELECT * FROM "/etc/passwd"',
    "SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) AS y, '/etc/hosts'",
    "SELECT * FROM articles, read_text('/etc/hostname')",
    "SELECT * FROM articles WHERE title IN (SELECT content FROM read_text('/etc/hostname'))",
    # code and configuration
    "INSTALL httpfs",
    "LOAD httpfs",
    "LOAD parquet",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET memory_limit = '100GB'",
    "SET max_execution_time = 0",
    "SET temp_directory = '{out}'",
    "PRAGMA memory_limit = '100GB'",
    "CALL enable_logging()",
    "SELECT 1; COPY articles TO '{out}/second.csv'",
]


def test_every_attack_is_refused_before_it_runs(archive, tmp_path):
    """The whole list on one connection (the unit tier); the CLI test below runs each as a user would."""
    out = tmp_path / "out"
    out.mkdir()
    day_file = archive / "current" / "articles" / "2026-11-21.parquet"
    before = digest(archive)
    with connect(open_store(archive, create=False)) as sandbox:
        for attack in ATTACKS:
            with pytest.raises(QueryError, match="one SELECT over the views"):
                sandbox.run(attack.format(archive=archive, day_file=day_file, out=out))
        assert sandbox.run("SELECT count(*) FROM articles").fetchall() == [(2 * len(DAYS),)]
    assert digest(archive) == before and not any(out.iterdir())


@pytest.mark.slow  # 46 CLI runs
@pytest.mark.parametrize("attack", ATTACKS)
def test_sql_that_would_write_or_read_elsewhere_is_refused_and_changes_nothing(
    archive, tmp_path, capsys, attack
):
    out = tmp_path / "out"
    out.mkdir()
    day_file = archive / "current" / "articles" / "2026-11-21.parquet"
    sql = attack.format(archive=archive, day_file=day_file, out=out)
    before, cwd = digest(archive), os.getcwd()
    os.chdir(tmp_path)  # a relative path would land here
    try:
        code, stdout, err, escaped = cli(capsys, "query", sql, "--archive", str(archive))
    finally:
        os.chdir(cwd)
    forged = digest(archive) != before or any(out.iterdir()) or (tmp_path / ":memory:").exists()
    lost = 2 * len(DAYS) - served(capsys, archive)
    held = (
        code == 2
        and stdout == ""
        and len(err.strip().splitlines()) == 1
        and "newsarchive query runs one SELECT over the views" in err
        and not forged
        and not spill_dirs()
    )
    edge_row("query lock", held=held, traceback=escaped, forged=forged, lost=lost)
    assert held and not escaped and lost == 0, (code, stdout, err)


def test_the_spill_directory_is_out_of_reach_of_sql_in_its_own_connection(archive, tmp_path):
    """DuckDB allows SQL into its spill directory once external access is off; the admission check
    is what keeps it out, on the very connection that spills there."""
    store = open_store(archive, create=False)
    with connect(store) as sandbox:
        spill = sandbox.spill
        attempts = [
            f"COPY (SELECT 1) TO '{spill}/x.csv'",
            f"SELECT * FROM glob('{spill}/*')",
            f"SELECT * FROM read_text('{spill}/*')",
            f"SELECT * FROM '{spill}/duckdb_temp_storage.tmp'",
        ]
        for sql in attempts:
            with pytest.raises(QueryError, match="one SELECT over the views") as caught:
                sandbox.run(sql)
            edge_row("query lock", held=caught.value is not None and not any(spill.iterdir()))
        assert not any(spill.iterdir())
        # what researchers write still runs
        assert sandbox.run(
            "WITH o AS (SELECT outlet, count(*) AS n FROM articles GROUP BY ALL) "
            "SELECT o.outlet, n, r.range FROM o, range(1) r ORDER BY o.outlet"
        ).fetchall() == [("anapress", 2, 0), ("orient", 2, 0)]
        assert len(sandbox.run("DESCRIBE articles").fetchall()) > 10
        assert sandbox.run("SELECT unnest([1, 2]) AS x").fetchall() == [(1,), (2,)]
    assert not spill.exists()


def _peak_spill(stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        try:
            size = sum(f.stat().st_size for d in spill_dirs() for f in d.iterdir())
        except OSError:
            size = 0
        peak[0] = max(peak[0], size)
        time.sleep(0.02)


@pytest.mark.slow  # a query run into its limits (seconds)
def test_a_query_past_its_time_limit_ends_in_one_line(archive, capsys, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_QUERY_TIMEOUT_S", "2")
    start = time.monotonic()
    code, out, err, escaped = cli(
        capsys,
        "query",
        "SELECT count(*) FROM range(200000) a, range(200000) b WHERE a.range + b.range = -1",
        "--archive",
        str(archive),
    )
    took = time.monotonic() - start
    held = (
        code == 2 and took < 20 and "longer than its time limit of 2 s" in err and not spill_dirs()
    )
    edge_row("query lock", held=held, traceback=escaped)
    assert held, (code, took, err)
    assert "NEWSARCHIVE_QUERY_TIMEOUT_S" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow  # a query run into its limits (seconds)
def test_a_query_past_its_spill_limit_ends_in_one_line_and_its_spill_is_removed(
    archive, capsys, monkeypatch
):
    monkeypatch.setenv("NEWSARCHIVE_QUERY_MEMORY_MIB", "64")
    monkeypatch.setenv("NEWSARCHIVE_QUERY_SPILL_MIB", "64")
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_peak_spill, args=(stop, peak))
    watcher.start()
    try:
        code, out, err, escaped = cli(capsys, "query", SPILLING, "--archive", str(archive))
    finally:
        stop.set()
        watcher.join()
    held = (
        code == 2
        and "needs more than 64 MiB of memory and 64 MiB of spill" in err
        and peak[0] <= 64 << 20
        and not spill_dirs()
    )
    edge_row("query lock", held=held, traceback=escaped)
    assert held, (code, peak[0], err)
    assert peak[0] > 0  # it did spill, up to its bound


@pytest.mark.slow  # a CLI subprocess killed while it spills
def test_the_spill_of_a_killed_query_is_swept_by_the_next_one(archive, tmp_path):
    env = {
        **os.environ,
        "TMPDIR": str(tmp_path / "tmp"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "NEWSARCHIVE_QUERY_MEMORY_MIB": "64",
        "NEWSARCHIVE_QUERY_SPILL_MIB": "1024",
    }
    (tmp_path / "tmp").mkdir()
    command = [sys.executable, "-m", "newsarchive.cli.main", "query", "--archive", str(archive)]
    proc = subprocess.Popen([*command, SPILLING], env=env, cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    spilled: list[Path] = []
    while time.monotonic() < deadline and not spilled and proc.poll() is None:
        spilled = [
            d
            for d in (tmp_path / "tmp").rglob(SPILL_PREFIX + "*")
            if any(f.stat().st_size for f in d.iterdir())
        ]
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert spilled and spilled[0].exists()  # left behind: nothing ran after the kill
    done = subprocess.run(
        [*command, "SELECT count(*) AS n FROM articles", "--format", "csv"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    left = list((tmp_path / "tmp").rglob(SPILL_PREFIX + "*"))
    held = done.returncode == 0 and done.stdout.splitlines() == ['"n"', "4"] and not left
    edge_row("query lock", held=held, traceback="Traceback" in done.stderr)
    assert held, (done.returncode, done.stdout, done.stderr, left)
