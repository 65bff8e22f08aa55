"""newsarchive: crawl news outlets, extract the story, deduplicate, keep dated verifiable snapshots."""

__version__ = "0.1.0"
