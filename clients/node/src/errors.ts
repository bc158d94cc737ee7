/**
 * The SDK's errors. Every error the SDK throws on purpose is a {@link BotSiftError}:
 *
 * ```
 * BotSiftError
 * ├── ConfigurationError          no API key, a malformed target
 * ├── ApiError                    the server answered with a status (status, message, details,
 * │   │                           requestId; sessionId for session errors; fieldViolations)
 * │   ├── InvalidArgumentError, AuthenticationError, PermissionDeniedError, NotFoundError,
 * │   ├── AlreadyExistsError ── SessionInterruptedError
 * │   └── ResourceExhaustedError, FailedPreconditionError
 * ├── ConnectionError             the server could not be reached (after retries / reconnects)
 * ├── TimeoutError                a deadline passed
 * ├── SessionBufferFullError      a producer that never awaits drain()
 * └── SessionClosedError          events after the session ended
 * ```
 * @module
 */
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, file_google_rpc_error_details } from "./gen/google/rpc/error_details_pb.js";
import type { Status } from "./gen/google/rpc/status_pb.js";
import { createRegistry, type Message } from "@bufbuild/protobuf";

/** gRPC status names, as in the contract's documentation. */
export type StatusName =
  | "CANCELLED" | "UNKNOWN" | "INVALID_ARGUMENT" | "DEADLINE_EXCEEDED" | "NOT_FOUND" | "ALREADY_EXISTS"
  | "PERMISSION_DENIED" | "RESOURCE_EXHAUSTED" | "FAILED_PRECONDITION" | "ABORTED" | "OUT_OF_RANGE"
  | "UNIMPLEMENTED" | "INTERNAL" | "UNAVAILABLE" | "DATA_LOSS" | "UNAUTHENTICATED";

const NAMES: Record<number, StatusName> = {
  1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
  6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
  10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
  15: "DATA_LOSS", 16: "UNAUTHENTICATED",
};
const registry = createRegistry(file_google_rpc_error_details);

/** Base of every error the SDK throws on purpose. */
export class BotSiftError extends Error {
  override name = "BotSiftError";
}

/** The client was configured wrongly (for example no API key anywhere). */
export class ConfigurationError extends BotSiftError {
  override name = "ConfigurationError";
}

/** The server answered with an error status. */
export class ApiError extends BotSiftError {
  override name = "ApiError";
  constructor(
    /** The gRPC status name (`INVALID_ARGUMENT`, ...). */
    readonly status: StatusName,
    /** The server's message. */
    readonly serverMessage: string,
    /** Rich status details (`google.rpc` messages, decoded where known). */
    readonly details: readonly Message[] = [],
    /** The server's `x-request-id` for the call: quote it in support tickets. */
    readonly requestId = "",
    /** The session the error is about, for errors on the `Analyze` stream. */
    readonly sessionId = "",
  ) {
    super(`${status}: ${serverMessage}${sessionId ? ` (session ${sessionId})` : ""}${requestId ? ` [request id ${requestId}]` : ""}`);
  }

  /** Field -> description, from `google.rpc.BadRequest` details. */
  get fieldViolations(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const detail of this.details) {
      if (detail.$typeName === BadRequestSchema.typeName) {
        for (const v of (detail as unknown as { fieldViolations: { field: string; description: string }[] }).fieldViolations) {
          out[v.field] = v.description;
        }
      }
    }
    return out;
  }
}

/** INVALID_ARGUMENT: see {@link ApiError.fieldViolations}. */
export class InvalidArgumentError extends ApiError { override name = "InvalidArgumentError"; }
/** UNAUTHENTICATED: a missing, unknown or revoked key. */
export class AuthenticationError extends ApiError { override name = "AuthenticationError"; }
/** PERMISSION_DENIED: a publishable key on a secret-key call. */
export class PermissionDeniedError extends ApiError { override name = "PermissionDeniedError"; }
/** NOT_FOUND: for example no final verdict for that session. */
export class NotFoundError extends ApiError { override name = "NotFoundError"; }
/** ALREADY_EXISTS: the session id already has a stored final verdict. */
export class AlreadyExistsError extends ApiError { override name = "AlreadyExistsError"; }
/** The stream dropped while the session was open, the server stored it as it was, and the
 * resent copy could not be stored again (`getVerdict` with a secret key reads the stored one). */
