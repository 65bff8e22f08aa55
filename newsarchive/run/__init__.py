"""A daily run: its lifecycle, stages, publish, gc and the canary (the same for the CLI, every DAG task and re-extraction)."""
