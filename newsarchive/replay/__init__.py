"""Serving the archive to pywb: Wayback URLs, CDX API, Memento."""
