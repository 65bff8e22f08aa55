"""Every command and code block the docs and the README show is run (tests/docs/blocks.py says how), or
says why not and which test covers it instead.

The unit tier checks that, and that every `newsarchive` command shown parses with the CLI's own parser.
The slow tier runs each page's blocks in order, as a reader would, on a copy of a demo archive
(`newsarchive demo --date 2026-11-21`, built once per session) with every outlet mapped to the replica on
loopback: `NEWSARCHIVE_ARCHIVE` and `NEWSARCHIVE_HOST_MAP` are set, so nothing reaches the internet."""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tomllib
from pathlib import Path

import pytest

from newsarchive.cli.main import build_parser, main
from tests.docs import blocks as docs
from tests.docs.blocks import Block, Command

README_MAX_LINES = 250


def test_every_block_runs_or_says_why_not_and_which_test_covers_it():
    problems = []
    for block in docs.all_blocks():
        if block.marker is None or block.marker.runs:
            if why := docs.why_not_runnable(block):
                problems.append(
                    f"{block.where}: {why}; make it runnable, or mark it "
                    "<!-- docs-test: not run, REASON --> or <!-- docs-test: covered by tests/...::test_... -->"
                )
        if why := docs.marker_problem(block):
            problems.append(f"{block.where}: the marker: {why}")
    assert not problems, "\n".join(problems)


def test_every_newsarchive_command_shown_parses():
    """Also in the blocks that are not run: an option renamed or removed shows here first."""
    parser = build_parser()
    problems = []
    for block in docs.all_blocks():
        for line in docs.command_lines(block):
            argv = docs.parse_command(line).argv
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                try:
                    parser.parse_args(argv)
                except SystemExit as exc:
                    if (
                        exc.code and block.lang != "console"
                    ):  # a transcript may show an error on purpose
                        problems.append(f"{block.where}: {line}\n    {err.getvalue().strip()}")
    assert not problems, "\n".join(problems)


