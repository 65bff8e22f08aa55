"""Full-text search of the archive: Arabic-aware tokens (search/text.py), an index segment per
snapshot stored beside it in the archive (search/segment.py), and queries and counts over the newest
complete rev of each day (search/engine.py)."""
