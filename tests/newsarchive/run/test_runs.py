"""newsarchive/run/runs.py: a run's id and its own staging space. Every staging object of a run is
under its prefix, belongs to one outlet (or to the dedup stage), and another run's objects are never its."""

from __future__ import annotations

import re
from datetime import date

from newsarchive.run.runs import RunRef

DAY = date(2026, 11, 21)


def test_a_cli_run_has_a_fresh_id_of_its_day():
    first, second = RunRef.new_cli(DAY), RunRef.new_cli(DAY)
    assert re.fullmatch(r"cli__2026-11-21__\d{8}T\d{6}__[0-9a-f]{6}", first.run_id)
    assert first.run_id != second.run_id and first.staging != second.staging


def test_each_staging_object_is_under_the_run_and_names_its_outlet():
    run = RunRef(DAY, "scheduled__2026-11-21T00:00:00+00:00")
    outputs = run.outlet_outputs("anapress")
    assert outputs and all(key.startswith(run.staging) for key in outputs)
    assert set(run.extract_outputs("anapress")) <= set(outputs)
    assert {
        run.warc("anapress"),
        run.crawl_report("anapress"),
        run.gap("crawl", "anapress"),
    } <= set(outputs)
    assert {run.outlet_of(key) for key in outputs} == {"anapress"}
    assert all(run.outlet_of(key) is None for key in run.dedup_outputs)
    assert all(key.startswith(run.staging) for key in run.dedup_outputs)


def test_another_runs_objects_and_strange_keys_are_not_this_runs():
    run, other = RunRef(DAY, "manual__a"), RunRef(DAY, "manual__b")
    assert run.staging != other.staging
    assert all(run.outlet_of(key) is None for key in other.outlet_outputs("anapress"))
    assert run.outlet_of(run.staging + "crawl/anapress.warc.gz/extra") is None
    assert run.outlet_of(run.staging + "publish/anapress.warc.gz") is None
    assert run.outlet_of(run.staging + "crawl/anapress.unknown") is None
