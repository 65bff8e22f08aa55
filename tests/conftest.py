"""Shared fixtures: the outlet replica on loopback (once per session) and a demo run over it."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from newsarchive.config import Settings
from replica.server import ReplicaServer
from tests import xdist_groups

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
RUN_DAY = date(2026, 11, 21)

# The furniture the seed texts show around the stories (issue: walking skeleton). A line of archived
# text that is one of these, or starts with one, is furniture that leaked through.
FURNITURE_LINE = re.compile(
    r"^\s*(المزيد|الأكثر قراءة|الأكثر مشاهدة|حجم الخط|التعليقات\s*\(\d+\)|شارك هذا المقال|اعلان|إعلان"
    r"|أخبار متعلقة|للمزيد على|مواضيع إضافية|مواضيع ذات صلة|اقرأ أيضاً|تابعونا|أقسام|نسخ/لصق"
    r"|💡|✨|\d+\s*مشاهدة|\d+$|بقلم)"
)


def normalise_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def replica():
    with ReplicaServer(per_outlet=20) as server:
        yield server


@pytest.fixture
def archive_dir(tmp_path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def replica_settings(replica, archive_dir) -> Settings:
    return Settings(archive=str(archive_dir), host_map=replica.host_map)


@pytest.fixture(scope="session")
def demo_run(replica, tmp_path_factory):
    """One full pipeline run over the replica (all five outlets), shared by the pipeline tests."""
    from newsarchive.run.pipeline import run_pipeline

    archive = tmp_path_factory.mktemp("demo") / "archive"
    settings = Settings(archive=str(archive), host_map=replica.host_map)
    result = run_pipeline(settings, RUN_DAY)
    return settings, result


@pytest.fixture(scope="session")
def living_replica():
    """The living replica (each day its own articles, revisions and syndication), once per session."""
    with ReplicaServer(living=True) as server:
        yield server


@pytest.fixture(scope="session")
def living_reference(living_replica, tmp_path_factory):
    """The reference the other paths are held to: `newsarchive run`'s function over the living replica's
    first two days (tests/equivalence.py: LIVING_DAYS), one after the other in one archive; the
    fingerprint of each day. Built once for all workers (tests/built_once.py: the days are the same in
    every worker's replica); the archive is for reading."""
    import pickle

    from tests.built_once import built_once

    def build(directory: Path) -> None:
        from archive.store import open_store
        from newsarchive.run.pipeline import run_pipeline
        from tests.equivalence import LIVING_DAYS, fingerprint

        settings = Settings(archive=str(directory / "archive"), host_map=living_replica.host_map)
        for day in LIVING_DAYS:
            assert run_pipeline(settings, day).failures == {}
        store = open_store(settings.archive)
        fingerprints = {day: fingerprint(store, day) for day in LIVING_DAYS}
        (directory / "fingerprints.pickle").write_bytes(pickle.dumps(fingerprints))

    directory = built_once(tmp_path_factory, "living-reference", build)
    settings = Settings(archive=str(directory / "archive"), host_map=living_replica.host_map)
    return settings, pickle.loads((directory / "fingerprints.pickle").read_bytes())


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """SeaweedFS on loopback for the whole session, with its S3 settings in the environment."""
    import os

    from tests.s3server import SeaweedS3

    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs")).start()
    saved = {k: os.environ.get(k) for k in server.env}
    os.environ.update(
        server.env
    )  # boto3's standard configuration, for this process and its children
    server.create_bucket("archive")
    yield server
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    """Real Airflow on a throwaway SQLite metadata DB, for Python processes of its own (`run_python`:
    Airflow reads its configuration at import): the environment, once the DB is migrated. The DB is
    migrated (with the crawl pool) once for all workers (tests/built_once.py); each worker's Airflow
    home starts from a copy of it."""
    import os
    import subprocess
    import sys

    from tests.built_once import built_once

    def env_of(home: Path) -> dict[str, str]:
        return {
            **os.environ,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        }

    def migrate(directory: Path) -> None:
        env = env_of(directory)
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "airflow",
                "pools",
                "set",
                "newsarchive_crawl",
                "2",
                "outlet crawls",
            ],
            env=env,
            check=True,
            capture_output=True,
        )

    migrated = built_once(tmp_path_factory, "airflow-migrated", migrate) / "airflow.db"
    home = tmp_path_factory.mktemp("airflow_home")
    shutil.copy2(migrated, home / "airflow.db")
    shutil.copy2(migrated, home / MIGRATED_DB)  # what own_airflow_env starts from
    return env_of(home)


MIGRATED_DB = "airflow.db.migrated"


@pytest.fixture
def own_airflow_env(airflow_env, tmp_path) -> dict[str, str]:
    """airflow_env with a metadata DB of the test's own, as migrated (a copy, not a second migration):
    for a test that writes DAG runs itself, which the runs other tests of the worker made on the same
    dates would collide with (dag_run is unique by DAG and logical date)."""
    home = tmp_path / "airflow_home"
    home.mkdir()
    shutil.copy2(Path(airflow_env["AIRFLOW_HOME"]) / MIGRATED_DB, home / "airflow.db")
    return {**airflow_env, "AIRFLOW_HOME": str(home)}


