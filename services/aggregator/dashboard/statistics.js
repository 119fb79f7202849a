// The statistics view (#/statistics): inspections per period by sex and
// age band for a country, a crossing or every crossing the viewer may see,
// a trend chart by sex, and the same table as a CSV file. Withheld cells
// (disclosure control) show as "·" with the reason in their title.

import { lineChart } from './chart.js';
import { el, number } from './format.js';
import { t } from './i18n.js';
import { SignedOut, api } from './session.js';

const SEXES = ['F', 'M', 'X', '_U'];
const sexText = (s) => (SEXES.includes(s) ? t(`sex.${s}`) : s);
const withheld = (status) => t(`stats.withheld-${status}`);
const DAY = 86400000;
const pad = (n) => String(n).padStart(2, '0');

/** `Y5T13` → `5–13`, `Y_GE60` → `60+`, `_U` → `age unknown`. */
export function ageLabel(code) {
  const band = code.match(/^Y(\d+)T(\d+)$/);
  if (band) return `${band[1]}–${band[2]}`;
  const top = code.match(/^Y_GE(\d+)$/);
  if (top) return `${top[1]}+`;
  return t('stats.age-unknown');
}

const ageFrom = (code) => {
  const m = code.match(/\d+/);
  return m ? Number(m[0]) : 1000;
};

/** A period's start as the table names it. */
export function periodLabel(granularity, ms) {
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (granularity === 'hour') return `${day} ${pad(d.getUTCHours())}:00`;
  if (granularity === 'day') return day;
  return day.slice(0, 7);
}

function query(form, by) {
  const params = new URLSearchParams({ granularity: form.granularity.value });
  if (form.from.value) params.set('from', form.from.value);
  if (form.to.value) params.set('to', new Date(Date.parse(form.to.value) + DAY).toISOString().slice(0, 10));
  if (form.country.value.trim()) params.set('country', form.country.value.trim().toUpperCase());
  if (form.crossing.value.trim()) params.set('crossing', form.crossing.value.trim());
  if (by) params.set('by', by);
  return params.toString();
}

function cell(c) {
  if (!c) return el('td', { class: 'num muted', text: '0' });
  if (c.count == null) return el('td', { class: 'num withheld', title: withheld(c.status), text: '·' });
  return el('td', { class: 'num', text: number(c.count) });
}

export function createStatisticsPage({ form, note, chart, head, body, download }) {
  // Bumped by clear(): an answer to a request sent before it is dropped.
  let generation = 0;

  function renderTable(d) {
    const columns = new Map();
    for (const p of d.periods) {
      for (const c of p.cells) columns.set(`${c.sex}|${c.age}`, { sex: c.sex, age: c.age });
    }
    const order = SEXES;
    const cols = [...columns.values()].sort((a, b) =>
      order.indexOf(a.sex) - order.indexOf(b.sex) || ageFrom(a.age) - ageFrom(b.age));
    const sexes = [...new Set(cols.map((c) => c.sex))];
    head.replaceChildren(
      el('tr', {},
        el('th', { scope: 'col', rowspan: 2, text: t('stats.period-utc') }),
        el('th', { scope: 'col', rowspan: 2, class: 'num', text: t('stats.total') }),
        ...sexes.map((s) => el('th', { scope: 'colgroup', colspan: cols.filter((c) => c.sex === s).length, text: sexText(s) }))),
      el('tr', {}, ...cols.map((c) => el('th', { scope: 'col', class: 'num', dataset: { sex: c.sex, age: c.age }, text: ageLabel(c.age) }))));
    body.replaceChildren(...d.periods.map((p) => {
      const byKey = new Map(p.cells.map((c) => [`${c.sex}|${c.age}`, c]));
      return el('tr', { dataset: { start: p.start_ms } },
        el('th', { scope: 'row', text: periodLabel(d.granularity, p.start_ms) }),
        cell(p.total == null ? { status: 'C' } : { count: p.total }),
        ...cols.map((c) => cell(byKey.get(`${c.sex}|${c.age}`))));
    }));
  }

  function renderChart(d) {
    const sexes = ['F', 'M'];
    lineChart(chart, {
      label: t('stats.chart-label'),
      points: d.periods.map((p) => ({
        t: p.start_ms,
        values: [p.total, ...sexes.map((s) => {
          const c = p.cells.find((x) => x.sex === s);
          return c ? c.count : 0;
        })],
      })),
      series: [{ name: t('stats.series-total'), cls: 's1' }, { name: t('stats.series-female'), cls: 's2' }, { name: t('stats.series-male'), cls: 's3' }],
      format: (v) => number(v, 0),
      time: (t) => periodLabel(d.granularity, t).slice(d.granularity === 'hour' ? 5 : 0),
      span: { hour: 3600000, day: DAY, month: 30 * DAY }[d.granularity] ?? DAY,
    });
  }

  async function load() {
    const at = ++generation;
    note.textContent = t('stats.loading');
    download.href = `/api/statistics.csv?${query(form)}`;
    try {
      const [bands, sexes] = await Promise.all([
        api(`/api/statistics?${query(form)}`),
        api(`/api/statistics?${query(form, 'sex')}`),
      ]);
      if (at !== generation) return;
      if (!bands.ok) {
        const problem = await bands.json().catch(() => ({}));
        note.textContent = t('stats.not-answered', { error: problem.error ?? bands.status });
        head.replaceChildren();
        body.replaceChildren();
        return;
      }
      const d = await bands.json();
      const trend = sexes.ok ? await sexes.json() : { periods: [], granularity: d.granularity };
      if (at !== generation) return;
      const hidden = d.periods.reduce((n, p) => n + p.cells.filter((c) => c.count == null).length, 0);
      note.textContent = t('stats.note', {
        periods: d.periods.length,
        scope: d.scope === '*' ? t('stats.every-crossing') : d.scope,
        threshold: d.threshold,
        withheld: hidden,
      });
      renderTable(d);
      renderChart(trend);
    } catch (err) {
      if (!(err instanceof SignedOut) && at === generation) note.textContent = t('stats.not-answered', { error: err.message });
    }
  }

  form.element.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });

  return {
    show() {
      document.title = t('stats.page-title');
      load();
    },
    clear() {
      generation += 1;
      head.replaceChildren();
      body.replaceChildren();
      chart.replaceChildren();
      note.textContent = '';
    },
  };
}
