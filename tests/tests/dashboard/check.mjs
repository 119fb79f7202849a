// Drives Debian's Chromium against a running aggregator's dashboard and
// checks what an operator would. Signed out, the page shows only its
// sign-in panel and the API refuses; signed in with the analyst token
// through the form: every crossing listed and mapped, figures moving,
// sorting and filtering, anomalies arriving live, a crossing page with
// charts, the connection live; signed out with the button, the data is
// gone; signed in with a viewer token for one country, only that country's
// crossings and no anomaly feed. Run by tests/tests/dashboard.rs:
//
//   node check.mjs <dashboard url> <screenshot path> --analyst-token-file=PATH
//     --viewer-token-file=PATH --viewer-country=CODE --viewer-crossings=N
//     [--crossings=N] [--anomaly-crossing=ID]
//
// Tokens are read from files, never taken on the command line. Exits
// non-zero on the first failed check, after saving a screenshot.

import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';

const USAGE = 'usage: node check.mjs <dashboard url> <screenshot path> --analyst-token-file=PATH ' +
  '--viewer-token-file=PATH --viewer-country=CODE --viewer-crossings=N [--crossings=N] [--anomaly-crossing=ID]';
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const options = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--'))
  .map((a) => a.slice(2).split(/=(.*)/s)));
const [url, screenshot] = positional;
const required = ['analyst-token-file', 'viewer-token-file', 'viewer-country', 'viewer-crossings'];
if (!url || !screenshot || required.some((name) => !options[name])) {
  console.error(USAGE);
  process.exit(2);
}
const CROSSINGS = Number(options.crossings ?? 40);
const WATCHED = options['anomaly-crossing'];
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const token = (option) => readFileSync(options[option], 'utf8').trim();
const ANALYST_TOKEN = token('analyst-token-file');
const VIEWER_TOKEN = token('viewer-token-file');
const VIEWER_COUNTRY = options['viewer-country'];
const VIEWER_CROSSINGS = Number(options['viewer-crossings']);

class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Polls `probe` (run in the page) until it returns a truthy value. */
async function until(page, description, probe, arg, timeout = 30000) {
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
const page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
const origin = new URL(url).origin;
const problems = [];
// What the page asked for, in order, and every answer of 400 or more; the
// steps say which refusals they expect (`expectRefusal('401 GET /api/crossings')`).
// `streams` holds the /api/live requests still open.
const traffic = { requests: [], refusals: [], expected: new Set(), streams: new Set() };
const expectRefusal = (what) => traffic.expected.add(what);
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
page.on('console', (msg) => {
  // Chromium logs every refused request; those are judged by their status below.
  if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 40[13]\b/.test(msg.text())) {
    problems.push(`console error: ${msg.text()}`);
  }
});
page.on('request', (req) => {
  const target = req.url();
  if (!target.startsWith(origin) && !target.startsWith('data:')) problems.push(`external request: ${target}`);
  if (!target.startsWith(origin)) return;
  const path = new URL(target).pathname;
  traffic.requests.push({ method: req.method(), path, url: target });
  if (path === '/api/live') traffic.streams.add(req);
});
page.on('requestfinished', (req) => traffic.streams.delete(req));
page.on('requestfailed', (req) => traffic.streams.delete(req));
page.on('response', (res) => {
  if (res.status() >= 400) traffic.refusals.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
});

const { steps, access } = await import('./steps.mjs');
const context = { page, until, expect, origin, traffic, expectRefusal };
const gate = access(context);
const crossingShot = join(dirname(screenshot), 'dashboard-crossing.png');
const statisticsShot = join(dirname(screenshot), 'dashboard-statistics.png');
const plan = [
  ...gate.signedOut('on first load'),
  gate.refusesAWrongToken(),
  gate.signIn('analyst', ANALYST_TOKEN),
  ...steps({ page, until, expect, CROSSINGS, WATCHED }),
  ['screenshots of the overview and a crossing page', async () => {
    await page.screenshot({ path: screenshot, fullPage: false });
    // A new page load: the session cookie signs it in again.
    await page.goto(`${url}#/crossing/${encodeURIComponent(WATCHED ?? 'GEN-00001')}`);
    await until(page, 'signed in again after the reload', () => !document.getElementById('who').hidden);
    await page.waitForSelector('#chart-wait polyline', { timeout: 10000 });
    await page.screenshot({ path: crossingShot });
    await page.click('#crossing-page a.back');
    await until(page, 'back on the overview', () => !document.getElementById('overview').hidden);
    await page.click('#statistics-link');
    await page.waitForSelector('#stat-body tr', { timeout: 10000 });
    await page.screenshot({ path: statisticsShot });
    await page.click('#statistics-back');
    await until(page, 'back on the overview', () => !document.getElementById('overview').hidden);
    return `${screenshot}, ${crossingShot}, ${statisticsShot}`;
  }],
  gate.signOut(),
  ...gate.signedOut('after signing out'),
  gate.signIn(`${VIEWER_COUNTRY} viewer`, VIEWER_TOKEN),
  gate.scoped(VIEWER_COUNTRY, VIEWER_CROSSINGS, CROSSINGS),
  gate.signOut(),
  ...gate.signedOut('after the viewer signed out'),
];

let failed = null;
try {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  for (const [name, run] of plan) {
    const detail = await run();
    console.log(`ok - ${name}${detail ? `: ${detail}` : ''}`);
  }
  expect(problems.length === 0, `the page reported problems:\n  ${problems.join('\n  ')}`);
  console.log('ok - no page errors and no requests beyond the aggregator');
  const unexpected = traffic.refusals.filter((r) => !traffic.expected.has(r));
  expect(unexpected.length === 0, `refusals no step expected: ${unexpected.join(', ')}`);
  console.log(`ok - only the expected refusals: ${[...new Set(traffic.refusals)].join(', ')}`);
} catch (err) {
  failed = err;
  console.error(`FAILED - ${err.message}`);
  if (problems.length) console.error(`page problems:\n  ${problems.join('\n  ')}`);
  await page.screenshot({ path: screenshot, fullPage: false }).catch(() => {});
  console.log(`screenshot of the failure: ${screenshot}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
