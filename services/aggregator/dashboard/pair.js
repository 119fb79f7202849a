// The pair view (#/pair/ID): the two posts of a twin crossing point side by
// side, one column per direction of travel. Each shows the travellers who
// left one post against those who entered at the other, per exchanged
// period, and the gap the reconciliation found (travellers who never
// arrived, arrivals never recorded leaving) with the transit time; periods
// that alarmed are marked. Figures are what the liaison exchange carries
// (aggregates); the pair's anomalies only for a role that reads them.

import { lineChart } from './chart.js';
import { anomalyItem } from './feed.js';
import { el, number, svg, utc } from './format.js';
import { nameOf, t } from './i18n.js';
import { SignedOut, api } from './session.js';

const PERIOD = 15 * 60000;
const minutes = (s) => (s == null ? null : s / 60);

function postLabel(p) {
  const name = nameOf(p);
  return `${p.id}${name ? ` · ${name}` : ''}${p.country ? ` (${p.country})` : ''}`;
}

function fact(key, term, value, text) {
  return el('div', { dataset: { fact: key, value: value ?? '' } }, el('dt', { text: term }), el('dd', { text }));
}

function chartFigure(caption, key) {
  const root = svg('svg', { class: 'chart', viewBox: '0 0 640 240', 'data-chart': key });
  return [el('figure', {}, el('figcaption', { text: caption }), root), root];
}

/** One direction of travel: its totals and three charts. */
function flowSection(f) {
  const s = f.totals;
  const latestTransit = [...f.periods].reverse().find((p) => p.transit_median_s != null)?.transit_median_s;
  // Arrivals are judged only a look-back after the first exits: until then, a dash.
  const judged = (missing, of) => {
    if (!f.judged_here) return t('pair.not-judged-here');
    return of ? t('pair.of-judged', { missing: number(missing), judged: number(of) }) : '—';
  };
  const facts = el('dl', { class: 'facts wide' },
    fact('left', t('pair.left', { post: f.from }), s.left, number(s.left)),
    fact('entered', t('pair.entered', { post: f.to }), s.entered, number(s.entered)),
    fact('gone', t('pair.gone'), f.judged_here ? s.gone : null, judged(s.gone, s.gone_judged)),
    fact('unrecorded', t('pair.unrecorded'), f.judged_here ? s.unrecorded : null, judged(s.unrecorded, s.unrecorded_judged)),
    fact('transit', t('pair.transit'), latestTransit, latestTransit == null ? '—' : t('pair.minutes', { n: number(latestTransit / 60, 1) })),
    fact('alarms', t('pair.alarms'), s.alarms, number(s.alarms)));
  const [flowFig, flowChart] = chartFigure(t('pair.chart-flow'), 'flow');
  const [gapFig, gapChart] = chartFigure(t('pair.chart-gap'), 'gap');
  const [transitFig, transitChart] = chartFigure(t('pair.chart-transit'), 'transit');
  const points = (pick) => f.periods.map((p) => ({ t: p.start_ms, values: pick(p) }));
  lineChart(flowChart, {
    label: t('pair.chart-flow-label', { from: f.from, to: f.to }),
    points: points((p) => [p.left, p.entered]),
    series: [{ name: t('pair.series-left', { post: f.from }), cls: 's1' }, { name: t('pair.series-entered', { post: f.to }), cls: 's2' }],
    format: (v) => number(v, 0),
    span: PERIOD,
  });
  lineChart(gapChart, {
    label: t('pair.chart-gap-label', { from: f.from, to: f.to }),
    points: points((p) => [p.gone, p.unrecorded]),
    series: [{ name: t('pair.series-gone'), cls: 's1' }, { name: t('pair.series-unrecorded'), cls: 's3' }],
    format: (v) => number(v, 0),
    span: PERIOD,
    marks: f.periods.filter((p) => p.gone_alarm || p.unrecorded_alarm).map((p) => p.start_ms),
  });
  lineChart(transitChart, {
    label: t('pair.chart-transit-label', { from: f.from, to: f.to }),
    points: points((p) => [minutes(p.transit_median_s)]),
    series: [{ name: t('pair.series-transit'), cls: 's2' }],
    format: (v) => number(v, 0),
    span: PERIOD,
    marks: f.periods.filter((p) => p.transit_alarm).map((p) => p.start_ms),
  });
  return el('section', { class: 'pair-flow panel', dataset: { from: f.from, to: f.to } },
    el('h3', { text: t('pair.flow', { from: f.from, to: f.to }) }),
    facts,
    el('div', { class: 'charts' }, flowFig, gapFig, transitFig));
}

export function createPairPage({ title, picker, hours, note, flows, anomalies, anomaliesSection }) {
  let current = null;
  // Bumped by clear(): an answer to a request sent before it is dropped.
  let generation = 0;

  /** The pairs the viewer may see (`[{id, posts}]`); fills the picker. */
  async function list() {
    const asked = generation;
    const response = await api('/api/pairs');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const { pairs } = await response.json();
    if (asked !== generation) return [];
    picker.replaceChildren(...pairs.map((p) => el('option', { value: p.id, text: p.posts.map(postLabel).join(' ⇄ ') })));
    if (current) picker.value = current;
    return pairs;
  }

  function render(d) {
    title.textContent = t('pair.heading', { a: postLabel(d.posts[0]), b: postLabel(d.posts[1]) });
    document.title = `${d.id} · borderflow`;
    note.textContent = d.latest_ms == null
      ? t('pair.nothing-yet')
      : t('pair.note', { from: utc(d.from_ms), latest: utc(d.latest_ms) });
    flows.replaceChildren(...d.flows.map(flowSection));
    anomaliesSection.hidden = !d.anomalies_shown;
    const items = d.anomalies.map(anomalyItem);
    anomalies.replaceChildren(...(items.length ? items : [el('li', { class: 'muted', text: t('pair.no-anomalies') })]));
  }

  async function load() {
    const id = current;
    const asked = generation;
    const still = () => id === current && asked === generation;
    try {
      const response = await api(`/api/pairs/${encodeURIComponent(id)}?hours=${hours.value}`);
      if (!still()) return;
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        title.textContent = response.status === 403 ? t('pair.forbidden', { id }) : t('pair.failed', { id, error: problem.error ?? response.status });
        flows.replaceChildren();
        anomalies.replaceChildren();
        return;
      }
      const detail = await response.json();
      if (still()) render(detail);
    } catch (err) {
      if (still() && !(err instanceof SignedOut)) title.textContent = t('pair.failed', { id, error: err.message });
    }
  }

  picker.addEventListener('change', () => { location.hash = `#/pair/${encodeURIComponent(picker.value)}`; });
  hours.addEventListener('change', () => { if (current) load(); });

  return {
    list,
    /** Shows pair `id`, or the first the viewer may see. */
    async show(id) {
      if (!id) {
        const pairs = await list().catch(() => []);
        if (!pairs.length) {
          title.textContent = t('pair.none');
          return;
        }
        location.replace(`#/pair/${encodeURIComponent(pairs[0].id)}`);
        return;
      }
      if (id !== current) {
        current = id;
        title.textContent = t('pair.loading', { id });
        flows.replaceChildren();
        anomalies.replaceChildren();
      }
      list().catch(() => {});
      load();
    },
    hide() {
      current = null;
    },
    clear() {
      generation += 1;
      current = null;
      title.textContent = t('pair.title');
      note.textContent = '';
      picker.replaceChildren();
      flows.replaceChildren();
      anomalies.replaceChildren();
    },
  };
}
