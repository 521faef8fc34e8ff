"""The shared frontier in Redis: scrapy-redis's priority queue with leases, and Scrapy's own fingerprints.

scrapy-redis pops a request by deleting it, so a process killed with
requests in hand loses them. Here a process *takes* requests: each moves,
in one Lua script, from the queue to a lease (a token, a deadline on the
Redis server's clock). The holder renews its leases while it works on them
and acknowledges each once its outcome is handed on; a lease whose deadline
passed (its holder died) goes back to the queue, with its priority, when
anyone next takes. Taking and renewing are awaited through the process's
asyncio client; pushes and acknowledgements go out with its other writes
(crawler.cluster.outbox). scrapy-redis's other calls (``len``, the
dupefilter's ``SADD``, releasing at close) stay on its blocking client.
Requests are pickled as scrapy-redis pickles them: the Redis server must be
private to the crawl.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from crawler.cluster.outbox import Outbox

# KEYS of both: queue, leased (token -> request), scores (token -> queue score),
# deadlines (token -> ms), token counter.
REQUEUE = """
local function requeue(token)
    local request = redis.call('HGET', KEYS[2], token)
    if request then
        redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[3], token), request)
    end
    redis.call('HDEL', KEYS[2], token)
    redis.call('HDEL', KEYS[3], token)
    redis.call('ZREM', KEYS[4], token)
end
"""
# ARGV: how many to take, lease in ms. Returns [requeued, left in the queue, token1, request1, token2, request2, ...].
TAKE = REQUEUE + """
local now = redis.call('TIME')
now = now[1] * 1000 + math.floor(now[2] / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
for _, token in ipairs(expired) do
    requeue(token)
end
local taken = {#expired, 0}
local head = {}
if tonumber(ARGV[1]) > 0 then  -- ZRANGE 0 -1 would be everything
    head = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
end
for i = 1, #head, 2 do
    local request, score = head[i], head[i + 1]
    redis.call('ZREM', KEYS[1], request)
    local token = redis.call('INCR', KEYS[5])
    redis.call('HSET', KEYS[2], token, request)
    redis.call('HSET', KEYS[3], token, score)
    redis.call('ZADD', KEYS[4], now + tonumber(ARGV[2]), token)
    table.insert(taken, token)
    table.insert(taken, request)
end
taken[2] = redis.call('ZCARD', KEYS[1])
return taken
"""
# ARGV: tokens. Puts the leased requests back in the queue at once.
RELEASE = REQUEUE + """
for _, token in ipairs(ARGV) do
    requeue(token)
end
return #ARGV
"""
# KEYS: deadlines. ARGV: lease in ms, tokens. Moves the deadlines of the leases still held.
RENEW = """
local now = redis.call('TIME')
now = now[1] * 1000 + math.floor(now[2] / 1000)
for i = 2, #ARGV do
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
return #ARGV - 1
"""


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue; ``take`` leases requests instead of popping them."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        # scrapy-redis builds the queue with these four arguments: the lease is a setting.
        self.lease_ms = int(spider.crawler.settings.getfloat("CLUSTER_LEASE_TIMEOUT") * 1000)
        self.leased_key = f"{self.key}:leased"
        self.scores_key = f"{self.key}:leased-scores"
        self.deadlines_key = f"{self.key}:leases"
        self.tokens_key = f"{self.key}:tokens"
        self.outbox = Outbox.of(spider.crawler)
        self._take = self.outbox.server.register_script(TAKE)
        self._renew = self.outbox.server.register_script(RENEW)
        self._release = server.register_script(RELEASE)

    def _encode_request(self, request):
        # An errback a component attached where the request was scheduled (the failure
        # ledger's) is no spider method to pickle by name: the taker's components attach theirs.
        if request.errback is not None and getattr(request.errback, "__self__", None) is not self.spider:
            request = request.replace(errback=None)
        return super()._encode_request(request)

    def push(self, request):
        """Queued with the process's other writes; one lost with a killed main process is still due
        in its database, which the restarted process plans from."""
        self.outbox.add("zadd", self.key, {self._encode_request(request): -request.priority})

    @property
    def lease_keys(self) -> list[str]:
        return [self.key, self.leased_key, self.scores_key, self.deadlines_key, self.tokens_key]

    async def take(self, count: int) -> tuple[int, int, list[tuple[str, object]]]:
        """(leases of dead holders put back, requests left in the queue, [(token, request)…]) for up to
        ``count`` requests; with 0, the queue's length alone."""
        requeued, queued, *taken = await self._take(keys=self.lease_keys, args=[count, self.lease_ms])
        pairs = zip(taken[::2], taken[1::2])
        return requeued, queued, [(_text(token), self._decode_request(data)) for token, data in pairs]

    async def renew(self, tokens: Iterable[str]) -> None:
        tokens = list(tokens)
        if tokens:
            await self._renew(keys=[self.deadlines_key], args=[self.lease_ms, *tokens])

    def release(self, tokens: Iterable[str]) -> None:
        """Requests this process will not finish (it is stopping) go back to the queue now."""
        tokens = list(tokens)
        if tokens:
            self._release(keys=self.lease_keys, args=tokens)

    def acknowledge(self, token: str) -> None:
        """The request's outcome is handed on: its lease ends and it never comes back."""
        self.outbox.add("hdel", self.leased_key, token)
        self.outbox.add("hdel", self.scores_key, token)
        self.outbox.add("zrem", self.deadlines_key, token)

    def leases(self) -> int:
        return self.server.zcard(self.deadlines_key)

    def clear(self):
        self.server.delete(*self.lease_keys)


class FingerprintDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared set of seen requests, keyed by Scrapy's own fingerprint.

    scrapy-redis hashes method, canonical URL and body its own way; the
    crawler's ``request_fingerprinter`` is what Scrapy and its settings
    (``REQUEST_FINGERPRINTER_CLASS``) use, so one process and a cluster
    filter the same requests.
    """

    fingerprinter = None  # the crawler's, set by from_spider

    @classmethod
    def from_spider(cls, spider):
        dupefilter = super().from_spider(spider)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        return dupefilter

    def request_fingerprint(self, request):
        return self.fingerprinter.fingerprint(request).hex()


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
