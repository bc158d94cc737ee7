"""Every REST route through Envoy, with good and bad input, and how errors reach JSON clients."""

from __future__ import annotations

import io
import json
from typing import Any

import aiohttp
import pytest

from botsift.v1 import detection_pb2, keys_pb2, verdict_pb2
from tests.integration.support import TenantKeys, new_session_id

from .envoy import Envoy

WEBDRIVER_SESSION = {
    "device": {"user_agent": "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0", "webdriver": True},
    "action": "login",
}
EVENTS = {
    "t_ms": [0, 16, 32],
    "kinds": ["EVENT_KIND_MOVE", "EVENT_KIND_MOVE", "EVENT_KIND_DOWN"],
    "x": [10, 20, 30],
    "y": [10, 20, 30],
}


def bearer(key: str) -> dict[str, str]:
    """The authorization header of ``key``."""
    return {"authorization": f"Bearer {key}"}


async def call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    key: str | None = None,
    body: Any = None,
    raw: str | None = None,
) -> tuple[int, Any]:
    """Status and parsed JSON body of one request (every reply must be JSON)."""
    headers = bearer(key) if key else {}
    text = raw if raw is not None else (None if body is None else json.dumps(body))
    data = None if text is None else io.BytesIO(text.encode())
    if data is not None:
        headers["content-type"] = "application/json"
    async with http.request(method, url, headers=headers, data=data) as reply:
        assert reply.content_type == "application/json", (reply.status, await reply.text())
        return reply.status, await reply.json()


async def score(http: aiohttp.ClientSession, envoy: Envoy, key: str, session_id: str) -> tuple[int, Any]:
    """POST /v1/sessions:score for a WebDriver session."""
    body = {"start": {"session_id": session_id, **WEBDRIVER_SESSION}, "events": EVENTS}
    return await call(http, "POST", f"{envoy.url}/v1/sessions:score", key, body)


