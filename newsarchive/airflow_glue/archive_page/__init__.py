"""The "Archive" page of the Airflow UI: the archive's health from its manifests (health.py), rendered as one
HTML document (render.py), served by a FastAPI app (app.py) that the Airflow plugin (plugin.py) mounts."""
