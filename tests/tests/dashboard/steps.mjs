// The checks check.mjs runs, in order, each returning a short detail:
// `steps` those of a signed-in analyst, `access` those of signing in and
// out and of a page scoped to one country.

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

/** Like allRowIds, with each row's country cell ("KAZ → KGZ", or "KAZ"). */
async function allRowCountries() {
  const scroller = document.getElementById('table-scroll');
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const rows = new Map();
  for (let y = 0; ; y += Math.max(40, scroller.clientHeight / 2)) {
    scroller.scrollTop = y;
    await frame();
    document.querySelectorAll('#rows tr.row:not([hidden])')
      .forEach((row) => rows.set(row.dataset.id, row.querySelector('[data-col="country"]').textContent));
    if (y >= scroller.scrollHeight) break;
  }
  scroller.scrollTop = 0;
  await frame();
  return [...rows].map(([id, country]) => ({ id, country }));
}

/** What the page shows: of the data, and of who is signed in. */
function pageState() {
  const $ = (id) => document.getElementById(id);
  return {
    signIn: !$('sign-in').hidden,
    who: !$('who').hidden,
    overview: !$('overview').hidden,
    crossingPage: !$('crossing-page').hidden,
    facts: !$('network-facts').hidden,
    conn: !$('conn').hidden,
    rows: document.querySelectorAll('#rows tr.row:not([hidden])').length,
    markers: document.querySelectorAll('#map circle.marker').length,
    anomalies: document.querySelectorAll('#feed li, #crossing-anomalies li').length,
    crossingFacts: document.querySelectorAll('#crossing-facts > *').length,
    chartMarks: document.querySelectorAll('.chart > *').length,
    shown: $('shown').textContent,
    total: $('total').textContent,
    clock: $('clock').textContent,
    name: $('who-name').textContent,
    roles: $('who-roles').textContent,
    scope: $('who-scope').textContent,
    message: $('sign-in-message').textContent,
    tokenField: $('token').value,
    stored: localStorage.length + sessionStorage.length,
    scriptCookies: document.cookie,
  };
}

/** Status and body of GET `path` from the page, the page's cookie included. */
async function probe(path) {
  const controller = new AbortController();
  const response = await fetch(path, { signal: controller.signal, cache: 'no-store' });
  const type = response.headers.get('content-type') ?? '';
  // A stream that did answer would never end: its status is enough.
  const body = response.status === 200 ? null : await response.text();
  controller.abort();
  return { status: response.status, type, body };
}

const SESSION_COOKIE = '__Host-borderflow_session';

/** The claims of a JWT (not verified: the driver only compares). */
function claims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

/** What a page signed out must show: the panel, nothing else. */
function nothingShown(state) {
  const shown = Object.entries({
    'the sign-in panel hidden': !state.signIn,
    'who is signed in shown': state.who || state.name !== '',
    'the overview shown': state.overview,
    'the crossing page shown': state.crossingPage,
    'network facts shown': state.facts,
    'the connection indicator shown': state.conn,
    [`${state.rows} table rows`]: state.rows !== 0,
    [`${state.markers} map markers`]: state.markers !== 0,
    [`${state.anomalies} anomaly items`]: state.anomalies !== 0,
    [`${state.crossingFacts} crossing facts`]: state.crossingFacts !== 0,
    [`${state.chartMarks} chart marks`]: state.chartMarks !== 0,
    [`total ${state.total}`]: state.total !== '—',
    [`event time ${state.clock}`]: state.clock !== '—',
    [`shown count "${state.shown}"`]: state.shown !== '0 of 0 shown' && state.shown !== '',
  }).filter(([, bad]) => bad).map(([what]) => what);
  return shown;
}

