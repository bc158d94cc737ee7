"""The whole retry policy in one place: which calls are retried, and how long to wait."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from botsift._config import RetryPolicy

T = TypeVar("T")

_RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE})


def backoff_s(policy: RetryPolicy, attempt: int) -> float:
    """The wait before retry number ``attempt`` (0-based): "full jitter", uniform in
    [0, min(max_backoff, initial * multiplier**attempt)], so that many clients that failed
    together do not come back together."""
    bound = min(policy.max_backoff_s, policy.initial_backoff_s * policy.multiplier**attempt)
    return random.uniform(0.0, bound)  # noqa: S311 - jitter, not cryptography


async def call_with_retry(policy: RetryPolicy, call: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
    """Run ``call``; when it fails with UNAVAILABLE and the call is ``idempotent``, retry it up to
    ``policy.max_attempts`` attempts in all. Calls that change state (creating a key, storing a
    verdict) are never retried: the first attempt may have succeeded before the connection
    broke, and the caller must decide."""
    attempt = 0
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as exc:
            attempt += 1
            if not idempotent or exc.code() not in _RETRYABLE or attempt >= policy.max_attempts:
                raise
            await asyncio.sleep(backoff_s(policy, attempt - 1))
