"""The cache backend: django-redis, whose errors are ignored (IGNORE_EXCEPTIONS: a read misses, a
write is dropped), with one correction so that code taking a lock through add() keeps working while
Redis is down."""

from django_redis.cache import RedisCache


class FailOpenRedisCache(RedisCache):
    def add(self, *args, **kwargs):
        # An ignored error makes add() return None instead of True/False. allauth's rate limits take
        # a lock with add() and answer 429 when they cannot get it: with the cache down, everyone would
        # be refused sign-in. Without a cache there is nothing to lock, so the lock is granted.
        added = super().add(*args, **kwargs)
        return True if added is None else added
