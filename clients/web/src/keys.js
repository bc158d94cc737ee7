// Key classes (and one flag): all the collector ever learns about a key. The key itself
// (`KeyboardEvent.key`, `.code`) is read only here, mapped to a class number and a flag, and
// dropped.

/** KeyClass numbers of proto/botsift/v1/events.proto. */
export const KEY = {
  letter: 1,
  digit: 2,
  space: 3,
  punctuation: 4,
  modifier: 5,
  backspace: 6,
  enter: 7,
  navigation: 8,
  other: 9,
};

const BY_CODE = {
  Space: KEY.space,
  Backspace: KEY.backspace,
  Delete: KEY.backspace,
  Enter: KEY.enter,
  NumpadEnter: KEY.enter,
  Tab: KEY.navigation,
  Home: KEY.navigation,
  End: KEY.navigation,
  PageUp: KEY.navigation,
  PageDown: KEY.navigation,
  CapsLock: KEY.modifier,
  Fn: KEY.modifier,
};
// `key` values for keys whose `code` is missing (virtual keyboards, synthetic events).
const BY_KEY = {
  ' ': KEY.space,
  Spacebar: KEY.space,
  Backspace: KEY.backspace,
  Delete: KEY.backspace,
  Enter: KEY.enter,
  Tab: KEY.navigation,
  Home: KEY.navigation,
  End: KEY.navigation,
  PageUp: KEY.navigation,
  PageDown: KEY.navigation,
  Shift: KEY.modifier,
  Control: KEY.modifier,
  Alt: KEY.modifier,
  AltGraph: KEY.modifier,
  Meta: KEY.modifier,
  OS: KEY.modifier,
  CapsLock: KEY.modifier,
  Fn: KEY.modifier,
};

/**
 * The KeyClass number of a keyboard event, from its `code` (physical key) first, then its `key`.
 * @param {{code?: string, key?: string}} event
 * @returns {number}
 */
export function classifyKey(event) {
  const code = event.code || '';
  const key = event.key || '';
  if (BY_CODE[code]) return BY_CODE[code];
  if (/^Key[A-Z]$/.test(code)) return KEY.letter;
  if (/^(Digit|Numpad)\d$/.test(code)) return KEY.digit;
  if (/^(Shift|Control|Alt|Meta|OS)(Left|Right)$/.test(code)) return KEY.modifier;
  if (/^Arrow/.test(code) || /^Arrow/.test(key)) return KEY.navigation;
  if (BY_KEY[key]) return BY_KEY[key];
  if ([...key].length === 1) {
    if (/\p{L}/u.test(key)) return KEY.letter;
    if (/\p{N}/u.test(key)) return KEY.digit;
    return KEY.punctuation;
  }
  // Punctuation keys by code when `key` is a dead key or a composition placeholder.
  if (/^(Minus|Equal|Bracket|Backslash|Semicolon|Quote|Backquote|Comma|Period|Slash|IntlBackslash|Numpad(Add|Subtract|Multiply|Divide|Decimal|Comma|Equal))/.test(code)) {
    return KEY.punctuation;
  }
  return KEY.other;
}

/** Flag bits of a key press, sent in `Events.buttons` of key-down events. */
export const KEY_FLAG = { capitalWithoutShift: 1 };

/**
 * The flags of a key press: `KEY_FLAG.capitalWithoutShift` when it typed a capital letter while
 * neither Shift nor Caps Lock was on. A physical keyboard cannot (the operating system reports
 * both states); Puppeteer's and Playwright's `keyboard.type("A")` send the bare capital. Which
 * letter it was goes no further than this function. 0 when the browser cannot tell the states.
 * @param {{key?: string, shiftKey?: boolean, getModifierState?: (name: string) => boolean}} event
 * @returns {number}
 */
export function keyFlags(event) {
  const key = event.key || '';
  if ([...key].length !== 1 || key === key.toLowerCase() || key !== key.toUpperCase()) return 0;
  if (typeof event.getModifierState !== 'function') return 0;
  if (event.shiftKey || event.getModifierState('Shift') || event.getModifierState('CapsLock')) return 0;
  return KEY_FLAG.capitalWithoutShift;
}
