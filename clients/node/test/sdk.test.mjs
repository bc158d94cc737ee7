// The Node SDK against a real server (and a real PostgreSQL), started by the test.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  AlreadyExistsError, AuthenticationError, BotSiftClient, ConfigurationError, ConnectionError, EventKind,
  InvalidArgumentError, KeyKind, NotFoundError, PermissionDeniedError, ResourceExhaustedError, RiskLevel,
  SessionBufferFullError, SessionClosedError, TimeoutError, readTraces, replayTrace,
} from "../dist/index.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectionLost } from "../dist/errors.js";
import { ServerProcess, createTenant, freePort, startPostgres } from "./harness.mjs";

let pg, server, keys;
before(async () => {
  pg = await startPostgres();
  keys = createTenant(pg.dsn, `node-${Date.now()}`);
  server = new ServerProcess(pg.dsn, await freePort());
  await server.start();
});
after(async () => { await server?.stop("SIGKILL"); await pg?.stop(); });

const fast = { initialBackoffMs: 50, maxBackoffMs: 300, reconnectTimeoutMs: 20_000 };
const client = (key = keys.publishable, extra = {}) => new BotSiftClient({ apiKey: key, target: server.target, retry: fast, ...extra });
const sid = () => `n-${crypto.randomUUID()}`;
const human = { userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36", webdriver: false, languages: ["en-US"], pluginsCount: 5, screenWidth: 1920, screenHeight: 1080 };

/** Pointer moves along a curve with uneven timing, a click, then typing. */
function events(n = 300, seed = 1) {
  const e = { tMs: [], kinds: [], x: [], y: [], buttons: [], keyClasses: [] };
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += 8 + 9 * Math.abs(Math.sin(i * 1.7 + seed));
    const p = i / (n - 1);
    e.tMs.push(t); e.kinds.push(EventKind.MOVE); e.x.push(100 + 400 * p + 30 * Math.sin(p * 3.1)); e.y.push(200 + 120 * p * p); e.buttons.push(0); e.keyClasses.push(0);
  }
  for (const k of [EventKind.DOWN, EventKind.UP]) { t += 90; e.tMs.push(t); e.kinds.push(k); e.x.push(e.x.at(-1)); e.y.push(e.y.at(-1)); e.buttons.push(0); e.keyClasses.push(0); }
  for (let i = 0; i < 30; i++) {
    t += 60 + (i * 37) % 90; e.tMs.push(t); e.kinds.push(EventKind.KEY_DOWN); e.x.push(0); e.y.push(0); e.buttons.push(0); e.keyClasses.push(1);
    e.tMs.push(t + 30 + (i * 13) % 25); e.kinds.push(EventKind.KEY_UP); e.x.push(0); e.y.push(0); e.buttons.push(0); e.keyClasses.push(1);
    t += 55;
  }
  return e;
}

function record(s, e, from = 0, to = e.tMs.length) {
  for (let i = from; i < to; i++) s.record(e.kinds[i], { x: e.x[i], y: e.y[i], button: e.buttons[i], keyClass: e.keyClasses[i], tMs: e.tMs[i] });
}

test("a session streamed in many batches gets the same final verdict as the same session scored whole", async () => {
  const c = client(keys.publishable, { session: { maxBatchEvents: 7, maxBatchDelayMs: 1 } });
  const e = events();
  // Scored whole on another tenant: on the same tenant the same events under a second session id are a replay.
  const elsewhere = client(createTenant(pg.dsn, `node-whole-${Date.now()}`).publishable);
  const whole = await elsewhere.scoreSession(e, { sessionId: sid(), action: "login", device: human });
  await elsewhere.close();
  // The events are made up front and recorded at once, faster than their times claim: a recording.
  const s = c.session({ action: "login", device: human, recorded: true });
  record(s, e);
  const streamed = await s.verdict();
  await c.close();
  assert.equal(streamed.final, true);
  assert.equal(streamed.eventCounts.total, e.tMs.length);
  assert.ok(Math.abs(streamed.score - whole.score) < 1e-9);
  // The same reasons, plus the note that the streamed copy was declared a recording.
  const codes = streamed.reasons.map((r) => r.code);
  assert.deepEqual(codes.filter((c) => c !== "TIMING_RECORDED_SESSION"), whole.reasons.map((r) => r.code));
  assert.ok(codes.includes("TIMING_RECORDED_SESSION"));
});

test("200 concurrent sessions share one stream", async () => {
  const c = client();
  const verdicts = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
    const s = c.session({ action: "login", device: human });
    const e = events(40, i);
    record(s, e, 0, 20);
    await new Promise((res) => setTimeout(res, i % 5));
    record(s, e, 20);
    return s.verdict();
  }));
  await c.close();
  assert.equal(new Set(verdicts.map((v) => v.sessionId)).size, 200);
  assert.ok(verdicts.every((v) => v.final && v.eventCounts.total === 102));
  assert.equal(c.streamReconnects, 0);
});

