"""The settings model (newsarchive/variables.py, spiders/variables.py): every NEWSARCHIVE_* variable
declared once, checked whole where a process starts, documented in one generated table.

The cases are made from the model itself, so a variable added tomorrow is tried too: each declared
variable with every wrong value its kind lists (`bad_examples`) through the CLI (one line naming it,
exit 2, no traceback, nothing archived), every crawl variable through the crawl process's own check,
and a NEWSARCHIVE_* name the model does not know. They count in `make test`'s summary as
`edges (settings)` and `edges (settings, crawl process)`."""

from __future__ import annotations

import re
import traceback
from datetime import date
from pathlib import Path

import pytest
from scrapy.settings import Settings as ScrapySettings

from common.errors import ConfigError
from newsarchive.cli.main import main
from newsarchive.config import DagSettings, Settings
from newsarchive.run.crawl import scrapy_settings
from newsarchive.variables import BY_NAME, VARIABLES
from spiders.variables import CRAWL_VARIABLES, check_crawl_settings
from tests.conftest import ROOT
from tests.report import edge_row
from tools import settings_table

USER_VARIABLES = [v for v in VARIABLES if not v.internal]
# an environment cannot hold a NUL byte: the other control characters stand in for it
CASES = [
    (v.name, bad.replace("\x00", "\x01")) for v in USER_VARIABLES for bad in v.kind.bad_examples
]
CASES += [("NEWSARCHIVE_MAX_ARTICLE", "5"), ("NEWSARCHIVE_RUN_DAY", "2026-11-21")]
CRAWL_CASES = [
    (v.name, bad) for v in CRAWL_VARIABLES for bad in v.kind.bad_examples if not v.internal
]
CRAWL_CASES += [("NEWSARCHIVE_MAX_SECTION_PAGE", "5")]
TYPO_EXAMPLES = {"NEWSARCHIVE_MAX_ARTICLE"}  # the docs show what a misspelt name gets
PRODUCT = ("common", "outlets", "spiders", "extract", "dedup", "archive", "search", "newsarchive")
SOURCES = [
    *[p for package in PRODUCT for p in (ROOT / package).rglob("*.py")],
    *(ROOT / "dags").glob("*.py"),
    *(ROOT / "scripts").glob("*.sh"),
    *(ROOT / "bench").glob("*.py"),
    *(ROOT / "docs").glob("*.md"),
    ROOT / "Makefile",
]


def _case_id(case: tuple[str, str]) -> str:
    return f"{case[0].removeprefix('NEWSARCHIVE_')}={case[1][:20]!r}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_each_wrong_value_of_each_variable_is_one_line_naming_it(
    case, tmp_path, monkeypatch, capsys
):
    name, value = case
    monkeypatch.setenv(name, value)
    archive = tmp_path / "archive"
    argv = (
        ["snapshots", "list"]
        if name == "NEWSARCHIVE_ARCHIVE"
        else ["run", "--archive", str(archive)]
    )
    crashed = False
    try:
        code = main(argv)
    except Exception:  # noqa: BLE001 - counted: the test's whole point
        crashed, code = True, None
        print(traceback.format_exc())
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    held = code == 2 and len(lines) == 1 and name in lines[0] and "Traceback" not in err
    edge_row("settings", held=held, traceback=crashed, forged=code == 0, lost=0)
    assert held, (code, lines)
    assert not archive.exists()  # refused before anything ran


@pytest.mark.parametrize("case", CRAWL_CASES, ids=[_case_id(c) for c in CRAWL_CASES])
def test_the_crawl_process_checks_its_settings_before_any_request(case):
    """`scrapy crawl ... -s NAME=value`: the spider's from_crawler calls this first."""
    name, value = case
    settings = ScrapySettings()
    settings.setmodule("spiders.settings")
    settings.set(name, value, priority="cmdline")
    try:
        check_crawl_settings(settings)
        held = False
    except ConfigError as exc:
        held = name in str(exc) and "\n" not in str(exc)
    edge_row("settings, crawl process", held=held, forged=not held)
    assert held


def test_the_defaults_of_the_crawl_process_are_its_declared_ones():
    settings = ScrapySettings()
    settings.setmodule("spiders.settings")
    values = check_crawl_settings(settings)
    assert all(values[v.name] == v.default for v in CRAWL_VARIABLES), values


def test_every_crawl_variable_set_in_the_environment_reaches_the_crawl():
    """Five of them used to be ignored when set in the environment (Scrapy reads none)."""
    env = {
        "NEWSARCHIVE_MAX_ARTICLES": "7",
        "NEWSARCHIVE_MAX_SECTION_PAGES": "3",
        "NEWSARCHIVE_MAX_SITEMAP_DEPTH": "0",
        "NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS": "12",
        "NEWSARCHIVE_LASTMOD_MARGIN_HOURS": "1.5",
        "NEWSARCHIVE_SITEMAP_MAX_AGE_DAYS": "30",
        "NEWSARCHIVE_MAX_RETRY_AFTER": "5",
        "NEWSARCHIVE_REVISITS": "off",
        "NEWSARCHIVE_REQUISITES_PER_PAGE": "0",
        "NEWSARCHIVE_REQUISITE_MIB_PER_PAGE": "0.5",
        "NEWSARCHIVE_REQUISITES_PER_RUN": "9",
        "NEWSARCHIVE_REQUISITE_MIB_PER_RUN": "2.25",
        "NEWSARCHIVE_HOST_MAP": '{"www.x.com": "127.0.0.1:9"}',
    }
    assert {v.name for v in CRAWL_VARIABLES if not v.internal} == set(env)
    given = scrapy_settings(Settings.from_env(env), Path("/tmp/out"))
    crawl = ScrapySettings()
    crawl.setmodule("spiders.settings")
    crawl.setdict(given, priority="cmdline")
    values = check_crawl_settings(crawl)
    for name, text in env.items():
        assert values[name] == BY_NAME[name].parse(text) != BY_NAME[name].default, name


