// Drives Debian's Chromium against an aggregator that exchanged and
// reconciled a twin pair, and checks the pair view against what the run
// produced (`--expected-file`, written by tests/tests/dashboard_pair.rs):
// signed in as an analyst, the view is reached from the crossing page of
// a post; per direction it shows the travellers who left one post and
// entered at the other (summed over the exchanged periods), those who
// never arrived and those never recorded leaving, one point per exchanged
// period on the flow chart and a mark per alarming period on the gap
// chart, and the pair's MIRROR_GAP anomaly; in Russian the same figures
// under Russian words. Signed out, it is gone. A viewer scoped to a
// country with no post of the pair has no link to it and is refused it; a
// viewer scoped to the neighbour's country sees the same figures and no
// anomalies.
//
//   node pair.mjs <dashboard url> <screenshot path> --expected-file=PATH
//     --analyst-token-file=PATH --outsider-token-file=PATH --neighbour-token-file=PATH
//
// Tokens are read from files, never taken on the command line. Exits
// non-zero on the first failed check, after saving a screenshot.

import { chromium } from 'playwright-core';
import { dirname } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const options = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--'))
  .map((a) => a.slice(2).split(/=(.*)/s)));
const [url, screenshot] = positional;
const required = ['expected-file', 'analyst-token-file', 'outsider-token-file', 'neighbour-token-file'];
if (!url || !screenshot || required.some((name) => !options[name])) {
  console.error('usage: node pair.mjs <dashboard url> <screenshot path> --expected-file=PATH ' +
    '--analyst-token-file=PATH --outsider-token-file=PATH --neighbour-token-file=PATH');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const token = (option) => readFileSync(options[option], 'utf8').trim();
const expected = JSON.parse(readFileSync(options['expected-file'], 'utf8'));
const PAIR = expected.pair;
const PAIR_PATH = `/api/pairs/${encodeURIComponent(PAIR)}`;

class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

async function until(page, description, probe, arg, timeout = 20000) {
  try {
    const handle = await page.waitForFunction(probe, arg, { timeout, polling: 200 });
    return await handle.jsonValue();
  } catch (err) {
    throw new CheckFailed(`${description}: not within ${timeout / 1000} s (${err.message.split('\n')[0]})`);
  }
}

mkdirSync(dirname(screenshot), { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1680, height: 1400 } });
const problems = [];
const refusals = [];
// Asked who is signed in before anyone is, the aggregator answers 401.
const expectedRefusals = new Set(['401 GET /auth/session']);
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
page.on('console', (msg) => {
  if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 40[13]\b/.test(msg.text())) {
    problems.push(`console error: ${msg.text()}`);
  }
});
page.on('response', (res) => {
  if (res.status() >= 400) refusals.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
});

/** What the pair view shows, per direction: facts, chart points, marks. */
function pairState() {
  const flows = [...document.querySelectorAll('#pair-flows .pair-flow')].map((section) => {
    const facts = {};
    for (const div of section.querySelectorAll('[data-fact]')) {
      facts[div.dataset.fact] = {
        value: div.dataset.value,
        term: div.querySelector('dt').textContent,
        text: div.querySelector('dd').textContent,
      };
    }
    const chart = (key) => section.querySelector(`[data-chart="${key}"]`);
    const points = (root, cls) => [...root.querySelectorAll(`polyline.${cls}`)]
      .reduce((n, p) => n + p.getAttribute('points').trim().split(/\s+/).length, 0) +
      root.querySelectorAll(`circle.${cls}`).length;
    return {
      from: section.dataset.from,
      to: section.dataset.to,
      heading: section.querySelector('h3').textContent,
      facts,
      leftPoints: points(chart('flow'), 's1'),
      enteredPoints: points(chart('flow'), 's2'),
      gapMarks: chart('gap').querySelectorAll('.mark').length,
      transitPoints: points(chart('transit'), 's2'),
    };
  });
  return {
    visible: !document.getElementById('pair-page').hidden,
    title: document.getElementById('pair-title').textContent,
    flows,
    anomaliesShown: !document.getElementById('pair-anomalies-section').hidden,
    anomalies: [...document.querySelectorAll('#pair-anomalies li[data-id]')].map((li) => ({ id: li.dataset.id, kind: li.dataset.kind })),
  };
}

