// Opens an after-action report (a file written by borderflow-sim) in
// Debian's Chromium with every request outside the file refused, and
// checks what a trainer hands out: every section, the operators' table
// with who escalated what, the timeline's marks, the traffic charts, and
// that it prints. Run by tests/tests/report.rs:
//
//   node report.mjs <report.html> <screenshot path> --incidents=N
//     --escalated-by=SUBJECT --crossings=N
//
// Exits non-zero on the first failed check, after saving a screenshot.

import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const options = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--'))
  .map((a) => a.slice(2).split(/=(.*)/s)));
const [file, screenshot] = positional;
if (!file || !screenshot || !options.incidents || !options['escalated-by'] || !options.crossings) {
  console.error('usage: node report.mjs <report.html> <screenshot> --incidents=N --escalated-by=SUBJECT --crossings=N');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
const url = pathToFileURL(file).href;
const elsewhere = [];
await page.route('**/*', (route) => {
  if (route.request().url() === url) return route.continue();
  elsewhere.push(route.request().url());
  return route.abort();
});
let failed = null;
try {
  await page.goto(url, { waitUntil: 'load' });
  const facts = await page.evaluate(() => {
    const count = (selector) => document.querySelectorAll(selector).length;
    const sections = [...document.querySelectorAll('main > section')].map((s) => s.id);
    const rows = [...document.querySelectorAll('table.incident-triage tbody tr')]
      .map((tr) => [...tr.cells].map((td) => td.textContent.trim()));
    const outcomes = [...document.querySelectorAll('table.incident-triage tbody td[class^="outcome-"]')]
      .map((td) => td.className.replace('outcome-', ''));
    const box = document.querySelector('svg.timeline')?.getBoundingClientRect();
    return {
      title: document.title,
      sections,
      rows,
      outcomes,
      operators: count('table.operators tbody tr'),
      dots: count('svg.timeline circle.anomaly'),
      actions: count('svg.timeline path.action'),
      spans: count('svg.timeline rect.span'),
      traffic: count('figure.crossing-traffic svg polyline.line'),
      histogram: count('#delays svg rect.bar'),
      timelineWidth: box ? box.width : 0,
      scripts: count('script'),
    };
  });
  console.log(JSON.stringify(facts));
  expect(facts.title.startsWith('Exercise report: '), `title ${facts.title}`);
  const wanted = ['timeline', 'operators', 'trainer', 'kinds', 'delays', 'false-alarms', 'traffic'];
  expect(JSON.stringify(facts.sections) === JSON.stringify(wanted), `sections ${facts.sections}`);
  expect(facts.rows.length === Number(options.incidents),
    `${facts.rows.length} detected incidents listed, expected ${options.incidents}`);
  const escalated = facts.rows.filter((_, i) => facts.outcomes[i] === 'escalated');
  expect(escalated.length >= 1, 'no incident is shown escalated');
  expect(escalated.every((cells) => cells.includes(options['escalated-by'])),
    `escalated rows do not name ${options['escalated-by']}: ${JSON.stringify(escalated)}`);
  expect(facts.operators >= 1, 'no operator row');
  expect(facts.dots >= Number(options.incidents), `${facts.dots} anomalies on the timeline`);
  expect(facts.actions >= 1, 'no operator action on the timeline');
  expect(facts.spans >= 1, 'no planted incident on the timeline');
  expect(facts.traffic === Number(options.crossings), `${facts.traffic} traffic charts, expected ${options.crossings}`);
  expect(facts.histogram >= 1, 'no delay histogram');
  expect(facts.timelineWidth > 900, `timeline ${facts.timelineWidth}px wide`);
  expect(facts.scripts === 0, 'the report carries a script');
  expect(elsewhere.length === 0, `the report asked for ${elsewhere.join(', ')}`);
  // It prints: a PDF of more than one page, sections not cut.
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  expect(pdf.length > 20_000, `the printed report is ${pdf.length} bytes`);
} catch (err) {
  failed = err;
} finally {
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  await browser.close();
}
if (failed) {
  console.error(failed instanceof CheckFailed ? `CHECK FAILED: ${failed.message}` : failed);
  process.exit(1);
}
console.log('report checks passed');