def test_the_host_map_changes_where_requests_go_never_the_politeness():
    """Issue 31: mapping one host used to turn AutoThrottle off for every host."""
    plain = scrapy_settings(Settings(), Path("/tmp/out"))
    mapped = scrapy_settings(Settings(host_map={"www.x.com": "127.0.0.1:9"}), Path("/tmp/out"))
    assert {k: v for k, v in mapped.items() if k != "NEWSARCHIVE_HOST_MAP"} == {
        k: v for k, v in plain.items() if k != "NEWSARCHIVE_HOST_MAP"
    }
    assert not any(k.startswith(("AUTOTHROTTLE", "DOWNLOAD_DELAY", "CONCURRENT")) for k in mapped)


def test_every_newsarchive_name_in_the_project_is_declared():
    """`grep -rn NEWSARCHIVE_` as a test: a variable read anywhere (code, scripts, DAGs, docs) without a
    declaration would be read unchecked, or refused at start as unknown."""
    declared = set(BY_NAME)
    undeclared = {}
    for path in SOURCES:
        for match in re.finditer(r"NEWSARCHIVE_[A-Z0-9_]*[A-Z0-9](_?\*)?", path.read_text("utf-8")):
            name, prefix = match.group(0).rstrip("*"), match.group(1)
            if name in TYPO_EXAMPLES and path.suffix == ".md":
                continue
            known = any(d.startswith(name) for d in declared) if prefix else name in declared
            if not known:
                undeclared.setdefault(name, str(path.relative_to(ROOT)))
    assert undeclared == {}


def test_each_variable_is_declared_once_and_sets_a_real_field():
    names = [v.name for v in VARIABLES]
    assert len(names) == len(set(names))
    fields = set(Settings.__dataclass_fields__)
    assert {v.settings_field for v in VARIABLES if v.settings_field} <= fields
    for variable in VARIABLES:  # its default is a value of its kind (written back, read again)
        if variable.default not in (None, (), {}) and not variable.default_text:
            assert variable.kind.parse(variable.kind.text(variable.default)) == variable.default


def test_the_docs_table_is_the_models():
    """docs/configuration.md's table is generated (python -m tools.settings_table)."""
    current = settings_table.DOC.read_text(encoding="utf-8")
    assert settings_table.rendered(current) == current, "run python -m tools.settings_table"


def test_the_dag_settings_are_checked_and_typed():
    assert DagSettings.from_env({}) == DagSettings(
        "0 3 * * *", "newsarchive_crawl", "crawl", "process"
    )
    assert DagSettings.from_env({"NEWSARCHIVE_SCHEDULE": ""}).schedule is None
    with pytest.raises(ConfigError, match="NEWSARCHIVE_SCHEDULE='not a cron': give a cron"):
        DagSettings.from_env({"NEWSARCHIVE_SCHEDULE": "not a cron"})
    with pytest.raises(ConfigError, match="NEWSARCHIVE_MAX_ARTICLES"):  # the whole environment
        DagSettings.from_env({"NEWSARCHIVE_MAX_ARTICLES": "1e99"})


def test_a_negative_pool_size_is_refused_not_unlimited():
    with pytest.raises(ConfigError, match="NEWSARCHIVE_CRAWL_SLOTS='-1': give a whole number"):
        DagSettings.from_env({"NEWSARCHIVE_CRAWL_SLOTS": "-1"})


def test_settings_command_prints_every_variable_and_shell_lines(monkeypatch, capsys):
    monkeypatch.setenv("NEWSARCHIVE_CRAWL_SLOTS", "5")
    assert main(["settings", "--shell", "NEWSARCHIVE_CRAWL_SLOTS", "NEWSARCHIVE_WORKERS"]) == 0
    assert capsys.readouterr().out == "NEWSARCHIVE_CRAWL_SLOTS=5\nNEWSARCHIVE_WORKERS=2\n"
    assert main(["settings"]) == 0
    out = capsys.readouterr().out
    assert all(v.name in out for v in USER_VARIABLES) and "NEWSARCHIVE_RUN_DAY" not in out
    assert re.search(r"NEWSARCHIVE_CRAWL_SLOTS +5 +\(environment\)", out)


def test_a_date_setting_takes_today():
    assert BY_NAME["NEWSARCHIVE_RUN_DAY"].kind.parse(date.today().isoformat()) == date.today()
