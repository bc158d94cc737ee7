"""``botsift.v1.KeyService``: create, list and revoke the caller's tenant's API keys."""

from __future__ import annotations

import uuid
from typing import Any

import grpc

from botsift.v1 import keys_pb2, keys_pb2_grpc
from botsift_server import convert
from botsift_server.auth import Authenticator, current_principal
from botsift_server.errors import (
    FailedPreconditionError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
)
from botsift_server.keys import generate_key
from botsift_server.store import KeyMode, Store

Context = grpc.aio.ServicerContext[Any, Any]
_MAX_NAME = 100
_DEFAULT_PAGE = 100
_MAX_PAGE = 1000
_MAX_OFFSET = 1_000_000


class KeyServicer(keys_pb2_grpc.KeyServiceServicer):
    """Key management for secret keys; a key only ever sees its own tenant."""

    def __init__(self, store: Store, authenticator: Authenticator) -> None:
        self._store = store
        self._auth = authenticator

    async def CreateKey(
        self, request: keys_pb2.CreateKeyRequest, context: Context
    ) -> keys_pb2.CreateKeyResponse:
        principal = current_principal()
        violations: list[FieldViolation] = []
        kind = convert.key_kind(request.kind)
        if kind is None:
            violations.append(FieldViolation("kind", "must be KEY_KIND_PUBLISHABLE or KEY_KIND_SECRET"))
        mode = (
            principal.mode
            if request.mode == keys_pb2.KEY_MODE_UNSPECIFIED
            else convert.key_mode(request.mode)
        )
        if mode is None:
            violations.append(FieldViolation("mode", "must be KEY_MODE_TEST or KEY_MODE_LIVE"))
        if len(request.name) > _MAX_NAME or not request.name.isprintable():
            violations.append(FieldViolation("name", f"must be at most {_MAX_NAME} printable characters"))
        if violations:
            raise InvalidArgumentError(violations)
        assert kind is not None
        assert mode is not None
        if mode is KeyMode.LIVE and principal.mode is KeyMode.TEST:
            raise PermissionDeniedError("a test key cannot create live keys")
        new = generate_key(kind, mode)
        record = await self._store.create_key(
            principal.tenant_id, kind, mode, request.name, new.key_hash, new.display_prefix
        )
        return keys_pb2.CreateKeyResponse(key=convert.api_key(record), secret=new.value)

    async def ListKeys(
        self, request: keys_pb2.ListKeysRequest, context: Context
    ) -> keys_pb2.ListKeysResponse:
        principal = current_principal()
        violations: list[FieldViolation] = []
        if request.page_size > _MAX_PAGE:
            violations.append(FieldViolation("page_size", f"must be at most {_MAX_PAGE}"))
        offset = _parse_page_token(request.page_token)
        if offset is None:
            violations.append(FieldViolation("page_token", "is not a token this server returned"))
        if violations:
            raise InvalidArgumentError(violations)
        assert offset is not None
        limit = request.page_size or _DEFAULT_PAGE
        # One more than asked tells whether there is a next page.
        records = await self._store.list_keys(
            principal.tenant_id, limit=limit + 1, offset=offset, include_revoked=request.include_revoked
        )
        next_token = str(offset + limit) if len(records) > limit else ""
        return keys_pb2.ListKeysResponse(
            keys=[convert.api_key(r) for r in records[:limit]], next_page_token=next_token
        )

    async def RevokeKey(
        self, request: keys_pb2.RevokeKeyRequest, context: Context
    ) -> keys_pb2.RevokeKeyResponse:
        principal = current_principal()
        try:
            key_id = uuid.UUID(request.key_id)
        except ValueError:
            raise InvalidArgumentError(
                [FieldViolation("key_id", "must be a key id as returned by ListKeys")]
            ) from None
        if key_id == principal.key_id:
            raise FailedPreconditionError("a key cannot revoke itself; use another secret key")
        record = await self._store.revoke_key(principal.tenant_id, key_id)
        if record is None:
            raise NotFoundError(f"no key {request.key_id!r}")
        self._auth.forget(key_id)
        return keys_pb2.RevokeKeyResponse(key=convert.api_key(record))


def _parse_page_token(token: str) -> int | None:
    if not token:
        return 0
    if not token.isdigit() or int(token) > _MAX_OFFSET:
        return None
    return int(token)
