// Formatting and small DOM helpers shared by the dashboard's modules.
// Every time is shown in UTC: operators across time zones read one clock.
// Numbers follow the page's language (1,234.5 or 1 234,5).

import { lang } from './i18n.js';

const LOCALE = { en: 'en-GB', ru: 'ru-RU' };

const pad = (n) => String(n).padStart(2, '0');

/** `14:05` (UTC) or an em dash. */
export function hhmm(ms) {
  if (ms == null) return '—';
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `2026-05-04 14:05:09 UTC` or an em dash. */
export function utc(ms) {
  if (ms == null) return '—';
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** A duration in seconds as `45s`, `3m 05s` or `1h 02m`. */
export function duration(seconds) {
  if (seconds == null) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}

export function number(value, digits = 0) {
  if (value == null || Number.isNaN(value)) return '—';
  return value.toLocaleString(LOCALE[lang()] ?? 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `KAZ → CHN`, or the country alone for airports and seaports. */
export function route(c) {
  return c.neighbour ? `${c.country} → ${c.neighbour}` : (c.country || '—');
}

/** Creates an element: `el('li', {class: 'x', dataset: {id}}, 'text', child)`. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) {
    if (child != null) node.append(child);
  }
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value != null) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child != null) node.append(child);
  }
  return node;
}

/** Sets text only when it differs, so unchanged cells are not repainted. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