async def test_score_session_returns_the_verdict_as_json_with_proto_field_names(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    status, verdict = await score(http, envoy, tenant.publishable, session_id)
    assert status == 200
    assert verdict["session_id"] == session_id
    assert verdict["risk_level"] == "RISK_LEVEL_CRITICAL"
    assert verdict["final"] is True
    assert verdict["event_counts"]["total"] == 3
    assert "AUTOMATION_WEBDRIVER" in [r["code"] for r in verdict["reasons"]]
    assert isinstance(verdict["processing_time_us"], int), "no int64 in the contract: numbers stay numbers"


async def test_a_backend_fetches_the_stored_verdict_with_its_secret_key(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    session_id = new_session_id()
    _, scored = await score(http, envoy, tenant.publishable, session_id)
    status, stored = await call(http, "GET", f"{envoy.url}/v1/sessions/{session_id}/verdict", tenant.secret)
    assert status == 200
    assert stored["score"] == scored["score"]
    status, error = await call(
        http, "GET", f"{envoy.url}/v1/sessions/{session_id}/verdict", tenant.publishable
    )
    assert (status, error["code"]) == (403, 7)


async def test_keys_are_created_listed_paged_and_revoked_over_rest(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    status, created = await call(
        http,
        "POST",
        f"{envoy.url}/v1/keys",
        tenant.secret,
        {"kind": "KEY_KIND_PUBLISHABLE", "name": "checkout"},
    )
    assert status == 200
    assert created["secret"].startswith("pk_test_")
    key_id = created["key"]["key_id"]

    status, page = await call(http, "GET", f"{envoy.url}/v1/keys?page_size=1", tenant.secret)
    assert status == 200
    assert [k["key_id"] for k in page["keys"]] == [key_id], "newest first"
    assert page["next_page_token"]

    status, revoked = await call(http, "POST", f"{envoy.url}/v1/keys/{key_id}:revoke", tenant.secret, {})
    assert status == 200
    assert revoked["key"]["revoke_time"]
    status, error = await score(http, envoy, created["secret"], new_session_id())
    assert (status, error["code"]) == (401, 16)

    status, listed = await call(http, "GET", f"{envoy.url}/v1/keys?include_revoked=true", tenant.secret)
    assert key_id in [k["key_id"] for k in listed["keys"]]


async def test_invalid_input_is_a_400_with_the_field_violations_in_the_body(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    body = {"start": {"session_id": "has spaces"}, "events": {"t_ms": [0], "kinds": []}}
    status, error = await call(http, "POST", f"{envoy.url}/v1/sessions:score", tenant.publishable, body)
    assert status == 400
    assert error["code"] == 3
    [bad_request] = error["details"]
    assert bad_request["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    fields = {v["field"] for v in bad_request["field_violations"]}
    assert "start.session_id" in fields

    status, error = await call(http, "POST", f"{envoy.url}/v1/keys", tenant.secret, {"name": "no kind"})
    assert status == 400
    assert error["details"][0]["field_violations"][0]["field"] == "kind"


@pytest.mark.parametrize(
    ("case", "http_status", "grpc_code"),
    [
        ("no key", 401, 16),
        ("publishable key reads keys", 403, 7),
        ("unknown session", 404, 5),
        ("session scored twice", 409, 6),
        ("too many events", 429, 8),
    ],
)
async def test_grpc_statuses_map_to_http_statuses_with_a_json_status_body(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys, case: str, http_status: int, grpc_code: int
) -> None:
    base = envoy.url
    if case == "no key":
        status, error = await call(http, "POST", f"{base}/v1/sessions:score", None, {})
    elif case == "publishable key reads keys":
        status, error = await call(http, "GET", f"{base}/v1/keys", tenant.publishable)
    elif case == "unknown session":
        status, error = await call(
            http, "GET", f"{base}/v1/sessions/{new_session_id()}/verdict", tenant.secret
        )
    elif case == "session scored twice":
        session_id = new_session_id()
        await score(http, envoy, tenant.publishable, session_id)
        status, error = await score(http, envoy, tenant.publishable, session_id)
    else:  # the test server allows 5000 events per session
        n = 5001
        events = {"t_ms": list(range(n)), "kinds": ["EVENT_KIND_MOVE"] * n}
        body = {"start": {"session_id": new_session_id()}, "events": events}
        status, error = await call(http, "POST", f"{base}/v1/sessions:score", tenant.publishable, body)
    assert (status, error["code"]) == (http_status, grpc_code), error
    assert error["message"]


async def test_an_unreachable_server_is_a_503_in_json(
    envoys: list[Envoy], http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    from .envoy import free_port

    gateway = Envoy([f"127.0.0.1:{free_port()}"])
    envoys.append(gateway)
    await gateway.wait_ready(healthy=0)
    status, error = await score(http, gateway, tenant.publishable, new_session_id())
    assert (status, error["code"]) == (503, 14)
    assert "no healthy upstream" in error["message"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ('{"start": {"session_id": ', "Unexpected end"),
        ('{"start": {"session_id": 5}}', "start.session_id"),
        ('{"start": {"session_id": "a"}, "events": {"kinds": ["EVENT_KIND_NOPE"]}}', "EVENT_KIND_NOPE"),
        ("[1, 2]", ""),
    ],
)
async def test_malformed_json_is_a_400_that_says_what_is_wrong(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys, raw: str, says: str
) -> None:
    status, error = await call(http, "POST", f"{envoy.url}/v1/sessions:score", tenant.publishable, raw=raw)
    assert (status, error["code"]) == (400, 3), error
    assert says in error["message"]


async def test_unknown_json_fields_are_ignored_like_unknown_protobuf_fields(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    # Decided and documented: Envoy's transcoder drops unknown body fields (it has no option to
    # reject them), the way a gRPC server skips unknown protobuf fields from newer clients.
    session_id = new_session_id()
    body = {"start": {"session_id": session_id, "from_a_newer_client": 1}, "also_unknown": True}
    status, verdict = await call(http, "POST", f"{envoy.url}/v1/sessions:score", tenant.publishable, body)
    assert status == 200
    assert verdict["session_id"] == session_id


async def test_unknown_query_parameters_and_routes_are_rejected_in_json(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    status, error = await call(http, "GET", f"{envoy.url}/v1/keys?pagesize=5", tenant.secret)
    assert (status, error["code"]) == (400, 3)
    assert "pagesize" in error["message"]
    status, error = await call(http, "GET", f"{envoy.url}/v1/nothing-here", tenant.secret)
    assert (status, error["code"]) == (404, 5)
    status, error = await call(http, "DELETE", f"{envoy.url}/v1/keys", tenant.secret)
    assert (status, error["code"]) == (404, 5)


async def test_a_body_over_the_limit_is_refused_before_it_reaches_the_server(
    envoy: Envoy, http: aiohttp.ClientSession, tenant: TenantKeys
) -> None:
    raw = '{"start": {"session_id": "big", "action": "' + "a" * (2 * 1024 * 1024) + '"}}'
    status, error = await call(http, "POST", f"{envoy.url}/v1/sessions:score", tenant.publishable, raw=raw)
    assert (status, error["code"]) == (413, 8), error


def test_the_contract_has_no_64_bit_integers_so_json_numbers_are_numbers() -> None:
    wide = {"TYPE_INT64", "TYPE_UINT64", "TYPE_SINT64", "TYPE_FIXED64", "TYPE_SFIXED64"}
    found = []
    for module in (detection_pb2, keys_pb2, verdict_pb2):
        for message in module.DESCRIPTOR.message_types_by_name.values():
            stack = [message]
            while stack:
                m = stack.pop()
                stack.extend(m.nested_types)
                found += [f"{m.full_name}.{f.name}" for f in m.fields if f.type in _wide_types(wide)]
    assert found == []


def _wide_types(names: set[str]) -> set[int]:
    from google.protobuf import descriptor

    return {getattr(descriptor.FieldDescriptor, n) for n in names}