const inGb = (n) => Number(n).toLocaleString('en-GB');

/** The figures of both directions match the run's; returns the state. */
async function figuresMatch(who) {
  await until(page, `${who}: both directions shown`, () => document.querySelectorAll('#pair-flows .pair-flow').length === 2);
  const state = await page.evaluate(pairState);
  expect(state.visible, `${who}: the pair page is hidden`);
  for (const want of expected.flows) {
    const got = state.flows.find((f) => f.from === want.from && f.to === want.to);
    expect(got, `${who}: no flow ${want.from} → ${want.to}`);
    const f = got.facts;
    expect(Number(f.left.value) === want.left, `${who}: ${want.from} left ${f.left.value}, want ${want.left}`);
    expect(Number(f.entered.value) === want.entered, `${who}: entered at ${want.to} ${f.entered.value}, want ${want.entered}`);
    expect(Number(f.gone.value) === want.gone, `${who}: never arrived ${f.gone.value}, want ${want.gone}`);
    expect(Number(f.unrecorded.value) === want.unrecorded, `${who}: unrecorded ${f.unrecorded.value}, want ${want.unrecorded}`);
    expect(got.leftPoints === want.left_periods, `${who}: ${got.leftPoints} points of exits, want ${want.left_periods} periods`);
    expect(got.enteredPoints > 0, `${who}: no points of entries at ${want.to}`);
    expect(got.gapMarks === want.gap_marks, `${who}: ${got.gapMarks} alarm marks on the gap chart, want ${want.gap_marks}`);
    expect(got.transitPoints > 0, `${who}: no transit points`);
    expect(f.transit.value !== '', `${who}: no latest transit`);
  }
  return state;
}

