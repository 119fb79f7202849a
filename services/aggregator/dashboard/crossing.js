// The page of one crossing (#/crossing/ID): its registry facts, current
// figures, recent windows as charts and its anomalies. Reloaded from
// /api/crossings/ID when the live stream says the crossing changed, at
// most every few seconds.

import { lineChart } from './chart.js';
import { anomalyItem } from './feed.js';
import { duration, el, hhmm, number, route, utc } from './format.js';

const RELOAD_MS = 2000;

function facts(dl, s, lanes) {
  const pairs = [
    ['Route', route(s)],
    ['Mode', s.mode],
    ['Lanes', lanes ? String(lanes) : '—'],
    ['Capacity', s.capacity_per_hour ? `${number(s.capacity_per_hour)} /h` : '—'],
    ['Position', s.lat == null ? '—' : `${number(s.lat, 3)}, ${number(s.lon, 3)}`],
    ['Rate', `${number(s.rate_per_min, 1)} /min${s.provisional ? ' (open window)' : ''}`],
    ['Open window so far', number(s.open_inspections)],
    ['Last window end', `${hhmm(s.window_end_ms)} UTC`],
    ['Wait p50 / p95', `${duration(s.wait_p50_s)} / ${duration(s.wait_p95_s)}`],
    ['Refused (last window)', number(s.refused)],
    ['Open anomalies', number(s.open_anomalies)],
  ];
  dl.replaceChildren(...pairs.map(([term, value]) => el('div', {}, el('dt', { text: term }), el('dd', { text: value }))));
}

const minutes = (s) => (s == null ? null : s / 60);

export function createCrossingPage({ title, facts: factList, charts, anomalies }) {
  let current = null;
  let lastLoad = 0;
  let timer = null;

  function render(d) {
    const s = d.summary;
    title.replaceChildren(`${s.id} · ${s.name || 'unregistered'} `,
      el('span', { class: `badge state-${s.state}`, text: s.state }));
    document.title = `${s.id} · borderflow`;
    facts(factList, s, d.lanes);
    const points = (pick) => d.windows.map((w) => ({ t: w.end_ms ?? w.start_ms, values: pick(w) }));
    lineChart(charts.throughput, {
      label: 'Throughput, inspections per minute',
      points: points((w) => [w.rate_per_min]),
      series: [{ name: 'per minute', cls: 's1' }],
      format: (v) => number(v, 1),
    });
    lineChart(charts.inspection, {
      label: 'Inspection time in seconds',
      points: points((w) => [w.duration_p50_s, w.duration_p95_s]),
      series: [{ name: 'p50', cls: 's1' }, { name: 'p95', cls: 's2' }],
      format: (v) => number(v, 0),
    });
    lineChart(charts.wait, {
      label: 'Queue wait in minutes',
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
    anomalies.replaceChildren(...(items.length ? items : [el('li', { class: 'muted', text: 'No anomalies recorded.' })]));
  }

  async function load() {
    const id = current;
    lastLoad = Date.now();
    try {
      const response = await fetch(`/api/crossings/${encodeURIComponent(id)}`);
      if (id !== current) return;
      if (response.status === 404) {
        title.textContent = `Crossing ${id} is not known`;
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const detail = await response.json();
      if (id === current) render(detail);
    } catch (err) {
      if (id === current) title.textContent = `Could not load ${id} (${err.message}); retrying at ${utc(Date.now() + RELOAD_MS)}`;
    }
  }

  return {
    show(id) {
      if (id !== current) {
        current = id;
        title.textContent = `Loading ${id}…`;
        factList.replaceChildren();
        anomalies.replaceChildren();
        for (const chart of Object.values(charts)) chart.replaceChildren();
      }
      load();
    },
    hide() {
      current = null;
      document.title = 'borderflow · crossings';
    },
    /** The live stream touched these crossing ids. */
    touched(ids) {
      if (!current || !ids.has(current) || timer) return;
      const wait = Math.max(0, lastLoad + RELOAD_MS - Date.now());
      timer = setTimeout(() => { timer = null; if (current) load(); }, wait);
    },
  };
}
