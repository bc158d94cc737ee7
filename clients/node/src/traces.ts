/** The trace format (JSON Lines, one recorded session per line) and replaying it. */
import { create } from "@bufbuild/protobuf";
import { EventKind, type Events, EventsSchema } from "./gen/botsift/v1/events_pb.js";
import type { Verdict } from "./gen/botsift/v1/verdict_pb.js";
import type { BotSiftClient } from "./client.js";
import { KEY_CLASSES, type DeviceInit } from "./session.js";

const TYPES: Record<string, EventKind> = {
  move: EventKind.MOVE, down: EventKind.DOWN, up: EventKind.UP, wheel: EventKind.WHEEL, keydown: EventKind.KEY_DOWN,
  keyup: EventKind.KEY_UP, touchstart: EventKind.TOUCH_START, touchmove: EventKind.TOUCH_MOVE, touchend: EventKind.TOUCH_END,
  scroll: EventKind.SCROLL, focus: EventKind.FOCUS, blur: EventKind.BLUR, visibility: EventKind.VISIBILITY,
};
const snake = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** One recorded session. */
export interface Trace { sessionId: string; action: string; device: DeviceInit; events: Events; label?: "human" | "bot" }

/** A trace from one parsed JSON line (events sorted by time; unknown fields ignored). */
export function traceFromObject(data: Record<string, unknown>): Trace {
  const sessionId = String(data.session_id ?? "");
  if (!sessionId) throw new RangeError("session_id is required");
  const rows = ((data.events as Record<string, unknown>[] | undefined) ?? []).map((e, i) => {
    const kind = TYPES[String(e.type)];
    if (kind === undefined || typeof e.t !== "number") throw new RangeError(`event ${i}: missing or unknown type or t`);
    const kc = e.key_class === undefined ? 0 : KEY_CLASSES[e.key_class as keyof typeof KEY_CLASSES];
    if (kc === undefined) throw new RangeError(`event ${i}: unknown key_class`);
    return { t: e.t, kind, x: Number(e.x ?? 0), y: Number(e.y ?? 0), b: Number(e.button ?? 0), kc };
  }).sort((a, b) => a.t - b.t);
  const device: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((data.device as Record<string, unknown> | undefined) ?? {})) if (v !== null) device[snake(k)] = v;
  const label = data.label === "human" || data.label === "bot" ? data.label : undefined;
  return {
    sessionId, action: String(data.action ?? ""), device: device as DeviceInit, ...(label ? { label } : {}),
    events: create(EventsSchema, { tMs: rows.map((r) => r.t), kinds: rows.map((r) => r.kind), x: rows.map((r) => r.x), y: rows.map((r) => r.y), buttons: rows.map((r) => r.b), keyClasses: rows.map((r) => r.kc) }),
  };
}

/** The traces of JSON Lines text (blank lines skipped); errors name the line. */
export function* readTraces(text: string): Generator<Trace> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    try { yield traceFromObject(JSON.parse(lines[i]!) as Record<string, unknown>); }
    catch (err) { throw new RangeError(`line ${i + 1}: ${(err as Error).message}`); }
  }
}

/** Stream a recorded session (declared `recorded`) over the client's shared stream and resolve with its final verdict. */
export async function replayTrace(client: BotSiftClient, trace: Trace, sessionId?: string): Promise<Verdict> {
  const s = client.session({ sessionId: sessionId ?? trace.sessionId, action: trace.action, device: trace.device, recorded: true });
  s.add(trace.events);
  await s.drain();
  return s.verdict();
}
