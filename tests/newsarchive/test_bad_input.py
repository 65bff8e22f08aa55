"""Every command with every bad input (issue 20): a clear one-line message naming the input, exit code
2, never a traceback. Inputs that are documents of a batch (`extract` files, `dedup` lines) get an
error record naming the document and its reason instead, and exit 1: the rest of the batch goes on.

The module prints its counts at the end: `bad input: N tried, N clear errors, 0 tracebacks`."""

from __future__ import annotations

import gzip
import os
import socket
import traceback
from dataclasses import dataclass

import pytest

from newsarchive.cli.main import main
from replica.server import Replica

GOOD_OUTLET = (
    '[[outlet]]\nid = "x1"\nname = "X"\nlanguage = "ar"\ndomains = ["x.com"]\n'
    'sections = ["https://x.com/"]\narticle_pattern = "a"\n'
)
TALLY = {"tried": 0, "clear": 0, "tracebacks": 0}


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    names: str  # the message must contain this (the input it names)
    env: tuple[tuple[str, str], ...] = ()
    code: int = 2


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """Hostile files, made once: a registry per fault, a FIFO, a gzip bomb, a sparse 9 MiB page ..."""
    d = tmp_path_factory.mktemp("bad")
    site = next(s for s in Replica(per_outlet=1).sites.values() if s.outlet == "euronews")

    def put(name: str, data: bytes | str) -> str:
        (d / name).write_bytes(data.encode() if isinstance(data, str) else data)
        return str(d / name)

    paths = {
        "dir": str(d),
        "fifo": str(d / "fifo"),
        "page": put("page.html", site.article_html(site.articles[0])),
        "binary": put("binary.toml", bytes(range(256)) * 8),
        "id42": put("id42.toml", GOOD_OUTLET.replace('"x1"', "42")),
        "cleanup_none": put("cleanup.toml", GOOD_OUTLET + 'cleanup = "none"\n'),
        "labels_string": put(
            "labels.toml", GOOD_OUTLET + '[outlet.cleanup]\nlabels = "اقرأ أيضاً"\n'
        ),
        "empty_domain": put("domains.toml", GOOD_OUTLET.replace('["x.com"]', '[""]')),
        "bad_lang": put("lang.toml", GOOD_OUTLET.replace('"ar"', '"ar/eg"')),
        "not_gzip": put("not.html.gz", b"this is not gzip at all"),
        "bomb": str(d / "bomb.html.gz"),
        "huge": str(d / "huge.html"),
        "long_line": str(d / "long.jsonl"),
        "not_utf8": put("latin1.jsonl", '{"id": "1", "text": "é"}\n'.encode("latin-1")),
        "dest_file": put("dest", b"a file, not a directory"),
    }
    os.mkfifo(paths["fifo"])
    with gzip.open(paths["bomb"], "wb", compresslevel=1) as bomb:  # 64 MiB inflated from ~64 KiB
        chunk = b"\0" * (1024 * 1024)
        for _ in range(64):
            bomb.write(chunk)
    with open(paths["huge"], "wb") as huge:  # sparse: 9 MiB that take no disk
        huge.truncate(9 * 1024 * 1024)
    with open(
        paths["long_line"], "wb"
    ) as long_line:  # one 24 MiB line (over 16 MiB), then a good one
        long_line.write(b'{"id": "big", "text": "')
        for _ in range(24):
            long_line.write(b"a" * (1024 * 1024))
        long_line.write(b'"}\n{"id": "ok", "text": "a few words"}\n')
    return paths


def _busy_port() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock, sock.getsockname()[1]


