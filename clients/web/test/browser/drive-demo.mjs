// Opens the demo page in Debian's chromium (headless, driven by playwright-core) or Firefox ESR
// (`--browser firefox`: headless, driven by puppeteer-core over WebDriver BiDi); navigator.webdriver
// is true in both, as under any WebDriver/CDP automation. Moves and clicks like a script, types
// into the form, submits, and waits for the verdict. Prints one JSON object on stdout:
//   {"verdict": {...}, "bodies": ["<ScoreSession request body>", ...], "page": "<verdict panel text>"}
//
//   node test/browser/drive-demo.mjs --url 'http://127.0.0.1:8080/demo?key=pk_test_...' \
//     --screenshot test-output/demo.png --email robot@example.com --password 'hunter2'
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';
import { launchFirefox } from './firefox.mjs';
import { mulberry32 } from '../../../../tools/generators/seeded.mjs';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    screenshot: { type: 'string' },
    email: { type: 'string', default: 'robot@example.com' },
    password: { type: 'string', default: 'correct-horse' },
    browser: { type: 'string', default: 'chromium' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    firefox: { type: 'string', default: '/usr/bin/firefox-esr' },
    // Leave the page instead of submitting the form: the collector's pagehide fallback scores it.
    leave: { type: 'boolean', default: false },
    // Hide navigator.webdriver as "stealth" plugins do, so only behaviour can give the script away.
    stealth: { type: 'boolean', default: false },
    // Read a long page before filling in the form: `script` scrolls it as scrapers do
    // (window.scrollBy, no input at all), `input` with the wheel and Page Down as a person's browser would.
    scroll: { type: 'string' },
    // Swipe through a long page on a touch screen first (chromium only): `script` as a
    // script does (touch moves of one step along a line, each awaited, through CDP), `finger`
    // along a thumb's path (an arc, speeding up and slowing down, the contact wobbling).
    swipe: { type: 'string' },
    // With --swipe, keep the browser without a touch screen (CDP's touch input reaches the page anyway).
    'no-touch-screen': { type: 'boolean', default: false },
  },
});
if (!opts.url || !(opts.screenshot || opts.leave)) throw new Error('--url and --screenshot (or --leave) are required');

let report;
// (With --swipe, a touch screen of the same size: a tablet, so the form's layout stays the same.)
const touchScreen = Boolean(opts.swipe) && !opts['no-touch-screen'];
const { page, close } = await openPage(opts.browser, { width: 1000, height: 640 }, touchScreen);
try {
  const bodies = [];
  const logs = [];
  // (playwright has a request's body at hand; puppeteer fetches it from Firefox over BiDi)
  const body = (r) => (opts.browser === 'firefox' ? r.fetchPostData() : r.postData());
  page.on('request', (r) => r.url().includes('/v1/sessions:score') && bodies.push(body(r)));
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  if (opts.stealth) {
    const hide = () => Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });
    await (opts.browser === 'firefox' ? page.evaluateOnNewDocument(hide) : page.addInitScript(hide));
  }
  await page.goto(opts.url, { waitUntil: 'load' });
  // What a password manager's autofill and a bot feeding the collector a fake path both do:
  // events a script builds and dispatches. The collector records none of them (the test counts
  // the keys, and looks for the fake path's x).
  await page.evaluate(() => {
    for (let i = 0; i < 10; i++) {
      window.dispatchEvent(new PointerEvent('pointermove', { clientX: 987.6, clientY: 12 + i, pointerType: 'mouse' }));
      document.body.dispatchEvent(new KeyboardEvent('keydown', { key: '9', code: 'Digit9', bubbles: true }));
      document.body.dispatchEvent(new KeyboardEvent('keyup', { key: '9', code: 'Digit9', bubbles: true }));
    }
  });

  if (opts.scroll) await readThePage(page, opts.scroll);
  if (opts.swipe) await swipeThePage(page, opts.swipe);
  await page.mouse.move(20, 20);
  for (const [selector, text] of [['#email', opts.email], ['#password', opts.password]]) {
    const [x, y] = await centre(page, selector);
    await page.mouse.move(x, y, { steps: 25 });
    await page.mouse.click(x, y);
    await page.keyboard.type(text, { delay: 40 });
  }
  // (playwright takes the deltas as arguments, puppeteer as an object)
  await (opts.browser === 'firefox' ? page.mouse.wheel({ deltaY: 120 }) : page.mouse.wheel(0, 120));
  if (opts.leave) {
    // The keepalive request outlives the page, and Playwright no longer sees it: report the
    // session id now and keep the browser open until the caller (who polls GetVerdict) closes stdin.
    const sessionId = await page.evaluate(() => collector.sessionId);
    await page.goto('about:blank');
    process.stdout.write(JSON.stringify({ sessionId, logs }) + '\n');
    await new Promise((resolve) => process.stdin.on('end', resolve).resume());
  } else {
    report = await submit(page, bodies, logs);
  }
} finally {
  await close();
}
if (report) process.stdout.write(JSON.stringify(report) + '\n');

