"""The code blocks of the docs (docs/*.md and README.md), read the way a reader sees them, and what the
harness (tests/docs/test_docs_examples.py) does with each.

A block is run by its language unless an HTML comment on the line just before it says why not:

    <!-- docs-test: not run, REASON -->                 (starts Airflow, needs the internet, a diagram ...)
    <!-- docs-test: covered by tests/x/test_y.py::test_z[, ...] -->  (those tests exist and run what it shows)

and one comment sets the scene for a block that is run: `<!-- docs-test: replica fault OUTLET:MODE[:PATH] -->`
serves that fault (`newsarchive replica --fault`) on the replica while the block runs.

| language | what the harness does |
| --- | --- |
| `bash`, `sh`, `shell` | every line is a `newsarchive` command (`.venv/bin/newsarchive` too, with `VAR=value` before it and `> FILE` after it), run through the CLI's `main()`; it must exit 0 |
| `console` | a transcript: each `$ newsarchive ...` line is run, and the lines after it are its output, compared with what the run printed (`...` alone on a line stands for any lines, `…` inside a line for any text; what varies from run to run is compared by its shape: `VOLATILE`) |
| `python` | executed; `sql`: run by DuckDB; `toml`: parsed, and an `[[outlet]]` entry loaded by the registry |

Anything else, or a line that is not a command we can run, fails unless the block is marked."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = (*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md")
RUNNABLE = {"bash", "sh", "shell", "console", "python", "sql", "toml"}
PROGRAMS = {"newsarchive", ".venv/bin/newsarchive"}

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(
    r"^\s*<!--\s*docs-test:\s*(?P<kind>not run|covered by|replica fault)[,:]?\s*(?P<text>.*?)\s*-->\s*$"
)
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*=")
_TEST_REF = re.compile(r"^(?P<file>tests/[\w/]+\.py)(?:::(?P<name>\w+))?$")

# What differs between two runs of the same command on the same replica: capture times, WARC record ids,
# where a record sits in its WARC, the bytes of a gzip member. Both sides are compared by shape there.
VOLATILE = (
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"\b\d{14}\b"), "<timestamp>"),
    (re.compile(r"urn:uuid:[0-9a-f-]{36}"), "<uuid>"),
    (re.compile(r"\b(offset|length)=\d+"), r"\1=<n>"),
    (re.compile(r"\b[\d,]+ bytes\b"), "<n> bytes"),
    # a date check's bound is tomorrow's date (common/values.py Day): a page shows the day it was run
    (re.compile(r"\b\d{4}-\d\d-\d\d(?= \(tomorrow, UTC\))"), "<tomorrow>"),
)


@dataclass(frozen=True)
class Marker:
    kind: str  # "not run", "covered by" or "replica fault"
    text: str  # the reason, the test (tests/path.py::test_name), or the fault (OUTLET:MODE[:PATH])

    @property
    def runs(self) -> bool:
        return self.kind == "replica fault"


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    body: str
    marker: Marker | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass(frozen=True)
class Command:
    argv: list[str]  # after the program name
    env: dict[str, str]
    stdout_to: str | None  # `> FILE`


@dataclass(frozen=True)
class Step:
    """One command of a transcript and the output shown after it."""

    line: str
    shown: list[str]


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a page, with the marker on the line just before it."""
    lines = page.read_text(encoding="utf-8").split("\n")
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m["fence"], m["info"].strip()
        end = next(
            (
                j
                for j in range(i + 1, len(lines))
                if re.fullmatch(rf" {{0,3}}{fence[0]}{{{len(fence)},}}\s*", lines[j])
            ),
            len(lines),
        )
        indent = len(m["indent"])
        body = "\n".join(
            line[indent:] if line[:indent].isspace() else line for line in lines[i + 1 : end]
        )
        before = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = _MARKER.match(before)
        found.append(
            Block(
                page,
                i + 1,
                info.split()[0].lower() if info else "",
                body + "\n" if body else "",
                Marker(marker["kind"], marker["text"]) if marker else None,
            )
        )
        i = end + 1
    return found


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in blocks(page)]


def logical_lines(body: str) -> list[str]:
    """A shell block's lines, `\\` continuations joined, blank lines and whole-line comments left out."""
    out: list[str] = []
    pending = ""
    for raw in body.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append(line)
    return out


