// What a browser check of the dashboard needs besides its own steps: its
// command line, a failed check, waiting on the page, Debian's Chromium,
// a watch on what the page reports and refuses, and running the steps in
// order. Used by triage.mjs; check.mjs and pair.mjs predate it and still
// carry their own copies (check.mjs's request log also feeds steps.mjs).

import { chromium } from 'playwright-core';
import { dirname } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/**
 * `node x.mjs <url> <screenshot path> --name=value…`: the two positional
 * arguments and the options; exits 2 with `usage` when one is missing.
 */
export function commandLine(usage, required) {
  const args = process.argv.slice(2);
  const [url, screenshot] = args.filter((a) => !a.startsWith('--'));
  const options = Object.fromEntries(args.filter((a) => a.startsWith('--'))
    .map((a) => a.slice(2).split(/=(.*)/s)));
  if (!url || !screenshot || required.some((name) => !options[name])) {
    console.error(usage);
    process.exit(2);
  }
  return { url, screenshot, options };
}

/** A token from its file: tokens never travel on a command line. */
export const tokenIn = (path) => readFileSync(path, 'utf8').trim();

/** The claims of a JWT (not verified: the driver only compares). */
export function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

export class CheckFailed extends Error {}

export function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Polls `probe` (run in the page) until it returns a truthy value. */
export async function until(page, description, probe, arg, timeout = 20000) {
  try {
    const handle = await page.waitForFunction(probe, arg, { timeout, polling: 100 });
    return await handle.jsonValue();
  } catch (err) {
    throw new CheckFailed(`${description}: not within ${timeout / 1000} s (${err.message.split('\n')[0]})`);
  }
}

/** Headless Chromium with one page of `viewport`. */
export async function launch(screenshot, viewport) {
  mkdirSync(dirname(screenshot), { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport });
  return { browser, page };
}

/**
 * Watches `page`: errors it reports, requests beyond its origin, and
 * every answer of 400 or more. Steps say which refusals they expect
 * (`expectRefusal('409 POST /api/anomalies/x/triage')`); `requests`
 * holds what the page asked for, in order.
 */
export function watch(page, origin) {
  const seen = { problems: [], refusals: [], expected: new Set(), requests: [] };
  page.on('pageerror', (err) => seen.problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every refused request; those are judged by their status.
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d\b/.test(msg.text())) {
      seen.problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on('request', (req) => {
    const target = req.url();
    if (!target.startsWith(origin) && !target.startsWith('data:')) seen.problems.push(`external request: ${target}`);
    if (target.startsWith(origin)) {
      const u = new URL(target);
      seen.requests.push({ method: req.method(), path: u.pathname, search: u.search });
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400) seen.refusals.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
  });
  return { ...seen, expectRefusal: (what) => seen.expected.add(what) };
}

/**
 * Runs `plan` ([name, step] pairs, each step returning a short detail)
 * in order, then checks the page reported no problem and was refused
 * only as expected. On the first failure, saves a screenshot. Closes the
 * browser; the exit code to end with.
 */
export async function run(plan, { browser, page, watched, screenshot }) {
  let failed = null;
  try {
    for (const [name, step] of plan) {
      const detail = await step();
      console.log(`ok - ${name}${detail ? `: ${detail}` : ''}`);
    }
    expect(watched.problems.length === 0, `the page reported problems:\n  ${watched.problems.join('\n  ')}`);
    const unexpected = watched.refusals.filter((r) => !watched.expected.has(r));
    expect(unexpected.length === 0, `refusals no step expected: ${unexpected.join(', ')}`);
    console.log(`ok - no page errors; only the expected refusals: ${[...new Set(watched.refusals)].join(', ')}`);
  } catch (err) {
    failed = err;
    console.error(`FAILED - ${err.message}`);
    if (watched.problems.length) console.error(`page problems:\n  ${watched.problems.join('\n  ')}`);
    await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
    console.log(`screenshot of the failure: ${screenshot}`);
  } finally {
    await browser.close();
  }
  return failed ? 1 : 0;
}
