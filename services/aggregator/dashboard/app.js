// The dashboard's entry point: keeps the crossings and the stream's clock,
// applies live updates once per animation frame, and routes between the
// overview (#/) and a crossing page (#/crossing/ID).

import { createCrossingPage } from './crossing.js';
import { createFeed } from './feed.js';
import { setText, utc } from './format.js';
import { connect } from './live.js';
import { createMap } from './map.js';
import { createTable } from './table.js';

const $ = (id) => document.getElementById(id);
// Anomalies held for the next frame while the page is in the background.
const MAX_PENDING_ANOMALIES = 500;

const crossings = new Map();
let clockMs = null;

const table = createTable({
  scroller: $('table-scroll'),
  table: $('crossings'),
  body: $('rows'),
  filter: $('filter'),
  stateFilter: $('state-filter'),
  shown: $('shown'),
});
const map = createMap($('map'));
const feed = createFeed({ list: $('feed'), kindFilter: $('kind-filter'), count: $('feed-count') });
const page = createCrossingPage({
  title: $('crossing-title'),
  facts: $('crossing-facts'),
  charts: { throughput: $('chart-throughput'), inspection: $('chart-inspection'), wait: $('chart-wait') },
  anomalies: $('crossing-anomalies'),
});

// Everything the stream delivers lands here and is applied in one batch.
let pending = { snapshot: null, changed: new Map(), removed: new Set(), anomalies: [], reloadFeed: false };
let frame = 0;

function schedule() {
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  const batch = pending;
  pending = { snapshot: null, changed: new Map(), removed: new Set(), anomalies: [], reloadFeed: false };
  let relayout = false;
  const touched = new Set();
  if (batch.snapshot) {
    crossings.clear();
    for (const c of batch.snapshot.crossings) {
      crossings.set(c.id, c);
      touched.add(c.id);
    }
    feed.reset(batch.snapshot.anomalies);
    relayout = true;
  }
  for (const [id, c] of batch.changed) {
    if (!crossings.has(id)) relayout = true;
    crossings.set(id, c);
    touched.add(id);
  }
  for (const id of batch.removed) {
    relayout = crossings.delete(id) || relayout;
    touched.add(id);
  }
  if (batch.snapshot || touched.size) {
    const list = [...crossings.values()];
    table.setAll(list);
    if (relayout || !map.update([...batch.changed.values()])) map.layout(list);
    const counts = { ok: 0, busy: 0, alert: 0 };
    for (const c of list) counts[c.state] += 1;
    for (const [state, n] of Object.entries(counts)) setText($(`count-${state}`), String(n));
    setText($('total'), String(list.length));
    page.touched(touched);
  }
  if (batch.anomalies.length) feed.add(batch.anomalies);
  if (batch.reloadFeed) feed.reload();
  setText($('clock'), utc(clockMs));
}

function status(state, text) {
  const indicator = $('conn');
  indicator.dataset.state = state;
  setText(indicator, text);
}

connect('/api/live', {
  status,
  snapshot(data) {
    clockMs = data.clock_ms;
    pending = { snapshot: data, changed: new Map(), removed: new Set(), anomalies: [], reloadFeed: false };
    schedule();
  },
  delta(data) {
    clockMs = data.clock_ms ?? clockMs;
    for (const c of data.changed) {
      pending.changed.set(c.id, c);
      pending.removed.delete(c.id);
    }
    for (const id of data.removed) {
      pending.changed.delete(id);
      pending.removed.add(id);
    }
    if (data.anomalies_skipped) pending.reloadFeed = true;
    schedule();
  },
  anomaly(a) {
    pending.anomalies.push(a);
    if (pending.anomalies.length > MAX_PENDING_ANOMALIES) {
      pending.anomalies.shift();
      pending.reloadFeed = true;
    }
    schedule();
  },
});

function route() {
  const match = location.hash.match(/^#\/crossing\/(.+)$/);
  const overview = $('overview');
  const crossingPage = $('crossing-page');
  if (match) {
    overview.hidden = true;
    crossingPage.hidden = false;
    page.show(decodeURIComponent(match[1]));
    $('crossing-title').focus();
  } else {
    crossingPage.hidden = true;
    overview.hidden = false;
    page.hide();
    table.render();
  }
}

window.addEventListener('hashchange', route);
route();