def test_the_readme_stays_short_and_every_page_is_in_the_site():
    readme = (docs.ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(readme) <= README_MAX_LINES, (
        f"README.md has {len(readme)} lines: move the rest to docs/"
    )
    nav = (docs.ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    missing = [p.name for p in docs.PAGES if p.parent.name == "docs" and f" {p.name}" not in nav]
    assert not missing, f"pages not in mkdocs.yml's nav: {missing}"


def test_the_command_table_lists_every_command_of_the_cli():
    """docs/getting-started.md's table of commands against the parser itself: a command added, renamed
    or removed shows here."""
    import argparse
    import re

    def commands(parser, prefix=()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from list(commands(sub, (*prefix, name))) or [(*prefix, name)]

    page = (docs.ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    rows = [
        m[1].replace("\\|", "|").split()
        for m in re.finditer(r"^\| `newsarchive ([^`]+)`", page, re.M)
    ]
    listed = {(row[0], alt) for row in rows for alt in (row[1:2] or [""])[0].split("|")} | {
        (row[0], "") for row in rows
    }
    missing = [
        " ".join(c)
        for c in commands(build_parser())
        if (c[0], c[1] if len(c) > 1 else "") not in listed
    ]
    assert not missing, f"docs/getting-started.md's command table leaves out: {missing}"
    shown = {row[0] for row in rows}
    known = {c[0] for c in commands(build_parser())}
    assert shown <= known, f"the table shows commands the CLI does not have: {shown - known}"


def test_every_source_file_the_docs_name_exists():
    """A module moved or renamed shows here: every `<package>/.../<name>.py` (or .sh) the docs name."""
    import re

    path = re.compile(
        r"(?<![\w/.])((?:common|outlets|spiders|extract|dedup|archive|search|newsarchive|dags|replica"
        r"|plugins|tests|bench|tools|scripts)/[\w./-]*\.(?:py|sh))\b"
    )
    missing = [
        f"{page.relative_to(docs.ROOT)}: {m[1]}"
        for page in docs.PAGES
        for m in path.finditer(page.read_text(encoding="utf-8"))
        if not (docs.ROOT / m[1]).exists()
    ]
    assert not missing, "\n".join(missing)


def test_the_layout_shown_is_the_one_archive_layout_spells():
    """archive/layout.py's docstring is the reference of the bucket's layout; the format page shows it."""
    import archive.layout

    doc = archive.layout.__doc__ or ""
    reference = [line[4:] for line in doc.split(":\n\n", 1)[1].split("\n\n")[0].splitlines()]
    [shown] = [
        b
        for b in docs.blocks(docs.ROOT / "docs" / "archive-format.md")
        if b.body.startswith("snapshots/")
    ]
    assert shown.body.splitlines() == reference


def test_the_strictly_typed_packages_named_are_the_ones_mypy_holds_strictly():
    import re

    config = tomllib.loads((docs.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "mypy"
    ]
    strict = {
        module.removesuffix(".*")
        for override in config["overrides"]
        if override.get("disallow_untyped_defs")
        for module in override["module"]
    }
    text = " ".join((docs.ROOT / "docs" / "development.md").read_text(encoding="utf-8").split())
    named = re.search(r"mypy is strict on every package: (.*?)\. ", text)
    assert named, "docs/development.md: say which packages mypy is strict on"
    assert set(re.findall(r"`(\w+)/`", named[1])) == strict
    assert set(config["files"]) == strict, "a package mypy checks is not held to the strict flags"


def test_a_transcript_is_compared_by_its_shape_where_it_varies():
    real = "1 captures of https://x.net/a in /tmp/p/demo\n2026-12-06T03:00:23Z  200  offset=6283 length=3026\n"
    assert docs.output_matches(
        ["1 captures of https://x.net/a in …/demo", "2026-11-29T01:02:03Z 200 offset=1 length=22"],
        real,
    )
    assert docs.output_matches(["1 captures of https://x.net/a in …", "..."], real)
    assert not docs.output_matches(["2 captures of https://x.net/a in …", "..."], real)
    assert not docs.output_matches(
        ["1 captures of https://x.net/a in …/demo"], real
    )  # a line left out


def test_a_page_shows_the_day_after_it_was_run_as_tomorrow():
    """A date check's message names tomorrow's date: a transcript matches on any later day."""
    shown = ["give a date YYYY-MM-DD from 1990-01-01 to 2026-12-07 (tomorrow, UTC) (see --help)"]
    later = "give a date YYYY-MM-DD from 1990-01-01 to 2027-03-02 (tomorrow, UTC) (see --help)\n"
    assert docs.output_matches(shown, later)
    assert not docs.output_matches(shown, later.replace("1990-01-01", "1991-01-01"))
    # only the bound before «(tomorrow, UTC)» varies
    assert not docs.output_matches(["from 2026-12-07 to x"], "from 2026-12-08 to x\n")


# ---- the slow tier: each page's blocks, run ----


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory) -> Path:
    """`newsarchive demo --date 2026-11-21`, through the CLI, once per session."""
    work = tmp_path_factory.mktemp("docs-demo")
    with contextlib.chdir(work):
        code, out = _run(
            docs.Command(
                ["demo", "--date", "2026-11-21"], {"NEWSARCHIVE_ARCHIVE": "var/demo/archive"}, None
            )
        )
    assert code == 0, out
    return work / "var" / "demo" / "archive"


def _pages_that_run() -> list[Path]:
    return [
        page
        for page in docs.PAGES
        if any(
            (b.marker is None or b.marker.runs) and not docs.why_not_runnable(b)
            for b in docs.blocks(page)
        )
    ]


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages_that_run(), ids=lambda p: p.name)
def test_the_examples_of_a_page_run(page, demo_archive, replica, tmp_path, monkeypatch):
    work = tmp_path / "work"
    shutil.copytree(demo_archive, work / "var" / "demo" / "archive")
    monkeypatch.chdir(work)
    monkeypatch.setenv("NEWSARCHIVE_ARCHIVE", "var/demo/archive")
    monkeypatch.setenv("NEWSARCHIVE_HOST_MAP", __import__("json").dumps(replica.host_map))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache" / "search"))
    monkeypatch.setenv(
        "HF_HOME", str(tmp_path / "cache" / "hf")
    )  # `datasets`: never the user's cache
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    namespace: dict = {}
    ran = 0
    for block in docs.blocks(page):
        if (block.marker and not block.marker.runs) or docs.why_not_runnable(block):
            continue  # the unit tier holds these to their markers
        fault = block.marker.text if block.marker else None
        try:
            if fault:
                outlet, _, rest = fault.partition(":")
                mode, _, path = rest.partition(":")
                replica.replica.faults.set(outlet, mode, [path] if path else None)
            _run_block(block, namespace)
        finally:
            if fault:
                replica.replica.faults.clear()
        ran += 1
    assert ran


def _run_block(block: Block, namespace: dict) -> None:
    if block.lang in {"bash", "sh", "shell"}:
        for line in docs.logical_lines(block.body):
            code, out = _run(docs.parse_command(line))
            assert code == 0, f"{block.where}: `{line}` exited {code}:\n{out}"
    elif block.lang == "console":
        for step in docs.transcript(block.body):
            code, out = _run(docs.parse_command(step.line))
            assert docs.output_matches(step.shown, out), (
                f"{block.where}: `{step.line}` (exit {code}) printed, which the page should show:\n{out}"
            )
    elif block.lang == "python":
        exec(compile(block.body, block.where, "exec"), namespace)  # noqa: S102 - the page's code, verbatim
    elif block.lang == "sql":
        import duckdb

        duckdb.sql(block.body).fetchall()
    elif block.lang == "toml":
        data = tomllib.loads(block.body)
        if "outlet" in data:
            from outlets.registry import load_registry

            path = Path("docs-example-outlets.toml")
            path.write_text(block.body, encoding="utf-8")
            assert load_registry(path).outlets, block.where


def _run(command: Command) -> tuple[int, str]:
    """One command through the CLI's `main()`, as a shell runs it: its environment, its output (stdout and
    stderr in the order written, or stdout to `> FILE`), its exit code."""
    out = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers = []  # main() configures logging onto this command's stderr
    with pytest.MonkeyPatch.context() as patch, contextlib.ExitStack() as stack:
        for name, value in command.env.items():
            patch.setenv(name, value)
        stdout = (
            stack.enter_context(open(command.stdout_to, "w", encoding="utf-8"))
            if command.stdout_to
            else out
        )
        stack.enter_context(contextlib.redirect_stdout(stdout))
        stack.enter_context(contextlib.redirect_stderr(out))
        try:
            code = main(list(command.argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            root.handlers, root.level = handlers, level
    return code, out.getvalue()
