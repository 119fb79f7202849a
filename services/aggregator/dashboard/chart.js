// Line charts drawn as SVG by hand: a time axis in UTC, a value axis from
// zero, one polyline per series (broken where a window has no value).

import { hhmm, svg } from './format.js';
import { t } from './i18n.js';

const W = 640;
const H = 240;
const M = { left: 60, right: 24, top: 32, bottom: 30 };
const MINUTE = 60000;
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440, 2880, 10080, 43200, 129600, 525600]
  .map((m) => m * MINUTE);

/** A round step that splits 0..max into at most four parts. */
function niceStep(max) {
  if (!(max > 0)) return 0.25;
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 2.5, 5, 10].find((s) => s * magnitude >= rough) ?? 10) * magnitude;
}

function segments(points, index, x, y) {
  const out = [];
  let current = [];
  for (const p of points) {
    const v = p.values[index];
    if (v == null) {
      if (current.length) out.push(current);
      current = [];
    } else {
      current.push(`${x(p.t).toFixed(1)},${y(v).toFixed(1)}`);
    }
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * Draws into `root` (an <svg viewBox="0 0 640 240">): `points` are
 * `{t, values}` oldest first, `series` `{name, cls}` per value, `format`
 * renders an axis value, `label` names the chart for screen readers;
 * `time` (optional) labels the time axis (default `hh:mm`), `span` is the
 * least time the axis covers and the least step between its ticks
 * (default a minute); `marks` (optional) are times to mark with a
 * vertical line (e.g. periods that alarmed).
 */
export function lineChart(root, { points, series, format, label, time = hhmm, span = MINUTE, marks = [] }) {
  root.replaceChildren();
  root.setAttribute('role', 'img');
  const values = points.flatMap((p) => p.values).filter((v) => v != null);
  if (points.length < 1 || !values.length) {
    root.setAttribute('aria-label', `${label}: no closed windows yet`);
    root.append(svg('text', { x: W / 2, y: H / 2, class: 'empty', 'text-anchor': 'middle' }, t('chart.empty')));
    return;
  }
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + span);
  const step = niceStep(Math.max(...values));
  const top = step * Math.max(1, Math.ceil(Math.max(...values) / step));
  const x = (t) => M.left + ((t - t0) / (t1 - t0)) * (W - M.left - M.right);
  const y = (v) => H - M.bottom - (v / top) * (H - M.top - M.bottom);

  const axes = svg('g', { class: 'axes' });
  for (let v = 0; v <= top + step / 2; v += step) {
    axes.append(svg('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
      svg('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  const every = TIME_STEPS.find((s) => s >= span && (t1 - t0) / s <= 6) ?? TIME_STEPS[TIME_STEPS.length - 1];
  for (let t = Math.ceil(t0 / every) * every; t <= t1; t += every) {
    // Labels near the right edge end there rather than spill over it.
    const anchor = x(t) > W - M.right - 20 ? 'end' : 'middle';
    axes.append(svg('line', { x1: x(t), x2: x(t), y1: H - M.bottom, y2: H - M.bottom + 4 }),
      svg('text', { x: x(t), y: H - 8, 'text-anchor': anchor }, time(t)));
  }
  root.append(axes);
  for (const m of marks) {
    root.append(svg('line', { x1: x(m), x2: x(m), y1: M.top, y2: H - M.bottom, class: 'mark' }));
  }

  const legend = svg('g', { class: 'legend' });
  const layers = [];
  series.forEach((s, i) => {
    const lx = M.left + i * 120;
    legend.append(svg('line', { x1: lx, x2: lx + 18, y1: 12, y2: 12, class: `series ${s.cls}` }),
      svg('text', { x: lx + 24, y: 16 }, s.name));
    const layer = svg('g');
    for (const segment of segments(points, i, x, y)) {
      if (segment.length === 1) {
        const [cx, cy] = segment[0].split(',');
        layer.append(svg('circle', { cx, cy, r: 2.5, class: `dot ${s.cls}` }));
      } else {
        layer.append(svg('polyline', { points: segment.join(' '), class: `series ${s.cls}` }));
      }
    }
    layers.push(layer);
  });
  // Higher percentiles first, so where they meet the median stays visible.
  root.append(...layers.reverse());
  root.append(legend);

  const latest = points[points.length - 1];
  const summary = series.map((s, i) => `${s.name} ${latest.values[i] == null ? t('chart.none') : format(latest.values[i])}`);
  root.setAttribute('aria-label', `${label}, ${points.length} points to ${time(latest.t)} UTC; latest: ${summary.join(', ')}`);
}