test("a webdriver session is judged high risk with automation reasons; the backend reads it with its secret key", async () => {
  const c = client();
  const s = c.session({ action: "login", device: { userAgent: "Mozilla/5.0 HeadlessChrome/120.0", webdriver: true } });
  for (let i = 0; i < 20; i++) s.pointer(10 * i, 10 * i, { tMs: i * 10 });
  const verdict = await s.verdict();
  await c.close();
  assert.ok(verdict.riskLevel >= RiskLevel.HIGH);
  assert.ok(verdict.reasons.some((r) => r.code.startsWith("AUTOMATION_")));
  const backend = client(keys.secret);
  const stored = await backend.getVerdict(s.sessionId);
  assert.equal(stored.score, verdict.score);
});

test("a key press reported as a capital typed without Shift is judged", async () => {
  const c = client();
  const typed = async (capitalWithoutShift) => {
    const s = c.session({ action: "login", device: human });
    s.keyDown("letter", { tMs: 0, capitalWithoutShift });
    s.keyUp("letter", { tMs: 95 });
    s.keyDown("letter", { tMs: 210 });
    s.keyUp("letter", { tMs: 290 });
    const verdict = await s.verdict();
    return verdict.reasons.filter((r) => r.weight > 0).map((r) => r.code);
  };
  assert.ok((await typed(true)).includes("KEYS_CAPITAL_WITHOUT_SHIFT"));
  assert.ok(!(await typed(false)).includes("KEYS_CAPITAL_WITHOUT_SHIFT"));
  await c.close();
});

