"""Final verdicts: stored once with their usage, through group commit, all or nothing per row."""

from __future__ import annotations

import asyncio
import math
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest

from botsift_server.engine._types import Reason
from botsift_server.errors import StoreUnavailableError
from botsift_server.store import KeyMode, PostgresStore, Tenant

from .support import DECIDED, fetch_usage, fetch_value, make_verdict

HOUR = DECIDED.replace(minute=0, second=0, microsecond=0)


async def test_saved_verdict_reads_back_equal(store: PostgresStore, tenant: Tenant) -> None:
    record = make_verdict(
        tenant.tenant_id,
        "sess-ü-1",
        decide_time=datetime(2025, 3, 1, 12, 0, 0, 999999, tzinfo=timezone(timedelta(hours=2))),
    )

    assert await store.save_verdict(record, event_count=120)
    stored = await store.get_verdict(tenant.tenant_id, "sess-ü-1")

    assert stored == record
    assert stored is not None
    assert stored.assessment.reasons == record.assessment.reasons  # floats and text exact


async def test_verdicts_are_read_only_by_their_tenant(store: PostgresStore, tenant: Tenant) -> None:
    other, _ = await store.ensure_tenant(f"other-{uuid.uuid4().hex}")
    await store.save_verdict(make_verdict(tenant.tenant_id, "private"), event_count=1)

    assert await store.get_verdict(other.tenant_id, "private") is None
    assert await store.get_verdict(tenant.tenant_id, "unknown") is None


async def test_second_verdict_for_a_session_is_refused_and_not_counted(
    store: PostgresStore, tenant: Tenant, database_url: str
) -> None:
    first = make_verdict(tenant.tenant_id, "s1", score=0.25)

    assert await store.save_verdict(first, event_count=10) is True
    assert await store.save_verdict(make_verdict(tenant.tenant_id, "s1", score=0.75), event_count=99) is False

    assert await store.get_verdict(tenant.tenant_id, "s1") == first
    assert await fetch_usage(database_url, tenant.tenant_id) == {("test", HOUR): (1, 10)}


async def test_duplicates_in_one_batch_keep_the_first_queued(database_url: str, tenant: Tenant) -> None:
    store = await PostgresStore.open(database_url, commit_max_delay_ms=200)
    try:
        first = make_verdict(tenant.tenant_id, "twice", score=0.1)
        second = make_verdict(tenant.tenant_id, "twice", score=0.9)
        results = await asyncio.gather(
            store.save_verdict(first, event_count=3), store.save_verdict(second, event_count=4)
        )
        stored = await store.get_verdict(tenant.tenant_id, "twice")
        assert store.stats.batches == 1
    finally:
        await store.close()

    assert list(results) == [True, False]
    assert stored == first
    assert await fetch_usage(database_url, tenant.tenant_id) == {("test", HOUR): (1, 3)}


async def test_concurrent_saves_share_transactions_and_count_usage_exactly(
    store: PostgresStore, tenant: Tenant, database_url: str
) -> None:
    later = DECIDED + timedelta(hours=1)
    records = [
        make_verdict(
            tenant.tenant_id,
            f"s{i}",
            mode=KeyMode.LIVE if i % 2 else KeyMode.TEST,
            decide_time=later if i % 5 == 0 else DECIDED,
        )
        for i in range(500)
    ]

    results = await asyncio.gather(*(store.save_verdict(r, event_count=i) for i, r in enumerate(records)))

    assert all(results)
    assert store.stats.transactions < 100
    assert store.stats.inserted == 500
    expected: dict[tuple[str, datetime], tuple[int, int]] = {}
    for i, record in enumerate(records):
        key = (record.mode.value, record.decide_time.replace(minute=0, second=0, microsecond=0))
        sessions, events = expected.get(key, (0, 0))
        expected[key] = (sessions + 1, events + i)
    assert await fetch_usage(database_url, tenant.tenant_id) == expected


async def test_usage_is_counted_in_the_utc_hour_of_the_decision(
    store: PostgresStore, tenant: Tenant, database_url: str
) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    record = make_verdict(tenant.tenant_id, decide_time=datetime(2025, 3, 1, 10, 59, 59, tzinfo=india))

    await store.save_verdict(record, event_count=7)

    assert await fetch_usage(database_url, tenant.tenant_id) == {
        ("test", datetime(2025, 3, 1, 5, 0, tzinfo=UTC)): (1, 7)
    }


async def test_a_verdict_the_database_refuses_fails_alone(database_url: str, tenant: Tenant) -> None:
    store = await PostgresStore.open(database_url, commit_max_delay_ms=200)
    try:
        good = [make_verdict(tenant.tenant_id, f"good{i}") for i in range(3)]
        orphan = make_verdict(uuid.uuid4(), "orphan")  # no such tenant: foreign key violation
        results = await asyncio.gather(
            *(store.save_verdict(r, event_count=5) for r in [good[0], orphan, *good[1:]]),
            return_exceptions=True,
        )
        stats = store.stats
    finally:
        await store.close()

    assert results[0] is True
    assert isinstance(results[1], asyncpg.ForeignKeyViolationError)
    assert results[2:] == [True, True]
    assert (stats.batches, stats.transactions, stats.failed) == (1, 1 + 4, 1)
    assert await fetch_usage(database_url, tenant.tenant_id) == {("test", HOUR): (3, 15)}
    assert await fetch_value(database_url, "SELECT count(*) FROM verdicts WHERE session_id = 'orphan'") == 0


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"decide_time": datetime(2025, 3, 1, 10, 0)}, id="naive-decide-time"),
        pytest.param({"score": math.nan}, id="nan-score"),
        pytest.param({"score": 1.5}, id="score-above-one"),
        pytest.param({"session_id": "nul\x00byte"}, id="nul-in-session-id"),
        pytest.param({"weight": math.inf}, id="infinite-reason-weight"),
    ],
)
async def test_values_the_database_would_refuse_raise_before_queueing(
    store: PostgresStore, tenant: Tenant, broken: dict[str, object]
) -> None:
    record = make_verdict(tenant.tenant_id)
    if "decide_time" in broken or "session_id" in broken:
        record = replace(record, **broken)  # type: ignore[arg-type]
    elif "score" in broken:
        record = replace(record, assessment=replace(record.assessment, score=broken["score"]))  # type: ignore[arg-type]
    else:
        reason = Reason("X", "x", math.inf, "d")
        record = replace(record, assessment=replace(record.assessment, reasons=(reason,)))

    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the field
        await store.save_verdict(record, event_count=1)
    assert store.stats.batches == 0


async def test_close_writes_verdicts_still_queued(database_url: str, tenant: Tenant) -> None:
    store = await PostgresStore.open(database_url, commit_max_delay_ms=5_000)
    saves = [
        asyncio.create_task(store.save_verdict(make_verdict(tenant.tenant_id, f"q{i}"), event_count=2))
        for i in range(20)
    ]
    await asyncio.sleep(0.05)  # queued, and the writer waits for more

    await store.close()

    assert [task.result() for task in saves] == [True] * 20
    assert await fetch_usage(database_url, tenant.tenant_id) == {("test", HOUR): (20, 40)}


async def test_a_closed_store_raises_store_unavailable(database_url: str, tenant: Tenant) -> None:
    store = await PostgresStore.open(database_url)
    await store.close()
    await store.close()  # idempotent

    with pytest.raises(StoreUnavailableError):
        await store.save_verdict(make_verdict(tenant.tenant_id), event_count=1)
    with pytest.raises(StoreUnavailableError):
        await store.ping()
