"""Django's Redis cache backend, keeping one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis`` object around the (shared)
connection pool for every cache call. The object is thread-safe and cheap to keep, and building it
costs about a tenth of a millisecond — a noticeable share of serving a cached public page, which
makes two cache calls. Everything else (pools, serialisation, timeouts) is Django's.
``CACHE_URL=redis://…`` selects this backend (cluster_portal/settings.py).
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
