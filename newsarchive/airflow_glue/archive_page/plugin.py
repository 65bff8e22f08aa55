"""The Airflow 3 plugin: the Archive app under /newsarchive and an "Archive" entry in the UI's navigation."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from newsarchive.airflow_glue.archive_page.app import app

URL_PREFIX = "/newsarchive"


class NewsArchivePlugin(AirflowPlugin):
    name = "newsarchive"
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
