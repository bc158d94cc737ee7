// Replays recorded pointer traces into Debian's chromium (headless, driven by playwright-core) at
// their recorded times and keeps what the page's collector recorder (src/recorder.js, the code
// the web collector runs) makes of them: the browser's own frame-aligned dispatch, coalescing and
// clock, then the collector's throttle and rounding. It measures how a page delivers people's
// movements, which `botsift-server eval --as frames:60,collector` simulates.
//
// stdin: one trace per line, {"session_id": "...", "events": [{"t", "type", "x", "y", "button"}]}
// (move, down and up events; t in ms from the trace's start). stdout: one line per trace in the
// same form, the events as the recorder kept them.
//
//   node test/browser/deliver-traces.mjs [--chromium /usr/bin/chromium] < traces.jsonl
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
  },
});

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const ORIGIN = 'http://collector.test';
const PAGE = `<!doctype html><html><body style="margin:0"><script type="module">
import { KIND, record } from './recorder.js';
const NAMES = Object.fromEntries(Object.entries(KIND).map(([name, kind]) => [kind, name]));
let rec = null;
window.startRecording = () => {
  if (rec) rec.stop();
  rec = record(window, { moveIntervalMs: 16, scrollIntervalMs: 100, maxEvents: 100000, now: () => performance.now() });
};
window.recorded = () => {
  const cols = rec.events();
  return cols.t_ms.map((t, i) => ({
    t, type: NAMES[cols.kinds[i]], x: cols.x ? cols.x[i] : 0, y: cols.y ? cols.y[i] : 0,
    button: cols.buttons ? cols.buttons[i] : 0,
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
    await replay(cdp, trace.events);
    // Let the last frame's events reach the page before reading them.
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
async function replay(cdp, events) {
  const start = performance.now();
  const sent = [];
  let buttons = 0;
  let [x, y] = [0, 0];
  for (const e of events) {
    const due = start + e.t;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait - 1));
    while (performance.now() < due) await new Promise((resolve) => setImmediate(resolve));
    if (e.type === 'move') [x, y] = [e.x, e.y];
    const type = { move: 'mouseMoved', down: 'mousePressed', up: 'mouseReleased' }[e.type];
    if (!type) continue;
    if (e.type === 'down') buttons = 1;
    const button = e.type === 'move' ? (buttons ? 'left' : 'none') : 'left';
    sent.push(cdp.send('Input.dispatchMouseEvent', { type, x, y, button, buttons, clickCount: e.type === 'move' ? 0 : 1 }));
    if (e.type === 'up') buttons = 0;
  }
  await Promise.all(sent);
}
