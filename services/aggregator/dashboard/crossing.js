// The page of one crossing (#/crossing/ID): its registry facts, current
// figures, recent windows as charts and its anomalies. Reloaded from
// /api/crossings/ID when the live stream says the crossing changed, at
// most every few seconds.

import { lineChart } from './chart.js';
import { anomalyItem } from './feed.js';
import { duration, el, hhmm, number, route, utc } from './format.js';
import { nameOf, t } from './i18n.js';
import { SignedOut, api } from './session.js';

const RELOAD_MS = 2000;

// Protection figures summed over the windows shown: requests, children
// without a related adult, entries without valid documents, referrals by
// service.
function protection(windows) {
  const sum = { requests: 0, unaccompanied: 0, undocumented: 0, referrals: {} };
  for (const w of windows) {
    sum.requests += w.protection_requests || 0;
    sum.unaccompanied += w.unaccompanied_minors || 0;
    sum.undocumented += w.undocumented_entries || 0;
    for (const [service, n] of Object.entries(w.referrals || {})) {
      sum.referrals[service] = (sum.referrals[service] || 0) + n;
    }
  }
  const referred = Object.entries(sum.referrals)
    .map(([service, n]) => t('fact.referred-to', { count: number(n), service: t(`service.${service}`) }))
    .join(', ');
  return [
    [t('fact.protection-requests'), number(sum.requests)],
    [t('fact.referred'), referred || t('fact.referred-none')],
    [t('fact.children-alone'), number(sum.unaccompanied)],
    [t('fact.undocumented'), number(sum.undocumented)],
  ];
}

function facts(dl, s, lanes, windows, shown) {
  const pairs = [
    [t('fact.route'), route(s)],
    [t('fact.mode'), t(`mode.${s.mode}`)],
    [t('fact.lanes'), lanes ? String(lanes) : '—'],
    [t('fact.capacity'), s.capacity_per_hour ? `${number(s.capacity_per_hour)} /h` : '—'],
    [t('fact.position'), s.lat == null ? '—' : `${number(s.lat, 3)}, ${number(s.lon, 3)}`],
    [t('fact.rate'), `${number(s.rate_per_min, 1)} /min${s.provisional ? ` ${t('fact.open-window')}` : ''}`],
    [t('fact.open-so-far'), number(s.open_inspections)],
    [t('fact.last-window-end'), `${hhmm(s.window_end_ms)} UTC`],
    [t('fact.wait'), `${duration(s.wait_p50_s)} / ${duration(s.wait_p95_s)}`],
    [t('fact.refused'), number(s.refused)],
    [t('fact.open-anomalies'), number(s.open_anomalies)],
    // Only for a role that reads anomalies.
    ...(shown ? protection(windows) : []),
  ];
  dl.replaceChildren(...pairs.map(([term, value]) => el('div', {}, el('dt', { text: term }), el('dd', { text: value }))));
}

const minutes = (s) => (s == null ? null : s / 60);

export function createCrossingPage({ title, facts: factList, charts, anomalies, pair }) {
  let current = null;
  let lastLoad = 0;
  let timer = null;
  // Bumped by clear(): an answer to a request sent before it is dropped.
  let generation = 0;

  function render(d) {
    const s = d.summary;
    title.replaceChildren(`${s.id} · ${nameOf(s) || t('crossing.unregistered')} `,
      el('span', { class: `badge state-${s.state}`, text: t(`state.${s.state}`) }));
    document.title = `${s.id} · borderflow`;
    facts(factList, s, d.lanes, d.windows, d.protection);
    // A post of a twin pair this system exchanges for: its pair view.
    pair.box.hidden = !d.pair;
    if (d.pair) pair.link.href = `#/pair/${encodeURIComponent(d.pair)}`;
    const points = (pick) => d.windows.map((w) => ({ t: w.end_ms ?? w.start_ms, values: pick(w) }));
    lineChart(charts.throughput, {
      label: t('chart.throughput'),
      points: points((w) => [w.rate_per_min]),
      series: [{ name: t('chart.per-minute'), cls: 's1' }],
      format: (v) => number(v, 1),
    });
    lineChart(charts.inspection, {
      label: t('chart.inspection'),
      points: points((w) => [w.duration_p50_s, w.duration_p95_s]),
      series: [{ name: 'p50', cls: 's1' }, { name: 'p95', cls: 's2' }],
      format: (v) => number(v, 0),
    });
    lineChart(charts.wait, {
      label: t('chart.wait'),
      points: points((w) => [minutes(w.wait_p50_s), minutes(w.wait_p95_s), minutes(w.wait_p99_s)]),
      series: [{ name: 'p50', cls: 's1' }, { name: 'p95', cls: 's2' }, { name: 'p99', cls: 's3' }],
      format: (v) => number(v, 1),
    });
    const open = new Set([...anomalies.querySelectorAll('details[open]')].map((d) => d.closest('li').dataset.id));
    const items = d.anomalies.map((a) => {
      const item = anomalyItem(a);
      item.querySelector('details').open = open.has(a.id);
      return item;
    });
    anomalies.replaceChildren(...(items.length ? items : [el('li', { class: 'muted', text: t('crossing.no-anomalies') })]));
  }

  async function load() {
    const id = current;
    const asked = generation;
    const still = () => id === current && asked === generation;
    lastLoad = Date.now();
    try {
      const response = await api(`/api/crossings/${encodeURIComponent(id)}`);
      if (!still()) return;
      if (response.status === 404) {
        title.textContent = t('crossing.unknown', { id });
        return;
      }
      if (response.status === 403) {
        title.textContent = t('crossing.forbidden', { id });
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const detail = await response.json();
      if (still()) render(detail);
    } catch (err) {
      if (still() && !(err instanceof SignedOut)) title.textContent = t('crossing.failed', { id, error: err.message, at: utc(Date.now() + RELOAD_MS) });
    }
  }

  function empty(text) {
    title.textContent = text;
    factList.replaceChildren();
    anomalies.replaceChildren();
    pair.box.hidden = true;
    for (const chart of Object.values(charts)) chart.replaceChildren();
  }

  function hide() {
    current = null;
    document.title = t('page.title');
  }

  return {
    show(id) {
      if (id !== current) {
        current = id;
        empty(t('crossing.loading', { id }));
      }
      load();
    },
    hide,
    /** Hides and forgets what was shown (signed out). */
    clear() {
      generation += 1;
      hide();
      clearTimeout(timer);
      timer = null;
      empty(t('crossing.title'));
    },
    /** The live stream touched these crossing ids. */
    touched(ids) {
      if (!current || !ids.has(current) || timer) return;
      const wait = Math.max(0, lastLoad + RELOAD_MS - Date.now());
      timer = setTimeout(() => { timer = null; if (current) load(); }, wait);
    },
  };
}