export function access({ page, until, expect, origin, traffic, expectRefusal }) {
  // Where in the request log the page was last left signed out (or the
  // driver's own probes ended), and where it last signed in.
  let quietFrom = 0;
  let signedInAt = 0;
  const sessionCookie = async () => (await page.context().cookies(origin)).find((c) => c.name === SESSION_COOKIE);
  const apiRequestsSince = (at) => traffic.requests.slice(at).filter((r) => r.path.startsWith('/api/'));

  return {
    signedOut: (when) => [
      [`signed out ${when}: only the sign-in panel, nothing of the data`, async () => {
        expectRefusal('401 GET /auth/session');
        await until(page, 'the sign-in panel', () => !document.getElementById('sign-in').hidden);
        const state = await page.evaluate(pageState);
        const shown = nothingShown(state);
        expect(shown.length === 0, `signed out, the page shows: ${shown.join(', ')}`);
        const asked = apiRequestsSince(quietFrom);
        expect(asked.length === 0, `signed out, the page asked for ${asked.map((r) => r.path).join(', ')}`);
        expect(!(await sessionCookie()), 'a session cookie is still set');
        expect(traffic.requests.slice(quietFrom).some((r) => r.path === '/auth/session'),
          'the page never asked /auth/session');
        return `panel shown, 0 rows, 0 markers, 0 anomalies, no /api request${state.message ? `; says "${state.message}"` : ''}`;
      }],
      [`signed out ${when}: the API answers 401`, async () => {
        expectRefusal('401 GET /api/crossings');
        expectRefusal('401 GET /api/live');
        const answers = [];
        for (const path of ['/api/crossings', '/api/live']) {
          const { status, type, body } = await page.evaluate(probe, path);
          expect(status === 401, `GET ${path} answered ${status}, want 401`);
          expect(type.startsWith('application/json'), `GET ${path} answered ${type}`);
          const { error } = JSON.parse(body);
          expect(typeof error === 'string' && error.length > 0, `GET ${path}: no error in ${body}`);
          answers.push(`${path} 401 "${error}"`);
        }
        quietFrom = traffic.requests.length;
        return answers.join('; ');
      }],
    ],

    refusesAWrongToken: () => ['a token the aggregator did not issue is refused, with its reason', async () => {
      expectRefusal('401 POST /auth/session');
      const forged = `${Buffer.from('{"alg":"ES256","typ":"JWT"}').toString('base64url')}.` +
        `${Buffer.from('{"sub":"mallory","roles":["trainer"],"countries":["*"]}').toString('base64url')}.c2lnbmF0dXJl`;
      await page.fill('#token', forged);
      await page.click('#sign-in-submit');
      const message = await until(page, 'a reason shown', () => {
        const text = document.getElementById('sign-in-message').textContent;
        return text.startsWith('Not signed in: ') ? text : null;
      });
      const state = await page.evaluate(pageState);
      const shown = nothingShown(state);
      expect(shown.length === 0, `after a refused token the page shows: ${shown.join(', ')}`);
      expect(state.tokenField === '', 'the refused token is left in the field');
      expect(!(await sessionCookie()), 'a refused token set a cookie');
      expect(apiRequestsSince(quietFrom).length === 0, 'a refused token started the page');
      return message;
    }],

    signIn: (label, token) => [`signs in as the ${label} through the form`, async () => {
      const claimed = claims(token);
      signedInAt = traffic.requests.length;
      await page.fill('#token', token);
      await page.click('#sign-in-submit');
      await until(page, 'signed in', () => document.getElementById('sign-in').hidden &&
        !document.getElementById('who').hidden);
      const state = await page.evaluate(pageState);
      const name = claimed.name || claimed.preferred_username || claimed.sub;
      const scope = claimed.countries.includes('*') ? 'all countries' : claimed.countries.join(', ');
      expect(state.name === name, `header names ${state.name}, want ${name}`);
      expect(state.roles === claimed.roles.join(', '), `header roles ${state.roles}, want ${claimed.roles}`);
      expect(state.scope === scope, `header scope ${state.scope}, want ${scope}`);
      expect(state.tokenField === '', 'the token is left in the field');
      expect(state.stored === 0, 'the page stored something in localStorage or sessionStorage');
      expect(!state.scriptCookies.includes(SESSION_COOKIE), 'the session cookie is readable by scripts');
      const html = await page.content();
      expect(!html.includes(token), 'the token is in the page');
      const leaked = traffic.requests.filter((r) => r.url.includes(token) || r.url.includes(token.slice(-24)));
      expect(leaked.length === 0, `the token is in a URL: ${leaked.map((r) => r.path).join(', ')}`);
      expect(!page.url().includes(token.slice(-24)), 'the token is in the page URL');
      const posted = traffic.requests.slice(signedInAt).filter((r) => r.method === 'POST' && r.path === '/auth/session');
      expect(posted.length === 1, `${posted.length} sign-in requests`);
      const cookie = await sessionCookie();
      expect(cookie, 'no session cookie after signing in');
      expect(cookie.httpOnly && cookie.secure && cookie.sameSite === 'Strict',
        `cookie httpOnly=${cookie.httpOnly} secure=${cookie.secure} sameSite=${cookie.sameSite}`);
      return `header: ${state.name} · ${state.roles} · ${state.scope}; cookie HttpOnly, Secure, SameSite=Strict`;
    }],

    signOut: () => ['signs out with the button: the stream stops and the data goes', async () => {
      quietFrom = traffic.requests.length;
      const before = await page.evaluate(pageState);
      expect(before.rows > 0 && before.markers > 0, `nothing to take away: ${before.rows} rows, ${before.markers} markers`);
      await page.click('#sign-out');
      await until(page, 'the sign-in panel', () => !document.getElementById('sign-in').hidden);
      for (let i = 0; i < 50 && await sessionCookie(); i += 1) await page.waitForTimeout(100);
      expect(!(await sessionCookie()), 'the session cookie is still set after signing out');
      expect(traffic.requests.slice(quietFrom).some((r) => r.method === 'DELETE' && r.path === '/auth/session'),
        'no DELETE /auth/session');
      for (let i = 0; i < 50 && traffic.streams.size; i += 1) await page.waitForTimeout(100);
      expect(traffic.streams.size === 0, `${traffic.streams.size} live streams still open after signing out`);
      // Deltas come every second: a stream left open would bring rows back.
      await page.waitForTimeout(3000);
      const state = await page.evaluate(pageState);
      const shown = nothingShown(state);
      expect(shown.length === 0, `3 s after signing out the page shows: ${shown.join(', ')}`);
      const asked = apiRequestsSince(quietFrom);
      expect(asked.length === 0, `after signing out the page asked for ${asked.map((r) => r.path).join(', ')}`);
      return `live stream closed; ${before.rows} rows and ${before.markers} markers gone, still gone 3 s later`;
    }],

    scoped: (country, n, all) => [`the ${country} viewer sees exactly its ${n} of ${all} crossings and no anomalies`, async () => {
      expect(n > 0 && n < all, `${n} of ${all} crossings in ${country} does not test a scope`);
      await until(page, 'indicator live', () => document.querySelector('#conn')?.dataset.state === 'live');
      await until(page, `${n} rows`, (want) => document.getElementById('crossings')
        .getAttribute('aria-rowcount') === String(want + 1), n);
      // Deltas keep coming: the count must hold, not just pass through n.
      await page.waitForTimeout(3000);
      const rows = await page.evaluate(allRowCountries);
      const foreign = rows.filter((r) => r.country !== country && !r.country.startsWith(`${country} → `));
      expect(rows.length === n, `the table holds ${rows.length} crossings, want ${n}`);
      expect(foreign.length === 0, `crossings of other countries: ${foreign.map((r) => `${r.id} ${r.country}`).join(', ')}`);
      const state = await page.evaluate(pageState);
      expect(state.total === String(n), `header total ${state.total}, want ${n}`);
      expect(state.shown === `${n} of ${n} shown`, `shown count "${state.shown}"`);
      expect(state.markers === n, `map has ${state.markers} markers, want ${n}`);
      expect(await page.isHidden('#feed-panel'), 'the anomaly feed is shown');
      expect(await page.isHidden('#kind-filter'), 'the kind filter is shown');
      expect(state.anomalies === 0, `${state.anomalies} anomaly items rendered`);
      const asked = traffic.requests.slice(signedInAt).filter((r) => r.path.startsWith('/api/anomalies'));
      expect(asked.length === 0, 'the viewer page asked for /api/anomalies');

      // Its own crossing opens, without an anomaly section; another
      // country's is refused.
      const own = rows[0].id;
      await page.click(`#rows tr.row[data-id="${own}"] a.id`);
      await until(page, `${own}'s page`, (id) => !document.getElementById('crossing-page').hidden &&
        document.getElementById('crossing-title').textContent.startsWith(`${id} · `), own);
      expect(await page.isHidden('#crossing-anomalies-section'), 'the crossing page shows an anomaly section');
      const ids = new Set(rows.map((r) => r.id));
      const other = Array.from({ length: all }, (_, i) => `GEN-${String(i + 1).padStart(5, '0')}`).find((id) => !ids.has(id));
      expectRefusal(`403 GET /api/crossings/${other}`);
      await page.evaluate((id) => { location.hash = `#/crossing/${id}`; }, other);
      const refused = await until(page, `${other} refused`, (id) => {
        const text = document.getElementById('crossing-title').textContent;
        return text === `Crossing ${id} is outside what you may see` ? text : null;
      }, other);
      expect(await page.locator('#crossing-facts > *').count() === 0, `facts shown for ${other}`);
      await page.click('#crossing-page a.back');
      await until(page, 'back on the overview', () => !document.getElementById('overview').hidden);
      return `${rows.length} rows, all ${country} (${rows.slice(0, 3).map((r) => r.id).join(', ')}, …), ` +
        `${state.markers} markers, feed hidden; ${own} opens; "${refused}"`;
    }],
  };
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
      let protection = '';
      if (WATCHED) {
        await page.waitForSelector(`#crossing-anomalies li.anomaly[data-crossing="${id}"]`, { timeout: 10000 });
        // The watched crossing's travellers ask for protection: the page
        // counts their requests and where they were referred.
        const facts = await until(page, 'protection requests and referrals', () => {
          const value = (term) => [...document.querySelectorAll('#crossing-facts div')]
            .find((d) => d.querySelector('dt').textContent === term)?.querySelector('dd').textContent;
          const requests = value('Protection requests (windows shown)');
          const referred = value('Referred (windows shown)');
          return requests && requests !== '0' && /asylum authority/.test(referred ?? '') ? { requests, referred } : null;
        });
        protection = `, ${facts.requests} protection requests, referred: ${facts.referred}`;
      }
      const anomalies = await page.locator('#crossing-anomalies li.anomaly').count();
      await page.click('#crossing-page a.back');
      await until(page, 'back on the overview', () => !document.getElementById('overview').hidden);
      return `points per chart ${lines.join('/')}, ${anomalies} anomalies listed${protection}`;
    }],

    ['the statistics view tables sex and age band, small cells withheld', async () => {
      await page.click('#statistics-link');
      await until(page, 'the statistics page', () => location.hash === '#/statistics' &&
        !document.getElementById('statistics-page').hidden);
      await page.selectOption('#stat-granularity', 'hour');
      await page.click('#statistics-form button[type="submit"]');
      const table = await until(page, 'a table with periods and a total', () => {
        const rows = [...document.querySelectorAll('#stat-body tr')];
        const heads = [...document.querySelectorAll('#stat-head th[data-age]')].map((h) => h.textContent);
        const groups = [...document.querySelectorAll('#stat-head th[scope="colgroup"]')].map((h) => h.textContent);
        if (!rows.length || !heads.length) return null;
        // The answer for hours, not the first (daily) one still shown.
        if (!/^\d{4}-\d\d-\d\d \d\d:00$/.test(rows[0].querySelector('th').textContent)) return null;
        const totals = rows.map((r) => r.querySelectorAll('td')[0].textContent);
        return { rows: rows.length, heads, groups, totals, periods: rows.map((r) => r.querySelector('th').textContent) };
      });
      expect(table.groups.includes('Female') && table.groups.includes('Male'), `sex groups ${table.groups}`);
      expect(table.heads.every((h) => /^\d+–\d+$|^\d+\+$|^age unknown$/.test(h)), `age bands ${table.heads}`);
      expect(table.periods.every((p) => /^\d{4}-\d\d-\d\d \d\d:00$/.test(p)), `hour periods ${table.periods.slice(0, 3)}`);
      const withheld = await page.$$eval('#stat-body td.withheld', (cells) => cells.map((c) => c.title));
      expect(withheld.every((t) => t.startsWith('withheld')), 'withheld cells say why');
      const numbers = await page.$$eval('#stat-body td.num:not(.withheld):not(.muted)', (cells) =>
        cells.map((c) => Number(c.textContent.replace(/[^0-9]/g, ''))));
      expect(numbers.length > 0 && numbers.every((n) => n >= 5), `published cells are at least 5: ${numbers.slice(0, 10)}`);
      const href = await page.getAttribute('#stat-csv', 'href');
      expect(href.startsWith('/api/statistics.csv?granularity=hour'), `download link ${href}`);
      const csv = await page.evaluate(async (u) => (await fetch(u)).text(), href);
      expect(csv.startsWith('FREQ,TIME_PERIOD,REF_AREA,'), 'the download is the CSV export');
      await page.waitForSelector('#chart-sex polyline, #chart-sex circle.dot', { timeout: 10000 });
      await page.click('#statistics-back');
      await until(page, 'back on the overview', () => !document.getElementById('overview').hidden);
      return `${table.rows} hours, ${table.heads.length} sex × age columns, ${withheld.length} withheld, csv ${csv.split('\n').length - 1} lines`;
    }],

    ['in Russian: the page, a crossing\'s protection facts and the explanations', async () => {
      await Promise.all([page.waitForEvent('load'), page.selectOption('#language', 'ru')]);
      await until(page, 'the page in Russian and live', () => document.documentElement.lang === 'ru' &&
        document.querySelector('#conn')?.dataset.state === 'live');
      const live = (await page.textContent('#conn')).trim();
      expect(live === 'В эфире', `indicator says ${live}`);
      expect(new URL(page.url()).searchParams.get('lang') === 'ru', `the address keeps the language: ${page.url()}`);
      const title = (await page.textContent('#table-title')).trim();
      expect(title === 'Пункты пропуска', `table title ${title}`);
      // Names from the registry in Russian where it gives them.
      const named = await until(page, 'crossing names in Russian', () => [...document
        .querySelectorAll('#rows tr.row span.name')].map((n) => n.textContent)
        .find((n) => n.startsWith('Сгенерированный пункт пропуска')));
      const explanation = await until(page, 'an explanation in Russian in the feed', () => [...document
        .querySelectorAll('#feed li.anomaly p.explanation')].map((p) => p.textContent)
        .find((t) => /^(Срок действия документа истёк|Машиносчитываемая зона не прошла проверку)/.test(t)));
      let protection = '';
      if (WATCHED) {
        await page.evaluate((id) => { location.hash = `#/crossing/${id}`; }, WATCHED);
        const facts = await until(page, 'protection facts in Russian', () => {
          const value = (term) => [...document.querySelectorAll('#crossing-facts div')]
            .find((d) => d.querySelector('dt').textContent === term)?.querySelector('dd').textContent;
          const requests = value('Просьбы о защите (показанные окна)');
          const referred = value('Направлены (показанные окна)');
          return requests && requests !== '0' && /орган по вопросам убежища/.test(referred ?? '') ? { requests, referred } : null;
        });
        protection = `; ${facts.requests} просьб о защите, направлены: ${facts.referred}`;
        await page.click('#crossing-page a.back');
      }
      // Back to English for the steps after.
      await Promise.all([page.waitForEvent('load'), page.selectOption('#language', 'en')]);
      await until(page, 'the page in English and live', () => document.documentElement.lang === 'en' &&
        document.querySelector('#conn')?.dataset.state === 'live');
      return `${named}; «${explanation.slice(0, 60)}…»${protection}`;
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