def run_python(code: str, env: dict[str, str], timeout: int = 600):
    """`python -c code` in the project's directory with `env` (airflow_env's, say); its output as text."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


_bucket_prefixes = iter(range(10**6))


@pytest.fixture(params=["local", "s3"])
def archive_url(request, tmp_path) -> str:
    """The same tests against both backends: a fresh local directory, or a fresh prefix in the bucket."""
    if request.param == "local":
        return str(tmp_path / "archive")
    request.getfixturevalue("s3_server")
    return f"s3://archive/t{next(_bucket_prefixes)}-{request.node.name[:40].replace('[', '-').replace(']', '')}"


@pytest.fixture(scope="session")
def local_corpus(tmp_path_factory):
    """The search corpus (tests/search/corpus.py) published once per session into a local archive; each
    test gets a copy of it to change (`corpus`)."""
    from archive.store import open_store
    from tests.search.corpus import publish_corpus

    path = tmp_path_factory.mktemp("search-corpus") / "archive"
    return path, publish_corpus(open_store(path))


@pytest.fixture
def corpus(archive_url, tmp_path, monkeypatch, request):
    """The search corpus in a fresh archive of its own (a copy of `local_corpus`, or published to a
    fresh S3 prefix), with a search cache of its own."""
    import shutil

    from archive.store import open_store
    from tests.search.corpus import publish_corpus

    monkeypatch.setenv("NEWSARCHIVE_SEARCH_CACHE", str(tmp_path / "cache"))
    if archive_url.startswith("s3://"):
        store = open_store(archive_url)
        return archive_url, store, publish_corpus(store)
    built, published = request.getfixturevalue("local_corpus")
    shutil.copytree(built, archive_url)
    return archive_url, open_store(archive_url), published


SLOW_FIXTURES = {
    "s3_server",
    "demo_run",
    "living_reference",
    "airflow_env",
}  # the SeaweedFS S3 server; whole pipeline runs over the replica; Airflow's metadata DB


# session fixtures that cost a whole pipeline run or more: under `make test`'s workers, the tests that
# share one run in the same worker, so it is made once, not once per worker (living_reference is built
# once for all workers instead: tests/built_once.py)
SHARED_RUNS = ("demo_run",)


def shared_by(item: pytest.Item) -> set[str]:
    """What a test shares with other tests and must run in one worker with them: each of SHARED_RUNS it
    uses, and its module when it uses a module-, class- or package-scoped fixture (an Airflow instance, a
    cluster, an archive built once: made once per worker that runs one of the module's tests)."""
    names = set(getattr(item, "fixturenames", ()))
    shared = {run for run in SHARED_RUNS if run in names}
    info = getattr(item, "_fixtureinfo", None)
    for defs in getattr(info, "name2fixturedefs", {}).values():
        if any(d.scope in ("module", "class", "package") for d in defs):
            module = getattr(item, "module", None)
            shared.add(module.__name__ if module else item.nodeid.split("::")[0])
            break
    return shared


def xdist_groups_of(items: list[pytest.Item]) -> dict[str, str]:
    """The worker group of each test that shares something (`shared_by`), by node id, under `pytest -n N
    --dist loadgroup`: the tests that share anything, directly or through other tests, form one group
    (named by the least of the things shared), so no module fixture or shared run is made twice;
    every other test is scheduled on its own."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    shared = {item.nodeid: sorted(shared_by(item)) for item in items}
    for keys in shared.values():
        for key in keys[1:]:
            a, b = root(keys[0]), root(key)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {nodeid: root(keys[0]) for nodeid, keys in shared.items() if keys}


def pytest_addoption(parser):
    parser.addoption(
        "--record-durations",
        action="store_true",
        help="write each test's seconds (those of 1 s or more) to tests/durations.json, which "
        "`make test` uses to start the longest test groups first",
    )


def pytest_configure(config):
    xdist_groups.start(config)


def pytest_unconfigure(config):
    xdist_groups.finish(config)


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (make test): the scheduler that keeps each `xdist_group` in one worker."""
    if config.getoption("dist", "no") == "loadgroup":
        return xdist_groups.GroupScheduling(config, log)
    return None


def pytest_collection_modifyitems(items):
    """A test that uses the S3 server, the shared pipeline run or Airflow's metadata DB (directly, or as
    the "s3" case of `archive_url`) is slow, wherever it is; `make test-fast` leaves it out. Each test gets its worker
    group (`xdist_groups_of`), which a worker writes down for the scheduler (tests/xdist_groups.py)."""
    groups = xdist_groups_of(items)
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if (
            SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
            or params.get("archive_url") == "s3"
        ):
            item.add_marker(pytest.mark.slow)
        if (group := groups.get(item.nodeid)) is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    xdist_groups.record(items)


@pytest.fixture(scope="session", autouse=True)
def own_tmpdir(tmp_path_factory):
    """Each test process (each pytest-xdist worker) and its subprocesses get their own TMPDIR: a run
    sweeps the scratch directories of dead processes from TMPDIR (newsarchive/run/scratch.py), so a
    test that kills a run and looks for what it left must not share TMPDIR with other workers' runs."""
    import os
    import tempfile

    path = tmp_path_factory.getbasetemp() / "tmp"
    path.mkdir(exist_ok=True)
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    yield path
    if saved is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved
    tempfile.tempdir = None


def pytest_terminal_summary(terminalreporter):
    from tests.report import print_tables

    print_tables(terminalreporter.write_line)
