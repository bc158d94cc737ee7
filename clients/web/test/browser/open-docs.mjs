// Opens the API docs (Swagger UI through Envoy) in Debian's chromium, headless, waits until the
// operations are rendered, and prints one JSON object on stdout:
//   {"operations": [{"method": "POST", "path": "/v1/sessions:score"}, ...], "title": "..."}
//
//   node test/browser/open-docs.mjs --url http://127.0.0.1:8080/docs/ --screenshot test-output/docs.png
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from './chromium.mjs';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    screenshot: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!opts.url || !opts.screenshot) throw new Error('--url and --screenshot are required');

const { context, close } = await launchChromium({ executablePath: opts.chromium, viewport: { width: 1200, height: 900 } });
try {
  const page = context.pages()[0] || (await context.newPage());
  const failures = [];
  page.on('pageerror', (error) => failures.push(String(error)));
  await page.goto(opts.url, { waitUntil: 'load', timeout: 30000 });
  await page.waitForSelector('.opblock .opblock-summary-path', { timeout: 30000 });
  const operations = await page.$$eval('.opblock', (blocks) =>
    blocks.map((block) => ({
      method: block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '',
      path: block.querySelector('.opblock-summary-path')?.getAttribute('data-path')
        ?? block.querySelector('.opblock-summary-path')?.textContent?.trim() ?? '',
    })),
  );
  const title = (await page.textContent('.info .title'))?.trim() ?? '';
  mkdirSync(dirname(opts.screenshot), { recursive: true });
  await page.screenshot({ path: opts.screenshot, fullPage: true });
  process.stdout.write(JSON.stringify({ operations, title, failures }));
} finally {
  await close();
}
