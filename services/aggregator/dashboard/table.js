// The overview table: sortable by any column, filterable by text and
// state, and virtualised: only the rows in view (plus a margin) exist in
// the DOM, recycled as the operator scrolls, so thousands of crossings
// cost as much as forty.

import { duration, el, hhmm, number, route, setText } from './format.js';
import { nameOf, t } from './i18n.js';

const ROW_HEIGHT = 40; // keep in step with --row-height in style.css
const OVERSCAN = 8;
const STATE_RANK = { ok: 0, busy: 1, alert: 2 };

const COLUMNS = [
  { key: 'id' },
  { key: 'country', value: route },
  { key: 'rate_per_min', num: true, show: (c) => number(c.rate_per_min, 1) + (c.provisional ? '*' : '') },
  { key: 'window_end_ms', num: true, show: (c) => hhmm(c.window_end_ms) },
  { key: 'inspections', num: true, show: (c) => number(c.inspections) },
  { key: 'wait_p50_s', num: true, show: (c) => duration(c.wait_p50_s) },
  { key: 'wait_p95_s', num: true, show: (c) => duration(c.wait_p95_s) },
  { key: 'refused', num: true, show: (c) => number(c.refused) },
  { key: 'open_anomalies', num: true, show: (c) => number(c.open_anomalies) },
  { key: 'state', value: (c) => STATE_RANK[c.state] ?? -1 },
];

const valueOf = (column, c) => (column.value ? column.value(c) : c[column.key]);

function compare(column, dir) {
  return (a, b) => {
    const x = valueOf(column, a);
    const y = valueOf(column, b);
    // Missing figures sort last whichever the direction.
    if (x == null || y == null) return x == null ? (y == null ? 0 : 1) : -1;
    if (x < y) return -dir;
    if (x > y) return dir;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

function spacer() {
  const row = el('tr', { class: 'spacer', 'aria-hidden': 'true' }, el('td', { colspan: COLUMNS.length }));
  return row;
}

function makeRow() {
  const row = el('tr', { class: 'row' });
  for (const column of COLUMNS) {
    const cell = el(column.key === 'id' ? 'th' : 'td', { class: column.num ? 'num' : null, dataset: { col: column.key } });
    if (column.key === 'id') {
      cell.setAttribute('scope', 'row');
      cell.append(el('a', { class: 'id' }), el('span', { class: 'name' }));
    } else if (column.key === 'state') {
      cell.append(el('span', { class: 'badge' }));
    }
    row.append(cell);
  }
  return row;
}

function fill(row, c, index) {
  row.dataset.id = c.id;
  row.className = `row state-${c.state}`;
  row.setAttribute('aria-rowindex', index + 2);
  COLUMNS.forEach((column, i) => {
    const cell = row.children[i];
    if (column.key === 'id') {
      const link = cell.firstChild;
      const href = `#/crossing/${encodeURIComponent(c.id)}`;
      if (link.getAttribute('href') !== href) link.setAttribute('href', href);
      setText(link, c.id);
      const name = nameOf(c);
      setText(cell.lastChild, name);
      if (cell.title !== name) cell.title = name;
    } else if (column.key === 'state') {
      cell.firstChild.className = `badge state-${c.state}`;
      setText(cell.firstChild, t(`state.${c.state}`));
    } else {
      setText(cell, column.show ? column.show(c) : String(valueOf(column, c) ?? '—'));
    }
    if (column.num) cell.dataset.value = c[column.key] ?? '';
  });
}

export function createTable({ scroller, table, body, filter, stateFilter, shown }) {
  let all = [];
  let rows = [];
  let sortColumn = COLUMNS[0];
  let sortDir = 1;
  const pool = [];
  const top = spacer();
  const bottom = spacer();
  body.append(top, bottom);
  const headers = [...table.tHead.rows[0].cells];

  function recompute() {
    const text = filter.value.trim().toLowerCase();
    const state = stateFilter.value;
    rows = all.filter((c) => (!state || c.state === state) && (!text ||
      c.id.toLowerCase().includes(text) || nameOf(c).toLowerCase().includes(text) ||
      c.country.toLowerCase().includes(text) || c.neighbour.toLowerCase().includes(text) ||
      c.mode.includes(text)));
    rows.sort(compare(sortColumn, sortDir));
    table.setAttribute('aria-rowcount', rows.length + 1);
    setText(shown, t('table.shown', { shown: rows.length, total: all.length }));
  }

  function render() {
    const head = table.tHead.offsetHeight;
    const scrolled = Math.max(0, scroller.scrollTop - head);
    const first = Math.max(0, Math.floor(scrolled / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((scrolled + scroller.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const count = Math.max(0, last - first);
    while (pool.length < count) {
      const row = makeRow();
      pool.push(row);
      body.insertBefore(row, bottom);
    }
    pool.forEach((row, i) => {
      row.hidden = i >= count;
      if (i < count) fill(row, rows[first + i], first + i);
    });
    top.hidden = first === 0;
    top.firstChild.style.height = `${first * ROW_HEIGHT}px`;
    bottom.hidden = last === rows.length;
    bottom.firstChild.style.height = `${(rows.length - last) * ROW_HEIGHT}px`;
  }

  function refresh() {
    recompute();
    render();
  }

  function sortBy(index) {
    const column = COLUMNS[index];
    sortDir = column === sortColumn ? -sortDir : (column.num || column.key === 'state' ? -1 : 1);
    sortColumn = column;
    headers.forEach((th, i) => th.setAttribute('aria-sort',
      i === index ? (sortDir > 0 ? 'ascending' : 'descending') : 'none'));
    refresh();
  }

  headers.forEach((th, i) => th.querySelector('button').addEventListener('click', () => sortBy(i)));
  headers[0].setAttribute('aria-sort', 'ascending');
  filter.addEventListener('input', refresh);
  stateFilter.addEventListener('change', refresh);
  let scrollQueued = false;
  scroller.addEventListener('scroll', () => {
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => { scrollQueued = false; render(); });
  });
  window.addEventListener('resize', render);

  return {
    /** Replaces the crossings shown (the caller batches this per frame). */
    setAll(list) {
      all = list;
      refresh();
    },
    /** Empties the table and its filters (signed out). */
    clear() {
      filter.value = '';
      stateFilter.value = '';
      all = [];
      refresh();
    },
    render,
  };
}