test("touch shorthands send a phone's swipes: a script's interpolated swipes are judged, a thumb's are not", async () => {
  const c = client();
  const phone = { ...human, userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/131.0 Mobile Safari/537.36", maxTouchPoints: 5, touchSupport: true };
  const swipes = async (path) => {
    const s = c.session({ action: "login", device: phone });
    let t = 2000;
    for (let swipe = 0; swipe < 3; swipe++) {
      const points = path(swipe);
      s.touchStart(points[0][0], points[0][1], { tMs: t });
      for (const [x, y] of points.slice(1)) { t += 16 + (swipe + x) % 3; s.touchMove(x, y, { tMs: t }); }
      t += 40; s.touchEnd(...points.at(-1), { tMs: t });
      t += 900;
    }
    s.visibility(false, { tMs: t });
    s.visibility(true, { tMs: t + 5000 });
    const verdict = await s.verdict();
    assert.equal(verdict.eventCounts.touches, 3 * 22);
    return verdict.reasons.map((r) => r.code);
  };
  // 20 equal steps up a straight line, and a thumb's arc that speeds up and slows down.
  const line = (swipe) => Array.from({ length: 21 }, (_, i) => [190 + 2 * swipe * i, 640 - 20 * i]);
  const thumb = (swipe) => Array.from({ length: 21 }, (_, i) => {
    const p = 10 * (i / 20) ** 3 - 15 * (i / 20) ** 4 + 6 * (i / 20) ** 5;
    return [190 + (25 + 5 * swipe) * Math.sin(Math.PI * p) + 0.4 * Math.sin(7 * i), 640 - 400 * p + 0.3 * Math.cos(5 * i)];
  });
  assert.ok((await swipes(line)).includes("POINTER_INTERPOLATED_SWIPE"));
  assert.ok(!(await swipes(thumb)).includes("POINTER_INTERPOLATED_SWIPE"));
  await c.close();
});

test("the stream drops mid-session when the server crashes, and the session recovers without losing or duplicating events", async () => {
  const c = client();
  const e = events(200, 7);
  // Scored whole on another tenant: on the same tenant the same events under a second session id are a replay.
  const elsewhere = client(createTenant(pg.dsn, `node-crash-${Date.now()}`).publishable);
  const whole = await elsewhere.scoreSession(e, { sessionId: sid(), device: human });
  await elsewhere.close();
  const s = c.session({ device: human, recorded: true });
  record(s, e, 0, 150);
  const interim = await s.interimVerdict();
  await server.stop("SIGKILL");
  await server.start();
  record(s, e, 150);
  const final = await s.verdict();
  assert.equal(c.streamReconnects, 1);
  await c.close();
  assert.equal(interim.eventCounts.total, 150);
  assert.equal(final.eventCounts.total, e.tMs.length);
  assert.ok(Math.abs(final.score - whole.score) < 1e-9);
});

test("every error type is thrown where it should be", async () => {
  assert.throws(() => new BotSiftClient({ apiKey: "", target: "x:1" }), ConfigurationError);
  assert.throws(() => new BotSiftClient({ apiKey: "pk_test_x", target: "nohost" }), ConfigurationError);

  const stranger = client("pk_test_unknown");
  const err = await stranger.scoreSession(events(5)).catch((e) => e);
  assert.ok(err instanceof AuthenticationError);
  assert.equal(err.status, "UNAUTHENTICATED");
  assert.ok(err.requestId);
  await assert.rejects(stranger.session().verdict(), AuthenticationError);
  await stranger.close();

  const c = client();
  await assert.rejects(c.getVerdict(sid()), PermissionDeniedError);
  await assert.rejects(client(keys.secret).getVerdict(sid()), NotFoundError);
  const used = sid();
  await c.scoreSession(events(5), { sessionId: used });
  await assert.rejects(c.scoreSession(events(5), { sessionId: used }), AlreadyExistsError);
  const dup = c.session({ sessionId: used });
  dup.pointer(1, 1);
  await assert.rejects(dup.verdict(), (e) => e instanceof AlreadyExistsError && e.sessionId === used);

  const bad = c.session({ sessionId: "no spaces allowed" });
  const invalid = await bad.verdict().catch((e) => e);
  assert.ok(invalid instanceof InvalidArgumentError);
  assert.ok("start.session_id" in invalid.fieldViolations);

  await assert.rejects(c.scoreSession(events(5000)), ResourceExhaustedError);
  await assert.rejects(client(keys.secret).getVerdict(sid(), { timeoutMs: 1 }), TimeoutError);

  const closed = c.session();
  closed.pointer(1, 1);
  await closed.verdict();
  assert.throws(() => closed.pointer(2, 2), SessionClosedError);

  const tight = client(keys.publishable, { session: { maxUnsentEvents: 10, maxBatchEvents: 1000, maxBatchDelayMs: 10_000 } });
  const full = tight.session();
  for (let i = 0; i < 10; i++) full.pointer(i, i, { tMs: i });
  assert.throws(() => full.pointer(1, 1, { tMs: 100 }), SessionBufferFullError);
  await full.verdict();
  await tight.close();
  await c.close();

  const nowhere = new BotSiftClient({ apiKey: keys.secret, target: `127.0.0.1:${await freePort()}`, retry: { maxAttempts: 2, initialBackoffMs: 10, reconnectTimeoutMs: 300 } });
  await assert.rejects(nowhere.getVerdict(sid()), ConnectionError);
  await assert.rejects(nowhere.session().verdict(), ConnectionError);
  await nowhere.close();
});

test("key management and trace replay", async () => {
  const admin = client(keys.secret);
  const made = await admin.createKey(KeyKind.PUBLISHABLE, { name: "node-test" });
  assert.ok(made.secret.startsWith("pk_test_"));
  const ids = [];
  for await (const k of admin.listKeys()) ids.push(k.keyId);
  assert.ok(ids.includes(made.key.keyId));
  const revoked = await admin.revokeKey(made.key.keyId);
  assert.ok(revoked.revokeTime);

  const [trace] = readTraces(`${JSON.stringify({ session_id: sid(), action: "login", device: { user_agent: "Mozilla/5.0", webdriver: true }, events: [{ t: 10, type: "move", x: 1, y: 2 }, { t: 5, type: "down", x: 1, y: 2, button: 0 }, { t: 40, type: "keydown", key_class: "letter" }] })}\n`);
  assert.deepEqual(trace.events.tMs, [5, 10, 40]);
  const c = client();
  const verdict = await replayTrace(c, trace);
  await c.close();
  assert.equal(verdict.eventCounts.total, 3);
  assert.ok(verdict.reasons.some((r) => r.code === "AUTOMATION_WEBDRIVER"));
  // A replayed recording is declared as one, so it is not held to real time.
  assert.ok(verdict.reasons.some((r) => r.code === "TIMING_RECORDED_SESSION"));
});

test("a reset connection re-opens the stream; a server's own ABORTED does not", () => {
  // connect-node reports a socket reset by a dying server (read ECONNRESET) as ABORTED.
  const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", errno: -104 });
  const lost = new ConnectError("read ECONNRESET", Code.Aborted, undefined, undefined, reset);
  assert.equal(connectionLost(lost), true);
  const wrapped = new ConnectError("stream failed", Code.Aborted, undefined, undefined, new Error("outer", { cause: reset }));
  assert.equal(connectionLost(wrapped), true);
  // The server's own refusals keep their status: they fail the session, they are not retried.
  assert.equal(connectionLost(new ConnectError("sequence conflict", Code.Aborted)), false);
  assert.equal(connectionLost(new ConnectError("bad key", Code.Unauthenticated)), false);
  assert.equal(connectionLost(new ConnectError("gone", Code.Unavailable)), true);
  const withHeaders = new ConnectError("boom", Code.Internal, new Headers({ "x-request-id": "r1" }));
  assert.equal(connectionLost(withHeaders), false);
  assert.equal(connectionLost(new ConnectError("boom", Code.Internal)), true);
});
