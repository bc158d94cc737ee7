// Browser and device signals (DeviceSignals in proto/botsift/v1/events.proto). Each read is
// guarded: a privacy browser or an odd WebView that throws on one property must not cost the rest.

// Globals that automation tools leave on `window` (matched by name).
const GLOBALS = [
  'callPhantom', '_phantom', 'phantom', '__nightmare', 'domAutomation', 'domAutomationController',
  '__selenium_unwrapped', '__selenium_evaluate', '__webdriver_evaluate', '__webdriver_unwrapped',
  '__driver_evaluate', '__driver_unwrapped', '__fxdriver_evaluate', '__fxdriver_unwrapped',
  '__webdriver_script_fn', '_selenium', 'calledSelenium', '_Selenium_IDE_Recorder',
  '__lastWatirAsync', '__lastWatirConfirm', '__lastWatirPrompt', 'geb', 'awesomium',
];
// Own property names of `window` / `document` with these prefixes are markers too.
const WINDOW_PREFIX = /^(__playwright|__pw|__puppeteer|cdc_|\$cdc_)/;
const DOCUMENT_PREFIX = /^(\$?cdc_|\$wdc_|__webdriver|__selenium|__driver|__fxdriver)/;
const ATTRIBUTES = ['webdriver', 'selenium', 'driver'];

function attempt(read, fallback) {
  try {
    const value = read();
    return value === undefined || value === null ? fallback : value;
  } catch {
    return fallback;
  }
}

const uint = (v) => (typeof v === 'number' && isFinite(v) && v >= 0 ? Math.round(v) : undefined);
const num = (v) => (typeof v === 'number' && isFinite(v) ? v : undefined);
const bool = (v) => (typeof v === 'boolean' ? v : undefined);
const str = (v) => (typeof v === 'string' ? v.slice(0, 512) : '');

/** Names of automation globals and document attributes present on the page. */
export function automationMarkers(win) {
  const doc = win.document;
  const found = new Set();
  for (const name of GLOBALS) if (attempt(() => name in win, false)) found.add(name);
  for (const name of attempt(() => Object.getOwnPropertyNames(win), [])) {
    if (WINDOW_PREFIX.test(name)) found.add(name);
  }
  for (const name of attempt(() => Object.getOwnPropertyNames(doc), [])) {
    if (DOCUMENT_PREFIX.test(name)) found.add(name);
  }
  for (const name of ATTRIBUTES) {
    if (attempt(() => doc.documentElement.getAttribute(name) !== null, false)) found.add(name);
  }
  return [...found].slice(0, 64);
}

function webgl(doc) {
  return attempt(() => {
    const gl = doc.createElement('canvas').getContext('webgl');
    const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
    return info
      ? [gl.getParameter(info.UNMASKED_VENDOR_WEBGL), gl.getParameter(info.UNMASKED_RENDERER_WEBGL)]
      : ['', ''];
  }, ['', '']);
}

/**
 * Reads the device signals of `win` (a browser window). Resolves once the Permissions API has
 * answered (or failed); never rejects.
 * @param {Window} win
 * @returns {Promise<object>} a DeviceSignals object in proto JSON form (unknown fields omitted)
 */
export async function readDevice(win) {
  const nav = win.navigator;
  const scr = win.screen || {};
  const doc = win.document;
  const [webglVendor, webglRenderer] = webgl(doc);
  let query = '';
  try {
    // Some browsers leave this promise pending for good: finish() must not wait on it.
    const late = new Promise((resolve) => setTimeout(resolve, 500, { state: '' }));
    query = (await Promise.race([nav.permissions.query({ name: 'notifications' }), late])).state;
  } catch {
    // No Permissions API, or it refuses the name: leave it empty.
  }
  const plugins = attempt(() => nav.plugins, undefined);
  const device = {
    user_agent: str(attempt(() => nav.userAgent, '')),
    platform: str(attempt(() => nav.platform, '')),
    languages: attempt(() => [...nav.languages].slice(0, 64).map(str), []),
    webdriver: bool(attempt(() => nav.webdriver)),
    plugins_count: uint(attempt(() => plugins.length)),
    plugins_is_plugin_array: attempt(() => typeof PluginArray === 'function' && plugins instanceof PluginArray, undefined),
    hardware_concurrency: uint(attempt(() => nav.hardwareConcurrency)),
    device_memory_gib: num(attempt(() => nav.deviceMemory)),
    screen_width: uint(attempt(() => scr.width)),
    screen_height: uint(attempt(() => scr.height)),
    outer_width: uint(attempt(() => win.outerWidth)),
    outer_height: uint(attempt(() => win.outerHeight)),
    inner_width: uint(attempt(() => win.innerWidth)),
    inner_height: uint(attempt(() => win.innerHeight)),
    device_pixel_ratio: num(attempt(() => win.devicePixelRatio)),
    color_depth: uint(attempt(() => scr.colorDepth)),
    timezone: str(attempt(() => Intl.DateTimeFormat().resolvedOptions().timeZone, '')),
    timezone_offset_minutes: num(attempt(() => new Date().getTimezoneOffset())),
    max_touch_points: uint(attempt(() => nav.maxTouchPoints)),
    webgl_vendor: str(webglVendor),
    webgl_renderer: str(webglRenderer),
    notification_permission: str(attempt(() => win.Notification.permission, '')),
    notification_permission_query: str(query),
    document_focused: bool(attempt(() => doc.hasFocus())),
    automation_markers: automationMarkers(win),
    eval_length: uint(attempt(() => win.eval.toString().length)),
    product_sub: str(attempt(() => nav.productSub, '')),
    app_version: str(attempt(() => nav.appVersion, '')),
    vendor: str(attempt(() => nav.vendor, '')),
    pdf_viewer_enabled: bool(attempt(() => nav.pdfViewerEnabled)),
    cookies_enabled: bool(attempt(() => nav.cookieEnabled)),
    has_chrome_object: attempt(() => !!win.chrome, undefined),
    electron_process: attempt(() => !!(win.process && win.process.versions && win.process.versions.electron), false),
    touch_support: attempt(() => 'ontouchstart' in win, undefined),
  };
  for (const name in device) {
    const value = device[name];
    if (value === undefined || value === '' || (Array.isArray(value) && !value.length)) delete device[name];
  }
  return device;
}
