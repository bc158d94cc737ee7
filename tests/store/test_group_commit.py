"""Group commit alone (no database): batching, outcomes per caller, failure of a whole batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from botsift_server.store._group_commit import GroupCommit


class Recorder:
    """A batch writer that remembers its batches; odd items are "duplicates"."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_with = fail_with

    async def __call__(self, items: Sequence[int]) -> list[bool | BaseException]:
        self.batches.append(list(items))
        await asyncio.sleep(0.001)
        if self.fail_with is not None:
            raise self.fail_with
        return [item % 2 == 0 for item in items]


async def test_concurrent_items_are_written_in_batches_of_at_most_max_batch() -> None:
    writer = Recorder()
    commits = GroupCommit(writer, max_batch=64, max_delay_s=0.01, closed_error=RuntimeError)

    results = await asyncio.gather(*(commits.submit(i) for i in range(300)))
    await commits.close()

    assert results == [i % 2 == 0 for i in range(300)]
    assert sorted(i for batch in writer.batches for i in batch) == list(range(300))
    assert max(len(batch) for batch in writer.batches) == 64
    assert len(writer.batches) == commits.batches < 10


async def test_a_failing_batch_fails_every_caller_in_it() -> None:
    commits = GroupCommit(
        Recorder(fail_with=ConnectionError("down")), max_batch=8, max_delay_s=0.01, closed_error=RuntimeError
    )

    results = await asyncio.gather(*(commits.submit(i) for i in range(5)), return_exceptions=True)
    await commits.close()

    assert all(isinstance(result, ConnectionError) for result in results)


async def test_a_cancelled_caller_does_not_disturb_the_others() -> None:
    commits = GroupCommit(Recorder(), max_batch=8, max_delay_s=0.05, closed_error=RuntimeError)
    cancelled = asyncio.create_task(commits.submit(0))
    kept = asyncio.create_task(commits.submit(2))
    await asyncio.sleep(0)

    cancelled.cancel()
    await commits.close()

    assert kept.result() is True
    assert cancelled.cancelled()


async def test_submit_after_close_raises_the_closed_error() -> None:
    commits = GroupCommit(
        Recorder(), max_batch=8, max_delay_s=0.0, closed_error=lambda: RuntimeError("closed")
    )
    await commits.close()

    with pytest.raises(RuntimeError, match="closed"):
        await commits.submit(1)
