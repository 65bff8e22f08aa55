"""How the edges answer an error (newsarchive/errors.py): one exit code per kind for the CLI, and for the
DAG whether a task fails for good or is left to its retries."""

from __future__ import annotations

from common.errors import ConfigError, NewsArchiveError, StoreError
from newsarchive.errors import exit_code_for, fails_for_good
from newsarchive.run.lifecycle.run import NothingToPublish
from newsarchive.run.quality import QualityCheckFailed


def test_the_cli_answers_ours_with_2_ctrl_c_with_130_a_closed_pipe_with_141_and_a_bug_with_its_traceback():
    assert exit_code_for(ConfigError("bad value")) == 2
    assert exit_code_for(KeyboardInterrupt()) == 130
    assert exit_code_for(BrokenPipeError()) == 141
    assert (
        exit_code_for(ValueError("a bug")) is None
    )  # main() re-raises it: the traceback is the report
    assert exit_code_for(OSError("not ours")) is None


def test_a_task_fails_for_good_only_when_running_it_again_cannot_help():
    assert fails_for_good(NothingToPublish("every outlet failed"))
    assert fails_for_good(QualityCheckFailed(["orient: 0 new articles"]))
    assert not fails_for_good(
        StoreError("the endpoint does not answer")
    )  # the retries may reach it
    assert not fails_for_good(TimeoutError())  # not ours: Airflow's retries decide
    assert all(
        isinstance(e, NewsArchiveError) for e in (NothingToPublish("x"), QualityCheckFailed(["x"]))
    )
