// Key timing of npm typing libraries, for BotSift's evaluation traces.
//
// stdin:  {"generator": "puppeteer-humanize", "seed": 1, "texts": ["some text", ...]}
// stdout: [[[down_ms, up_ms, key], ...], ...]  one list per text, times from the start of that
//         text; `key` is the character typed, or "Backspace".
//
// @forad/puppeteer-humanize's `typeInto(element, text)` types into a Puppeteer ElementHandle:
// per character a chance of a neighbouring key and a Backspace, `element.type(char, {delay})`
// (Puppeteer presses the key, waits `delay`, releases it), then its own waits between keys. It
// is given an element that records those presses on a virtual clock, and its waits advance that
// clock by the time the library draws for them, so no browser and no real time are needed. Its
// random draws come from a Mersenne Twister seeded with the wall clock; the driver seeds it.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { mulberry32 } from "./seeded.mjs";

const require = createRequire(import.meta.url);

const request = JSON.parse(readFileSync(0, "utf8"));
const random = mulberry32(request.seed);
require("mersenne-twister").prototype.random = random;

let now = 0;
const utils = require("@forad/puppeteer-humanize/lib/support/utils.js");
// The library's waitForTimeout(range) sleeps rand(range) ms (or `min` when there is no max).
utils.waitForTimeout = async ({ min, max }) => {
  now += max ? utils.rand({ min, max }) : min;
};

function recorder(keys) {
  const press = async (key, options = {}) => {
    const down = now;
    now += options.delay ?? 0;
    keys.push([down, now, key]);
  };
  return {
    hover: async () => {},
    click: async (options = {}) => {
      now += options.delay ?? 0;
    },
    type: async (text, options = {}) => {
      for (const char of text) await press(char, options);
    },
    press,
  };
}

if (request.generator !== "puppeteer-humanize") {
  process.stderr.write(`unknown generator ${request.generator}\n`);
  process.exit(2);
}
const { typeInto } = require("@forad/puppeteer-humanize");
const out = [];
for (const text of request.texts) {
  const keys = [];
  now = 0;
  await typeInto(recorder(keys), text);
  const t0 = keys.length ? keys[0][0] : 0;
  out.push(keys.map(([down, up, key]) => [down - t0, up - t0, key]));
}
process.stdout.write(JSON.stringify(out));
