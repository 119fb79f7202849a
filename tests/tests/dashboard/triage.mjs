// Drives Debian's Chromium through the dashboard's triage queue (#/triage)
// against an aggregator holding four new anomalies at two crossings of two
// countries (`--plan-file`, written by tests/tests/dashboard_triage.rs):
// signed in as an analyst, the queue lists them as new; acknowledging one,
// taking another, dismissing a third for a false alarm and noting the
// fourth each show at once; a reason picked and a note typed survive the
// queue's refresh; "My queue" and the state filter keep the right ones;
// an action on a revision another analyst has moved on from (through the
// JSON API) is refused with the server's reason and the queue reloads; in
// Russian the badges and buttons are Russian. A viewer has no triage; an
// analyst scoped to one country sees only that country's anomalies. What
// the page shows at the end goes to `--observed-file` for the test to
// hold against the aggregator's records.
//
//   node triage.mjs <dashboard url> <screenshot path> --plan-file=PATH
//     --observed-file=PATH --analyst-token-file=PATH --other-token-file=PATH
//     --viewer-token-file=PATH --scoped-token-file=PATH
//
// Tokens are read from files, never taken on the command line. Exits
// non-zero on the first failed check, after saving a screenshot.

import { readFileSync, writeFileSync } from 'node:fs';
import { CheckFailed, claims, commandLine, expect, launch, run, tokenIn, until, watch } from './browser.mjs';

const { url, screenshot, options } = commandLine(
  'usage: node triage.mjs <dashboard url> <screenshot path> --plan-file=PATH --observed-file=PATH ' +
  '--analyst-token-file=PATH --other-token-file=PATH --viewer-token-file=PATH --scoped-token-file=PATH',
  ['plan-file', 'observed-file', 'analyst-token-file', 'other-token-file', 'viewer-token-file', 'scoped-token-file'],
);
const plan = JSON.parse(readFileSync(options['plan-file'], 'utf8'));
const ANALYST = tokenIn(options['analyst-token-file']);
const OTHER = tokenIn(options['other-token-file']);
const VIEWER = tokenIn(options['viewer-token-file']);
const SCOPED = tokenIn(options['scoped-token-file']);
const me = claims(ANALYST).sub;
const other = claims(OTHER).sub;
const ids = plan.anomalies.map((a) => a.id);
const byId = Object.fromEntries(plan.anomalies.map((a) => [a.id, a]));
const { acknowledge: ACKED, take: TAKEN, dismiss: DISMISSED } = plan;
const NOTED = plan.note.id;
const OPEN = 'new,acknowledged,escalated';

const { browser, page } = await launch(screenshot, { width: 1280, height: 1100 });
const origin = new URL(url).origin;
const watched = watch(page, origin);
// Asked who is signed in before anyone is, the aggregator answers 401.
watched.expectRefusal('401 GET /auth/session');

/** What the triage page shows: its note and each listed anomaly. */
function triageState() {
  const $ = (id) => document.getElementById(id);
  const text = (node) => node?.textContent ?? '';
  return {
    shown: !$('triage-page').hidden,
    link: !$('triage-link').hidden,
    note: text($('triage-note')),
    items: [...document.querySelectorAll('#triage-list > li.anomaly')].map((li) => ({
      id: li.dataset.id,
      crossing: li.dataset.crossing,
      state: li.dataset.triage,
      revision: Number(li.dataset.revision),
      severity: text(li.querySelector('.line .badge')),
      badge: text(li.querySelector('.triage-line .badge')),
      assignee: text(li.querySelector('.triage-line .assignee')),
      reason: text(li.querySelector('.triage-line .reason')),
      history: [...li.querySelectorAll('details.history li')].map((e) => ({
        action: e.dataset.action, text: text(e.querySelector('span')), note: text(e.querySelector('q')),
      })),
      buttons: [...li.querySelectorAll('.triage-actions button')].map((b) => b.dataset.action),
      labels: [...li.querySelectorAll('.triage-actions button')].map((b) => b.textContent),
      reasonChoice: li.querySelector('.triage-reason')?.value ?? null,
      draft: li.querySelector('.triage-note')?.value ?? null,
    })),
  };
}

const summary = (s) => `"${s.note}"; ${s.items.map((i) => `${i.id} ${i.state}@${i.revision}` +
  `${i.assignee ? ` (${i.assignee})` : ''}${i.reason ? ` (${i.reason})` : ''}`).join(', ') || 'nothing listed'}`;

