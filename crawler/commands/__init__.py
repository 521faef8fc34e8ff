"""Project commands (COMMANDS_MODULE); ``crawl`` replaces Scrapy's own."""