def _cases() -> list[Case]:
    """{name} in an argument is a file from the `files` fixture; ARCHIVE is a fresh archive directory."""
    a = ("--archive", "{archive}")
    snapshots = ("snapshots", *a, "list")
    cases = [
        # dates: refused before anything runs (9999-12-31 used to mark today's pages seen under 9999)
        Case("run-date-0001", ("run", *a, "--date", "0001-01-01"), "0001-01-01"),
        Case("run-date-9999", ("run", *a, "--date", "9999-12-31"), "9999-12-31"),
        Case("run-date-month-13", ("run", *a, "--date", "2026-13-01"), "2026-13-01"),
        Case("run-date-empty", ("run", *a, "--date", ""), "''"),
        Case("run-date-compact", ("run", *a, "--date", "20261121"), "20261121"),
        Case("run-date-missing", ("run", *a, "--date"), "--date"),
        Case("demo-date-9999", ("demo", *a, "--date", "9999-12-31"), "9999-12-31"),
        # a range to read may be any days (tests/newsarchive/research/test_dataset_cli.py), never a non-date
        Case(
            "snapshots-since-month-13",
            ("snapshots", *a, "list", "--since", "2026-13-01"),
            "2026-13-01",
        ),
        Case("snapshots-show-year-10000", ("snapshots", *a, "show", "10000-01-01"), "10000-01-01"),
        Case(
            "export-until-compact",
            ("export", *a, "--since", "2026-01-01", "--until", "20260102", "--out", "{dir}/x"),
            "20260102",
        ),
        # counts, ports, ids, tags, URLs
        Case("run-max-articles-negative", ("run", *a, "--max-articles", "-5"), "-5"),
        Case("run-max-articles-zero", ("run", *a, "--max-articles", "0"), "'0'"),
        Case("run-max-articles-word", ("run", *a, "--max-articles", "many"), "many"),
        Case("run-max-articles-huge", ("run", *a, "--max-articles", "9" * 40), "999999"),
        Case("run-outlet-path", ("run", *a, "--outlet", "../../etc"), "../../etc"),
        Case("demo-per-outlet-zero", ("demo", *a, "--per-outlet", "0"), "'0'"),
        Case("demo-per-outlet-huge", ("demo", *a, "--per-outlet", "100000000"), "100000000"),
        Case("replica-port-70000", ("replica", "--port", "70000"), "70000"),
        Case("replica-port-negative", ("replica", "--port", "-1"), "-1"),
        Case("replica-port-busy", ("replica", "--port", "{busy_port}"), "{busy_port}"),
        Case("replica-per-outlet-zero", ("replica", "--per-outlet", "0"), "'0'"),
        Case("replica-fault-outlet", ("replica", "--fault", "nope:http_500"), "nope"),
        Case("replica-fault-mode", ("replica", "--fault", "anapress:melt"), "melt"),
        Case(
            "snapshots-rev-negative", ("snapshots", *a, "show", "2026-01-01", "--rev", "-1"), "-1"
        ),
        Case("snapshots-rev-zero", ("snapshots", *a, "show", "2026-01-01", "--rev", "0"), "'0'"),
        Case(
            "export-lang-path",
            (
                "export",
                *a,
                "--since",
                "2026-01-01",
                "--until",
                "2026-01-02",
                "--lang",
                "ar/eg",
                "--out",
                "{dir}/x",
            ),
            "ar/eg",
        ),
        Case(
            "export-outlet-path",
            (
                "export",
                *a,
                "--since",
                "2026-01-01",
                "--until",
                "2026-01-02",
                "--outlet",
                "../x",
                "--out",
                "{dir}/x",
            ),
            "../x",
        ),
        Case(
            "snapshots-get-dest-file",
            ("snapshots", *a, "get", "2026-01-01", "--dest", "{dest_file}"),
            "{dest_file}",
        ),
        Case(
            "export-out-directory",
            ("export", *a, "--since", "2026-01-01", "--until", "2026-01-02", "--out", "{dir}"),
            "{dir}",
        ),
        Case("extract-url-ipv6", ("extract", "--url", "http://[::1", "{page}"), "http://[::1"),
        Case(
            "extract-url-scheme", ("extract", "--url", "ftp://x.test/a", "{page}"), "ftp://x.test/a"
        ),
        Case("extract-url-port", ("extract", "--url", "http://x.test:99999/", "{page}"), "99999"),
        Case("extract-outlet-unknown", ("extract", "--outlet", "nope", "{page}"), "nope"),
        Case("dedup-threshold", ("dedup", "--threshold", "5", "{page}"), "5"),
        Case("dedup-threshold-nan", ("dedup", "--threshold", "nan", "{page}"), "nan"),
        Case("dedup-missing", ("dedup", "{dir}/missing.jsonl"), "missing.jsonl"),
        Case("dedup-directory", ("dedup", "{dir}"), "{dir}"),
        Case("dedup-fifo", ("dedup", "{fifo}"), "{fifo}"),
        Case("no-command", (), "command"),
        Case("unknown-command", ("bogus",), "bogus"),
        Case("archive-s3-no-bucket", ("snapshots", "--archive", "s3://", "list"), "s3://"),
        Case(
            "archive-s3-bad-bucket", ("snapshots", "--archive", "s3://A_B/x", "list"), "s3://A_B/x"
        ),
        # the outlet registry, given on the command line or in NEWSARCHIVE_OUTLETS
        Case("registry-directory", ("run", *a, "--outlets", "{dir}"), "{dir}"),
        Case("registry-binary", ("run", *a, "--outlets", "{binary}"), "{binary}"),
        Case("registry-fifo", ("run", *a, "--outlets", "{fifo}"), "{fifo}"),
        Case("registry-dev-zero", ("run", *a, "--outlets", "/dev/zero"), "/dev/zero"),
        Case("registry-missing", ("run", *a, "--outlets", "{dir}/nope.toml"), "nope.toml"),
        Case("registry-id-42", ("run", *a, "--outlets", "{id42}"), "id must be a string"),
        Case(
            "registry-cleanup-none",
            ("run", *a, "--outlets", "{cleanup_none}"),
            "cleanup must be a table",
        ),
        Case(
            "registry-labels-string", ("run", *a, "--outlets", "{labels_string}"), "cleanup.labels"
        ),
        Case(
            "registry-empty-domain", ("run", *a, "--outlets", "{empty_domain}"), "domains item ''"
        ),
        Case("registry-language", ("run", *a, "--outlets", "{bad_lang}"), "ar/eg"),
        Case(
            "registry-env-dev-zero",
            ("extract", "--outlet", "anapress", "{page}"),
            "/dev/zero",
            env=(("NEWSARCHIVE_OUTLETS", "/dev/zero"),),
        ),
        Case(
            "registry-env-directory",
            ("extract", "--outlet", "anapress", "{page}"),
            "{dir}",
            env=(("NEWSARCHIVE_OUTLETS", "{dir}"),),
        ),
        # `newsarchive outlets` (issue 16)
        Case("outlets-check-bad-id", ("outlets", "check", "Bad!"), "Bad!"),
        Case("outlets-check-unknown", ("outlets", "check", "nope"), "nope"),
        Case("outlets-capture-unknown", ("outlets", "capture", "nope", *a), "nope"),
        Case("outlets-list-registry-fifo", ("outlets", "list", "--outlets", "{fifo}"), "{fifo}"),
        # documents of a batch: an error record each (reason named), exit 1
        Case("extract-dev-zero", ("extract", "/dev/zero"), "/dev/zero: not-a-file", code=1),
        Case("extract-fifo", ("extract", "{fifo}"), "{fifo}: not-a-file", code=1),
        Case("extract-directory", ("extract", "{dir}"), "{dir}: not-a-file", code=1),
        Case("extract-gzip-bomb", ("extract", "{bomb}"), "{bomb}: oversized", code=1),
        Case("extract-huge", ("extract", "{huge}"), "{huge}: oversized", code=1),
        Case("extract-not-gzip", ("extract", "{not_gzip}"), "{not_gzip}: bad-gzip", code=1),
        Case(
            "extract-missing", ("extract", "{dir}/missing.html"), "missing.html: unreadable", code=1
        ),
        Case("dedup-24-mib-line", ("dedup", "{long_line}"), "{long_line}:1: line over", code=1),
        Case("dedup-not-utf8", ("dedup", "{not_utf8}"), "{not_utf8}:1: not UTF-8", code=1),
    ]
    settings = {  # every setting, each with a bad value (checked when settings are read: `snapshots list`)
        "NEWSARCHIVE_DEDUP_WINDOW_DAYS": ["99999999999", "-1", "30d"],
        "NEWSARCHIVE_MAX_ARTICLES": ["\u00b2", "0", "-5", "1e3"],
        "NEWSARCHIVE_QUALITY_HISTORY_DAYS": ["0", "99999999999"],
        "NEWSARCHIVE_QUALITY_MIN_SHARE": ["nan", "2", "half"],
        "NEWSARCHIVE_DEDUP_THRESHOLD": ["0", "inf"],
        "NEWSARCHIVE_REFETCH": ["maybe", "2"],
        "NEWSARCHIVE_EXTRACT_TIMEOUT_S": ["0", "inf", "-1", "nan", "soon"],
        "NEWSARCHIVE_EXTRACT_WORKERS": ["0", "many"],
        "NEWSARCHIVE_EXTRACT_MEMORY_MB": ["128", "lots", "1e3"],
        "NEWSARCHIVE_HOST_MAP": [
            "[1]",
            "not json",
            '{"x.com": "127.0.0.1:70000"}',
            '{"x.com": 5}',
            '{"x/../y": "127.0.0.1:80"}',
        ],
        "NEWSARCHIVE_USER_AGENT": ["bot\r\nX-Injected: 1", "x" * 600],
        "NEWSARCHIVE_ARCHIVE": ["s3://", "s3://a"],
    }
    for name, values in settings.items():
        for i, value in enumerate(values):
            argv = ("snapshots", "list") if name == "NEWSARCHIVE_ARCHIVE" else snapshots
            cases.append(Case(f"{name}-{i}", argv, name, env=((name, value),)))
    return cases