/** Polls the triage page until `ok(state)`; the state then. */
async function shows(description, ok, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const state = await page.evaluate(triageState);
    if (ok(state)) return state;
    if (Date.now() > deadline) throw new CheckFailed(`${description}: not within ${timeout / 1000} s; the page shows ${summary(state)}`);
    await page.waitForTimeout(100);
  }
}

const item = (state, id) => state.items.find((i) => i.id === id);
const listed = (state) => state.items.map((i) => i.id).join(',');
const inItem = (id, selector) => `#triage-list > li.anomaly[data-id="${id}"] ${selector}`;
const button = (id, action) => inItem(id, `.triage-actions button[data-action="${action}"]`);
const queueAnswers = () => watched.requests.filter((r) => r.method === 'GET' && r.path === '/api/triage').length;

async function signIn(token) {
  const who = claims(token);
  await page.fill('#token', token);
  await page.click('#sign-in-submit');
  await until(page, `signed in as ${who.sub}`, () => !document.getElementById('who').hidden);
  const name = (await page.textContent('#who-name')).trim();
  expect(name === who.sub, `header names ${name}, want ${who.sub}`);
}

async function signOut() {
  await page.click('#sign-out');
  await until(page, 'the sign-in panel', () => !document.getElementById('sign-in').hidden);
  const state = await page.evaluate(triageState);
  expect(!state.shown && state.items.length === 0 && !state.link, `signed out, the triage page still shows ${summary(state)}`);
}

/** Picks a state filter and waits for the queue's answer to it. */
async function chooseState(value) {
  const answered = page.waitForResponse((res) => {
    const u = new URL(res.url());
    return u.pathname === '/api/triage' && (u.searchParams.get('state') ?? '') === value;
  }, { timeout: 10000 });
  await page.selectOption('#triage-state', { value });
  const res = await answered;
  expect(res.status() === 200, `the queue for state "${value}" answered ${res.status()}`);
}

/** Acts through the page on `id` and waits for the answer's status. */
async function click(id, action) {
  const answered = page.waitForResponse((res) => res.request().method() === 'POST' &&
    new URL(res.url()).pathname === `/api/anomalies/${encodeURIComponent(id)}/triage`);
  await page.click(button(id, action));
  return (await answered).status();
}