async function submit(page, bodies, logs) {
  const [x, y] = await centre(page, '#submit');
  await page.mouse.move(x, y, { steps: 25 });
  await page.mouse.click(x, y);

  await page.waitForSelector('#verdict[data-done]', { timeout: 30000 });
  const done = await page.evaluate(() => document.querySelector('#verdict').dataset.done);
  mkdirSync(dirname(opts.screenshot), { recursive: true });
  await page.screenshot({ path: opts.screenshot, fullPage: true });
  const verdict = done === 'true' ? await page.evaluate(() => collector.finish()) : null;
  const text = await page.evaluate(() => document.querySelector('#verdict').innerText);
  return { verdict, bodies: (await Promise.all(bodies)).map((b) => b || ''), page: text, logs };
}

// An article below the form, scrolled through in six steps of 600 px, then back to the top (and
// gone again, so that the rest of the script finds the page as it always does).
async function readThePage(page, how) {
  if (how !== 'script' && how !== 'input') throw new Error(`--scroll ${how}: script or input`);
  await page.evaluate(() => {
    const article = document.createElement('div');
    article.id = 'article';
    article.style.height = '8000px';
    document.body.append(article);
  });
  // Past the page's load, when browsers restore a page's offset (and the engine does not judge).
  await sleep(3500);
  await page.mouse.move(500, 300);
  for (let i = 0; i < 6; i++) {
    if (how === 'script') await page.evaluate(() => window.scrollBy(0, 600));
    else if (i % 2) await page.keyboard.press('PageDown');
    else await (opts.browser === 'firefox' ? page.mouse.wheel({ deltaY: 600 }) : page.mouse.wheel(0, 600));
    await sleep(700);
  }
  if (how === 'script') await page.evaluate(() => window.scrollTo(0, 0));
  else await page.keyboard.press('Home');
  await sleep(500);
  await page.evaluate(() => document.getElementById('article').remove());
}

// Three swipes up a long page, 20 touch moves each, every one awaited (one reaches the page per
// frame, some dropped while the page scrolls), then back to the top.
async function swipeThePage(page, how) {
  if (how !== 'script' && how !== 'finger') throw new Error(`--swipe ${how}: script or finger`);
  if (opts.browser !== 'chromium') throw new Error('--swipe: chromium only (touch input goes through CDP)');
  await page.evaluate(() => {
    const article = document.createElement('div');
    article.id = 'article';
    article.style.height = '8000px';
    document.body.append(article);
  });
  const cdp = await page.context().newCDPSession(page);
  const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
  const random = mulberry32(7);
  for (let i = 0; i < 3; i++) {
    const path = how === 'script' ? line(190, 640, 190 + 40 * i, 240, 20) : thumb(190, 640, 400, random);
    await touch('touchStart', [path[0]]);
    for (const point of path.slice(1)) await touch('touchMove', [point]);
    await touch('touchEnd', []);
    await sleep(800);
  }
  await cdp.detach();
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(300);
  await page.evaluate(() => document.getElementById('article').remove());
}

// `steps` equal steps from (x0, y0) to (x1, y1), as scripts interpolate a swipe.
function line(x0, y0, x1, y1, steps) {
  return Array.from({ length: steps + 1 }, (_, i) => ({ x: x0 + ((x1 - x0) * i) / steps, y: y0 + ((y1 - y0) * i) / steps }));
}

// A thumb's swipe up by `length` px: a smooth start and stop, an arc of 20-50 px, the contact
// point wobbling by ~0.4 px, fingertip-sized.
function thumb(x0, y0, length, random) {
  const steps = 20;
  const bend = 20 + 30 * random();
  return Array.from({ length: steps + 1 }, (_, i) => {
    const s = i / steps;
    const progress = 10 * s ** 3 - 15 * s ** 4 + 6 * s ** 5;
    const wobble = () => (random() + random() + random() - 1.5) * 0.8;
    return { x: x0 + bend * Math.sin(Math.PI * progress) + wobble(), y: y0 - length * progress + wobble(), radiusX: 11, radiusY: 11 };
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A script's pointer: straight lines at a constant pace, clicks dead in the middle.
async function centre(page, selector) {
  const box = await page.evaluate((s) => document.querySelector(s).getBoundingClientRect().toJSON(), selector);
  return [box.x + box.width / 2, box.y + box.height / 2];
}

// The first page of a fresh headless `browser` ('chromium' or 'firefox') and how to close it;
// chromium with a touch screen when `phone`.
async function openPage(browser, viewport, phone) {
  if (browser === 'firefox') {
    const { browser: firefox, close } = await launchFirefox({ executablePath: opts.firefox, viewport });
    return { page: (await firefox.pages())[0] || (await firefox.newPage()), close };
  }
  if (browser !== 'chromium') throw new Error(`--browser ${browser}: chromium or firefox`);
  const { context, close } = await launchChromium({ executablePath: opts.chromium, viewport, phone });
  return { page: context.pages()[0] || (await context.newPage()), close };
}
