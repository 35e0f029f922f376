// DOM, formatting and chart helpers. No framework: h() builds elements, screens re-render on navigation.

import { serverNow } from './api.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** h('div.panel#id', {onclick, attrs…}, children…) — text children are escaped by construction. */
export function h(tag, props, ...children) {
  const [name, ...rest] = tag.split(/(?=[.#])/);
  const el = document.createElement(name || 'div');
  for (const r of rest) r[0] === '.' ? el.classList.add(r.slice(1)) : (el.id = r.slice(1));
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = [el.className, v].filter(Boolean).join(' ');
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export const fmt = {
  n: (x) => (x === null || x === undefined ? '—' : Number(x).toLocaleString('en-GB')),
  money: (x, cur = 'EUR') => (x === null || x === undefined ? '—' : Number(x).toLocaleString('en-GB', { style: 'currency', currency: cur || 'EUR' })),
  pct: (x) => (x === null || x === undefined ? '—' : `${(Number(x) * 100).toFixed(1)}%`),
  time: (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '—'),
  short: (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' }).replace(',', '') : '—'),
  hms: (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '—'),
  day: (iso) => (iso ? new Date(iso).toLocaleDateString('en-GB', { day: '2-digit', month: 'short' }) : ''),
  hm: (iso) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }),
  age(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    const s = Math.round(seconds);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  },
  ageSince(iso) {
    return iso ? fmt.age((serverNow() - Date.parse(iso)) / 1000) : '—';
  },
  minutes(m) {
    if (m === null || m === undefined) return '—';
    return m < 90 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`;
  },
};

const TONES = {
  ok: ['processed', 'delivered', 'shipped', 'approved', 'closed', 'refunded', 'replaced', 'resolved', 'ok', 'active', 'closed_circuit', 'allocated', 'accepted', 'picked', 'published', 'succeeded', 'consumed', 'healthy', 'sent', 'settled'],
  info: ['received', 'validated', 'in_fulfilment', 'assigned', 'classified', 'requested', 'pending', 'awaiting_item', 'draft', 'in_review', 'half_open', 'retrying'],
  // Routing outcomes (`backorder`, `needs_approval`, `cancel`) are words of their own, not order states.
  warn: ['on_hold', 'backordered', 'backorder', 'needs_approval', 'awaiting_approval', 'escalated', 'expired', 'failed', 'partially_returned', 'open', 'stale', 'released', 'proposed'],
  bad: ['dead', 'exception', 'cancelled', 'cancel', 'rejected', 'open_circuit', 'breached', 'broken', 'refused'],
};

export function tone(state) {
  if (['ok', 'info', 'warn', 'bad'].includes(state)) return state;
  for (const [t, list] of Object.entries(TONES)) if (list.includes(state)) return t;
  return '';
}

export function pill(state, label) {
  return h(`span.pill${tone(state) ? `.${tone(state)}` : ''}`, label ?? String(state ?? '—').replace(/_/g, ' '));
}

/** A table from column specs {label, num?, value(row) → node|string}; rows may be clickable. */
export function table(columns, rows, opts = {}) {
  if (!rows.length) return empty(opts.empty ?? 'Nothing here', opts.emptyDetail);
  return h('div.table-wrap',
    h('table', { class: opts.class },
      h('thead', h('tr', columns.map((c) => h(c.num ? 'th.num' : 'th', c.label)))),
      h('tbody', rows.map((r) => h('tr', { class: opts.onRow ? 'clickable' : undefined, onclick: opts.onRow ? () => opts.onRow(r) : undefined, dataset: opts.key ? { key: opts.key(r) } : undefined },
        columns.map((c) => h(c.num ? 'td.num' : 'td', c.value(r)))))),
    ));
}

/**
 * A list the API pages with a `next` cursor: the first page now, the following ones on "Load more",
 * appended. `fetchPage(after)` answers {items, next} (after is null for the first page); `render(rows)`
 * draws the rows read so far. A page's length is never a total: `count(rows, next)` gives the
 * caption — the exact number once the last page is in, else what is shown and that more exist.
 * Answers {el, ready} (ready settles when the first page is drawn; it rejects when it fails).
 * `more` names the button where "Load more" would not say what comes (older transfers).
 */
export function pagedList({ fetchPage, render, more = 'Load more' }) {
  const rows = [];
  let next = null;
  const el = h('div.paged');
  const footer = h('div.row.paged-more');
  const body = h('div');
  const load = async () => {
    const r = await fetchPage(next);
    rows.push(...(Array.isArray(r) ? r : r?.items ?? []));
    next = r?.next ?? null;
    fill(body, render(rows, next));
    fill(footer, next === null || next === undefined
      ? null
      : [h('span.faint', `${fmt.n(rows.length)} shown · more to load`), h('button.small.load-more', {
        async onclick(e) {
          const btn = e.currentTarget;
          btn.disabled = true;
          try { await load(); } catch (err) { errorToast(err, 'Could not load more'); btn.disabled = false; }
        },
      }, more)]);
  };
  fill(el, body, footer);
  return { el, ready: load(), rows, hasMore: () => next !== null && next !== undefined };
}

/** How many a paged list holds: exact once every page is in, else a total counted elsewhere, else "N+". */
export function pagedCount(rows, next, total) {
  if (next === null || next === undefined) return fmt.n(rows.length);
  if (typeof total === 'number') return fmt.n(Math.max(total, rows.length));
  return `${fmt.n(rows.length)}+`;
}

export function empty(title, detail) {
  return h('div.empty', h('strong', title), detail ?? '');
}

export function notAvailable(what, api) {
  return h('div.na-panel.not-available',
    h('strong', `${what} is not available in this version`),
    h('div', 'This omniops server has no ', h('code', api), ' API yet. The screen lights up as soon as the server offers it — no console update needed.'));
}

export function notPermitted(what) {
  return h('div.na-panel', h('strong', `Your role cannot see ${what}`), h('div', 'Ask an administrator for a role that may.'));
}

export function panel(title, ...children) {
  return h('section.panel', title ? h('h2', title) : null, ...children);
}

export function kpi(label, value, note, cls) {
  return h(`div.kpi${cls ? `.${cls}` : ''}`, h('div.label', label), h('div.value', value), note ? h('div.note', note) : null);
}

export function facts(pairs) {
  return h('dl.facts', pairs.filter(Boolean).flatMap(([k, v]) => [h('dt', k), h('dd', v ?? '—')]));
}

/** Toasts: errors show the problem's stable code and its detail (what the operator can act on). */
export function toast(kind, title, detail, code) {
  const box = document.getElementById('toasts');
  const t = h(`div.toast.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, h('div', code ? h('span.code', code) : null, title), detail ? h('div.detail', detail) : null);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 9000 : 4000);
  return t;
}

export function errorToast(err, what) {
  if (err && err.code) toast('error', what ?? err.title ?? 'Request failed', err.detail, err.code);
  else toast('error', what ?? 'Request failed', String(err?.message ?? err));
}

export function problemBanner(err) {
  return h('div.banner.bad.problem', { role: 'alert' }, h('span.code', err.code ?? 'ERROR'), err.detail ?? err.message ?? String(err));
}

// ── charts ──────────────────────────────────────────────────────────────────────────────────────

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** A grid label: three significant digits, so a small axis reads 0 / 0.05 / 0.1, not 0 / 0.1 / 0.1. */
export function axisValue(v) {
  return String(Number(Number(v).toPrecision(3)));
}

/**
 * Lines over time: series [{label, color, values:[number|null]}], x labels by index. Drawn as an
 * inline SVG with a few grid lines; nulls break the line.
 */
export function lineChart({ labels, series, height = 150, unit = '', area = false }) {
  const W = 560, H = height, L = 36, R = 8, T = 8, B = 20;
  const max = niceMax(Math.max(0, ...series.flatMap((x) => x.values.filter((v) => v !== null && v !== undefined))));
  const n = labels.length;
  const x = (i) => L + (n <= 1 ? 0 : (i * (W - L - R)) / (n - 1));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const grid = [0, 0.5, 1].map((f) => [
    s('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(max * f), y2: y(max * f) }),
    s('text', { x: L - 4, y: y(max * f) + 3, 'text-anchor': 'end' }, `${axisValue(max * f)}${unit}`),
  ]);
  const ticks = [];
  const step = Math.max(1, Math.ceil(n / 6));
  for (let i = 0; i < n; i += step) ticks.push(s('text', { x: x(i), y: H - 5, 'text-anchor': i === 0 ? 'start' : 'middle' }, labels[i]));
  const paths = series.map((se) => {
    let d = '';
    let pen = false;
    se.values.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    const line = s('path', { d, fill: 'none', stroke: se.color, 'stroke-width': 1.8, 'stroke-linejoin': 'round' });
    // A point with no neighbour draws no line: show it as a dot (one busy hour in a quiet day).
    const isolated = (i) => se.values[i] !== null && se.values[i] !== undefined && (se.values[i - 1] ?? null) === null && (se.values[i + 1] ?? null) === null;
    const dots = se.values.map((v, i) => (isolated(i) ? s('circle', { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3, fill: se.color }, s('title', {}, `${labels[i]}: ${v}${unit}`)) : null));
    if (!area || !d) return [line, dots];
    const fillD = `${d}L${x(n - 1).toFixed(1)},${y(0)}L${x(0)},${y(0)}Z`;
    return [s('path', { d: fillD, fill: se.color, 'fill-opacity': 0.1, stroke: 'none' }), line];
  });
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': series.map((x) => x.label).join(', ') }, grid, ticks, paths);
  return h('div', svg, legend(series));
}

export function legend(series) {
  // Swatch colours are CSSOM writes (allowed by the CSP, unlike inline style attributes).
  return h('div.legend', series.map((se) => {
    const i = h('i');
    i.style.background = se.color;
    return h('span', i, se.label);
  }));
}

/** Vertical bars over time (counts per bucket). */
export function barChart({ labels, values, color = '#2f6fd0', height = 120, unit = '' }) {
  const W = 560, H = height, L = 36, R = 8, T = 8, B = 20;
  // Counts: at least 0…4 on the axis, so the grid labels stay whole numbers.
  const max = niceMax(Math.max(4, ...values));
  const n = values.length;
  const bw = (W - L - R) / Math.max(1, n);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const grid = [0, 0.5, 1].map((f) => [
    s('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(max * f), y2: y(max * f) }),
    s('text', { x: L - 4, y: y(max * f) + 3, 'text-anchor': 'end' }, `${axisValue(max * f)}${unit}`),
  ]);
  const bars = values.map((v, i) => s('rect', { x: (L + i * bw + 1).toFixed(1), y: y(v).toFixed(1), width: Math.max(1, bw - 2).toFixed(1), height: Math.max(0, y(0) - y(v)).toFixed(1), fill: color, rx: 1 }, s('title', {}, `${labels[i]}: ${v}`)));
  const ticks = [];
  const step = Math.max(1, Math.ceil(n / 6));
  for (let i = 0; i < n; i += step) ticks.push(s('text', { x: L + i * bw + bw / 2, y: H - 5, 'text-anchor': 'middle' }, labels[i]));
  return s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img' }, grid, bars, ticks);
}

/** Horizontal bars for a breakdown {label: count}. */
export function breakdown(counts, opts = {}) {
  const entries = Object.entries(counts || {}).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, opts.top ?? 12);
  if (!entries.length) return empty(opts.empty ?? 'No data yet');
  const max = Math.max(...entries.map(([, v]) => v));
  return h('div.bars', entries.map(([k, v]) => {
    const fill = h('div.fill');
    fill.style.width = `${Math.max(2, (v / max) * 100)}%`;
    if (opts.colorOf) fill.style.background = opts.colorOf(k);
    return h('div.bar', h('span', opts.label ? opts.label(k) : k.replace(/_/g, ' ')), h('div.track', fill), h('span.n', fmt.n(v)));
  }));
}

/** A donut for shares of a whole (orders by state). */
export function donut(counts, colorOf) {
  const entries = Object.entries(counts || {}).filter(([, v]) => v > 0);
  const total = entries.reduce((a, [, v]) => a + v, 0);
  if (!total) return empty('No orders yet');
  const R = 42, C = 2 * Math.PI * R;
  let off = 0;
  const arcs = entries.map(([k, v]) => {
    const len = (v / total) * C;
    const a = s('circle', { cx: 60, cy: 60, r: R, fill: 'none', stroke: colorOf(k), 'stroke-width': 16, 'stroke-dasharray': `${len} ${C - len}`, 'stroke-dashoffset': -off, transform: 'rotate(-90 60 60)' }, s('title', {}, `${k}: ${v}`));
    off += len;
    return a;
  });
  const svg = s('svg', { class: 'chart donut', viewBox: '0 0 120 120', width: 120, height: 120 }, arcs, s('text', { x: 60, y: 58, 'text-anchor': 'middle', 'font-size': 16, fill: '#1b2430' }, fmt.n(total)), s('text', { x: 60, y: 73, 'text-anchor': 'middle' }, 'orders'));
  svg.style.width = '120px';
  return svg;
}

export const STATE_COLORS = {
  received: '#8fb4e8', validated: '#5f93dc', allocated: '#2f6fd0', in_fulfilment: '#1f4f99', shipped: '#1e8a4c', delivered: '#11663a',
  on_hold: '#e0a030', backordered: '#c98a1b', exception: '#c0392b', cancelled: '#8a97a8', partially_returned: '#9b7fd0', returned: '#6f52b5',
};

/** Debounce-free polling that stops when the screen is left. */
export function every(ms, fn, isLive) {
  const tick = async () => {
    if (!isLive()) return;
    try { await fn(); } catch { /* the screen shows its own errors */ }
    if (isLive()) setTimeout(tick, ms);
  };
  setTimeout(tick, ms);
}

/** replaceChildren that skips null/false (DOM's own would print "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