export class SessionInterruptedError extends AlreadyExistsError { override name = "SessionInterruptedError"; }
/** RESOURCE_EXHAUSTED: a server limit. */
export class ResourceExhaustedError extends ApiError { override name = "ResourceExhaustedError"; }
/** FAILED_PRECONDITION. */
export class FailedPreconditionError extends ApiError { override name = "FailedPreconditionError"; }
/** The server could not be reached, or a dropped stream could not be re-opened in time. */
export class ConnectionError extends BotSiftError { override name = "ConnectionError"; }
/** A deadline passed before the server answered. */
export class TimeoutError extends BotSiftError { override name = "TimeoutError"; }
/** A session holds more unsent events than allowed: await `drain()` while producing. */
export class SessionBufferFullError extends BotSiftError { override name = "SessionBufferFullError"; }
/** Events were recorded on a session that had ended. */
export class SessionClosedError extends BotSiftError { override name = "SessionClosedError"; }

const BY_STATUS: Partial<Record<StatusName, typeof ApiError>> = {
  INVALID_ARGUMENT: InvalidArgumentError,
  UNAUTHENTICATED: AuthenticationError,
  PERMISSION_DENIED: PermissionDeniedError,
  NOT_FOUND: NotFoundError,
  ALREADY_EXISTS: AlreadyExistsError,
  RESOURCE_EXHAUSTED: ResourceExhaustedError,
  FAILED_PRECONDITION: FailedPreconditionError,
};

function make(code: number, message: string, details: Message[], requestId: string, sessionId: string): BotSiftError {
  const status = NAMES[code] ?? "UNKNOWN";
  if (status === "UNAVAILABLE") return new ConnectionError(`UNAVAILABLE: ${message}`);
  if (status === "DEADLINE_EXCEEDED") return new TimeoutError(`DEADLINE_EXCEEDED: ${message}`);
  const cls = BY_STATUS[status] ?? ApiError;
  return new cls(status, message, details, requestId, sessionId);
}

/** The SDK error for a `google.rpc.Status` sent for one session on the stream. */
export function errorFromStatus(status: Status, requestId = "", sessionId = ""): BotSiftError {
  const details = status.details.map((any) => anyUnpack(any, registry)).filter((m): m is Message => m !== undefined);
  return make(status.code, status.message, details, requestId, sessionId);
}

/**
 * Whether a failed `Analyze` call means the connection went away, not that the server refused
 * something: UNAVAILABLE; CANCELLED (HTTP/2 RST_STREAM CANCEL); INTERNAL or UNKNOWN without the
 * server's headers; or ABORTED from a reset socket (connect-node reports ECONNRESET, as when the
 * server process dies mid-stream, as ABORTED). The stream is then re-opened.
 */
export function connectionLost(failure: ConnectError): boolean {
  switch (failure.code) {
    case Code.Unavailable:
    case Code.Canceled:
      return true;
    case Code.Internal:
    case Code.Unknown:
      return !failure.metadata.has("x-request-id");
    case Code.Aborted:
      return resetByPeer(failure);
    default:
      return false;
  }
}

/** Whether `err` or an error it was caused by is a socket reset by the other end. */
function resetByPeer(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === "ECONNRESET" || /\bECONNRESET\b/.test(e.message)) return true;
  }
  return false;
}

/** The SDK error for a failed call. */
export function errorFromConnect(err: unknown, sessionId = ""): BotSiftError {
  if (err instanceof BotSiftError) return err;
  const ce = ConnectError.from(err);
  const details: Message[] = [BadRequestSchema].flatMap((schema) => ce.findDetails(schema) as Message[]);
  const requestId = ce.metadata.get("x-request-id") ?? "";
  if (ce.code === Code.Canceled && ce.cause instanceof Error && ce.cause.name === "AbortError") {
    return make(Code.Canceled, ce.rawMessage, details, requestId, sessionId);
  }
  return make(ce.code, ce.rawMessage, details, requestId, sessionId);
}
