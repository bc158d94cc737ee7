/** Sessions multiplexed over one `Analyze` stream, re-opened (sessions resent) when it drops. */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError, type Client } from "@connectrpc/connect";
import { type AnalyzeRequest, AnalyzeRequestSchema, type AnalyzeResponse, type DetectionService } from "./gen/botsift/v1/detection_pb.js";
import { type DeviceSignalsSchema, EventKind, type Events, EventsSchema, KeyClass } from "./gen/botsift/v1/events_pb.js";
import type { Verdict } from "./gen/botsift/v1/verdict_pb.js";
import {
  AlreadyExistsError, type BotSiftError, ConnectionError, SessionBufferFullError, SessionClosedError,
  SessionInterruptedError, connectionLost, errorFromConnect, errorFromStatus,
} from "./errors.js";

/** Device signals as the generated `DeviceSignals` init shape (`{ userAgent, webdriver, ... }`). */
export type DeviceInit = MessageInitShape<typeof DeviceSignalsSchema>;
/** A key class by trace-format name or `KeyClass` value. */
export type KeyClassLike = keyof typeof KEY_CLASSES | KeyClass;

/** Trace-format key class names -> `KeyClass`. */
export const KEY_CLASSES = {
  letter: KeyClass.LETTER, digit: KeyClass.DIGIT, space: KeyClass.SPACE, punctuation: KeyClass.PUNCTUATION,
  modifier: KeyClass.MODIFIER, backspace: KeyClass.BACKSPACE, enter: KeyClass.ENTER,
  navigation: KeyClass.NAVIGATION, other: KeyClass.OTHER,
} as const;

/** Flag of a key press (`Events.buttons` of a key-down event): it typed a capital letter while neither Shift nor Caps Lock was on. */
export const CAPITAL_WITHOUT_SHIFT = 1;

/** Batching, buffering and back-pressure of sessions (the same knobs as the Python SDK). */
export interface SessionOptions {
  /** A batch is sent once it holds this many events (256)... */
  maxBatchEvents?: number;
  /** ...or this long after its first event (50 ms). */
  maxBatchDelayMs?: number;
  /** `await session.drain()` waits while more events than this are unsent (4096). */
  highWaterEvents?: number;
  /** More unsent events than this throw {@link SessionBufferFullError} (65536). */
  maxUnsentEvents?: number;
  /** Events kept per session to resend it after the stream drops (20000); past it, a drop fails the session with {@link ConnectionError}. */
  resumeBufferEvents?: number;
  /** Open sessions on the shared stream; more wait for a slot (200). */
  maxSessionsPerStream?: number;
}

/** Re-dialling of the stream and retries of idempotent calls. */
export interface RetryOptions {
  /** Attempts of an idempotent unary call, the first included (4). */
  maxAttempts?: number;
  /** Bound of the first wait; waits are uniform in [0, bound] (50 ms). */
  initialBackoffMs?: number;
  /** The bound never grows past this (2000 ms). */
  maxBackoffMs?: number;
  /** How long a dropped stream is re-opened for before its sessions fail (30000 ms). */
  reconnectTimeoutMs?: number;
}

/** The wait before retry `attempt` (0-based): full jitter over an exponential bound. */
export function backoffMs(retry: Required<RetryOptions>, attempt: number): number {
  return Math.random() * Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** attempt);
}

interface Deferred<T> { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void; settled: boolean }
function deferred<T>(): Deferred<T> {
  const d = { settled: false } as Deferred<T>;
  d.promise = new Promise<T>((res, rej) => {
    d.resolve = (v) => { if (!d.settled) { d.settled = true; res(v); } };
    d.reject = (e) => { if (!d.settled) { d.settled = true; rej(e); } };
  });
  d.promise.catch(() => undefined); // errors surface through verdict(); none is "unhandled"
  return d;
}

