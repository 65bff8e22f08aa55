"""The Airflow 3 plugin: the Archive app under /newsarchive and an "Archive" entry in the UI's navigation,
and the deadline reference of NEWSARCHIVE_DEADLINE (the scheduler finds it here)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from newsarchive.airflow_glue.archive_page.app import app
from newsarchive.airflow_glue.deadline import SnapshotDueAt

URL_PREFIX = "/newsarchive"


class NewsArchivePlugin(AirflowPlugin):
    name = "newsarchive"
    deadline_references = [SnapshotDueAt]
    fastapi_apps = [{"app": app, "url_prefix": URL_PREFIX, "name": "newsarchive archive"}]
    external_views = [
        {
            "name": "Archive",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "url_route": "archive",
            "category": None,
        }
    ]
