"""What workers hand to the main process: a Redis stream of outcomes, read by one consumer group.

Each entry is one pickled dict with a ``kind``: ``item`` (an extracted
article and the page it came from), ``item_dropped`` (an article the
pipelines dropped), ``failure`` (what the failure ledger records) or
``link_dropped`` (a link the spider found to give no article). The request and
response an outcome came from travel as plain facts (``request_facts``,
``response_facts``) and become stand-ins on the main process, so its
pipelines and failure ledger handle them as they handle their own.
"""

from __future__ import annotations

import pickle

from scrapy import Request
from scrapy.http import Response

from crawler.extensions import origin, rebuild_request, retry_request

GROUP = "writer"


def stream_key(spider) -> str:
    settings = spider.crawler.settings
    return settings.get("SCHEDULER_QUEUE_KEY", "%(spider)s:requests") % {"spider": spider.name} + ":outcomes"


def request_facts(request: Request) -> dict:
    """The URL first requested and how a later run retries it (crawler.extensions.retry_request)."""
    return {"url": origin(request), "retry": retry_request(request)}


def facts(response: Response) -> dict:
    """The request and response facts of an outcome that came from ``response``."""
    return {"request": request_facts(response.request), "response": response_facts(response)}


def response_facts(response: Response | None) -> dict | None:
    if response is None:
        return None
    retry_after = response.headers.get("Retry-After")
    return {"url": response.url, "status": response.status,
            "headers": {"Retry-After": retry_after} if retry_after else {}}


def stand_ins(outcome: dict, spider) -> tuple[Request, Response | None]:
    """The request (with the callback a retry needs) and response an outcome came from."""
    facts = outcome["request"]
    try:
        request = rebuild_request(facts["url"], facts["retry"], spider) if facts["retry"] else Request(facts["url"])
    except AttributeError:  # a callback this spider does not have: retried as a plain request
        request = Request(facts["url"])
    answer = outcome.get("response")
    if answer is None:
        return request, None
    return request, Response(answer["url"], status=answer["status"], headers=answer["headers"], request=request)


def encode(kind: str, **fields) -> dict:
    return {"outcome": pickle.dumps({"kind": kind, **fields}, protocol=pickle.HIGHEST_PROTOCOL)}


def decode(entry: dict) -> dict:
    return pickle.loads(entry[b"outcome"])
