"""Group commit: many concurrent callers, one writer, one transaction per batch.

Each caller of :meth:`GroupCommit.submit` enqueues its item with a future and waits. One
background task takes the first waiting item, gathers more for at most ``max_delay_s`` (or
until ``max_batch``), hands the batch to ``write_batch`` and resolves every future with that
item's outcome. While a batch is being written the next one fills up, so under load batches
grow by themselves and the number of transactions per second stays near 1/commit latency.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["BatchWriter", "GroupCommit"]

_logger = logging.getLogger(__name__)

_T = TypeVar("_T")

BatchWriter = Callable[[Sequence[_T]], Awaitable[Sequence[bool | BaseException]]]
"""Writes a batch; returns one outcome per item, in order, or raises to fail them all."""


@dataclass(slots=True)
class _Pending(Generic[_T]):
    item: _T
    future: asyncio.Future[bool]


class _Stop:
    """Queue marker: everything before it is flushed, then the writer ends."""


class GroupCommit(Generic[_T]):
    """Batches items of concurrent callers into calls of ``write_batch``.

    Must be created inside a running event loop. ``closed_error`` makes the exception
    :meth:`submit` raises once :meth:`close` was called.
    """

    def __init__(
        self,
        write_batch: BatchWriter[_T],
        *,
        max_batch: int,
        max_delay_s: float,
        closed_error: Callable[[], BaseException],
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        if max_delay_s < 0:
            raise ValueError(f"max_delay_s must be >= 0, got {max_delay_s}")
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._max_delay_s = max_delay_s
        self._closed_error = closed_error
        self._queue: asyncio.Queue[_Pending[_T] | _Stop] = asyncio.Queue()
        self._closing = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="botsift-group-commit")
        self.batches = 0
        """How many batches were handed to ``write_batch``."""
        self.largest_batch = 0
        """The size of the largest batch so far."""

    async def submit(self, item: _T) -> bool:
        """Queue ``item`` and wait for the outcome of its batch.

        Cancelling the caller does not withdraw an item that was already queued.
        """
        if self._closing:
            raise self._closed_error()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(item, future))
        return await future

    async def close(self) -> None:
        """Write everything queued so far, then stop the writer. Idempotent."""
        if not self._closing:
            self._closing = True
            self._queue.put_nowait(_Stop())
        await asyncio.shield(self._task)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if isinstance(first, _Stop):
                return
            batch = [first]
            deadline = loop.time() + self._max_delay_s
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(self._queue.get(), remaining)
                    except TimeoutError:
                        break
                if isinstance(item, _Stop):
                    stopping = True
                    break
                batch.append(item)
            await self._write(batch)

    async def _write(self, batch: list[_Pending[_T]]) -> None:
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        try:
            outcomes = await self._write_batch([pending.item for pending in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"write_batch returned {len(outcomes)} outcomes for {len(batch)} items")
        except Exception as exc:  # every caller of the batch must hear about it
            _logger.debug("group commit batch of %d failed: %r", len(batch), exc)
            outcomes = [exc] * len(batch)
        for pending, outcome in zip(batch, outcomes, strict=True):
            if pending.future.done():  # the caller was cancelled
                continue
            if isinstance(outcome, BaseException):
                pending.future.set_exception(outcome)
            else:
                pending.future.set_result(outcome)
