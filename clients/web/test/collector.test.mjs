// Unit tests of the collector under node: key classes, what the payload holds (and never holds),
// and the size budget of the built script. The browser test (tests/web) runs it in chromium.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { classifyKey, KEY, KEY_FLAG, keyFlags } from '../src/keys.js';
import { record, KIND } from '../src/recorder.js';
import { Collector } from '../src/index.js';

const BUNDLE = new URL('../dist/botsift.min.js', import.meta.url);
const BUDGET_BYTES = 8 * 1024;

test('keys map to their class from the physical key code', () => {
  const cases = [
    [{ code: 'KeyQ', key: 'q' }, KEY.letter],
    [{ code: 'KeyA', key: 'ф' }, KEY.letter], // another layout: still a letter
    [{ code: 'Digit7', key: '7' }, KEY.digit],
    [{ code: 'Numpad3', key: '3' }, KEY.digit],
    [{ code: 'Space', key: ' ' }, KEY.space],
    [{ code: 'Comma', key: ',' }, KEY.punctuation],
    [{ code: 'Digit2', key: '@' }, KEY.digit], // by code: shifted digits keep the digit class
    [{ code: 'Minus', key: 'Dead' }, KEY.punctuation],
    [{ code: 'ShiftLeft', key: 'Shift' }, KEY.modifier],
    [{ code: 'MetaRight', key: 'Meta' }, KEY.modifier],
    [{ code: 'CapsLock', key: 'CapsLock' }, KEY.modifier],
    [{ code: 'Backspace', key: 'Backspace' }, KEY.backspace],
    [{ code: 'Delete', key: 'Delete' }, KEY.backspace],
    [{ code: 'Enter', key: 'Enter' }, KEY.enter],
    [{ code: 'NumpadEnter', key: 'Enter' }, KEY.enter],
    [{ code: 'ArrowLeft', key: 'ArrowLeft' }, KEY.navigation],
    [{ code: 'Tab', key: 'Tab' }, KEY.navigation],
    [{ code: 'PageDown', key: 'PageDown' }, KEY.navigation],
    [{ code: 'F5', key: 'F5' }, KEY.other],
    [{ code: 'Escape', key: 'Escape' }, KEY.other],
  ];
  for (const [event, expected] of cases) assert.equal(classifyKey(event), expected, JSON.stringify(event));
});

test('keys without a code (virtual keyboards) are classified by their value', () => {
  assert.equal(classifyKey({ code: '', key: 'é' }), KEY.letter);
  assert.equal(classifyKey({ code: '', key: '٣' }), KEY.digit);
  assert.equal(classifyKey({ code: '', key: '?' }), KEY.punctuation);
  assert.equal(classifyKey({ code: '', key: ' ' }), KEY.space);
  assert.equal(classifyKey({ code: '', key: 'Backspace' }), KEY.backspace);
  assert.equal(classifyKey({ code: '', key: 'Unidentified' }), KEY.other);
  assert.equal(classifyKey({}), KEY.other);
});

// An event as the browser dispatches a visitor's input: trusted (under node, a constructed event
// is not, as a page script's is not).
class UserEvent extends Event {
  get isTrusted() {
    return true;
  }
}

// A window stand-in for node: an EventTarget with the few properties the collector reads.
function fakeWindow() {
  const win = new EventTarget();
  let clock = 1000;
  win.performance = { now: () => (clock += 7) };
  win.document = new EventTarget();
  win.document.documentElement = { getAttribute: () => null };
  win.document.hasFocus = () => true;
  win.navigator = { userAgent: 'node-test', languages: ['en'], webdriver: false };
  win.location = { origin: 'http://127.0.0.1:1' };
  win.crypto = globalThis.crypto;
  win.scrollX = 0;
  win.scrollY = 40;
  win.innerHeight = 600;
  return win;
}

function keyEvent(type, key, code) {
  const event = new UserEvent(type);
  Object.assign(event, { key, code });
  return event;
}