class Columns {
  tMs: number[] = []; kinds: EventKind[] = []; x: number[] = []; y: number[] = []; buttons: number[] = []; keyClasses: KeyClass[] = [];
  get length(): number { return this.tMs.length; }
  push(t: number, kind: EventKind, x: number, y: number, button: number, keyClass: KeyClass): void {
    this.tMs.push(t); this.kinds.push(kind); this.x.push(x); this.y.push(y); this.buttons.push(button); this.keyClasses.push(keyClass);
  }
  toMessage(): Events {
    return create(EventsSchema, {
      tMs: this.tMs, kinds: this.kinds,
      x: this.x.some(Boolean) ? this.x : [], y: this.y.some(Boolean) ? this.y : [],
      buttons: this.buttons.some(Boolean) ? this.buttons : [], keyClasses: this.keyClasses.some(Boolean) ? this.keyClasses : [],
    });
  }
}

/** Options of one event: `tMs` defaults to milliseconds since the session was created. */
export interface At { tMs?: number }

/**
 * A session on the client's shared `Analyze` stream (from `client.session()`). Recording
 * methods never block; pair them with `await session.drain()` in fast producers.
 *
 * @example
 * const s = client.session({ action: "login", device: { userAgent: ua } });
 * s.pointer(10, 20); s.pointerDown(10, 20); s.keyDown("letter");
 * const verdict = await s.verdict();
 */
export class Session {
  /** Events recorded after the server had already finished the session (not sent). */
  eventsDropped = 0;
  private readonly t0 = performance.now();
  private lastT = 0;
  private pending = new Columns();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private batches: Events[] = [];
  private batchCount = 0;
  private buffered = 0;
  private resumable = true;
  private unsent = 0;
  private writableWaiters: (() => void)[] = [];
  private readonly final = deferred<Verdict>();
  private readonly interims: Deferred<Verdict>[] = [];
  private ended = false;
  private resumes = 0;
  /** @internal */ readonly opened: Promise<void>;

  /** @internal */
  constructor(private readonly stream: AnalyzeStream, readonly start: AnalyzeRequest, private readonly options: Required<SessionOptions>, signal?: AbortSignal) {
    this.opened = stream.register(this);
    this.opened.catch((e: unknown) => this.fail(e as BotSiftError));
    signal?.addEventListener("abort", () => { this.fail(new ConnectionError("the session was aborted")); this.end(); }, { once: true });
  }

  /** The session id (give it to your backend to call `getVerdict`). */
  get sessionId(): string { return this.start.message.case === "start" ? this.start.message.value.sessionId : ""; }
  /** Whether the final verdict (or the session's error) has arrived. */
  get done(): boolean { return this.final.settled; }

