// Records a visitor's events into the columnar `Events` form of the protocol: parallel arrays,
// one element per event. Only times, positions, buttons and key classes are kept.

import { classifyKey, keyFlags } from './keys.js';

/** EventKind numbers of proto/botsift/v1/events.proto. */
export const KIND = {
  move: 1, down: 2, up: 3, wheel: 4, keydown: 5, keyup: 6,
  touchstart: 7, touchmove: 8, touchend: 9, scroll: 10, focus: 11, blur: 12, visibility: 13,
};

const LINE_PX = 16; // WheelEvent.deltaMode 1 (lines), as browsers scroll a line
// An input stamped longer ago than this was not merely queued behind a long task: its stamp is
// on another clock (older browsers gave epoch milliseconds), so the handler's time is kept.
const MAX_QUEUED_MS = 5000;
const round = (v, digits) => Math.round(v * digits) / digits;
const position = (v) => round(Math.max(0, +v || 0), 10);

/**
 * Listens on `win` (a window, or any EventTarget in tests) and keeps its events in columns.
 *
 * Moves, presses, releases, keys and touches are timed by when they happened (`eventTime`, the
 * browser's `Event.timeStamp` on the clock of `now`), not by when their handler ran: a page still
 * loading its scripts, or one whose own handlers take a while, queues input, and by the handler's
 * clock a key held 100 ms would read as released the instant it was pressed. A move the browser
 * coalesced from several inputs (it hands moves over once per display frame) carries the time of
 * the last of them, the time of the position it reports; by the handler's clock the position
 * would lag its time by up to a frame, more while the page is busy. Wheel and scroll keep the
 * handler's time.
 * @param {EventTarget} win
 * @param {{moveIntervalMs: number, scrollIntervalMs: number, maxEvents: number, now: () => number,
 *   eventTime?: (e: Event) => number}} options
 */
export function record(win, options) {
  const { moveIntervalMs, scrollIntervalMs, maxEvents, now, eventTime } = options;
  const start = now();
  const cols = { t_ms: [], kinds: [], x: [], y: [], buttons: [], key_classes: [] };
  const last = {};
  let lastT = 0;

  // When an input happened: its stamp if it is on our clock (not ahead of it, nor implausibly far
  // behind), else now.
  const happened = (e) => {
    const handled = now();
    const stamp = eventTime ? eventTime(e) : NaN;
    return stamp > 0 && stamp <= handled + 1 && handled - stamp < MAX_QUEUED_MS ? Math.min(stamp, handled) : handled;
  };

  function push(kind, x, y, button, keyClass, throttleMs, at = now()) {
    if (cols.t_ms.length >= maxEvents) return;
    // Times never go backwards, even when the clock source jumps.
    const t = Math.max(lastT, round(at - start, 10));
    if (throttleMs && t - (last[kind] ?? -Infinity) < throttleMs) return;
    last[kind] = lastT = t;
    cols.t_ms.push(t);
    cols.kinds.push(kind);
    cols.x.push(x);
    cols.y.push(y);
    cols.buttons.push(button);
    cols.key_classes.push(keyClass);
  }

  const pointer = (kind, throttle) => (e) => {
    // Touch input arrives twice (pointer and touch events): keep the touch events.
    if (e.pointerType === 'touch') return;
    const moved = kind === KIND.move;
    push(kind, position(e.clientX), position(e.clientY), moved ? 0 : e.button || 0, 0, throttle, happened(e));
  };
  const touch = (kind, throttle) => (e) => {
    const point = e.changedTouches && e.changedTouches[0];
    if (point) push(kind, position(point.clientX), position(point.clientY), 0, 0, throttle, happened(e));
  };
  // Key events: the class only, and for a press its flags (in the buttons column). The event's
  // `key` and `code` go no further than classifyKey and keyFlags.
  const key = (kind) => (e) =>
    push(kind, 0, 0, kind === KIND.keydown ? keyFlags(e) : 0, classifyKey(e), 0, happened(e));
  const doc = win.document;
  const visible = () => (doc && doc.visibilityState === 'hidden' ? 0 : 1);

  const listeners = [
    [win, 'pointermove', pointer(KIND.move, moveIntervalMs)],
    [win, 'pointerdown', pointer(KIND.down, 0)],
    [win, 'pointerup', pointer(KIND.up, 0)],
    [win, 'touchstart', touch(KIND.touchstart, 0)],
    [win, 'touchmove', touch(KIND.touchmove, moveIntervalMs)],
    [win, 'touchend', touch(KIND.touchend, 0)],
    [win, 'wheel', (e) => {
      const scale = e.deltaMode === 1 ? LINE_PX : e.deltaMode === 2 ? win.innerHeight || 800 : 1;
      push(KIND.wheel, round(e.deltaX * scale, 10) || 0, round(e.deltaY * scale, 10) || 0, 0, 0, 0);
    }],
    [win, 'scroll', () => push(KIND.scroll, position(win.scrollX), position(win.scrollY), 0, 0, scrollIntervalMs)],
    [win, 'keydown', key(KIND.keydown)],
    [win, 'keyup', key(KIND.keyup)],
    [win, 'focus', (e) => e.target === win && push(KIND.focus, 0, 0, 0, 0, 0)],
    [win, 'blur', (e) => e.target === win && push(KIND.blur, 0, 0, 0, 0, 0)],
  ];
  if (doc) listeners.push([doc, 'visibilitychange', () => push(KIND.visibility, 0, 0, visible(), 0, 0)]);
  // Only what the browser itself dispatched (`isTrusted`): an event a script builds and dispatches
  // (a password manager's autofill keys, or a bot passing fake "human" moves to the collector)
  // is not the visitor's input, and no page script can forge the flag.
  for (const listener of listeners) {
    const handle = listener[2];
    listener[2] = (e) => e.isTrusted !== false && handle(e);
  }
  for (const [target, type, fn] of listeners) target.addEventListener(type, fn, { capture: true, passive: true });

  return {
    /** Stops listening; the events recorded so far stay. */
    stop() {
      for (const [target, type, fn] of listeners) target.removeEventListener(type, fn, { capture: true });
    },
    /** The recorded events as a proto JSON `Events` object (unused columns left out). */
    events() {
      const out = { t_ms: cols.t_ms.slice(), kinds: cols.kinds.slice() };
      for (const name of ['x', 'y', 'buttons', 'key_classes']) {
        if (cols[name].some((v) => v !== 0)) out[name] = cols[name].slice();
      }
      // Positioned kinds need both coordinates, even when every one of them is 0.
      if (out.x || out.y || cols.kinds.some((k) => k <= KIND.up || (k >= KIND.touchstart && k <= KIND.scroll))) {
        out.x = cols.x.slice();
        out.y = cols.y.slice();
      }
      return out;
    },
  };
}