const steps = [
  ['signs in as the analyst and opens the triage queue from the header', async () => {
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await signIn(ANALYST);
    await until(page, 'the triage link', () => !document.getElementById('triage-link').hidden);
    await page.click('#triage-link');
    await until(page, 'the triage page', () => location.hash === '#/triage' && !document.getElementById('triage-page').hidden);
    return `${me}, ${await page.textContent('#who-roles')}`;
  }],

  ['the open queue lists the four anomalies, newest first, each new with its actions', async () => {
    const state = await shows('four anomalies', (s) => s.items.length === 4);
    expect(listed(state) === ids.join(','), `listed ${listed(state)}, want ${ids.join(',')}`);
    expect(state.note === '4 anomalies', `the note says "${state.note}"`);
    for (const got of state.items) {
      const want = byId[got.id];
      expect(got.crossing === want.crossing, `${got.id} at ${got.crossing}, want ${want.crossing}`);
      expect(got.severity === want.severity, `${got.id} severity ${got.severity}, want ${want.severity}`);
      expect(got.state === 'new' && got.badge === 'new' && got.revision === 0, `${got.id} is ${got.state}/"${got.badge}"@${got.revision}`);
      expect(got.assignee === '' && got.reason === '' && got.history.length === 0, `${got.id} has triage already`);
      expect(got.buttons.join(',') === 'acknowledge,take,escalate,dismiss,note', `${got.id} offers ${got.buttons}`);
      expect(got.labels.join(',') === 'Acknowledge,Take,Escalate,Dismiss,Add note', `${got.id} buttons say ${got.labels}`);
    }
    const asked = watched.requests.filter((r) => r.path === '/api/triage').map((r) => new URLSearchParams(r.search).get('state'));
    expect(asked.length > 0 && asked.every((s) => s === OPEN), `the page asked for states ${asked}`);
    // Every state from here on, so an anomaly stays in view as it moves.
    await chooseState('');
    await shows('all four in any state', (s) => s.items.length === 4);
    return state.items.map((i) => `${i.id} ${i.severity} at ${i.crossing}`).join(', ');
  }],

  [`Acknowledge on ${ACKED}`, async () => {
    const status = await click(ACKED, 'acknowledge');
    expect(status === 200, `acknowledging answered ${status}`);
    const state = await shows('acknowledged', (s) => item(s, ACKED)?.state === 'acknowledged');
    const got = item(state, ACKED);
    expect(got.badge === 'acknowledged' && got.revision === 1, `badge "${got.badge}", revision ${got.revision}`);
    expect(state.note === 'Done: Acknowledge', `the note says "${state.note}"`);
    expect(got.history.length === 1 && got.history[0].action === 'acknowledge' &&
      got.history[0].text.endsWith(` UTC · ${me} · acknowledged`), `history ${JSON.stringify(got.history)}`);
    expect(got.buttons.join(',') === 'take,escalate,dismiss,note', `now offers ${got.buttons}`);
    return `${got.badge}, revision ${got.revision}; "${got.history[0].text}"`;
  }],

  [`Take on ${TAKEN}`, async () => {
    const status = await click(TAKEN, 'take');
    expect(status === 200, `taking answered ${status}`);
    const state = await shows('assigned', (s) => item(s, TAKEN)?.assignee !== '');
    const got = item(state, TAKEN);
    expect(got.assignee === `assigned to ${me}`, `assignee shown as "${got.assignee}"`);
    expect(got.state === 'new' && got.badge === 'new' && got.revision === 1, `${got.state}/"${got.badge}"@${got.revision}`);
    expect(state.note === 'Done: Take', `the note says "${state.note}"`);
    expect(got.history.length === 1 && got.history[0].action === 'assign' &&
      got.history[0].text.endsWith(` UTC · ${me} · assigned · ${me}`), `history ${JSON.stringify(got.history)}`);
    return `${got.assignee}, still ${got.badge}`;
  }],

  ['a reason picked and a note typed survive the queue\'s refresh', async () => {
    await page.selectOption(inItem(DISMISSED, '.triage-reason'), { label: 'duplicate' });
    await page.fill(inItem(NOTED, '.triage-note'), plan.note.text);
    // Attention elsewhere: nothing on the page keeps focus.
    await page.click('#triage-title');
    const before = queueAnswers();
    for (let i = 0; i < 150 && queueAnswers() === before; i += 1) await page.waitForTimeout(50);
    expect(queueAnswers() > before, 'the queue did not refresh within 7.5 s');
    await page.waitForTimeout(300);
    const state = await page.evaluate(triageState);
    expect(item(state, DISMISSED).reasonChoice === 'duplicate', `the reason went back to ${item(state, DISMISSED).reasonChoice}`);
    expect(item(state, NOTED).draft === plan.note.text, `the typed note became "${item(state, NOTED).draft}"`);
    return `${queueAnswers() - before} refresh(es); "duplicate" and the note kept`;
  }],

  [`Dismiss on ${DISMISSED} for a false alarm, chosen in the select`, async () => {
    await page.selectOption(inItem(DISMISSED, '.triage-reason'), { label: 'false alarm' });
    const status = await click(DISMISSED, 'dismiss');
    expect(status === 200, `dismissing answered ${status}`);
    const state = await shows('dismissed', (s) => item(s, DISMISSED)?.state === 'dismissed');
    const got = item(state, DISMISSED);
    expect(got.badge === 'dismissed' && got.reason === 'false alarm' && got.revision === 1,
      `badge "${got.badge}", reason "${got.reason}", revision ${got.revision}`);
    expect(state.note === 'Done: Dismiss', `the note says "${state.note}"`);
    expect(got.history.length === 1 && got.history[0].text.endsWith(` UTC · ${me} · dismissed · false alarm`),
      `history ${JSON.stringify(got.history)}`);
    expect(got.buttons.join(',') === 'close,reopen,note', `now offers ${got.buttons}`);
    // The note typed on another anomaly is still there.
    expect(item(state, NOTED).draft === plan.note.text, `the typed note became "${item(state, NOTED).draft}"`);
    return `${got.badge}: ${got.reason}`;
  }],

  [`Add note on ${NOTED}`, async () => {
    await page.fill(inItem(NOTED, '.triage-note'), plan.note.text);
    const status = await click(NOTED, 'note');
    expect(status === 200, `noting answered ${status}`);
    const state = await shows('noted', (s) => item(s, NOTED)?.history.length === 1);
    const got = item(state, NOTED);
    expect(got.state === 'new' && got.badge === 'new' && got.revision === 1, `${got.state}/"${got.badge}"@${got.revision}`);
    expect(got.history[0].action === 'note' && got.history[0].note === plan.note.text &&
      got.history[0].text.endsWith(` UTC · ${me} · noted`), `history ${JSON.stringify(got.history)}`);
    expect(got.draft === '', `the note field still holds "${got.draft}"`);
    expect(state.note === 'Done: Add note', `the note says "${state.note}"`);
    return `"${got.history[0].note}"`;
  }],

  ['a screenshot of the queue after the four actions', async () => {
    const state = await page.evaluate(triageState);
    expect(state.items.length === 4, `${state.items.length} listed`);
    for (const id of [ACKED, DISMISSED, NOTED]) {
      await page.click(inItem(id, 'details.history > summary'));
    }
    await page.evaluate(() => document.activeElement?.blur());
    await page.screenshot({ path: screenshot, fullPage: true });
    return `${screenshot}: ${summary(state)}`;
  }],

  ['"My queue" keeps the one taken; the state filter "dismissed" the one dismissed', async () => {
    await page.check('#triage-mine');
    const mine = await shows('my queue', (s) => listed(s) === TAKEN);
    const last = watched.requests.filter((r) => r.path === '/api/triage').at(-1);
    expect(new URLSearchParams(last.search).get('mine') === '1', `asked ${last.search}`);
    await page.uncheck('#triage-mine');
    await shows('all four again', (s) => s.items.length === 4);
    await chooseState('dismissed');
    const dismissed = await shows('the dismissed one', (s) => listed(s) === DISMISSED);
    await chooseState(OPEN);
    const open = await shows('the open ones', (s) => listed(s) === ids.filter((id) => id !== DISMISSED).join(','));
    return `mine: ${listed(mine)}; dismissed: ${listed(dismissed)}; open: ${listed(open)}`;
  }],

  ['an action on a revision another analyst moved on from is refused, and the queue reloads', async () => {
    const { id, note } = plan.stale;
    const shown = item(await page.evaluate(triageState), id);
    expect(shown?.revision === 1 && shown.state === 'acknowledged', `${id} shown as ${shown?.state}@${shown?.revision}`);
    // Hold the page's queue reloads, so it cannot catch up before it acts.
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    const isQueue = (u) => u.pathname === '/api/triage';
    const hold = async (route) => { await released; await route.continue(); };
    await page.route(isQueue, hold);
    let status;
    try {
      const behind = await fetch(`${origin}/v1/anomalies/${encodeURIComponent(id)}/triage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OTHER}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'TRIAGE_ACTION_NOTE', note, expectedRevision: 1 }),
      });
      const moved = await behind.json();
      expect(behind.status === 200 && moved.triage.revision === 2, `${other}'s note answered ${behind.status} ${JSON.stringify(moved)}`);
      watched.expectRefusal(`409 POST /api/anomalies/${id}/triage`);
      status = await click(id, 'escalate');
    } finally {
      release();
      await page.unroute(isQueue, hold);
    }
    expect(status === 409, `escalating on revision 1 answered ${status}, want 409`);
    const state = await shows('the refusal and the reloaded queue', (s) => s.note.startsWith('Not done: ') &&
      item(s, id)?.revision === 2);
    const want = `Not done: anomaly ${id} is at triage revision 2, not 1: reload it`;
    expect(state.note === want, `the note says "${state.note}", want "${want}"`);
    const got = item(state, id);
    expect(got.state === 'acknowledged' && got.badge === 'acknowledged', `${id} now ${got.state}/"${got.badge}"`);
    expect(got.history.length === 2 && got.history[1].text.endsWith(` UTC · ${other} · noted`) && got.history[1].note === note,
      `history ${JSON.stringify(got.history)}`);
    const posted = watched.requests.findLastIndex((r) => r.method === 'POST' && r.path === `/api/anomalies/${id}/triage`);
    const reloads = watched.requests.slice(posted + 1).filter((r) => r.method === 'GET' && r.path === '/api/triage');
    expect(reloads.length > 0, 'the queue was not asked for again after the refusal');
    return state.note;
  }],

  ['what the page shows of all four, for the test to hold against the records', async () => {
    await chooseState('');
    const state = await shows('all four', (s) => s.items.length === 4 && item(s, plan.stale.id)?.revision === 2);
    const observed = state.items.map(({ id, state: triage, revision, assignee, reason, history }) => ({
      id, state: triage, revision, assignee, reason, history: history.map((h) => h.action),
    }));
    writeFileSync(options['observed-file'], JSON.stringify(observed, null, 1));
    return summary(state);
  }],

  ['in Russian: the badges, the buttons and the reason', async () => {
    await Promise.all([page.waitForEvent('load'), page.selectOption('#language', 'ru')]);
    await until(page, 'the triage page in Russian', () => document.documentElement.lang === 'ru' &&
      location.hash === '#/triage' && !document.getElementById('triage-page').hidden);
    const state = await shows('the open queue in Russian', (s) => s.items.length === 3);
    expect(state.note === 'Аномалий: 3', `the note says "${state.note}"`);
    const noted = item(state, NOTED);
    expect(noted.badge === 'новая', `${NOTED}'s badge "${noted.badge}"`);
    expect(noted.labels[0] === 'Принять' && noted.labels.at(-1) === 'Добавить заметку', `buttons ${noted.labels}`);
    expect(item(state, ACKED).badge === 'принята', `${ACKED}'s badge "${item(state, ACKED).badge}"`);
    expect(item(state, TAKEN).assignee === `назначена: ${me}`, `${TAKEN}'s assignee "${item(state, TAKEN).assignee}"`);
    const link = (await page.textContent('#triage-link')).trim();
    const title = (await page.textContent('#triage-title')).trim();
    expect(link === 'Разбор' && title === 'Разбор аномалий', `link "${link}", title "${title}"`);
    await chooseState('dismissed');
    const dismissed = item(await shows('the dismissed one in Russian', (s) => listed(s) === DISMISSED), DISMISSED);
    expect(dismissed.badge === 'отклонена' && dismissed.reason === 'ложная тревога', `"${dismissed.badge}", "${dismissed.reason}"`);
    await Promise.all([page.waitForEvent('load'), page.selectOption('#language', 'en')]);
    await until(page, 'back in English', () => document.documentElement.lang === 'en' && !document.getElementById('who').hidden);
    return `${noted.badge}, ${noted.labels[0]}; ${dismissed.badge}: ${dismissed.reason}`;
  }],

  ['signed out, nothing of the queue is left', async () => {
    await until(page, 'the queue in English', () => document.querySelectorAll('#triage-list > li.anomaly').length > 0);
    await signOut();
  }],

  ['a viewer has no triage link, and #/triage shows nothing', async () => {
    const from = watched.requests.length;
    await signIn(VIEWER);
    await page.evaluate(() => { location.hash = '#/triage'; });
    await page.waitForTimeout(1500);
    const state = await page.evaluate(triageState);
    expect(!state.link, 'the triage link is shown to a viewer');
    expect(!state.shown && state.items.length === 0, `the viewer sees ${summary(state)}`);
    const asked = watched.requests.slice(from).filter((r) => r.path === '/api/triage' || r.path.startsWith('/api/anomalies'));
    expect(asked.length === 0, `the viewer's page asked for ${asked.map((r) => r.path)}`);
    watched.expectRefusal('403 GET /api/triage');
    const refused = await page.evaluate(async () => (await fetch('/api/triage')).status);
    expect(refused === 403, `GET /api/triage answered the viewer ${refused}`);
    await signOut();
    return `link hidden, page hidden, GET /api/triage ${refused}`;
  }],

  [`an analyst scoped to ${plan.scoped_country} sees only its anomalies`, async () => {
    await signIn(SCOPED);
    const scope = (await page.textContent('#who-scope')).trim();
    expect(scope === plan.scoped_country, `header scope ${scope}`);
    await until(page, 'the triage link', () => !document.getElementById('triage-link').hidden);
    await page.click('#triage-link');
    await until(page, 'the triage page', () => !document.getElementById('triage-page').hidden);
    await chooseState('');
    const want = plan.anomalies.filter((a) => a.country === plan.scoped_country).map((a) => a.id);
    expect(want.length > 0 && want.length < ids.length, `${want.length} of ${ids.length} anomalies in scope does not test it`);
    const state = await shows(`only ${want}`, (s) => listed(s) === want.join(','));
    // Refreshes must not bring the others in.
    const before = queueAnswers();
    for (let i = 0; i < 150 && queueAnswers() === before; i += 1) await page.waitForTimeout(50);
    const later = await page.evaluate(triageState);
    expect(listed(later) === want.join(','), `after a refresh: ${listed(later)}`);
    expect(state.items.every((i) => i.buttons.includes('note')), 'the scoped analyst may not act');
    await signOut();
    return `${listed(state)}`;
  }],
];

process.exit(await run(steps, { browser, page, watched, screenshot }));