  /** Record one event of any `EventKind`; the named methods are shorthands. */
  record(kind: EventKind, f: { x?: number; y?: number; button?: number; keyClass?: KeyClassLike } & At = {}): void {
    if (!this.accepting()) { this.eventsDropped += 1; return; }
    let t = f.tMs ?? Math.max(performance.now() - this.t0, this.lastT);
    if (t < this.lastT) throw new RangeError(`tMs ${t} is before the previous event (${this.lastT})`);
    if (this.unsent + this.pending.length + 1 > this.options.maxUnsentEvents) {
      throw new SessionBufferFullError(`session ${this.sessionId} has too many unsent events; await session.drain()`);
    }
    this.lastT = t;
    const kc = typeof f.keyClass === "string" ? KEY_CLASSES[f.keyClass] : (f.keyClass ?? KeyClass.UNSPECIFIED);
    this.pending.push(t, kind, f.x ?? 0, f.y ?? 0, f.button ?? 0, kc);
    if (this.pending.length >= this.options.maxBatchEvents) this.cut();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.cut(), this.options.maxBatchDelayMs);
  }

  /** The pointer moved to (x, y). */ pointer(x: number, y: number, at: At = {}): void { this.record(EventKind.MOVE, { x, y, ...at }); }
  /** A button went down. */ pointerDown(x: number, y: number, button = 0, at: At = {}): void { this.record(EventKind.DOWN, { x, y, button, ...at }); }
  /** A button went up. */ pointerUp(x: number, y: number, button = 0, at: At = {}): void { this.record(EventKind.UP, { x, y, button, ...at }); }
  /** A wheel turned. */ wheel(dx: number, dy: number, at: At = {}): void { this.record(EventKind.WHEEL, { x: dx, y: dy, ...at }); }
  /**
   * A key of a class went down (never which key). `capitalWithoutShift`: it typed a capital letter
   * while neither Shift nor Caps Lock was on (as programs type text; a physical keyboard cannot).
   */
  keyDown(keyClass: KeyClassLike, at: At & { capitalWithoutShift?: boolean } = {}): void {
    const { capitalWithoutShift, ...when } = at;
    this.record(EventKind.KEY_DOWN, { keyClass, button: capitalWithoutShift ? CAPITAL_WITHOUT_SHIFT : 0, ...when });
  }
  /** A key of a class went up. */ keyUp(keyClass: KeyClassLike, at: At = {}): void { this.record(EventKind.KEY_UP, { keyClass, ...at }); }
  /** The page scrolled to (x, y). */ scroll(x: number, y: number, at: At = {}): void { this.record(EventKind.SCROLL, { x, y, ...at }); }
  /** A finger touched the screen at (x, y). */ touchStart(x: number, y: number, at: At = {}): void { this.record(EventKind.TOUCH_START, { x, y, ...at }); }
  /** A finger moved to (x, y). */ touchMove(x: number, y: number, at: At = {}): void { this.record(EventKind.TOUCH_MOVE, { x, y, ...at }); }
  /** A finger left the screen at (x, y). */ touchEnd(x: number, y: number, at: At = {}): void { this.record(EventKind.TOUCH_END, { x, y, ...at }); }
  /** Focus gained. */ focus(at: At = {}): void { this.record(EventKind.FOCUS, at); }
  /** Focus lost. */ blur(at: At = {}): void { this.record(EventKind.BLUR, at); }
  /** The page became visible or hidden. */ visibility(visible: boolean, at: At = {}): void { this.record(EventKind.VISIBILITY, { button: visible ? 1 : 0, ...at }); }

  /** Record many events at once (columnar `Events`). */
  add(events: Events): void {
    for (let i = 0; i < events.tMs.length; i++) {
      this.record(events.kinds[i]!, { x: events.x[i] ?? 0, y: events.y[i] ?? 0, button: events.buttons[i] ?? 0, keyClass: events.keyClasses[i] ?? 0, tMs: events.tMs[i]! });
    }
  }

  /** Resolves once at most `highWaterEvents` are unsent (back-pressure). Rejects with the session's error. */
  async drain(): Promise<void> {
    while (this.unsent > this.options.highWaterEvents && !this.final.settled) {
      await new Promise<void>((res) => this.writableWaiters.push(res));
    }
    if (this.final.settled) await this.final.promise.then(() => undefined);
  }

  /** The verdict on what was recorded so far (not final, not stored). */
  async interimVerdict(): Promise<Verdict> {
    if (this.ended) throw new SessionClosedError(`session ${this.sessionId} has ended; await verdict()`);
    if (this.final.settled) return this.final.promise;
    this.cut();
    const d = deferred<Verdict>();
    this.interims.push(d);
    this.stream.send(this, create(AnalyzeRequestSchema, { message: { case: "verdictRequest", value: { sessionId: this.sessionId } } }), 0);
    return d.promise;
  }

  /** End the session and resolve with its final verdict once stored; rejects with its typed error. */
  async verdict(): Promise<Verdict> { this.end(); return this.final.promise; }

  /** End the session without waiting for the verdict. */
  end(): void {
    if (this.ended || this.final.settled) return;
    this.cut();
    this.ended = true;
    this.stream.send(this, create(AnalyzeRequestSchema, { message: { case: "end", value: { sessionId: this.sessionId } } }), 0);
  }

  private accepting(): boolean {
    if (this.ended) throw new SessionClosedError(`session ${this.sessionId} has ended; no more events`);
    return !this.final.settled;
  }

  private cut(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
    const n = this.pending.length;
    if (!n || this.final.settled) return;
    const events = this.pending.toMessage();
    this.pending = new Columns();
    this.batchCount += 1;
    if (this.resumable) {
      if (this.buffered + n > this.options.resumeBufferEvents) { this.resumable = false; this.batches = []; }
      else { this.batches.push(events); this.buffered += n; }
    }
    this.unsent += n;
    this.stream.send(this, create(AnalyzeRequestSchema, { message: { case: "events", value: { sessionId: this.sessionId, sequence: this.batchCount, events } } }), n);
  }

  /** @internal */ written(n: number): void {
    this.unsent -= n;
    if (this.unsent <= this.options.highWaterEvents) for (const w of this.writableWaiters.splice(0)) w();
  }

  /** @internal What re-opens the session on a new stream. */
  resumeRequests(): [AnalyzeRequest, number][] {
    if (!this.resumable) throw new ConnectionError(`the stream dropped and session ${this.sessionId} recorded more than ${this.options.resumeBufferEvents} events, too many to resend`);
    this.resumes += 1;
    const id = this.sessionId;
    const out: [AnalyzeRequest, number][] = [[this.start, 0]];
    this.batches.forEach((events, i) => out.push([create(AnalyzeRequestSchema, { message: { case: "events", value: { sessionId: id, sequence: i + 1, events } } }), events.tMs.length]));
    for (let i = 0; i < this.interims.length; i++) out.push([create(AnalyzeRequestSchema, { message: { case: "verdictRequest", value: { sessionId: id } } }), 0]);
    if (this.ended) out.push([create(AnalyzeRequestSchema, { message: { case: "end", value: { sessionId: id } } }), 0]);
    this.unsent = this.buffered;
    return out;
  }

  /** @internal */ onVerdict(v: Verdict): void {
    if (!v.final) { this.interims.shift()?.resolve(v); return; }
    for (const d of this.interims.splice(0)) d.resolve(v);
    this.settle();
    this.final.resolve(v);
  }

  /** @internal */ fail(error: BotSiftError): void {
    if (error instanceof AlreadyExistsError && !(error instanceof SessionInterruptedError) && this.resumes > 0) {
      error = new SessionInterruptedError(error.status, `the stream dropped while the session was open and the server stored its verdict from the events received until then (${error.serverMessage})`, error.details, error.requestId, error.sessionId);
    }
    for (const d of this.interims.splice(0)) d.reject(error);
    this.settle();
    this.final.reject(error);
  }

  private settle(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
    this.batches = []; this.pending = new Columns();
    for (const w of this.writableWaiters.splice(0)) w();
  }
}

