"""Scrapy settings for the newsarchive crawl. Every NEWSARCHIVE_* setting is ours. Processes other than
the crawl read this module too (newsarchive/variables.py): it imports nothing of Scrapy's."""

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["spiders.news"]
NEWSPIDER_MODULE = "spiders"

# A User-Agent naming the project and a contact URL (override with -s USER_AGENT=... or the CLI).
USER_AGENT = "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive)"

# Politeness.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
CONCURRENT_REQUESTS = 16
# Scrapy starts this many tasks for every callback's output; ours yield one capture per page, and 100
# (the default) made task bookkeeping about a quarter of the crawl's CPU (cProfile: 13.9 s -> 10.3 s).
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Size limits: no page is worth more than this, compressed or not.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Memory, measured on the crawl process alone (spiders/memory.py replaces Scrapy's MemoryUsage, which
# counts a parent's peak: ru_maxrss survives fork and exec).
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 1024
MEMUSAGE_WARNING_MB = 768
# Scrapy's default; a longer URL is given up at once (`dropped_url_length`, spiders/drops.py).
URLLENGTH_LIMIT = 2083

# Transport: outlet hosts may be mapped to loopback (the replica); see spiders/transport.py.
DOWNLOAD_HANDLERS = {
    "http": "spiders.transport.HostMapDownloadHandler",
    "https": "spiders.transport.HostMapDownloadHandler",
}
NEWSARCHIVE_HOST_MAP: dict[str, str] = {}

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's offsite filter drops requests without a word; ours ends them with a reason.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "spiders.offsite_redirect.OffsiteRedirectMiddleware": 50,
    "spiders.requisite_budget.RequisiteBudgetMiddleware": 60,  # a requisite's bytes, before its download
    "spiders.retry_after.RetryAfterMiddleware": 560,  # before RetryMiddleware (550) sees a 429/503
    "spiders.capture.RawCaptureMiddleware": 950,
}
NEWSARCHIVE_MAX_RETRY_AFTER = 120  # seconds; a longer Retry-After fails the page until the next run
ITEM_PIPELINES = {"spiders.warc.WarcPipeline": 300}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "spiders.drops.UrlLengthDropMiddleware": 800,
}
# No control endpoints in a crawl process: Scrapy's remote control runs code sent to a local HTTP port
# and leaves a job file with its token behind; its telnet console opens a port too. Both are left out of
# the base list, not set to None in EXTENSIONS: Scrapy imports every key of EXTENSIONS, and their modules
# import aiohttp's server and Twisted's telnet (0.25 s of each crawl process's start). The list is
# Scrapy's EXTENSIONS_BASE without scrapy.extensions.remote_control.RemoteControl and
# scrapy.extensions.telnet.TelnetConsole (tests/spiders/test_settings.py holds it to Scrapy's own).
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.memdebug.MemoryDebugger": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.logstats.LogStats": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
EXTENSIONS = {
    "spiders.report.CoverageReport": 500,
    "spiders.drops.DupeFilterDrops": 500,
    "scrapy.extensions.memusage.MemoryUsage": None,
    "spiders.memory.ProcessMemoryUsage": 0,
}
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

NEWSARCHIVE_OUTPUT_DIR = ""  # where <outlet>.warc.gz and <outlet>.crawl.json are written
# Limits per outlet per run; what a limit stops is counted in the coverage report, and nothing is lost:
# articles over the page cap (new or pending from earlier runs) stay pending for the next run.
NEWSARCHIVE_MAX_ARTICLES = 500  # article requests, pending retries included
NEWSARCHIVE_MAX_SECTION_PAGES = (
    50  # rel=next pages followed per section (truncated_discovery.section_pages)
)
NEWSARCHIVE_MAX_SITEMAP_DEPTH = (
    3  # sitemap indexes nested below a registry sitemap (.sitemap_depth)
)
NEWSARCHIVE_MAX_DISCOVERY_DOCUMENTS = (
    1000  # feeds, sitemaps and section pages requested (.discovery_documents)
)

# Page requisites (spiders/requisites.py): the stylesheets, images, fonts and scripts of each article page,
# on the outlet's domains and the CDN hosts it lists (outlets.toml `requisites`, `cdns`). Budgets per page
# and per run; what a budget stops is counted in the report (requisites.skipped.budget_*), never silently.
NEWSARCHIVE_REQUISITES_PER_PAGE = (
    40  # requisites requested for one page (0: none, for every outlet)
)
NEWSARCHIVE_REQUISITE_MIB_PER_PAGE = 8  # MiB received for one page's requisites
NEWSARCHIVE_REQUISITES_PER_RUN = 5000  # requisites requested by one crawl
NEWSARCHIVE_REQUISITE_MIB_PER_RUN = 512  # MiB received for requisites by one crawl

# Incremental crawling (spiders/state.py): the outlet's state from the archive, and the sitemap lastmod filter.
NEWSARCHIVE_STATE_FILE = ""  # empty: no state, a first crawl
NEWSARCHIVE_RUN_DAY = ""  # the run's logical date (ISO); empty: today in UTC
NEWSARCHIVE_LASTMOD_MARGIN_HOURS = 48  # skip sitemap entries older than the last crawl minus this
NEWSARCHIVE_SITEMAP_MAX_AGE_DAYS = (
    0  # >0: also skip entries older than this many days (bounds a first crawl)
)

# WARC revisits (spiders/warc.py): a payload archived already in the day's revs (the file the crawl stage
# writes) or earlier in this crawl gets a revisit record, not a second copy. False: every body in full.
NEWSARCHIVE_REVISITS = True
NEWSARCHIVE_ARCHIVED_DIGESTS = ""  # JSON {payload digest: [uri, WARC-Date, record id]}; empty: none

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