function typeText(win, text) {
  for (const ch of text) {
    const code = /[a-z]/i.test(ch) ? 'Key' + ch.toUpperCase() : /\d/.test(ch) ? 'Digit' + ch : '';
    win.dispatchEvent(keyEvent('keydown', ch, code));
    win.dispatchEvent(keyEvent('keyup', ch, code));
  }
}

test('the payload carries key classes and times, never the typed characters', async () => {
  const win = fakeWindow();
  const collector = new Collector({ key: 'pk_test_x', action: 'login', window: win, sendOnPageHide: false });
  const typed = 'Secret-pass 42!';
  typeText(win, typed);
  const body = JSON.stringify(await collector.payload());
  for (const fragment of [typed, 'Secret', 'pass', ' 42', '!', 'Key', 'Digit']) assert.ok(!body.includes(fragment), fragment);
  const { events } = JSON.parse(body);
  assert.equal(events.kinds.length, 2 * typed.length);
  assert.deepEqual(events.key_classes.slice(0, 14).filter((_, i) => i % 2 === 0),
    [KEY.letter, KEY.letter, KEY.letter, KEY.letter, KEY.letter, KEY.letter, KEY.punctuation]);
  assert.ok(events.t_ms.every((t, i) => i === 0 || t >= events.t_ms[i - 1]), 'times never go back');
  assert.equal(JSON.parse(body).start.action, 'login');
  collector.stop();
});

test('a press that types a capital with neither Shift nor Caps Lock on is flagged, and nothing else is', () => {
  const win = fakeWindow();
  const recorder = record(win, { moveIntervalMs: 16, scrollIntervalMs: 100, maxEvents: 100, now: () => 0 });
  const key = (type, ch, code, { shift = false, caps = false } = {}) => {
    const e = keyEvent(type, ch, code);
    Object.assign(e, { shiftKey: shift, getModifierState: (m) => (m === 'Shift' ? shift : m === 'CapsLock' && caps) });
    win.dispatchEvent(e);
  };
  const presses = [
    ['A', 'KeyA', {}], // as Puppeteer's and Playwright's keyboard.type('A') send it
    ['B', 'KeyB', { shift: true }],
    ['C', 'KeyC', { caps: true }],
    ['d', 'KeyD', {}],
    ['7', 'Digit7', {}],
    ['@', 'Digit2', {}], // which symbols need Shift depends on the layout: never flagged
    ['あ', '', {}], // no case
    ['É', '', {}],
  ];
  for (const [ch, code, state] of presses) {
    key('keydown', ch, code, state);
    key('keyup', ch, code, state); // a release is never flagged
  }
  const flag = KEY_FLAG.capitalWithoutShift;
  assert.deepEqual(recorder.events().buttons, [flag, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, flag, 0]);
  // A browser that cannot tell Caps Lock's state: nothing is flagged.
  assert.equal(keyFlags({ key: 'A', shiftKey: false }), 0);
  recorder.stop();
});

test('events a script builds and dispatches are not recorded, only the browser\'s own', () => {
  const win = fakeWindow();
  const recorder = record(win, { moveIntervalMs: 0, scrollIntervalMs: 0, maxEvents: 100, now: () => 0 });
  const send = (EventType, type, fields) => win.dispatchEvent(Object.assign(new EventType(type), fields));
  // A bot feeding the collector a fake path, a password manager's autofill keys.
  for (let i = 0; i < 5; i++) send(Event, 'pointermove', { clientX: i, clientY: i, pointerType: 'mouse' });
  send(Event, 'keydown', { key: 'a', code: 'KeyA' });
  send(Event, 'keyup', { key: 'a', code: 'KeyA' });
  assert.deepEqual(recorder.events().kinds, []);
  send(UserEvent, 'pointermove', { clientX: 7, clientY: 8, pointerType: 'mouse' });
  send(UserEvent, 'keydown', { key: 'b', code: 'KeyB' });
  assert.deepEqual(recorder.events().kinds, [KIND.move, KIND.keydown]);
  recorder.stop();
});

