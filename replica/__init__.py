"""A local replica of the registry's outlets, served on 127.0.0.1 for demos, tests and benchmarks.

Each outlet gets its own markup and the furniture the seed texts show around the story
(see sites/). The spiders reach it through the same registry URLs as the live sites: only the
transport maps the outlets' hosts to the replica's loopback port (spiders/transport.py).
"""
