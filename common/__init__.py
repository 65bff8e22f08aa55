"""The lowest layer: the error root, bounded file reads, language tags. Imports nothing of ours."""
