/** `BotSiftClient`: the Node client of BotSift. */
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AnalyzeRequestSchema, DetectionService } from "./gen/botsift/v1/detection_pb.js";
import { type Events, EventsSchema } from "./gen/botsift/v1/events_pb.js";
import { type ApiKey, type CreateKeyResponse, KeyKind, KeyMode, KeyService } from "./gen/botsift/v1/keys_pb.js";
import type { Verdict } from "./gen/botsift/v1/verdict_pb.js";
import { ConfigurationError, errorFromConnect } from "./errors.js";
import { AnalyzeStream, backoffMs, type DeviceInit, type RetryOptions, Session, type SessionOptions } from "./session.js";

/** Client options; every one may also come from the environment where noted. */
export interface ClientOptions {
  /** `pk_...` or `sk_...`; default `BOTSIFT_API_KEY`. */
  apiKey?: string;
  /** `host:port` of the server or gateway; default `BOTSIFT_TARGET`, then `localhost:50051`. */
  target?: string;
  /** TLS; default `BOTSIFT_TLS`, then plaintext for loopback hosts and TLS otherwise. */
  tls?: boolean;
  /** Deadline of unary calls (10000 ms). */
  timeoutMs?: number;
  /** Keepalive ping interval while calls are open (300000 ms). */
  keepaliveMs?: number;
  /** Retries and reconnection. */
  retry?: RetryOptions;
  /** Batching, buffering and back-pressure of sessions. */
  session?: SessionOptions;
}

/** Options of one unary call. */
export interface CallOptions {
  /** Deadline of this call. */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
}

const LOCAL = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * The Node client. Sessions share one multiplexed `Analyze` stream.
 *
 * @example
 * const client = new BotSiftClient({ apiKey: "pk_test_...", target: "localhost:50051" });
 * const s = client.session({ action: "login", device: { userAgent: "Mozilla/5.0 ..." } });
 * s.pointer(10, 20);
 * const verdict = await s.verdict();
 * await client.close();
 */
export class BotSiftClient {
  /** The resolved target. */
  readonly target: string;
  private readonly headers: Record<string, string>;
  private readonly detection: Client<typeof DetectionService>;
  private readonly keys: Client<typeof KeyService>;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryOptions>;
  private readonly sessionOptions: Required<SessionOptions>;
  private stream: AnalyzeStream | undefined;

  constructor(options: ClientOptions = {}) {
    const env = process.env;
    const apiKey = options.apiKey ?? env.BOTSIFT_API_KEY ?? "";
    if (!apiKey) throw new ConfigurationError("no API key: pass apiKey or set BOTSIFT_API_KEY");
    this.target = options.target ?? (env.BOTSIFT_TARGET || "localhost:50051");
    const host = this.target.slice(0, this.target.lastIndexOf(":"));
    if (!host || !/^\d+$/.test(this.target.slice(this.target.lastIndexOf(":") + 1))) {
      throw new ConfigurationError(`target must be host:port, not ${JSON.stringify(this.target)}`);
    }
    const tlsEnv = env.BOTSIFT_TLS?.toLowerCase();
    const tls = options.tls ?? (tlsEnv ? tlsEnv === "true" || tlsEnv === "1" : !LOCAL.has(host));
    this.headers = { authorization: `Bearer ${apiKey}` };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retry = { maxAttempts: 4, initialBackoffMs: 50, maxBackoffMs: 2000, reconnectTimeoutMs: 30_000, ...options.retry };
    this.sessionOptions = {
      maxBatchEvents: 256, maxBatchDelayMs: 50, highWaterEvents: 4096, maxUnsentEvents: 65536,
      resumeBufferEvents: 20_000, maxSessionsPerStream: 200, ...options.session,
    };
    const auth: Interceptor = (next) => (req) => {
      req.header.set("authorization", this.headers.authorization!);
      return next(req);
    };
    const transport = createGrpcTransport({
      baseUrl: `${tls ? "https" : "http"}://${this.target}`,
      interceptors: [auth],
      pingIntervalMs: options.keepaliveMs ?? 300_000,
      pingIdleConnection: false,
      idleConnectionTimeoutMs: 60_000,
    });
    this.detection = createClient(DetectionService, transport);
    this.keys = createClient(KeyService, transport);
  }