/** An async queue of requests feeding one call; `close()` ends the request stream (half-close). */
class RequestQueue implements AsyncIterable<AnalyzeRequest> {
  private items: ([Session | undefined, AnalyzeRequest, number] | null)[] = [];
  private wake: (() => void) | undefined;
  push(item: [Session | undefined, AnalyzeRequest, number] | null): void { this.items.push(item); this.wake?.(); }
  async *[Symbol.asyncIterator](): AsyncIterator<AnalyzeRequest> {
    for (;;) {
      while (this.items.length === 0) await new Promise<void>((res) => (this.wake = res));
      const item = this.items.shift()!;
      if (item === null) return;
      const [session, request, n] = item;
      yield request; // resumes once the transport took it: HTTP/2 flow control is the back-pressure
      if (session && n) session.written(n);
    }
  }
}

/** @internal The shared stream of a client. */
export class AnalyzeStream {
  private readonly sessions = new Map<string, Session>();
  private queue = new RequestQueue();
  private closing = false;
  private open = 0;
  private slotWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  dead = false;
  requestId = "";
  reconnects = 0;
  private readonly done: Promise<void>;

  constructor(private readonly client: Client<typeof DetectionService>, private readonly headers: Record<string, string>,
              private readonly retry: Required<RetryOptions>, private readonly maxSessions: number) {
    this.done = this.run();
  }

