"""Scrapy and project settings. Every project setting is documented in the README.

Override any of them per run with ``-s NAME=VALUE``.
"""

BOT_NAME = "news-crawler"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# -- Project settings ---------------------------------------------------------
# Where articles are stored (SQLite, WAL mode); the directory is created.
DATABASE_PATH = "output/articles.db"
# "remove" strips appeals and promos from bodies; "flag" keeps bodies whole and
# only records in removed_blocks what would have been removed.
STRIP_MODE = "remove"
# Processes that run extraction beside the crawl; 0 = one per CPU core.
EXTRACT_WORKERS = 0
# Keep each fetched article page, compressed, in the pages table, so that
# `scrapy reextract` can apply improved rules without fetching again.
STORE_PAGES = True
# Articles written per transaction at most (a batch waits a quarter of a second at most).
STORE_BATCH_SIZE = 100
# -- Incremental, cron-safe crawls (state and run log in the database) ---------------
# Articles published less than this many hours ago are fetched again to catch
# edits no discovery document shows; 0 turns re-checking off.
RECHECK_WINDOW = 48
# Hours between two fetches of the same article inside RECHECK_WINDOW.
RECHECK_INTERVAL = 6
# Article requests the scheduler is given at most; the other links due wait in the
# database, so memory does not grow with the number of links the sitemaps list.
MAX_SCHEDULED_ARTICLES = 1000
# Sitemap documents (indexes included) read per site and run at most: indexes may
# name indexes by the thousand. The newest are read first.
MAX_SITEMAPS = 1000
# A run is "degraded" (exit code 3) when more than this share of its pages failed...
MAX_FAILED_SHARE = 0.2
# ...or when fewer articles than these shares have the field: the site's rules
# stopped matching because the publisher changed its markup.
MIN_FIELD_COVERAGE = {"title": 0.95, "published": 0.9, "body": 0.9, "authors": 0.5}
# `scrapy crawl` with exit codes for cron, and `scrapy reextract` (crawler/commands/).
COMMANDS_MODULE = "crawler.commands"
# The run log, the database writer, the failure ledger, the feed exports, the frontier and the
# download guards (crawler/addon.py), there beside any EXTENSIONS or middlewares a run is given;
# the cluster's components when REDIS_URL is set.
ADDONS = {"crawler.addon.Essentials": 0, "crawler.cluster.Cluster": 0}
# -- Across machines (crawler/cluster/, README "Across machines") ---------------------
# The Redis server whose frontier the crawl shares (redis://host:port/db); empty:
# one process alone. Requests are pickled into it: keep it private to the crawl.
REDIS_URL = ""
# "main": plans the run from the database and is its only writer; "worker": fetches
# and extracts for the main process, with no database.
CLUSTER_ROLE = "main"
# Requests with these callbacks go to the shared frontier; the rest stay on the main process.
CLUSTER_SHARED_CALLBACKS = ["parse_article"]
# Seconds a process may hold a request without renewing it before it goes back to
# the frontier (the holder renews every third of this while it is alive).
CLUSTER_LEASE_TIMEOUT = 60.0
# Seconds between two looks at the frontier (sooner once a quarter of the process's
# leases ended) and at the outcomes stream.
CLUSTER_POLL_INTERVAL = 0.1
# -- Politeness -----------------------------------------------------------------
# An honest name and a page saying who runs it: put your own contact URL here.
USER_AGENT = "news-crawler/0.1 (+https://github.com/news-crawler/news-crawler#contact)"
ROBOTSTXT_OBEY = True
# Articles are public pages: no session, no cookie walls to get past.
COOKIES_ENABLED = False
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# An article page gives one item; Scrapy starts this many tasks for the output
# of every response, which at its default (100) costs more than the item does.
CONCURRENT_ITEMS = 4

# -- Robustness -----------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # also caps decompressed size
# Per-page budgets. An article page may be at most this many bytes (or
# DOWNLOAD_MAXSIZE if smaller): sitemaps are large, articles are not.
ARTICLE_MAXSIZE = 4 * 1024 * 1024
# The longest body stored, in characters; a longer one fails its page as body-too-long.
BODY_MAX_CHARS = 500_000
# Seconds of CPU time one page's extraction may take in its worker; 0: no limit.
EXTRACT_CPU_LIMIT = 30.0
# The most of a robots.txt that is read (RFC 9309: at least 500 KiB); the rules after it are ignored.
ROBOTSTXT_MAXSIZE = 500 * 1024
# Only the web: a page naming a file:, ftp:, s3: or data: URL is never fetched through it.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 10
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port for a crawl run from cron
# Seconds before the first in-run retry when the server sends no Retry-After;
# doubles with each retry.
RETRY_BACKOFF_BASE = 2.0
# The longest an in-run retry waits; a Retry-After asking for more is left to a later run.
RETRY_DELAY_MAX = 60.0
# Paths a redirect must not lead to: a login page is no article (docs/faults.md).
REDIRECT_LOGIN_PATTERN = r"(?i)/(log-?in|sign-?in|auth|account|sso)(/|$|\.)"
# A failed URL is retried by later runs after this many seconds, doubling with
# each failure up to FAILURE_RETRY_MAX (or later, if the server's Retry-After says so).
FAILURE_RETRY_BASE = 3600.0
FAILURE_RETRY_MAX = 7 * 24 * 3600.0
# A crawl stops as failed when its first this many attempts (robots.txt, the first
# discovery documents) all failed to connect: the site is down; 0 = never.
SITE_UNREACHABLE_AFTER = 3
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 400,
    "pipelines.store.SQLitePipeline": 900,
}

LOG_LEVEL = "INFO"
# Feed exports (-O articles.jsonl) write ArticleItem's fields; CSV cells hold lists as JSON.
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"csv": "crawler.exporters.CsvItemExporter"}
