// The checks check.mjs runs, in order, each returning a short detail.

/** Visible table rows as {id, state, cells: {col: {text, value}}}. */
function visibleRows() {
  return [...document.querySelectorAll('#rows tr.row:not([hidden])')].map((row) => ({
    id: row.dataset.id,
    state: row.className.match(/state-(\w+)/)?.[1],
    cells: Object.fromEntries([...row.children].map((c) => [c.dataset.col, { text: c.textContent, value: c.dataset.value }])),
  }));
}

/** Scrolls the virtualised table end to end, collecting every row id. */
async function allRowIds() {
  const scroller = document.getElementById('table-scroll');
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const ids = new Set();
  for (let y = 0; ; y += Math.max(40, scroller.clientHeight / 2)) {
    scroller.scrollTop = y;
    await frame();
    document.querySelectorAll('#rows tr.row:not([hidden])').forEach((row) => ids.add(row.dataset.id));
    if (y >= scroller.scrollHeight) break;
  }
  scroller.scrollTop = 0;
  await frame();
  return [...ids];
}

const numbers = (rows, col) => rows.map((r) => r.cells[col].value).filter((v) => v !== '').map(Number);
const ordered = (xs, dir) => xs.every((x, i) => i === 0 || (dir > 0 ? xs[i - 1] <= x : xs[i - 1] >= x));

