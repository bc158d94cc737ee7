"""The one place where domain errors become gRPC statuses (with rich details)."""

from __future__ import annotations

from typing import Any, NoReturn, cast

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from botsift_server.errors import ApiError, InvalidArgumentError, StoreUnavailableError


def status_of(error: ApiError | StoreUnavailableError) -> status_pb2.Status:
    """``google.rpc.Status`` for an expected error; invalid input carries ``BadRequest`` details."""
    if isinstance(error, StoreUnavailableError):
        return status_pb2.Status(code=code_pb2.UNAVAILABLE, message="storage is unavailable; retry later")
    status = status_pb2.Status(code=error.code.value[0], message=error.message)
    if isinstance(error, InvalidArgumentError):
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in error.violations
            ]
        )
        detail = any_pb2.Any()
        detail.Pack(bad_request)
        status.details.append(detail)
    return status


async def abort(
    context: grpc.aio.ServicerContext[object, object], error: ApiError | StoreUnavailableError
) -> NoReturn:
    """End the RPC with the status of ``error``."""
    # grpc-stubs predates ``abort_with_status``, which grpc.aio has.
    await cast(Any, context).abort_with_status(rpc_status.to_status(status_of(error)))
    raise AssertionError("abort_with_status returned")  # pragma: no cover - grpc raises
