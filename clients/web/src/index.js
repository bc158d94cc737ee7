// The BotSift browser collector. A page includes it with its publishable key:
//
//   <script src="botsift.min.js"></script>
//   <script>
//     const botsift = BotSift.start({key: 'pk_live_...', endpoint: 'https://botsift.example.com', action: 'login'});
//     botsift.protect(document.querySelector('form'));  // adds botsift_session_id, scores on submit
//   </script>
//
// It sends one JSON `POST /v1/sessions:score` (through Envoy) when the page calls `finish()`,
// when a protected form is submitted, or — best effort — when the page is hidden first. The
// site's backend then calls `GetVerdict(session_id)` with its secret key.

import { readDevice } from './device.js';
import { record } from './recorder.js';

export { classifyKey, KEY } from './keys.js';
export { KIND } from './recorder.js';
export { readDevice, automationMarkers } from './device.js';

/** The collector's version; follows the proto package (botsift.v1). */
export const VERSION = '1.2.0';

// `fetch(..., {keepalive: true})` bodies are capped at 64 KiB by browsers.
const KEEPALIVE_BYTES = 60000;

/** A failed `finish()`: the HTTP status and the google.rpc.Status code and message, when known. */
export class BotSiftError extends Error {
  constructor(message, status, code) {
    super(message);
    this.name = 'BotSiftError';
    this.status = status;
    this.code = code;
  }
}

function newSessionId(win) {
  const c = win.crypto;
  if (c && c.randomUUID) return 'web-' + c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Starts collecting on this page.
 *
 * @param {object} options
 * @param {string} options.key publishable key (`pk_test_...` or `pk_live_...`); never a secret key
 * @param {string} [options.endpoint] base URL of the BotSift gateway (default: this page's origin)
 * @param {string} [options.action] what the visitor is doing: `login`, `signup`, `checkout`, ...
 * @param {string} [options.sessionId] your own session id (default: a random `web-<uuid>`)
 * @param {number} [options.moveIntervalMs=16] keep at most one pointer/touch move per interval
 * @param {number} [options.scrollIntervalMs=50] keep at most one scroll per interval
 * @param {number} [options.maxEvents=10000] stop recording after this many events
 * @param {boolean} [options.sendOnPageHide=true] score with a keepalive request if the page is
 *   hidden before `finish()`
 * @param {Window} [options.window] the window to watch (default: the global one)
 * @returns {Collector}
 */
export function start(options) {
  return new Collector(options || {});
}

/** One visitor session on one page. Create it with {@link start}. */
export class Collector {
  constructor(options) {
    const win = options.window || window;
    if (!/^pk_/.test(options.key || '')) throw new BotSiftError('BotSift: a publishable key (pk_...) is required');
    this.win = win;
    this.key = options.key;
    this.endpoint = (options.endpoint || win.location.origin).replace(/\/+$/, '');
    this.action = options.action || '';
    /** The session id: give it to your backend, which calls GetVerdict with its secret key. */
    this.sessionId = options.sessionId || newSessionId(win);
    this.startedAt = new Date();
    this.device = readDevice(win);
    this.recorder = record(win, {
      moveIntervalMs: options.moveIntervalMs ?? 16,
      scrollIntervalMs: options.scrollIntervalMs ?? 50,
      maxEvents: options.maxEvents ?? 10000,
      now: () => win.performance.now(),
      eventTime: (e) => e.timeStamp,
    });
    this.result = null;
    if (options.sendOnPageHide !== false) {
      this.onHide = () => this.result || this.send(true).catch(() => {});
      win.addEventListener('pagehide', this.onHide);
    }
  }

  /** The ScoreSession request body (proto JSON) for what was recorded so far. */
  async payload() {
    return {
      start: {
        session_id: this.sessionId,
        action: this.action,
        device: await this.device,
        client_time: this.startedAt.toISOString(),
      },
      events: this.recorder.events(),
    };
  }

  /**
   * Ends the session and scores it: stops recording, sends the events, and resolves with the
   * Verdict (proto JSON: `score`, `risk_level`, `reasons`, ...). Calling it again returns the
   * same promise. Rejects with a {@link BotSiftError}.
   * @returns {Promise<object>}
   */
  finish() {
    if (!this.result) this.result = this.send(false);
    return this.result;
  }

  async send(keepalive) {
    this.stop();
    const body = await this.payload();
    let text = JSON.stringify(body);
    // A keepalive request may outlive the page but must be small: keep the latest events.
    while (keepalive && text.length > KEEPALIVE_BYTES && body.events.t_ms.length) {
      const drop = Math.ceil(body.events.t_ms.length / 4);
      for (const name in body.events) body.events[name] = body.events[name].slice(drop);
      text = JSON.stringify(body);
    }
    const reply = await this.win.fetch(this.endpoint + '/v1/sessions:score', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + this.key, 'content-type': 'application/json' },
      body: text,
      keepalive,
      credentials: 'omit',
    });
    const json = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new BotSiftError(json.message || 'HTTP ' + reply.status, reply.status, json.code);
    return json;
  }

  /** Stops listening to the page (without scoring). */
  stop() {
    this.recorder.stop();
    if (this.onHide) this.win.removeEventListener('pagehide', this.onHide);
  }

  /**
   * Protects a form: adds a hidden `botsift_session_id` input (the only thing the collector
   * writes into the page), and on submit scores the session before letting the submission go
   * on, so the verdict is stored when the backend asks for it. A failed or slow scoring (over
   * `timeoutMs`) does not block the visitor: the backend then finds no verdict.
   * @param {HTMLFormElement} form
   * @param {{timeoutMs?: number}} [options]
   */
  protect(form, options) {
    const timeoutMs = (options && options.timeoutMs) || 3000;
    const input = this.win.document.createElement('input');
    input.type = 'hidden';
    input.name = 'botsift_session_id';
    input.value = this.sessionId;
    form.appendChild(input);
    form.addEventListener('submit', (e) => {
      if (this.result) return;
      e.preventDefault();
      const timeout = new Promise((resolve) => this.win.setTimeout(resolve, timeoutMs));
      Promise.race([this.finish().catch(() => {}), timeout]).then(() => form.submit());
    });
  }
}
