"""The crawl process's NEWSARCHIVE_* settings, declared once (kind, range, default: spiders/settings.py),
and read through their declarations.

A user sets them in the environment (newsarchive.config.Settings reads them, the crawl stage passes each
to `scrapy crawl` with -s) or, running scrapy by hand, with -s. The crawl process checks every
NEWSARCHIVE_* Scrapy setting when the spider is made (`check_crawl_settings`), before any request: a
wrong value or a name that is not declared is a ConfigError naming it and what it accepts, never a
traceback deep in a component. The internal ones are set by the crawl stage for each crawl."""

from __future__ import annotations

import json
from typing import Any

from common.values import Day, Duration, Flag, HostMap, Number, PathKind, Whole
from common.variables import PREFIX, Variable, unknown_variable
from spiders import settings as defaults

MAX_ARTICLES = 1_000_000  # page cap per outlet per run
CRAWL = "crawl process (passed by the crawl stage)"

CRAWL_VARIABLES: tuple[Variable[Any], ...] = (
    Variable(
        "NEWSARCHIVE_MAX_ARTICLES",
        Whole(1, MAX_ARTICLES, "articles per outlet per run"),
        defaults.NEWSARCHIVE_MAX_ARTICLES,
        "page cap: article requests per outlet per run, pending retries included (the rest stay "
        "pending); `--max-articles`",
        CRAWL,
        settings_field="max_articles",
    ),
    Variable(
        "NEWSARCHIVE_MAX_SECTION_PAGES",
        Whole(1, 100_000, "pages"),
        defaults.NEWSARCHIVE_MAX_SECTION_PAGES,
        "rel=next pages followed per section (`truncated_discovery.section_pages`)",
        CRAWL,
        settings_field="max_section_pages",
    ),
    Variable(
        "NEWSARCHIVE_MAX_SITEMAP_DEPTH",
        Whole(0, 20, "levels"),
        defaults.NEWSARCHIVE_MAX_SITEMAP_DEPTH,
        "sitemap indexes nested below a registry sitemap (`truncated_discovery.sitemap_depth`)",
        CRAWL,
        settings_field="max_sitemap_depth",
    ),
    Variable(
        "NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS",
        Whole(1, 1_000_000, "documents"),
        defaults.NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS,
        "feeds, sitemaps and section pages requested per crawl "
        "(`truncated_discovery.discovery_documents`)",
        CRAWL,
        settings_field="max_discovery_documents",
    ),
    Variable(
        "NEWSARCHIVE_LASTMOD_MARGIN_HOURS",
        Duration(0, 8760, "hours"),
        float(defaults.NEWSARCHIVE_LASTMOD_MARGIN_HOURS),
        "sitemap entries last modified before the previous crawl minus this are skipped",
        CRAWL,
        settings_field="lastmod_margin_hours",
    ),
    Variable(
        "NEWSARCHIVE_SITEMAP_MAX_AGE_DAYS",
        Duration(0, 36500, "days"),
        float(defaults.NEWSARCHIVE_SITEMAP_MAX_AGE_DAYS),
        "also skip sitemap entries older than this many days (bounds a first crawl); 0: no limit",
        CRAWL,
        settings_field="sitemap_max_age_days",
    ),
    Variable(
        "NEWSARCHIVE_MAX_RETRY_AFTER",
        Duration(0, 86400, "seconds"),
        float(defaults.NEWSARCHIVE_MAX_RETRY_AFTER),
        "longest Retry-After waited for; a longer one fails the page until the next run",
        CRAWL,
        settings_field="max_retry_after",
    ),
    Variable(
        "NEWSARCHIVE_REVISITS",
        Flag(),
        defaults.NEWSARCHIVE_REVISITS,
        "WARC revisit records for payloads archived already in the day's revs (off: every body in full)",
        CRAWL,
        settings_field="revisits",
    ),
    Variable(
        "NEWSARCHIVE_REQUISITES_PER_PAGE",
        Whole(0, 10_000, "requisites"),
        defaults.NEWSARCHIVE_REQUISITES_PER_PAGE,
        "stylesheets, images, fonts and scripts requested for one article page "
        "(`requisites.skipped.budget_page_count`); 0: none for any outlet",
        CRAWL,
        settings_field="requisites_per_page",
    ),
    Variable(
        "NEWSARCHIVE_REQUISITE_MIB_PER_PAGE",
        Number(0, 100_000, "MiB"),
        float(defaults.NEWSARCHIVE_REQUISITE_MIB_PER_PAGE),
        "MiB received for one article page's requisites (`requisites.skipped.budget_page_bytes`)",
        CRAWL,
        settings_field="requisite_mib_per_page",
    ),
    Variable(
        "NEWSARCHIVE_REQUISITES_PER_RUN",
        Whole(0, 10_000_000, "requisites"),
        defaults.NEWSARCHIVE_REQUISITES_PER_RUN,
        "requisites requested by one crawl of an outlet (`requisites.skipped.budget_run_count`)",
        CRAWL,
        settings_field="requisites_per_run",
    ),
    Variable(
        "NEWSARCHIVE_REQUISITE_MIB_PER_RUN",
        Number(0, 10_000_000, "MiB"),
        float(defaults.NEWSARCHIVE_REQUISITE_MIB_PER_RUN),
        "MiB received for requisites by one crawl of an outlet (`requisites.skipped.budget_run_bytes`)",
        CRAWL,
        settings_field="requisite_mib_per_run",
    ),
    Variable(
        "NEWSARCHIVE_HOST_MAP",
        HostMap(),
        {},
        "outlet hosts sent to another address (the replica on loopback, tests, demo), like an "
        "/etc/hosts entry with a port; changes where requests go, not how politely",
        "CLI, tasks, crawl process",
        default_text="none",
        settings_field="host_map",
    ),
    # set by the crawl stage (newsarchive/run/crawl.py) for each crawl
    Variable(
        "NEWSARCHIVE_OUTPUT_DIR",
        PathKind("directory"),
        None,
        "where the crawl writes `<outlet>.warc.gz`, `.crawl.json` and `.state.json`",
        CRAWL,
        internal=True,
    ),
    Variable(
        "NEWSARCHIVE_STATE_FILE",
        PathKind("file"),
        None,
        "the outlet's crawl state from the archive (none: a first crawl)",
        CRAWL,
        internal=True,
    ),
    Variable(
        "NEWSARCHIVE_REVISIT_FILE",
        PathKind("file"),
        None,
        "the archived articles this crawl fetches again (spiders/revisits.py; none: no revisits)",
        CRAWL,
        internal=True,
    ),
    Variable(
        "NEWSARCHIVE_RUN_DAY",
        Day(),
        None,
        "the run's logical date (none: today in UTC); also sent to mapped hosts as X-Replica-Day",
        CRAWL,
        internal=True,
    ),
    Variable(
        "NEWSARCHIVE_ARCHIVED_DIGESTS",
        PathKind("file"),
        None,
        "payload digests archived in the day's revs (revisit records instead of second copies)",
        CRAWL,
        internal=True,
    ),
)
_DECLARED = {v.name: v for v in CRAWL_VARIABLES}


def _text(value: object) -> str:
    """A Scrapy setting as text: -s gives strings, spiders/settings.py Python values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value) if value else ""
    return str(value)


def crawl_setting(settings: Any, name: str) -> Any:
    """One NEWSARCHIVE_* Scrapy setting, parsed by its declaration (its default when empty)."""
    return _DECLARED[name].parse(_text(settings.get(name)))


def check_crawl_settings(settings: Any) -> dict[str, Any]:
    """Every NEWSARCHIVE_* Scrapy setting, checked: a name not declared or a wrong value is a ConfigError."""
    for name, _ in settings.items():
        if name.startswith(PREFIX) and name not in _DECLARED:
            raise unknown_variable(name, _DECLARED)
    return {name: crawl_setting(settings, name) for name in _DECLARED}