  async register(session: Session): Promise<void> {
    if (this.dead || this.closing) throw new ConnectionError("this stream is closed");
    if (this.sessions.has(session.sessionId)) throw new RangeError(`session ${session.sessionId} is already open on this client`);
    while (this.open >= this.maxSessions) await new Promise<void>((res) => this.slotWaiters.push(res));
    this.open += 1;
    this.sessions.set(session.sessionId, session);
    this.send(session, session.start, 0);
  }

  send(session: Session, request: AnalyzeRequest, n: number): void { this.queue.push([session, request, n]); }

  async close(timeoutMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.queue.push(null);
    const timer = setTimeout(() => this.abort.abort(), timeoutMs);
    await this.done;
    clearTimeout(timer);
    this.failAll(new ConnectionError("the client was closed before the session's verdict arrived"));
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let deadline: number | undefined;
    let tries = 0;
    try {
      for (;;) {
        // A call that failed may have taken messages from its queue: every later call starts
        // from the sessions' own records instead.
        const queue = tries++ > 0 ? this.resume() : this.queue;
        let received = false;
        let failure: ConnectError | undefined;
        try {
          const responses = this.client.analyze(queue, {
            headers: this.headers, signal: this.abort.signal,
            onHeader: (h) => { this.requestId = h.get("x-request-id") ?? ""; received = true; attempt = 0; deadline = undefined; },
          });
          for await (const response of responses) this.dispatch(response);
        } catch (err) {
          failure = ConnectError.from(err);
        }
        if (this.closing && failure === undefined) return;
        if (this.abort.signal.aborted) return;
        // A dead connection re-opens the stream (see connectionLost); our own abort is handled above.
        const dropped = failure === undefined || connectionLost(failure);
        if (!dropped) { this.failAll(errorFromConnect(failure)); return; }
        if (received) { this.reconnects += 1; }
        const now = Date.now();
        deadline ??= now + this.retry.reconnectTimeoutMs;
        if (now >= deadline) { this.failAll(new ConnectionError(`could not open the Analyze stream: ${failure?.rawMessage ?? "ended"}`)); return; }
        await new Promise((res) => setTimeout(res, backoffMs(this.retry, attempt)));
        attempt += 1;
      }
    } finally {
      this.dead = true;
    }
  }

  /** A new request queue that re-opens every open session, in order, before anything newer. */
  private resume(): RequestQueue {
    this.queue = new RequestQueue();
    for (const session of [...this.sessions.values()]) {
      try {
        for (const [request, n] of session.resumeRequests()) this.send(session, request, n);
      } catch (err) {
        this.finish(session, err as BotSiftError);
      }
    }
    return this.queue;
  }

  private dispatch(response: AnalyzeResponse): void {
    const session = this.sessions.get(response.sessionId);
    if (!session) return;
    if (response.result.case === "verdict") {
      if (response.result.value.final) this.release(session);
      session.onVerdict(response.result.value);
    } else if (response.result.case === "error") {
      this.finish(session, errorFromStatus(response.result.value, this.requestId, session.sessionId));
    }
  }

  private finish(session: Session, error: BotSiftError): void { this.release(session); session.fail(error); }

  private release(session: Session): void {
    if (this.sessions.delete(session.sessionId)) { this.open -= 1; this.slotWaiters.shift()?.(); }
  }

  private failAll(error: BotSiftError): void { for (const s of [...this.sessions.values()]) this.finish(s, error); }
}

