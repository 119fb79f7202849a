// The live anomaly feed: newest event time first, revisions replace their
// earlier version in place (an opened evidence panel stays open), and a
// kind filter that reloads the list for that kind from /api/anomalies.

import { el, number, utc } from './format.js';
import { t } from './i18n.js';
import { SignedOut, api } from './session.js';

const MAX_ITEMS = 200;
export const kindText = (kind) => t(`kind.${kind}`);

function evidence(e) {
  const rows = [];
  const add = (term, value) => {
    if (value == null || value === '' || (Array.isArray(value) && !value.length)) return;
    rows.push(el('dt', { text: term }), el('dd', { text: Array.isArray(value) ? value.join(', ') : String(value) }));
  };
  for (const m of e.values) add(m.name.replaceAll('_', ' '), `${number(m.value, m.value % 1 ? 2 : 0)} ${m.unit}`.trim());
  add(t('evidence.baseline'), e.baseline == null ? null : number(e.baseline, 2));
  add(t('evidence.threshold'), e.threshold == null ? null : number(e.threshold, 2));
  add(t('evidence.document-key'), e.document_key);
  add(t('evidence.person-key'), e.person_key);
  add(t('evidence.crossings'), e.crossing_ids);
  add(t('evidence.checkpoint'), e.checkpoint_id);
  add(t('evidence.officer'), e.officer_id);
  add(t('evidence.reference'), e.reference);
  if (e.event_count) {
    const more = e.event_count > e.event_ids.length ? ` ${t('feed.more', { count: e.event_count - e.event_ids.length })}` : '';
    add(t('feed.events', { count: e.event_count }), e.event_ids.join(', ') + more);
  }
  return rows.length ? el('dl', {}, ...rows) : el('p', { class: 'muted', text: t('feed.no-evidence') });
}

/** One anomaly as a list item (also used on the crossing page). */
export function anomalyItem(a) {
  const when = a.event_time_ms == null ? null : new Date(a.event_time_ms).toISOString();
  return el('li', {
    class: `anomaly sev-${a.severity}${a.status === 'retracted' ? ' retracted' : ''}`,
    dataset: { id: a.id, kind: a.kind, crossing: a.crossing_id, t: a.event_time_ms ?? 0 },
  },
  el('div', { class: 'line' },
    el('span', { class: `badge sev-${a.severity}`, text: t(`severity.${a.severity}`) }),
    el('span', { class: 'kind', text: kindText(a.kind) }),
    el('a', { class: 'crossing', href: `#/crossing/${encodeURIComponent(a.crossing_id)}`, text: a.crossing_id }),
    el('time', { datetime: when, text: utc(a.event_time_ms) }),
    a.status === 'retracted' ? el('span', { class: 'status', text: t('feed.retracted') }) : null),
  el('p', { class: 'explanation', text: a.explanation || kindText(a.kind) }),
  el('details', {}, el('summary', { text: t('feed.evidence') }), evidence(a.evidence)));
}

export function createFeed({ list, kindFilter, count }) {
  const items = new Map();
  // Bumped by clear(): a reload answered after it is dropped.
  let generation = 0;
  const anyKind = kindFilter.firstElementChild;

  /** The filter's kinds, from the aggregator's vocabulary (`/api/kinds`). */
  async function loadKinds() {
    try {
      const response = await api('/api/kinds');
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const kinds = await response.json();
      kindFilter.replaceChildren(anyKind,
        ...kinds.map((k) => el('option', { value: k.name, text: kindText(k.name), dataset: { scope: k.scope } })));
    } catch (err) {
      if (!(err instanceof SignedOut)) console.warn('could not load anomaly kinds', err);
    }
  }

  function counted() {
    count.textContent = t('feed.shown', { count: items.size });
  }

  function put(a) {
    const kind = kindFilter.value;
    if (kind && a.kind !== kind) return;
    const item = anomalyItem(a);
    const old = items.get(a.id);
    if (old) {
      item.querySelector('details').open = old.querySelector('details').open;
      old.remove();
    }
    const t = a.event_time_ms ?? 0;
    let next = list.firstElementChild;
    while (next && Number(next.dataset.t) >= t) next = next.nextElementSibling;
    list.insertBefore(item, next);
    items.set(a.id, item);
    while (items.size > MAX_ITEMS) {
      const last = list.lastElementChild;
      items.delete(last.dataset.id);
      last.remove();
    }
  }

  function reset(anomalies) {
    list.replaceChildren();
    items.clear();
    for (const a of anomalies) put(a);
    counted();
  }

  async function reload() {
    const kind = kindFilter.value;
    const asked = generation;
    const query = new URLSearchParams({ limit: MAX_ITEMS });
    if (kind) query.set('kind', kind);
    try {
      const response = await api(`/api/anomalies?${query}`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { anomalies } = await response.json();
      if (asked === generation && kind === kindFilter.value) reset(anomalies);
    } catch (err) {
      if (!(err instanceof SignedOut)) console.warn('could not load anomalies', err);
    }
  }

  kindFilter.addEventListener('change', reload);

  return {
    /** The snapshot's anomalies (all kinds): reloaded when a kind is chosen. */
    reset(anomalies) {
      if (kindFilter.value) reload(); else reset(anomalies);
    },
    /** Anomalies of one frame, oldest first. */
    add(anomalies) {
      for (const a of anomalies) put(a);
      counted();
    },
    reload,
    loadKinds,
    /** Empties the feed and its filter (signed out). */
    clear() {
      generation += 1;
      kindFilter.value = '';
      list.replaceChildren();
      items.clear();
      count.textContent = '';
    },
  };
}
