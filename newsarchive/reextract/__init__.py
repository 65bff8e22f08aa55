"""Archived days extracted again from their WARCs and published as derived revs."""
