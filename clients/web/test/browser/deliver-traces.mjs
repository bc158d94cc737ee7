// Replays recorded pointer and key traces into Debian's chromium (headless, driven by
// playwright-core) at their recorded times and keeps what the page's collector recorder
// (src/recorder.js, the code the web collector runs, set up as src/index.js sets it up) makes of
// them: the browser's own frame-aligned dispatch, coalescing and clock, then the collector's
// throttle and rounding. It measures how a page delivers people's movements, which
// `botsift-server eval --as coalesced:60,collector` simulates (`--bots-as paced:60,collector` for
// scripts awaiting each move), and how it times their keys.
//
// stdin: one trace per line, {"session_id": "...", "events": [{"t", "type", "x", "y", "button",
// "key_class"}], "await_moves": false} (move, down, up, keydown and keyup events; t in ms from the
// trace's start; a key is sent as a key of its class). stdout: one line per trace in the same form,
// the events as the recorder kept them.
//
// With "await_moves", the trace is sent as a Puppeteer/Playwright script sends a path point by
// point: each move awaited (the browser answers with the next frame) and unstamped (the browser
// stamps it when it gets it), every later event as late as the waits have made it.
//
// --busy-ms N gives the page a key handler of its own that keeps the main thread busy N ms on
// every K-th key press (--busy-every K, default 1), as a page that re-renders on a key does: input
// behind it waits.
//
//   node test/browser/deliver-traces.mjs [--chromium /usr/bin/chromium] [--busy-ms 0 [--busy-every 1]] < traces.jsonl
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';

const { values: opts } = parseArgs({
  options: {
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    // Room for every recorded position: Balabit's screens are up to 1920 x 1200.
    width: { type: 'string', default: '2000' },
    height: { type: 'string', default: '1300' },
    'busy-ms': { type: 'string', default: '0' },
    'busy-every': { type: 'string', default: '1' },
  },
});
const BUSY_MS = Number(opts['busy-ms']);
const BUSY_EVERY = Math.max(1, Math.round(Number(opts['busy-every'])));

// A key of each class (the trace knows only the class): [key, code, Windows virtual key code].
const KEYS = {
  letter: ['a', 'KeyA', 65],
  digit: ['1', 'Digit1', 49],
  space: [' ', 'Space', 32],
  punctuation: ['.', 'Period', 190],
  modifier: ['Shift', 'ShiftLeft', 16],
  backspace: ['Backspace', 'Backspace', 8],
  enter: ['Enter', 'Enter', 13],
  navigation: ['ArrowLeft', 'ArrowLeft', 37],
  other: ['Escape', 'Escape', 27],
};

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const ORIGIN = 'http://collector.test';
const PAGE = `<!doctype html><html><body style="margin:0"><script type="module">
import { KIND, record } from './recorder.js';
import { KEY } from './keys.js';
const NAMES = Object.fromEntries(Object.entries(KIND).map(([name, kind]) => [kind, name]));
const CLASSES = Object.fromEntries(Object.entries(KEY).map(([name, cls]) => [cls, name]));
let rec = null;
let presses = 0;
window.startRecording = () => {
  if (rec) rec.stop();
  presses = 0;
  rec = record(window, {
    moveIntervalMs: 16, scrollIntervalMs: 100, maxEvents: 100000,
    now: () => performance.now(), eventTime: (e) => e.timeStamp,
  });
};
// The page's own work on every BUSY_EVERY-th key press (after the collector's listener, which
// captures first), counted from each trace's start.
document.addEventListener('keydown', () => {
  if (presses++ % ${BUSY_EVERY}) return;
  const until = performance.now() + ${BUSY_MS};
  while (performance.now() < until);
});
window.recorded = () => {
  const cols = rec.events();
  return cols.t_ms.map((t, i) => ({
    t, type: NAMES[cols.kinds[i]], x: cols.x ? cols.x[i] : 0, y: cols.y ? cols.y[i] : 0,
    button: cols.buttons ? cols.buttons[i] : 0,
    ...(cols.key_classes && cols.key_classes[i] ? { key_class: CLASSES[cols.key_classes[i]] } : {}),
  }));
};
window.ready = true;
</script></body></html>`;

const { context, close } = await launchChromium({
  executablePath: opts.chromium,
  viewport: { width: Number(opts.width), height: Number(opts.height) },
});
try {
  // The page and the collector's modules come from this checkout; nothing goes to the network.
  await context.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/' || path === '/index.html') return route.fulfill({ contentType: 'text/html', body: PAGE });
    const name = path.replace(/^\//, '');
    if (!/^[a-z]+\.js$/.test(name)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(SRC, name), 'utf8') });
  });
  const page = context.pages()[0] || (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await page.goto(`${ORIGIN}/index.html`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.ready === true);
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const trace = JSON.parse(line);
    await page.evaluate(() => window.startRecording());
    await replay(cdp, trace.events, Boolean(trace.await_moves));
    // Let the last frame's events (and any input queued behind the page's work) reach the page
    // before reading them.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const events = await page.evaluate(() => window.recorded());
    process.stdout.write(JSON.stringify({ session_id: trace.session_id, events }) + '\n');
  }
} finally {
  await close();
}

// Each event at its recorded time from now (as near as a timer allows), as real input events. A
// hand's mouse does not wait for the page: events are sent when due, never awaited one by one
// (awaiting each move's acknowledgement, which comes with the next frame, would slow a 2 ms
// generator down to one move per frame), so the browser queues and coalesces them as it does a
// real device's.
async function replay(cdp, events, awaitMoves) {
  const start = performance.now();
  const sent = [];
  let buttons = 0;
  let [x, y] = [0, 0];
  let late = 0; // how far awaited moves have pushed the script behind its own schedule
  for (const e of events) {
    const due = start + e.t + late;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait - 1));
    while (performance.now() < due) await new Promise((resolve) => setImmediate(resolve));
    // Stamped with when it was due (seconds since the epoch), as a device stamps its input: the
    // browser would otherwise stamp it when it gets to the command, which waits while the page
    // is busy.
    const timestamp = (performance.timeOrigin + due) / 1000;
    if (e.type === 'move') [x, y] = [e.x, e.y];
    if (e.type === 'keydown' || e.type === 'keyup') {
      const [key, code, keyCode] = KEYS[e.key_class] || KEYS.other;
      const type = e.type === 'keydown' ? 'rawKeyDown' : 'keyUp';
      sent.push(cdp.send('Input.dispatchKeyEvent', { type, key, code, windowsVirtualKeyCode: keyCode, timestamp }));
      continue;
    }
    const type = { move: 'mouseMoved', down: 'mousePressed', up: 'mouseReleased' }[e.type];
    if (!type) continue;
    if (e.type === 'down') buttons = 1;
    const button = e.type === 'move' ? (buttons ? 'left' : 'none') : 'left';
    if (awaitMoves && e.type === 'move') {
      await Promise.all(sent.splice(0));
      await cdp.send('Input.dispatchMouseEvent', { type, x, y, button, buttons, clickCount: 0 });
      late = Math.max(late, performance.now() - (start + e.t));
      continue;
    }
    sent.push(cdp.send('Input.dispatchMouseEvent', { type, x, y, button, buttons, clickCount: e.type === 'move' ? 0 : 1, timestamp }));
    if (e.type === 'up') buttons = 0;
  }
  await Promise.all(sent);
}
