// The dashboard's entry point: asks who is signed in and shows nothing of
// the data until someone is, keeps the crossings and the stream's clock,
// applies live updates once per animation frame, and routes between the
// overview (#/), a crossing page (#/crossing/ID), a twin pair's view
// (#/pair/ID), the operators' triage queue (#/triage) and the statistics
// (#/statistics). Signing out, or the
// server no longer knowing the session, closes the stream and empties
// every view.

import { createCrossingPage } from './crossing.js';
import { createFeed } from './feed.js';
import { setText, utc } from './format.js';
import { lang, setLang, t, translate } from './i18n.js';
import { connect } from './live.js';
import { createMap } from './map.js';
import { createPairPage } from './pair.js';
import * as session from './session.js';
import { createSignIn } from './signin.js';
import { createStatisticsPage } from './statistics.js';
import { createTable } from './table.js';
import { createTriagePage } from './triage.js';

const $ = (id) => document.getElementById(id);

translate();
$('language').value = lang();
$('language').addEventListener('change', (event) => setLang(event.target.value));
// Anomalies held for the next frame while the page is in the background.
const MAX_PENDING_ANOMALIES = 500;
const READ_ANOMALIES = 'read-anomalies';
const READ_FIGURES = 'read-figures';
const READ_STATISTICS = 'read-statistics';
const TRIAGE_ANOMALIES = 'triage-anomalies';

const crossings = new Map();
let clockMs = null;
// Who is signed in (what /auth/session answered), null while signed out.
let user = null;
let stream = null;

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
  pair: { box: $('crossing-pair'), link: $('crossing-pair-link') },
});
const pairPage = createPairPage({
  title: $('pair-title'),
  picker: $('pair-select'),
  hours: $('pair-hours'),
  note: $('pair-note'),
  flows: $('pair-flows'),
  anomalies: $('pair-anomalies'),
  anomaliesSection: $('pair-anomalies-section'),
});
const triagePage = createTriagePage({
  form: $('triage-form'),
  state: $('triage-state'),
  severity: $('triage-severity'),
  mine: $('triage-mine'),
  note: $('triage-note'),
  list: $('triage-list'),
});
const statistics = createStatisticsPage({
  form: {
    element: $('statistics-form'),
    granularity: $('stat-granularity'),
    from: $('stat-from'),
    to: $('stat-to'),
    country: $('stat-country'),
    crossing: $('stat-crossing'),
  },
  note: $('stat-note'),
  chart: $('chart-sex'),
  head: $('stat-head'),
  body: $('stat-body'),
  download: $('stat-csv'),
});

// Everything the stream delivers lands here and is applied in one batch.
const nothingPending = () => ({ snapshot: null, changed: new Map(), removed: new Set(), anomalies: [], reloadFeed: false });
let pending = nothingPending();
let frame = 0;

function schedule() {
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  const batch = pending;
  pending = nothingPending();
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
    showCounts(list);
    setText($('total'), String(list.length));
    page.touched(touched);
  }
  if (batch.anomalies.length) feed.add(batch.anomalies);
  if (batch.reloadFeed) feed.reload();
  setText($('clock'), utc(clockMs));
}

function showCounts(list) {
  const counts = { ok: 0, busy: 0, alert: 0 };
  for (const c of list) counts[c.state] += 1;
  for (const [state, n] of Object.entries(counts)) setText($(`count-${state}`), String(n));
}

function status(state, text) {
  const indicator = $('conn');
  indicator.dataset.state = state;
  setText(indicator, text);
}

