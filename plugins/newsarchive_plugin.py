"""Airflow's plugins folder (AIRFLOW__CORE__PLUGINS_FOLDER, set by scripts/airflow.sh and scripts/cluster.sh):
the project's plugin lives in the newsarchive package."""

from newsarchive.airflow_glue.archive_page.plugin import NewsArchivePlugin

__all__ = ["NewsArchivePlugin"]