const plan = [
  ['signs in as the analyst', async () => {
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.fill('#token', token('analyst-token-file'));
    await page.click('#sign-in-submit');
    await until(page, 'signed in', () => !document.getElementById('who').hidden);
    await until(page, 'the twin pairs link', () => !document.getElementById('pairs-link').hidden);
  }],
  ['the crossing page of KZ-A leads to the pair view', async () => {
    await page.evaluate(() => { location.hash = '#/crossing/KZ-A'; });
    await until(page, 'the pair link on the crossing page', () => !document.getElementById('crossing-pair').hidden);
    await page.click('#crossing-pair-link');
    await until(page, 'the pair page', () => !document.getElementById('pair-page').hidden);
    const hash = await page.evaluate(() => location.hash);
    expect(hash === `#/pair/${encodeURIComponent(PAIR)}`, `went to ${hash}`);
  }],
  ['both directions show the exchanged and judged figures of the run', async () => {
    const state = await figuresMatch('analyst');
    const out = state.flows.find((f) => f.from === expected.flows[0].from);
    const want = expected.flows[0];
    expect(out.facts.left.text === inGb(want.left), `left shown as "${out.facts.left.text}", want ${inGb(want.left)}`);
    expect(out.facts.gone.text.startsWith(`${inGb(want.gone)} of `), `never arrived shown as "${out.facts.gone.text}"`);
    expect(out.facts.left.term === `Left ${want.from}`, `term "${out.facts.left.term}"`);
    expect(state.title.includes('KZ-A') && state.title.includes('KG-B') && state.title.includes('⇄'), `title "${state.title}"`);
    await page.screenshot({ path: screenshot, fullPage: true });
    return state.flows.map((f) => `${f.from}→${f.to}: left ${f.facts.left.value}, entered ${f.facts.entered.value}, ` +
      `never arrived ${f.facts.gone.value}, unrecorded ${f.facts.unrecorded.value}, ${f.gapMarks} alarm marks`).join('; ');
  }],
  ['the pair\'s MIRROR_GAP anomaly is listed', async () => {
    await until(page, 'the anomaly', (id) => !!document.querySelector(`#pair-anomalies li[data-id="${id}"]`), expected.gap_anomaly);
    const state = await page.evaluate(pairState);
    expect(state.anomaliesShown, 'the anomaly section is hidden for the analyst');
    const kinds = new Set(state.anomalies.map((a) => a.kind));
    expect([...kinds].every((k) => k === 'MIRROR_GAP' || k === 'TRANSIT_DELAY'), `other kinds listed: ${[...kinds]}`);
    return `${state.anomalies.length} anomalies`;
  }],
  ['in Russian, the same figures under Russian words', async () => {
    await page.goto(`${url}?lang=ru#/pair/${encodeURIComponent(PAIR)}`);
    await until(page, 'signed in again', () => !document.getElementById('who').hidden);
    const state = await figuresMatch('analyst (ru)');
    const out = state.flows.find((f) => f.from === expected.flows[0].from);
    expect(out.facts.left.term === `Выехали через ${expected.flows[0].from}`, `term "${out.facts.left.term}"`);
    expect(out.facts.gone.text.includes(' из '), `never arrived shown as "${out.facts.gone.text}"`);
  }],
  ['signing out empties the pair view', async () => {
    await page.goto(`${url}#/pair/${encodeURIComponent(PAIR)}`);
    await until(page, 'signed in again', () => !document.getElementById('who').hidden);
    await until(page, 'both directions', () => document.querySelectorAll('#pair-flows .pair-flow').length === 2);
    await page.click('#sign-out');
    await until(page, 'the sign-in panel', () => !document.getElementById('sign-in').hidden);
    const state = await page.evaluate(pairState);
    expect(!state.visible && state.flows.length === 0 && state.anomalies.length === 0, 'the pair view still holds data');
  }],
  ['a viewer for a country with no post of the pair is refused it', async () => {
    await page.fill('#token', token('outsider-token-file'));
    await page.click('#sign-in-submit');
    await until(page, 'signed in', () => !document.getElementById('who').hidden);
    await page.waitForTimeout(1000);
    expect(await page.isHidden('#pairs-link'), 'the twin pairs link is shown');
    expectedRefusals.add(`403 GET ${PAIR_PATH}`);
    await page.evaluate((pair) => { location.hash = `#/pair/${encodeURIComponent(pair)}`; }, PAIR);
    await until(page, 'refused', (pair) => document.getElementById('pair-title').textContent === `Pair ${pair} is outside what you may see`, PAIR);
    const state = await page.evaluate(pairState);
    expect(state.flows.length === 0, 'figures shown to the outsider');
    const listed = await page.evaluate(async () => (await (await fetch('/api/pairs')).json()).pairs.length);
    expect(listed === 0, `${listed} pairs listed for the outsider`);
    await page.click('#sign-out');
    await until(page, 'the sign-in panel', () => !document.getElementById('sign-in').hidden);
  }],
  ['a viewer for the neighbour\'s country sees the pair without anomalies', async () => {
    await page.fill('#token', token('neighbour-token-file'));
    await page.click('#sign-in-submit');
    await until(page, 'the twin pairs link', () => !document.getElementById('pairs-link').hidden);
    await page.click('#pairs-link');
    const state = await figuresMatch('KGZ viewer');
    expect(!state.anomaliesShown && state.anomalies.length === 0, 'anomalies shown to a viewer');
    await page.click('#sign-out');
    await until(page, 'the sign-in panel', () => !document.getElementById('sign-in').hidden);
  }],
];

let failed = null;
try {
  for (const [name, run] of plan) {
    const detail = await run();
    console.log(`ok - ${name}${detail ? `: ${detail}` : ''}`);
  }
  expect(problems.length === 0, `the page reported problems:\n  ${problems.join('\n  ')}`);
  const unexpected = refusals.filter((r) => !expectedRefusals.has(r));
  expect(unexpected.length === 0, `refusals no step expected: ${unexpected.join(', ')}`);
  console.log(`ok - no page errors; only the expected refusals: ${[...new Set(refusals)].join(', ')}`);
} catch (err) {
  failed = err;
  console.error(`FAILED - ${err.message}`);
  if (problems.length) console.error(`page problems:\n  ${problems.join('\n  ')}`);
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  console.log(`screenshot of the failure: ${screenshot}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
