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
# -- Politeness -----------------------------------------------------------------
# An honest name and a page saying who runs it: put your own contact URL here.
USER_AGENT = "news-crawler/0.1 (+https://github.com/news-crawler/news-crawler#contact)"
ROBOTSTXT_OBEY = True
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# -- Robustness -----------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # also caps decompressed size
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 10
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 400,
    "pipelines.store.SQLitePipeline": 900,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
