// Debian's chromium, headless, in a fresh profile, driven by playwright-core (which never
// downloads a browser of its own). The flags keep it off the network it cannot reach here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// `phone`: a touch screen (touch events, a mobile viewport at 3 device pixels per CSS pixel).
export async function launchChromium({ executablePath = '/usr/bin/chromium', viewport, phone = false }) {
  const profile = mkdtempSync(join(tmpdir(), 'botsift-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
    viewport,
    ...(phone ? { hasTouch: true, isMobile: true, deviceScaleFactor: 3 } : {}),
    timeout: 60000,
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}
