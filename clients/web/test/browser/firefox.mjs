// Debian's Firefox ESR, headless, in a fresh profile, driven by puppeteer-core over WebDriver BiDi
// (a stock Firefox speaks it; puppeteer-core never downloads a browser of its own). The prefs keep
// it off the network it cannot reach here. As under any WebDriver automation, navigator.webdriver
// is true.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

export async function launchFirefox({ executablePath = '/usr/bin/firefox-esr', viewport }) {
  const profile = mkdtempSync(join(tmpdir(), 'botsift-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    userDataDir: profile,
    defaultViewport: viewport,
    timeout: 60000,
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  });
  const close = async () => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}
