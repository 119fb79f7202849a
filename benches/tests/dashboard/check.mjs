// Drives Debian's Chromium against a running aggregator's dashboard and
// checks what an operator would: every crossing listed and mapped, figures
// moving, sorting and filtering, anomalies arriving live, a crossing page
// with charts, the connection live. Run by benches/tests/dashboard.rs:
//
//   node check.mjs <dashboard url> <screenshot path> [--crossings=N] [--anomaly-crossing=ID]
//
// Exits non-zero on the first failed check, after saving a screenshot.

import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const options = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--'))
  .map((a) => a.slice(2).split('=')));
const [url, screenshot] = positional;
if (!url || !screenshot) {
  console.error('usage: node check.mjs <dashboard url> <screenshot path> [--crossings=N] [--anomaly-crossing=ID]');
  process.exit(2);
}
const CROSSINGS = Number(options.crossings ?? 40);
const WATCHED = options['anomaly-crossing'];
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

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
page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`); });
page.on('request', (req) => {
  const target = req.url();
  if (!target.startsWith(origin) && !target.startsWith('data:')) problems.push(`external request: ${target}`);
});

const steps = (await import('./steps.mjs')).steps({ page, until, expect, CROSSINGS, WATCHED });
let failed = null;
try {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  for (const [name, run] of steps) {
    const detail = await run();
    console.log(`ok - ${name}${detail ? `: ${detail}` : ''}`);
  }
  expect(problems.length === 0, `the page reported problems:\n  ${problems.join('\n  ')}`);
  console.log('ok - no page errors and no requests beyond the aggregator');
} catch (err) {
  failed = err;
  console.error(`FAILED - ${err.message}`);
  if (problems.length) console.error(`page problems:\n  ${problems.join('\n  ')}`);
} finally {
  await page.screenshot({ path: screenshot, fullPage: false }).catch(() => {});
  console.log(`screenshot: ${screenshot}`);
  if (!failed) {
    const crossingShot = join(dirname(screenshot), 'dashboard-crossing.png');
    await page.goto(`${url}#/crossing/${encodeURIComponent(WATCHED ?? 'GEN-00001')}`);
    await page.waitForSelector('#chart-wait polyline', { timeout: 10000 }).catch(() => {});
    await page.screenshot({ path: crossingShot }).catch(() => {});
    console.log(`screenshot: ${crossingShot}`);
  }
  await browser.close();
}
process.exit(failed ? 1 : 0);
