"""Django's Redis cache backend, without building a new redis.Redis client object per operation.

Django's RedisCacheClient.get_client() makes a fresh `redis.Redis` (a few hundred dict entries of
response callbacks) for every get and set; a cached page hit pays for that on each request. A client
is thread-safe and only wraps the pool, so one per pool is kept and reused.

set_many() without a timeout is one MSET (atomic on its own) instead of a MULTI/MSET/EXEC pipeline:
it runs on every progress update, to bump the versions of the learner's pages.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def set_many(self, data, timeout):
        if timeout is not None:
            return super().set_many(data, timeout)
        self.get_client(None, write=True).mset({key: self._serializer.dumps(value) for key, value in data.items()})


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