CASES = _cases()


@pytest.fixture(scope="module", autouse=True)
def summary(request):
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    line = f"bad input: {TALLY['tried']} tried, {TALLY['clear']} clear errors, {TALLY['tracebacks']} tracebacks"
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_one_clear_line_and_no_traceback(case, files, tmp_path, monkeypatch, capsys):
    busy, port = _busy_port()
    values = {**files, "archive": str(tmp_path / "archive"), "busy_port": str(port)}
    argv = [arg.format(**values) for arg in case.argv]
    for key, value in case.env:
        monkeypatch.setenv(
            key, values.get(value.strip("{}"), value) if value.startswith("{") else value
        )
    TALLY["tried"] += 1
    try:
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
    except Exception:  # noqa: BLE001 - counted: the test's whole point
        TALLY["tracebacks"] += 1
        pytest.fail(f"traceback on {case.name}:\n{traceback.format_exc()}")
    finally:
        busy.close()
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert code == case.code, err
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    assert case.names.format(**values) in lines[0], lines[0]
    TALLY["clear"] += 1
    assert not (tmp_path / "archive").exists() or not any((tmp_path / "archive").rglob("*.parquet"))


def test_good_values_are_still_accepted():
    from common.errors import ConfigError
    from newsarchive.config import Settings

    settings = Settings.from_env(
        {
            "NEWSARCHIVE_REFETCH": "Yes",
            "NEWSARCHIVE_DEDUP_WINDOW_DAYS": "0",
            "NEWSARCHIVE_MAX_ARTICLES": " 500 ",
            "NEWSARCHIVE_EXTRACT_TIMEOUT_S": "2.5",
            "NEWSARCHIVE_EXTRACT_WORKERS": "3",
            "NEWSARCHIVE_QUALITY_MIN_SHARE": "0",
            "NEWSARCHIVE_HOST_MAP": '{"WWW.X.COM": "127.0.0.1:8080"}',
            "NEWSARCHIVE_ARCHIVE": "s3://news-archive/ar/daily",
        }
    )
    assert (settings.refetch, settings.dedup_window_days, settings.max_articles) == (True, 0, 500)
    assert (settings.extract_timeout_s, settings.extract_workers, settings.quality_min_share) == (
        2.5,
        3,
        0.0,
    )
    assert (
        settings.host_map == {"www.x.com": "127.0.0.1:8080"}
        and settings.archive == "s3://news-archive/ar/daily"
    )
    assert Settings.from_env({"NEWSARCHIVE_REFETCH": "off"}).refetch is False
    assert Settings.from_env({}).extract_timeout_s == 30.0
    with pytest.raises(ConfigError, match="--archive"):
        Settings.from_env({}, archive="s3://")
