"""The `newsarchive` command: one module per command group, each registering its commands the same way."""