  /**
   * A session on the shared stream; end it with `await session.verdict()`.
   * `signal` abandons the session (its verdict rejects; the server still stores what it got).
   * `recorded: true` says the events were captured earlier and are sent faster than they happened
   * (a backfill): the server skips its check that a live session's clock does not run ahead of real time.
   */
  session(init: { sessionId?: string; action?: string; device?: DeviceInit; signal?: AbortSignal; recorded?: boolean } = {}): Session {
    if (this.stream === undefined || this.stream.dead) {
      this.stream = new AnalyzeStream(this.detection, this.headers, this.retry, this.sessionOptions.maxSessionsPerStream);
    }
    const start = create(AnalyzeRequestSchema, {
      message: {
        case: "start",
        value: { sessionId: init.sessionId ?? crypto.randomUUID().replaceAll("-", ""), action: init.action ?? "", device: init.device ?? {}, clientTime: timestampNow(), recorded: init.recorded ?? false },
      },
    });
    return new Session(this.stream, start, this.sessionOptions, init.signal);
  }

  /** How many times the shared stream was re-opened after dropping. */
  get streamReconnects(): number { return this.stream?.reconnects ?? 0; }

  private async unary<T>(call: (o: { timeoutMs: number; signal?: AbortSignal }) => Promise<T>, idempotent: boolean, options: CallOptions): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call({ timeoutMs: options.timeoutMs ?? this.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (err) {
        const ce = ConnectError.from(err);
        if (!idempotent || ce.code !== Code.Unavailable || attempt >= this.retry.maxAttempts) throw errorFromConnect(ce);
        await new Promise((res) => setTimeout(res, backoffMs(this.retry, attempt - 1)));
      }
    }
  }

  /** Score a whole session at once (final, stored; not retried). */
  scoreSession(events: Events | Parameters<typeof create<typeof EventsSchema>>[1], init: { sessionId?: string; action?: string; device?: DeviceInit } & CallOptions = {}): Promise<Verdict> {
    const start = { sessionId: init.sessionId ?? crypto.randomUUID().replaceAll("-", ""), action: init.action ?? "", device: init.device ?? {} };
    const ev = create(EventsSchema, events as Events);
    return this.unary((o) => this.detection.scoreSession({ start, events: ev }, o), false, init);
  }

  /** The stored final verdict of a session (secret keys; retried on UNAVAILABLE). */
  getVerdict(sessionId: string, options: CallOptions = {}): Promise<Verdict> {
    return this.unary((o) => this.detection.getVerdict({ sessionId }, o), true, options);
  }

  /** Create a key; `secret` in the response is its value, shown once. */
  createKey(kind: KeyKind, init: { mode?: KeyMode; name?: string } & CallOptions = {}): Promise<CreateKeyResponse> {
    return this.unary((o) => this.keys.createKey({ kind, mode: init.mode ?? KeyMode.UNSPECIFIED, name: init.name ?? "" }, o), false, init);
  }

  /** Every key of the caller's tenant, newest first, as an async iterator over all pages. */
  async *listKeys(init: { includeRevoked?: boolean } & CallOptions = {}): AsyncGenerator<ApiKey> {
    let pageToken = "";
    do {
      const page = await this.unary((o) => this.keys.listKeys({ pageSize: 1000, pageToken, includeRevoked: init.includeRevoked ?? false }, o), true, init);
      yield* page.keys;
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  /** Revoke a key. */
  async revokeKey(keyId: string, options: CallOptions = {}): Promise<ApiKey> {
    const response = await this.unary((o) => this.keys.revokeKey({ keyId }, o), false, options);
    return response.key!;
  }

  /** Finish the shared stream (open sessions get their final verdicts). */
  async close(timeoutMs = 10_000): Promise<void> {
    await this.stream?.close(timeoutMs);
    this.stream = undefined;
  }
}

export { KeyKind, KeyMode };
