"""Redis cache-aside. Redis is an optimisation: every failure is counted and swallowed.

Short socket timeouts bound what a dead or hung Redis costs one request; after a failure the
cache is skipped for a backoff period (doubling per consecutive failure, capped) so a dead Redis
costs nothing at all until the next probe.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from quantumvest_api import metrics
from quantumvest_api.redis_iam import ElastiCacheIamCredentials
from quantumvest_api.settings import Settings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0


class Cache:
    def __init__(self, client: redis.Redis | None, ttl_seconds: int, retry_seconds: float) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._failures = 0
        self._skip_until = 0.0
        metrics.CACHE_AVAILABLE.set(1 if client is not None else 0)

    @classmethod
    def from_settings(cls, settings: Settings) -> Cache:
        if settings.redis_url is None:
            return cls(None, settings.cache_ttl_seconds, settings.cache_retry_seconds)
        timeout = settings.redis_socket_timeout_seconds
        options: dict[str, Any] = {
            "password": settings.redis_password(),
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "retry": Retry(NoBackoff(), 0),  # never retry: a failed call falls back to the database
            "health_check_interval": 0,
        }
        if settings.redis_url.startswith("rediss://") and settings.redis_ssl_ca_file is not None:
            options["ssl_ca_certs"] = str(settings.redis_ssl_ca_file)
        if settings.redis_iam_user is not None and settings.redis_iam_cache is not None:
            # The cloud cache: a fresh IAM token per connection instead of a stored password.
            options.pop("password")
            options["credential_provider"] = ElastiCacheIamCredentials(
                settings.redis_iam_user, settings.redis_iam_cache
            )
        client = redis.Redis.from_url(settings.redis_url, **options)
        return cls(client, settings.cache_ttl_seconds, settings.cache_retry_seconds)

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def get_json(self, kind: str, key: str) -> Any | None:
        raw = self._call("get", lambda c: c.get(key))
        if raw is None:
            metrics.CACHE_MISSES.labels(kind).inc()
            return None
        metrics.CACHE_HITS.labels(kind).inc()
        return json.loads(raw)

    def set_json(self, key: str, value: Any) -> None:
        payload = json.dumps(value, separators=(",", ":"), default=str)
        self._call("set", lambda c: c.set(key, payload, ex=self._ttl))

    def delete(self, *keys: str) -> None:
        self._call("delete", lambda c: c.delete(*keys))

    def ping(self) -> bool:
        return bool(self._call("ping", lambda c: c.ping()))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _call(self, operation: str, fn: Callable[[redis.Redis], Any]) -> Any:
        if self._client is None:
            return None
        if time.monotonic() < self._skip_until:
            metrics.CACHE_BYPASSED.labels(operation).inc()
            return None
        try:
            result = fn(self._client)
        except (redis.RedisError, OSError) as exc:
            self._record_failure(operation, exc)
            return None
        if self._failures:
            with self._lock:
                self._failures = 0
            log.info("cache available again")
        metrics.CACHE_AVAILABLE.set(1)
        return result

    def _record_failure(self, operation: str, exc: Exception) -> None:
        metrics.CACHE_ERRORS.labels(operation).inc()
        metrics.CACHE_AVAILABLE.set(0)
        with self._lock:
            self._failures += 1
            backoff = min(self._retry_seconds * 2 ** (self._failures - 1), MAX_BACKOFF_SECONDS)
            self._skip_until = time.monotonic() + backoff
        log.warning(
            "cache call failed; serving without cache",
            extra={"operation": operation, "error": type(exc).__name__, "retry_in_seconds": round(backoff, 3)},
        )