export function steps({ page, until, expect, CROSSINGS, WATCHED }) {
  const rows = () => page.evaluate(visibleRows);
  const sortBy = async (key, want) => {
    const header = page.locator(`#crossings th[data-key="${key}"]`);
    for (let i = 0; i < 2 && (await header.getAttribute('aria-sort')) !== want; i += 1) {
      await header.locator('button').click();
    }
    expect((await header.getAttribute('aria-sort')) === want, `column ${key} is not sorted ${want}`);
  };

  return [
    ['the connection indicator goes live', async () => {
      await until(page, 'indicator live', () => document.querySelector('#conn')?.dataset.state === 'live');
      const text = await page.textContent('#conn');
      expect(text.trim() === 'Live', `indicator says ${text}`);
      return text.trim();
    }],

    [`the table lists all ${CROSSINGS} crossings`, async () => {
      await until(page, `${CROSSINGS} rows`, (n) => document.getElementById('crossings')
        .getAttribute('aria-rowcount') === String(n + 1), CROSSINGS);
      const ids = await page.evaluate(allRowIds);
      expect(ids.length === CROSSINGS, `scrolling the table found ${ids.length} distinct crossings, want ${CROSSINGS}`);
      expect((await page.textContent('#total')).trim() === String(CROSSINGS), 'header total');
      expect((await page.textContent('#shown')).trim() === `${CROSSINGS} of ${CROSSINGS} shown`, 'shown count');
      return `${ids.length} distinct ids, e.g. ${ids.slice(0, 3).join(', ')}`;
    }],

    [`the map has ${CROSSINGS} markers`, async () => {
      const markers = await page.locator('#map circle.marker').count();
      expect(markers === CROSSINGS, `map has ${markers} markers, want ${CROSSINGS}`);
      const coloured = await page.locator('#map circle.marker.state-ok, #map circle.marker.state-busy, #map circle.marker.state-alert').count();
      expect(coloured === CROSSINGS, `${coloured} markers carry a state colour`);
      return `${markers} markers`;
    }],

    ['figures update while traffic flows', async () => {
      await sortBy('id', 'ascending');
      // The window a row's figures come from must move on: a later window
      // end, shown as a different time, for the same crossing.
      const before = Object.fromEntries((await rows()).map((r) => [r.id, r.cells.window_end_ms]));
      return until(page, 'a later window in some row', (old) => {
        for (const row of document.querySelectorAll('#rows tr.row:not([hidden])')) {
          const cell = row.querySelector('[data-col="window_end_ms"]');
          const was = old[row.dataset.id];
          if (was && was.value !== '' && Number(cell.dataset.value) > Number(was.value) && cell.textContent !== was.text) {
            return `${row.dataset.id}: window ${was.text} -> ${cell.textContent}`;
          }
        }
        return null;
      }, before, 45000);
    }],

    ['sorting by rate, both ways, and by id', async () => {
      await sortBy('rate_per_min', 'descending');
      const down = numbers(await rows(), 'rate_per_min');
      expect(down.length > 5 && ordered(down, -1), `rates not descending: ${down.join(' ')}`);
      await sortBy('rate_per_min', 'ascending');
      const up = numbers(await rows(), 'rate_per_min');
      expect(up.length > 5 && ordered(up, 1), `rates not ascending: ${up.join(' ')}`);
      await sortBy('id', 'ascending');
      const ids = (await rows()).map((r) => r.id);
      expect(ids.every((id, i) => i === 0 || ids[i - 1] < id), `ids not ascending: ${ids.join(' ')}`);
      return `descending from ${down[0]}/min, ascending from ${up[0]}/min`;
    }],

    ['filtering by text and by state', async () => {
      const target = WATCHED ?? 'GEN-00007';
      await page.fill('#filter', target.toLowerCase());
      await until(page, 'one row left', () => document.getElementById('crossings').getAttribute('aria-rowcount') === '2');
      const one = await rows();
      expect(one.length === 1 && one[0].id === target, `filter ${target} left ${one.map((r) => r.id)}`);
      await page.fill('#filter', '');
      await until(page, 'all rows back', (n) => document.getElementById('crossings')
        .getAttribute('aria-rowcount') === String(n + 1), CROSSINGS);
      let detail = `text filter kept ${target}`;
      if (WATCHED) {
        await page.selectOption('#state-filter', 'alert');
        const alerting = await until(page, `${WATCHED} among the crossings in alert`, (id) => {
          const shown = [...document.querySelectorAll('#rows tr.row:not([hidden])')];
          return shown.some((r) => r.dataset.id === id) && shown.every((r) => r.classList.contains('state-alert'))
            ? shown.length : 0;
        }, WATCHED);
        detail += `; state filter shows ${alerting} crossings in alert`;
        await page.selectOption('#state-filter', '');
      }
      return detail;
    }],

    ['the anomaly feed shows anomalies, with evidence, and new ones arrive', async () => {
      const selector = WATCHED ? `#feed li.anomaly[data-crossing="${WATCHED}"]` : '#feed li.anomaly';
      await page.waitForSelector(selector, { timeout: 30000 });
      const first = page.locator(selector).first();
      const badge = (await first.locator('.badge').textContent()).trim();
      const explanation = (await first.locator('.explanation').textContent()).trim();
      expect(['info', 'low', 'medium', 'high', 'critical'].includes(badge), `severity badge says ${badge}`);
      expect(explanation.length > 0, 'an explanation');
      await first.locator('summary').click();
      const evidence = await first.locator('details dl').textContent();
      expect(evidence.length > 0, 'evidence shown when expanded');
      const key = await first.locator('details dd').evaluateAll((dds) => dds.map((d) => d.textContent).find((t) => t.endsWith('…')));
      expect(!key || key.length <= 9, `a key shown beyond a short prefix: ${key}`);
      const seen = await page.$$eval('#feed li.anomaly', (items) => items.map((i) => i.dataset.id));
      const fresh = await until(page, 'a new anomaly in the feed', (old) => [...document.querySelectorAll('#feed li.anomaly')]
        .map((i) => i.dataset.id).find((id) => !old.includes(id)), seen);
      return `${seen.length} shown, ${badge} "${explanation}", then ${fresh} arrived`;
    }],

    ['the feed filters by kind', async () => {
      const counts = [];
      for (const kind of ['DOCUMENT_EXPIRED', 'MRZ_CHECK_DIGIT']) {
        await page.selectOption('#kind-filter', kind);
        const n = await until(page, `only ${kind} in the feed`, (k) => {
          const items = [...document.querySelectorAll('#feed li.anomaly')];
          return items.length > 0 && items.every((i) => i.dataset.kind === k) ? items.length : 0;
        }, kind);
        counts.push(`${n} ${kind}`);
      }
      await page.selectOption('#kind-filter', '');
      return counts.join(', ');
    }],

    ['a crossing page renders its charts and anomalies', async () => {
      const id = WATCHED ?? 'GEN-00001';
      const marker = page.locator(`#map a[href="#/crossing/${id}"]`);
      await marker.click().catch(() => marker.dispatchEvent('click'));
      await until(page, 'the crossing page', (want) => location.hash === `#/crossing/${want}` &&
        !document.getElementById('crossing-page').hidden &&
        document.getElementById('crossing-title').textContent.startsWith(want), id);
      const lines = await until(page, 'three charts with lines', () => {
        const points = ['throughput', 'inspection', 'wait'].map((c) => Math.max(0, ...[...document
          .querySelectorAll(`#chart-${c} polyline`)].map((p) => p.getAttribute('points').trim().split(' ').length)));
        return points.every((n) => n >= 2) ? points : null;
      });
      const waitSeries = await page.$$eval('#chart-wait polyline, #chart-wait circle.dot',
        (marks) => new Set(marks.map((m) => m.classList[1])).size);
      expect(waitSeries === 3, `wait chart draws ${waitSeries} series, want p50, p95 and p99`);
      if (WATCHED) {
        await page.waitForSelector(`#crossing-anomalies li.anomaly[data-crossing="${id}"]`, { timeout: 10000 });
      }
      const anomalies = await page.locator('#crossing-anomalies li.anomaly').count();
      await page.click('a.back');
      await until(page, 'back on the overview', () => !document.getElementById('overview').hidden);
      return `points per chart ${lines.join('/')}, ${anomalies} anomalies listed`;
    }],

    ['still live after all that', async () => {
      const state = await page.getAttribute('#conn', 'data-state');
      expect(state === 'live', `connection indicator is ${state}`);
      const clock = (await page.textContent('#clock')).trim();
      expect(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(clock), `event clock shows ${clock}`);
      return `event time ${clock}`;
    }],
  ];
}
