"""Outbox: a cluster process's asyncio Redis client, and its writes that nothing waits for, sent together.

The Redis calls a cluster process makes per request go through redis-py's
asyncio client (``redis.asyncio``), awaited in a coroutine: a slow or distant
Redis server delays what waits for its answer, not the whole process, whose
reactor runs on the same asyncio loop (docs/cluster.md lists the few calls
left on scrapy-redis's blocking client). The writes whose answer nothing
waits for (a push, a host gate left, a lease acknowledged, an outcome handed
to the main process, an outcome acknowledged) are queued here and sent in the
order they were queued, as one transaction per turn of the event loop: the
writes of the downloads, items and leases that finished together cost one
round trip. A lease's acknowledgement is queued after the outcomes it covers,
so it never lands without them.
"""

from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

import redis.asyncio
from redis.exceptions import RedisError
from scrapy import signals
from scrapy.settings import Settings
from scrapy_redis.connection import get_redis_from_settings

from crawler.cluster import stop_crawl


def async_redis(settings) -> redis.asyncio.Redis:
    """A redis.asyncio client with the parameters of scrapy-redis's blocking one (``REDIS_URL``, ``REDIS_PARAMS``)."""
    params = {**settings.getdict("REDIS_PARAMS"), "redis_cls": redis.asyncio.Redis}
    return get_redis_from_settings(Settings({**settings.copy_to_dict(), "REDIS_PARAMS": params}))


class Outbox:
    _of: WeakKeyDictionary = WeakKeyDictionary()

    def __init__(self, server: redis.asyncio.Redis, failed):
        self.server = server
        self.failed = failed  # called once, with the first RedisError of the process (``fail``)
        self.lost = False  # the Redis server failed
        self.queued: list[tuple[str, tuple]] = []
        self.last: asyncio.Future | None = None  # done once the last batch queued is sent (or lost)
        self.sending: asyncio.Task | None = None
        self.broken = False

    @classmethod
    def of(cls, crawler) -> Outbox:
        """The crawler's one outbox: what all its components write goes in the same transactions."""
        if crawler not in cls._of:
            outbox = cls._of[crawler] = cls(async_redis(crawler.settings), lambda exc: stop_crawl(crawler, exc))
            crawler.signals.connect(outbox.close, signal=signals.engine_stopped)
        return cls._of[crawler]

    def add(self, command: str, *args) -> None:
        """Send ``command`` (a redis-py method name) with what else is queued, at the loop's next turn."""
        if self.broken:  # an earlier write was lost: nothing queued after it may land without it
            return
        if not self.queued:
            self.last = asyncio.get_running_loop().create_future()
        self.queued.append((command, args))
        if self.sending is None:
            self.sending = asyncio.ensure_future(self.send())

    async def send(self) -> None:
        try:
            while self.queued:
                pipe = self.server.pipeline()  # MULTI/EXEC: a write the server refuses (out of memory) voids all
                for command, args in self.queued:
                    getattr(pipe, command)(*args)
                self.queued, sent = [], self.last
                try:
                    await pipe.execute()
                finally:
                    sent.set_result(None)  # sent, or lost: nobody waits for it any longer
        except RedisError as exc:
            self.broken = True
            self.queued = []
            self.fail(exc)
        finally:
            self.sending = None
            if not self.last.done():  # the batch queued while one was lost
                self.last.set_result(None)

    def fail(self, exc: RedisError) -> None:
        """The Redis server failed (down, unreachable): ``failed`` once, however many of the process's
        calls to it fail (every download waiting at the host gate does)."""
        if not self.lost:
            self.lost = True
            self.failed(exc)

    async def drain(self) -> None:
        """Until what is queued so far is sent, or lost with the Redis server; not what is queued meanwhile."""
        if self.last is not None:
            await asyncio.shield(self.last)

    async def close(self) -> None:
        await self.drain()
        await self.server.aclose()
