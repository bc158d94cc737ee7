"""Who may call what: API keys, their kinds, revocation and tenant isolation."""

from __future__ import annotations

import grpc
import pytest

from botsift.v1 import detection_pb2, detection_pb2_grpc, keys_pb2, keys_pb2_grpc
from botsift_server import App
from botsift_server.store import KeyMode

from .conftest import make_tenant
from .support import TenantKeys, auth, curve_events, new_session_id, start


async def score(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, metadata: tuple[tuple[str, str], ...]
) -> None:
    await detection.ScoreSession(
        detection_pb2.ScoreSessionRequest(start=start(new_session_id()), events=curve_events(5)),
        metadata=metadata,
    )


@pytest.mark.parametrize(
    "metadata",
    [
        (),
        (("authorization", "pk_test_abc"),),
        (("authorization", "Basic dXNlcjpwYXNz"),),
        (("authorization", "Bearer "),),
        (("authorization", "Bearer not-a-key"),),
        (("authorization", "Bearer pk_test_" + "A" * 32),),
    ],
    ids=["missing", "no scheme", "basic auth", "empty bearer", "malformed key", "unknown key"],
)
async def test_calls_without_a_valid_key_are_unauthenticated(
    metadata: tuple[tuple[str, str], ...], detection: detection_pb2_grpc.DetectionServiceAsyncStub
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await score(detection, metadata)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_an_analyze_stream_without_a_key_is_unauthenticated(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub,
) -> None:
    call = detection.Analyze(iter([]))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call.read()
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_publishable_key_may_score_but_not_read_verdicts_or_manage_keys(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub,
    keys_client: keys_pb2_grpc.KeyServiceAsyncStub,
    tenant: TenantKeys,
) -> None:
    await score(detection, auth(tenant.publishable))
    with pytest.raises(grpc.aio.AioRpcError) as verdict:
        await detection.GetVerdict(
            detection_pb2.GetVerdictRequest(session_id="x"), metadata=auth(tenant.publishable)
        )
    assert verdict.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as listing:
        await keys_client.ListKeys(keys_pb2.ListKeysRequest(), metadata=auth(tenant.publishable))
    assert listing.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_secret_key_may_score_too(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    await score(detection, auth(tenant.secret))


async def test_a_secret_key_never_sees_another_tenants_verdict(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    await detection.ScoreSession(
        detection_pb2.ScoreSessionRequest(start=start(session_id)), metadata=auth(tenant.publishable)
    )
    mine = await detection.GetVerdict(
        detection_pb2.GetVerdictRequest(session_id=session_id), metadata=auth(tenant.secret)
    )
    assert mine.session_id == session_id
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await detection.GetVerdict(
            detection_pb2.GetVerdictRequest(session_id=session_id), metadata=auth(other_tenant.secret)
        )
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


async def test_session_ids_are_per_tenant(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    for keys in (tenant, other_tenant):
        verdict = await detection.ScoreSession(
            detection_pb2.ScoreSessionRequest(start=start(session_id)), metadata=auth(keys.publishable)
        )
        assert verdict.final


async def test_created_keys_work_list_newest_first_and_stop_working_once_revoked(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub,
    keys_client: keys_pb2_grpc.KeyServiceAsyncStub,
    tenant: TenantKeys,
) -> None:
    created = await keys_client.CreateKey(
        keys_pb2.CreateKeyRequest(kind=keys_pb2.KEY_KIND_PUBLISHABLE, name="checkout page"),
        metadata=auth(tenant.secret),
    )
    assert created.secret.startswith("pk_test_")
    assert created.secret.startswith(created.key.display_prefix)
    assert created.key.mode == keys_pb2.KEY_MODE_TEST
    await score(detection, auth(created.secret))

    listed = await keys_client.ListKeys(keys_pb2.ListKeysRequest(), metadata=auth(tenant.secret))
    assert listed.keys[0].key_id == created.key.key_id
    assert len(listed.keys) == 3
    assert all(created.secret not in str(k) for k in listed.keys)

    revoked = await keys_client.RevokeKey(
        keys_pb2.RevokeKeyRequest(key_id=created.key.key_id), metadata=auth(tenant.secret)
    )
    assert revoked.key.HasField("revoke_time")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await score(detection, auth(created.secret))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "revoked" in (raised.value.details() or "")

    active = await keys_client.ListKeys(keys_pb2.ListKeysRequest(), metadata=auth(tenant.secret))
    assert created.key.key_id not in [k.key_id for k in active.keys]
    everything = await keys_client.ListKeys(
        keys_pb2.ListKeysRequest(include_revoked=True), metadata=auth(tenant.secret)
    )
    assert created.key.key_id in [k.key_id for k in everything.keys]


async def test_list_keys_pages(keys_client: keys_pb2_grpc.KeyServiceAsyncStub, tenant: TenantKeys) -> None:
    for i in range(3):
        await keys_client.CreateKey(
            keys_pb2.CreateKeyRequest(kind=keys_pb2.KEY_KIND_SECRET, name=f"k{i}"),
            metadata=auth(tenant.secret),
        )
    seen: list[str] = []
    token = ""
    while True:
        page = await keys_client.ListKeys(
            keys_pb2.ListKeysRequest(page_size=2, page_token=token), metadata=auth(tenant.secret)
        )
        seen += [k.key_id for k in page.keys]
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 5


async def test_a_key_cannot_revoke_itself_or_another_tenants_key(
    keys_client: keys_pb2_grpc.KeyServiceAsyncStub, tenant: TenantKeys, other_tenant: TenantKeys
) -> None:
    mine = await keys_client.ListKeys(keys_pb2.ListKeysRequest(), metadata=auth(tenant.secret))
    secret_id = next(k.key_id for k in mine.keys if k.kind == keys_pb2.KEY_KIND_SECRET)
    with pytest.raises(grpc.aio.AioRpcError) as itself:
        await keys_client.RevokeKey(keys_pb2.RevokeKeyRequest(key_id=secret_id), metadata=auth(tenant.secret))
    assert itself.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(grpc.aio.AioRpcError) as foreign:
        await keys_client.RevokeKey(
            keys_pb2.RevokeKeyRequest(key_id=secret_id), metadata=auth(other_tenant.secret)
        )
    assert foreign.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_test_key_cannot_create_live_keys_but_a_live_key_can(
    app: App, keys_client: keys_pb2_grpc.KeyServiceAsyncStub, tenant: TenantKeys
) -> None:
    request = keys_pb2.CreateKeyRequest(kind=keys_pb2.KEY_KIND_SECRET, mode=keys_pb2.KEY_MODE_LIVE)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await keys_client.CreateKey(request, metadata=auth(tenant.secret))
    assert raised.value.code() == grpc.StatusCode.PERMISSION_DENIED

    live = await make_tenant(app, KeyMode.LIVE)
    created = await keys_client.CreateKey(request, metadata=auth(live.secret))
    assert created.secret.startswith("sk_live_")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (keys_pb2.CreateKeyRequest(), "kind"),
        (keys_pb2.CreateKeyRequest(kind=7), "kind"),  # type: ignore[arg-type]
        (keys_pb2.CreateKeyRequest(kind=keys_pb2.KEY_KIND_SECRET, name="n" * 101), "name"),
    ],
    ids=["missing kind", "unknown kind", "oversize name"],
)
async def test_create_key_validates_its_input(
    request_: keys_pb2.CreateKeyRequest,
    field: str,
    keys_client: keys_pb2_grpc.KeyServiceAsyncStub,
    tenant: TenantKeys,
) -> None:
    from .support import error_violations

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await keys_client.CreateKey(request_, metadata=auth(tenant.secret))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in error_violations(raised.value)


async def test_revoke_key_validates_the_key_id(
    keys_client: keys_pb2_grpc.KeyServiceAsyncStub, tenant: TenantKeys
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await keys_client.RevokeKey(keys_pb2.RevokeKeyRequest(key_id="nope"), metadata=auth(tenant.secret))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_every_response_carries_a_request_id(
    detection: detection_pb2_grpc.DetectionServiceAsyncStub, tenant: TenantKeys
) -> None:
    call = detection.ScoreSession(
        detection_pb2.ScoreSessionRequest(start=start(new_session_id())),
        metadata=(*auth(tenant.publishable), ("x-request-id", "req-123")),
    )
    await call
    assert ("x-request-id", "req-123") in tuple(await call.initial_metadata())
