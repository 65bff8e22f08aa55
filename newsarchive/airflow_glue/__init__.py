"""The only package that imports Airflow: task bodies, labels, connections, alerts, the Archive page."""
