// A map-like view: crossings plotted by coordinates on an equirectangular
// projection fitted to the data (no tiles, nothing fetched), coloured by
// state, each a link to its crossing page.

import { route, svg } from './format.js';
import { nameOf, t } from './i18n.js';

const WIDTH = 1000;
const HEIGHT = 620;
const MARGIN = 36;
const STEPS = [0.5, 1, 2, 5, 10, 20, 30];

function radius(count) {
  if (count <= 200) return 7;
  if (count <= 1000) return 4.5;
  return 2.5;
}

function fit(points) {
  let [minLat, maxLat, minLon, maxLon] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { lat, lon } of points) {
    minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
    minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
  }
  const padLat = Math.max(0.5, (maxLat - minLat) * 0.05);
  const padLon = Math.max(0.5, (maxLon - minLon) * 0.05);
  minLat -= padLat; maxLat += padLat; minLon -= padLon; maxLon += padLon;
  // Shrinks longitudes by the cosine of the middle latitude, so shapes are
  // about right away from the equator.
  const squash = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const scale = Math.min((WIDTH - 2 * MARGIN) / ((maxLon - minLon) * squash),
    (HEIGHT - 2 * MARGIN) / (maxLat - minLat));
  const offsetX = (WIDTH - (maxLon - minLon) * squash * scale) / 2;
  const offsetY = (HEIGHT - (maxLat - minLat) * scale) / 2;
  return {
    minLat, maxLat, minLon, maxLon,
    x: (lon) => offsetX + (lon - minLon) * squash * scale,
    y: (lat) => offsetY + (maxLat - lat) * scale,
  };
}

function graticule(group, p) {
  const span = Math.max(p.maxLat - p.minLat, p.maxLon - p.minLon);
  const step = STEPS.find((s) => span / s <= 8) ?? 45;
  for (let lat = Math.ceil(p.minLat / step) * step; lat <= p.maxLat; lat += step) {
    const y = p.y(lat);
    group.append(svg('line', { x1: p.x(p.minLon), x2: p.x(p.maxLon), y1: y, y2: y }),
      svg('text', { x: p.x(p.minLon) + 4, y: y - 4 }, `${Math.abs(lat)}°${lat >= 0 ? 'N' : 'S'}`));
  }
  for (let lon = Math.ceil(p.minLon / step) * step; lon <= p.maxLon; lon += step) {
    const x = p.x(lon);
    group.append(svg('line', { x1: x, x2: x, y1: p.y(p.maxLat), y2: p.y(p.minLat) }),
      svg('text', { x: x + 4, y: p.y(p.minLat) - 4 }, `${Math.abs(lon)}°${lon >= 0 ? 'E' : 'W'}`));
  }
}

function countryLabels(group, placed, p) {
  const byCountry = new Map();
  for (const c of placed) {
    if (!c.country) continue;
    const sum = byCountry.get(c.country) ?? { lat: 0, lon: 0, n: 0 };
    sum.lat += c.lat; sum.lon += c.lon; sum.n += 1;
    byCountry.set(c.country, sum);
  }
  // Where crossings of several countries mix, labels would pile up: the
  // busiest countries are labelled first and a label that would overlap
  // one already placed is left out.
  const placedLabels = [];
  const ordered = [...byCountry].sort((a, b) => b[1].n - a[1].n);
  for (const [country, s] of ordered) {
    const x = p.x(s.lon / s.n);
    const y = p.y(s.lat / s.n);
    if (placedLabels.some((l) => Math.abs(l.x - x) < 90 && Math.abs(l.y - y) < 40)) continue;
    placedLabels.push({ x, y });
    group.append(svg('text', { x, y }, country));
  }
}

const describe = (c) => `${c.id} ${nameOf(c)}, ${route(c)}, ${t(`state.${c.state}`)}`;

export function createMap(root) {
  const grid = svg('g', { class: 'graticule', 'aria-hidden': 'true' });
  const labels = svg('g', { class: 'country-labels', 'aria-hidden': 'true' });
  const layer = svg('g', { class: 'markers' });
  root.append(grid, labels, layer);
  const markers = new Map();
  let projection = null;

  function place(marker, c) {
    marker.circle.setAttribute('cx', projection.x(c.lon).toFixed(1));
    marker.circle.setAttribute('cy', projection.y(c.lat).toFixed(1));
    marker.lat = c.lat;
    marker.lon = c.lon;
  }

  function paint(marker, c) {
    const cls = `marker state-${c.state}`;
    if (marker.circle.getAttribute('class') !== cls) marker.circle.setAttribute('class', cls);
    const text = describe(c);
    if (marker.title.textContent !== text) {
      marker.title.textContent = text;
      marker.link.setAttribute('aria-label', text);
    }
  }

  /** Lays everything out again: crossings came or went. */
  function layout(list) {
    const placed = list.filter((c) => c.lat != null && c.lon != null);
    grid.replaceChildren();
    labels.replaceChildren();
    layer.replaceChildren();
    markers.clear();
    if (!placed.length) return;
    projection = fit(placed);
    graticule(grid, projection);
    countryLabels(labels, placed, projection);
    const r = radius(placed.length);
    for (const c of placed) {
      const title = svg('title');
      const circle = svg('circle', { r, 'data-id': c.id }, title);
      const link = svg('a', { href: `#/crossing/${encodeURIComponent(c.id)}`, class: 'marker-link' }, circle);
      const marker = { link, circle, title };
      place(marker, c);
      paint(marker, c);
      markers.set(c.id, marker);
      layer.append(link);
    }
  }

  /** Repaints changed crossings; returns false when a re-layout is needed. */
  function update(changed) {
    for (const c of changed) {
      const marker = markers.get(c.id);
      if (!marker) {
        if (c.lat != null) return false;
        continue;
      }
      if (marker.lat !== c.lat || marker.lon !== c.lon) return false;
      paint(marker, c);
    }
    return true;
  }

  return { layout, update };
}
