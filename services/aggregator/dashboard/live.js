// The live stream from /api/live: a snapshot, then a delta a second and
// anomalies as they come. EventSource retries on its own at a fixed pace;
// this replaces that with a backoff and a watchdog, since a wall screen
// must notice a stream that stalls without erroring. An EventSource cannot
// read the status of a refused connection, so every drop is reported and
// the page asks whether its session still holds.

import { t } from './i18n.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
// The server sends a delta every second; this much silence means trouble.
const STALL_MS = 8000;

/**
 * Connects and keeps connected until `close()` on what it returns. `on` has
 * `snapshot`, `delta`, `anomaly` (parsed JSON), `status(state, text)` with
 * state `connecting`, `live` or `down`, and `dropped(reason)`.
 */
export function connect(url, on) {
  let source = null;
  let attempt = 0;
  let lastSeen = 0;
  let retryTimer = null;
  let live = false;
  let closed = false;

  const seen = () => { lastSeen = Date.now(); };

  function listen(event, handler) {
    source.addEventListener(event, (e) => {
      seen();
      let data;
      try {
        data = JSON.parse(e.data);
      } catch (err) {
        console.warn('unreadable event', event, err);
        return;
      }
      handler(data);
    });
  }

  function open() {
    retryTimer = null;
    on.status('connecting', attempt ? t('conn.reconnecting', { attempt: attempt + 1 }) : t('conn.connecting'));
    source = new EventSource(url);
    listen('snapshot', (data) => {
      attempt = 0;
      live = true;
      on.status('live', t('conn.live'));
      on.snapshot(data);
    });
    listen('delta', on.delta);
    listen('anomaly', on.anomaly);
    source.onerror = () => drop(t('conn.lost'));
  }

  function drop(reason) {
    if (source) {
      source.close();
      source = null;
    }
    live = false;
    if (closed || retryTimer) return;
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    attempt += 1;
    on.status('down', t('conn.down', { reason, seconds: Math.ceil(delay / 1000) }));
    retryTimer = setTimeout(open, delay);
    on.dropped(reason);
  }

  const watchdog = setInterval(() => {
    if (live && Date.now() - lastSeen > STALL_MS) drop(t('conn.stalled'));
  }, 1000);

  // Going offline is reported at once rather than at the next timeout.
  const offline = () => drop(t('conn.offline'));
  window.addEventListener('offline', offline);
  open();

  return {
    /** Stops for good: no more events, retries or status. */
    close() {
      closed = true;
      live = false;
      clearInterval(watchdog);
      clearTimeout(retryTimer);
      retryTimer = null;
      window.removeEventListener('offline', offline);
      if (source) {
        source.close();
        source = null;
      }
    },
  };
}
