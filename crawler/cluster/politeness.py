"""Politeness across machines: one delay and one concurrency per host for the whole cluster.

Scrapy spaces and counts the requests to a host per process (its downloader
slots); ten processes would be ten times as impolite. So every HTTP(S)
download of a cluster process first passes a gate in Redis, per slot
(host): a Lua script, run on the Redis server's clock, lets a request go only
when the host's last request went at least the slot's delay ago
(``DOWNLOAD_DELAY``, or what AutoThrottle made of it in the asking process)
and fewer than ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests to it are in
flight anywhere. A request that may not go yet waits as long as the script
says and asks again. The gate sits in the download handler, after the local
slot's own delay, so no local wait can bring two requests closer than the
gate let them go. An in-flight hold expires after ``DOWNLOAD_TIMEOUT`` (plus a
margin) should its process die. robots.txt is fetched through the same gate
and obeyed by every process. Entering is one awaited round trip to Redis;
leaving goes out with the process's other writes (crawler.cluster.outbox).
"""

from __future__ import annotations

import asyncio
import uuid

from redis.exceptions import RedisError
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest

from crawler.cluster.outbox import Outbox

# KEYS: the host's next allowed start (ms), its holders (token -> expiry ms).
# ARGV: token, delay ms, concurrency (0: any), hold ms.
# Returns 0 when the request may go, the ms to wait, or -1 while the host is at its concurrency.
ENTER = """
local now = redis.call('TIME')
now = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local concurrency = tonumber(ARGV[3])
if concurrency > 0 and redis.call('ZCARD', KEYS[2]) >= concurrency then
    return -1
end
local next_start = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < next_start then
    return next_start - now
end
local delay = tonumber(ARGV[2])
if delay > 0 then
    redis.call('SET', KEYS[1], now + delay, 'PX', delay)
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 0
"""
HOLD_MARGIN = 30.0  # seconds past DOWNLOAD_TIMEOUT before a dead process's hold lapses
FULL_WAIT = 0.05  # seconds before asking again while the host is at its concurrency


class HostGate:
    """Per-host delay and concurrency for every process sharing a Redis server."""

    def __init__(self, outbox: Outbox, prefix: str, hold_seconds: float):
        self.outbox = outbox
        self.prefix = prefix
        self.hold_ms = int(hold_seconds * 1000)
        self._enter = outbox.server.register_script(ENTER)

    def keys(self, host: str) -> list[str]:
        return [f"{self.prefix}:{host}:next", f"{self.prefix}:{host}:holders"]

    async def try_enter(self, host: str, token: str, delay: float, concurrency: int) -> float:
        """0 when the request may go now (it then holds a place), else the seconds to wait."""
        wait = await self._enter(keys=self.keys(host), args=[token, int(delay * 1000), concurrency, self.hold_ms])
        return FULL_WAIT if wait < 0 else wait / 1000

    async def enter(self, host: str, token: str, delay: float, concurrency: int) -> None:
        while wait := await self.try_enter(host, token, delay, concurrency):
            await asyncio.sleep(wait)

    def leave(self, host: str, token: str) -> None:
        self.outbox.add("zrem", self.keys(host)[1], token)


class GatedDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP(S) handler, behind the cluster's host gate."""

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.gate = HostGate(Outbox.of(crawler), f"{settings['BOT_NAME']}:hosts",
                             settings.getfloat("DOWNLOAD_TIMEOUT") + HOLD_MARGIN)
        self.delay = settings.getfloat("DOWNLOAD_DELAY")

    async def download_request(self, request):
        downloader = self.crawler.engine.downloader
        host = downloader.get_slot_key(request)
        slot = downloader.slots.get(host)
        delay = max(self.delay, slot.delay if slot else 0.0)
        concurrency = slot.concurrency if slot else downloader.domain_concurrency
        token = uuid.uuid4().hex
        try:
            await self.gate.enter(host, token, delay, concurrency)
        except RedisError as exc:  # the crawl stops; the page failed nothing and stays due for the next run
            self.gate.outbox.fail(exc)
            raise IgnoreRequest(f"the cluster's Redis server failed: {exc}") from exc
        try:
            return await super().download_request(request)
        finally:
            self.gate.leave(host, token)