const live = {
  status,
  snapshot(data) {
    clockMs = data.clock_ms;
    pending = { ...nothingPending(), snapshot: data };
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
  dropped() {
    // A refused stream looks like any lost one; the session says which.
    session.verify();
  },
};

const signIn = createSignIn({
  panel: $('sign-in'),
  form: $('sign-in-form'),
  token: $('token'),
  message: $('sign-in-message'),
  submit: $('sign-in-submit'),
  who: $('who'),
  name: $('who-name'),
  roles: $('who-roles'),
  scope: $('who-scope'),
  signOut: $('sign-out'),
}, { signedIn: start, signingOut: signOut });

/** Shows what `who` may see and opens the live stream. */
function start(who) {
  user = who;
  signIn.hide(who);
  const anomalies = session.may(who, READ_ANOMALIES);
  $('feed-panel').hidden = !anomalies;
  if (anomalies) feed.loadKinds();
  $('crossing-anomalies-section').hidden = !anomalies;
  $('triage-link').hidden = !anomalies;
  $('statistics-link').hidden = !session.may(who, READ_STATISTICS);
  // A statistics office sees the statistics only: no live figures.
  const figures = session.may(who, READ_FIGURES);
  $('statistics-back').hidden = !figures;
  if (figures) {
    $('network-facts').hidden = false;
    $('conn').hidden = false;
    stream = connect(`/api/live?lang=${lang()}`, live);
    // The pair view's link, when the viewer may see a twin pair.
    pairPage.list().then((pairs) => { if (user) $('pairs-link').hidden = !pairs.length; }).catch(() => {});
  } else if (session.may(who, READ_STATISTICS)) {
    location.hash = '#/statistics';
  }
  route();
}

/** Closes the stream, empties every view and shows the sign-in panel. */
function stop(reason) {
  if (!user) return;
  user = null;
  stream?.close();
  stream = null;
  statistics.clear();
  pairPage.clear();
  triagePage.clear();
  cancelAnimationFrame(frame);
  frame = 0;
  pending = nothingPending();
  crossings.clear();
  clockMs = null;
  table.clear();
  map.layout([]);
  feed.clear();
  page.clear();
  showCounts([]);
  setText($('total'), '—');
  setText($('clock'), utc(null));
  for (const id of ['overview', 'crossing-page', 'pair-page', 'triage-page', 'statistics-page', 'network-facts', 'conn', 'statistics-link', 'pairs-link', 'triage-link']) $(id).hidden = true;
  signIn.show(reason);
}

async function signOut() {
  // The data goes first; the server is told after.
  stop();
  try {
    await session.signOut();
  } catch (err) {
    signIn.say(t('signin.sign-out-failed', { error: err.message }));
  }
}

session.whenExpired(() => stop(t('signin.expired')));

function route() {
  if (!user) return;
  const match = location.hash.match(/^#\/crossing\/(.+)$/);
  const pairMatch = location.hash.match(/^#\/pair(?:\/(.+))?$/);
  const overview = $('overview');
  const crossingPage = $('crossing-page');
  const statisticsPage = $('statistics-page');
  const wantsStatistics = location.hash === '#/statistics' && session.may(user, READ_STATISTICS);
  const wantsPair = pairMatch && !wantsStatistics && session.may(user, READ_FIGURES);
  const wantsTriage = location.hash === '#/triage' && session.may(user, READ_ANOMALIES);
  statisticsPage.hidden = !wantsStatistics;
  $('pair-page').hidden = !wantsPair;
  $('triage-page').hidden = !wantsTriage;
  if (!wantsPair) pairPage.hide();
  if (!wantsTriage) triagePage.hide();
  if (wantsTriage) {
    overview.hidden = true;
    crossingPage.hidden = true;
    page.hide();
    triagePage.show(session.may(user, TRIAGE_ANOMALIES));
    $('triage-title').focus();
  } else if (wantsStatistics) {
    overview.hidden = true;
    crossingPage.hidden = true;
    page.hide();
    statistics.show();
    $('statistics-title').focus();
  } else if (!session.may(user, READ_FIGURES)) {
    overview.hidden = true;
    crossingPage.hidden = true;
  } else if (wantsPair) {
    overview.hidden = true;
    crossingPage.hidden = true;
    page.hide();
    pairPage.show(pairMatch[1] ? decodeURIComponent(pairMatch[1]) : null);
    $('pair-title').focus();
  } else if (match) {
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

async function begin() {
  let who;
  try {
    who = await session.current();
  } catch (err) {
    signIn.show(t('signin.unreachable', { error: err.message }));
    return;
  }
  if (who) start(who); else signIn.show();
}

begin();