def parse_command(line: str) -> Command:
    """A `newsarchive` command line as the harness runs it; ValueError says why it cannot run one."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError as exc:
        raise ValueError(f"cannot split {line!r}: {exc}") from None
    env: dict[str, str] = {}
    while tokens and _ENV.match(tokens[0]):
        name, _, value = tokens.pop(0).partition("=")
        env[name] = value
    if not tokens or tokens[0] not in PROGRAMS:
        raise ValueError(f"not a newsarchive command: {line!r}")
    stdout_to = None
    if len(tokens) >= 3 and tokens[-2] == ">":
        stdout_to = tokens[-1]
        tokens = tokens[:-2]
    if operators := [t for t in tokens if t and set(t) <= set(";&|<>()")]:
        raise ValueError(
            f"a shell operator ({' '.join(operators)}) the harness does not run: {line!r}"
        )
    return Command(tokens[1:], env, stdout_to)


def transcript(body: str) -> list[Step]:
    """A console block: `$ command` lines, each followed by the output shown for it."""
    steps: list[Step] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append(Step(line[2:].strip(), []))
        elif steps:
            steps[-1].shown.append(line)
        elif line.strip():
            raise ValueError(f"output before any `$ ` command: {line!r}")
    return steps


def why_not_runnable(block: Block) -> str | None:
    """None when the harness can run the block as it is, else what stops it (the block needs a marker)."""
    if block.lang not in RUNNABLE:
        return f"a {block.lang or 'plain'} block is not something the harness runs"
    try:
        if block.lang in {"bash", "sh", "shell"}:
            lines = logical_lines(block.body)
            if not lines:
                return "no command in it"
            for line in lines:
                parse_command(line)
        elif block.lang == "console":
            steps = transcript(block.body)
            if not steps:
                return "no `$ ` command in it"
            for step in steps:
                parse_command(step.line)
    except ValueError as exc:
        return str(exc)
    return None


def marker_problem(block: Block) -> str | None:
    """What is wrong with a block's marker, if anything: a reason too short to say anything, or a
    covering test that does not exist."""
    marker = block.marker
    if marker is None:
        return None
    if marker.kind == "not run":
        return None if len(marker.text.split()) >= 2 else f"give the reason: {marker.text!r}"
    if marker.kind == "replica fault":
        from replica.faults import MODES

        outlet, _, rest = marker.text.partition(":")
        mode = rest.partition(":")[0]
        return (
            None
            if outlet and mode in MODES
            else f"not OUTLET:MODE[:PATH] with a known mode: {marker.text!r}"
        )
    for name in marker.text.split(","):
        if problem := _test_problem(name.strip()):
            return problem
    return None


def _test_problem(name: str) -> str | None:
    ref = _TEST_REF.match(name)
    if not ref:
        return f"name the test as tests/path/test_x.py::test_name: {name!r}"
    path = ROOT / ref["file"]
    if not path.is_file():
        return f"{ref['file']} does not exist"
    source = path.read_text(encoding="utf-8")
    if ref["name"] and not re.search(rf"^(?:async )?def {ref['name']}\(", source, re.M):
        return f"{ref['file']} has no test {ref['name']}"
    return None


def normalised(line: str) -> str:
    for pattern, shape in VOLATILE:
        line = pattern.sub(shape, line)
    return re.sub(r"[ \t]+", " ", line).strip()


def output_matches(shown: list[str], real: str) -> bool:
    """Whether the output shown in a transcript is what the command printed: line for line, by shape
    where it varies, `...` alone on a line for any lines, `…` inside a line for any text."""
    pattern = ""
    for line in shown:
        if line.strip() in {"...", "…"}:
            pattern += r"(?:[^\n]*\n)*?"
        else:
            pattern += ".*?".join(map(re.escape, normalised(line).split("…"))) + r"\n"
    text = "".join(normalised(line) + "\n" for line in real.splitlines())
    return re.fullmatch(pattern, text) is not None


def command_lines(block: Block) -> list[str]:
    """The `newsarchive` command lines a block shows (marked or not), for the parser check."""
    if block.lang in {"bash", "sh", "shell"}:
        lines = logical_lines(block.body)
    elif block.lang == "console":
        lines = [step.line for step in transcript(block.body)]
    else:
        return []
    out = []
    for line in lines:
        try:
            parse_command(line)
        except ValueError:
            continue
        out.append(line)
    return out