test('pointer moves are sampled at the configured interval; buttons and wheel are always kept', () => {
  const win = fakeWindow();
  let clock = 0;
  const recorder = record(win, { moveIntervalMs: 50, scrollIntervalMs: 50, maxEvents: 100, now: () => clock });
  const pointer = (type, x, y, button = 0) => {
    const e = new UserEvent(type);
    Object.assign(e, { clientX: x, clientY: y, button, pointerType: 'mouse' });
    win.dispatchEvent(e);
  };
  for (let i = 0; i < 20; i++) {
    clock = i * 10; // every 10 ms: one in five is kept
    pointer('pointermove', i, 2 * i);
  }
  pointer('pointerdown', 19, 38, 0);
  pointer('pointerup', 19, 38, 0);
  const wheel = new UserEvent('wheel');
  Object.assign(wheel, { deltaX: 0, deltaY: 3, deltaMode: 1 });
  win.dispatchEvent(wheel);
  const events = recorder.events();
  assert.deepEqual(events.kinds, [KIND.move, KIND.move, KIND.move, KIND.move, KIND.down, KIND.up, KIND.wheel]);
  assert.deepEqual(events.x.slice(0, 4), [0, 5, 10, 15]);
  assert.equal(events.y.at(-1), 48, 'three wheel lines in pixels');
  recorder.stop();
  pointer('pointermove', 1, 1);
  assert.equal(recorder.events().kinds.length, 7, 'nothing is recorded after stop()');
});

test('keys, presses and moves are timed by when they happened, not when a page busy with other work ran their handler', () => {
  const win = fakeWindow();
  let clock = 1000; // the page's performance.now()
  const recorder = record(win, {
    moveIntervalMs: 0, scrollIntervalMs: 0, maxEvents: 100, now: () => clock, eventTime: (e) => e.timeStamp,
  });
  const at = (type, happened, handled, fields = {}) => {
    clock = handled;
    const e = new UserEvent(type);
    Object.defineProperty(e, 'timeStamp', { value: happened });
    Object.assign(e, { key: 'a', code: 'KeyA', clientX: 10, clientY: 20, button: 0, pointerType: 'mouse', ...fields });
    win.dispatchEvent(e);
  };
  // A key held 95 ms, then a click held 110 ms, both while a long task ran: their handlers ran
  // back to back when it ended (at 1400).
  at('keydown', 1100, 1400);
  at('keyup', 1195, 1400.2);
  at('pointerdown', 1250, 1400.4);
  at('pointerup', 1360, 1400.6);
  // A move coalesced into the next frame is timed by its last input (the position it reports),
  // and so is a finger's.
  at('pointermove', 1390, 1416.7);
  at('touchmove', 1410, 1433.4, { changedTouches: [{ clientX: 12, clientY: 22 }] });
  // An old browser's epoch timestamp, and one from the future, are not on this clock: the
  // handler's time is kept.
  at('keydown', 1.7e12, 1500);
  at('keyup', 1700, 1600);
  const events = recorder.events();
  assert.deepEqual(events.kinds, [
    KIND.keydown, KIND.keyup, KIND.down, KIND.up, KIND.move, KIND.touchmove, KIND.keydown, KIND.keyup,
  ]);
  assert.deepEqual(events.t_ms, [100, 195, 250, 360, 390, 410, 500, 600]);
});

test('recording stops at maxEvents', () => {
  const win = fakeWindow();
  const recorder = record(win, { moveIntervalMs: 0, scrollIntervalMs: 0, maxEvents: 5, now: () => 0 });
  typeText(win, 'abcdef');
  assert.equal(recorder.events().kinds.length, 5);
});

test('a secret key is refused before anything is collected', () => {
  assert.throws(() => new Collector({ key: 'sk_test_x', window: fakeWindow() }), /publishable key/);
});

test(`the built script stays under ${BUDGET_BYTES} bytes gzipped`, () => {
  const script = readFileSync(BUNDLE);
  const gzipped = gzipSync(script, { level: 9 }).length;
  console.log(`dist/botsift.min.js: ${script.length} bytes, ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`);
  assert.ok(gzipped < BUDGET_BYTES, `${gzipped} bytes gzipped`);
  assert.match(script.toString(), /var BotSift=/, 'the classic script defines the BotSift global');
});
