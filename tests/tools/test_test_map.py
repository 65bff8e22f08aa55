"""tools/test_map.py: `tests/` mirrors the packages. A new module comes with its test file (or, with no
behaviour of its own, with its reason in NO_BEHAVIOUR), and the lists below stay exact."""

from __future__ import annotations

from pathlib import Path

from tools.test_map import NO_BEHAVIOUR, ROOT, main, modules, without_test_file
from tools.test_map import test_file as mirror_of

# Every module with behaviour of its own has its test file (2026-12-06); nothing may be added here.
NOT_YET_MIRRORED: set[str] = set()


def test_the_mirror_of_a_module_is_its_test_file_under_tests():
    assert mirror_of(Path("newsarchive/run/quality.py")) == Path(
        "tests/newsarchive/run/test_quality.py"
    )
    assert mirror_of(Path("common/files.py")) == Path("tests/common/test_files.py")
    found = modules()
    assert Path("archive/layout.py") in found and not any(m.name == "__init__.py" for m in found)


def test_a_module_without_behaviour_of_its_own_is_named_with_its_reason_and_has_no_test_file():
    every = {m.as_posix() for m in modules()}
    for module, reason in NO_BEHAVIOUR.items():
        assert module in every, f"{module} is in NO_BEHAVIOUR but is no module any more"
        assert reason.strip(), module
        assert not (ROOT / mirror_of(Path(module))).is_file(), (
            f"{module} has a test file: take it off tools/test_map.py's NO_BEHAVIOUR"
        )


def test_every_module_with_behaviour_of_its_own_has_its_test_file():
    missing = {m.as_posix() for m in without_test_file()}
    new = sorted(missing - NOT_YET_MIRRORED)
    assert not new, (
        f"{new}: write its tests in {[str(mirror_of(Path(m))) for m in new]}, or, if it has no "
        "behaviour of its own, name it with the reason in tools/test_map.py's NO_BEHAVIOUR"
    )
    done = sorted(NOT_YET_MIRRORED - missing)
    assert not done, (
        f"{done} have their test file now: take them off NOT_YET_MIRRORED in {__file__}"
    )


def test_the_map_prints_the_count_and_every_module_with_its_test_file_or_reason(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    counted = len(modules()) - len(NO_BEHAVIOUR)
    mirrored = counted - len(without_test_file())
    assert f"{mirrored} of {counted} modules with behaviour of their own have a test file" in out
    assert main(["--all"]) == 0
    rows = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines()[:-2])
    assert rows["newsarchive/run/quality.py"] == "tests/newsarchive/run/test_quality.py"
    assert rows["extract/arabic.py"] == NO_BEHAVIOUR["extract/arabic.py"]
    assert rows.keys() == {m.as_posix() for m in modules()}
