"""Temp space that never outlives its process (newsarchive/run/scratch.py): `sweep` removes the scratch
directories of processes that are gone, and only those; the kill-and-rerun case runs in test_integrity."""

from __future__ import annotations

import os

from newsarchive.run import scratch


def test_sweep_removes_only_the_scratch_of_processes_that_are_gone(tmp_path):
    me = tmp_path / f"{scratch.PREFIX}{os.getpid()}-{scratch.start_time(os.getpid())}"
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    dead = tmp_path / f"{scratch.PREFIX}{child}-1"  # a process that is gone
    reused = tmp_path / f"{scratch.PREFIX}{os.getpid()}-1"  # this pid, another start time: gone too
    not_ours = [tmp_path / "newsarchive-scratch-x-1", tmp_path / "other-123-4"]
    for path in [me, dead, reused, *not_ours]:
        (path / "part").mkdir(parents=True)
    link = tmp_path / f"{scratch.PREFIX}999999-1"
    link.symlink_to(tmp_path / "other-123-4")  # a link is never followed into

    removed = scratch.sweep(tmp_path)

    assert sorted(removed) == sorted([dead, reused])
    assert me.is_dir() and all(p.is_dir() for p in not_ours) and link.is_symlink()
    assert (tmp_path / "other-123-4" / "part").is_dir()
