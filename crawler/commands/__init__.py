"""Project commands (COMMANDS_MODULE); ``crawl`` replaces Scrapy's own."""

from __future__ import annotations

import functools
import json
import sys
from collections import defaultdict

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.settings_check import CHECKS

EXIT_USAGE = 2  # as Scrapy's own usage errors


def one_line_usage(method):
    """A command's method whose UsageError ends the command with its one line, exit code 2:
    Scrapy's cmdline prints the command's usage block before it, where every other error of the
    project's commands is one line."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UsageError as exc:
            print(f"scrapy: error: {exc}", file=sys.stderr)  # the line Scrapy's parser prints
            raise SystemExit(EXIT_USAGE) from None

    return call


class CommandLine:
    """Mixed into the project's commands before Scrapy's: what is wrong on the command line is a
    one-line usage error before anything starts."""

    @one_line_usage
    def process_options(self, args, opts) -> None:
        # Scrapy's parser leaves an option it does not know among the arguments.
        unknown = [arg for arg in args if arg.startswith("-")]
        if unknown:
            raise UsageError(f"unknown option {', '.join(unknown)}: -h lists the options")
        self.check_dict_settings(opts.set)
        super().process_options(args, opts)
        # Scrapy's logging reads it as the crawler process is made, before the command runs:
        # a level logging does not know was a traceback there.
        try:
            CHECKS["LOG_LEVEL"].check("LOG_LEVEL", self.settings)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def check_dict_settings(self, assignments: list[str]) -> None:
        """UsageError for ``-s NAME=VALUE`` of a setting Scrapy holds as a dict (FEEDS, EXTENSIONS…)
        whose value is no JSON object: Scrapy reads it as JSON and said "use -s NAME=VALUE" of bad
        JSON, and raised a TypeError for JSON of another kind."""
        for assignment in assignments:
            name, _, value = assignment.partition("=")
            if not value or not isinstance(self.settings.get(name), BaseSettings):
                continue  # empty: an empty dict, as Scrapy reads it
            wrong = f"{name} must be a JSON object such as {{\"NAME\": VALUE}}, not {value!r}"
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise UsageError(f"{wrong}: {exc}") from None
            if not isinstance(parsed, dict):
                raise UsageError(wrong)


class SpiderArguments:
    """Mixed into the commands that run a spider: Scrapy keeps the last of repeated ``-a NAME=VALUE``;
    the spider is handed every value, takes each ``-a site=…`` as a site of the crawl and refuses
    any other argument given more than once."""

    def process_options(self, args, opts) -> None:
        values = defaultdict(list)
        for arg in opts.spargs:
            name, _, value = arg.partition("=")
            values[name].append(value)
        super().process_options(args, opts)
        opts.spargs.update((name, given) for name, given in values.items() if len(given) > 1)


def unknown_spider(name: str) -> UsageError:
    return UsageError(f"no spider named {name!r}: `scrapy list` names them")
