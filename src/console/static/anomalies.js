import { h, fill, fmt, table, pill, errorToast, notAvailable, notPermitted, problemBanner, pagedList, pagedCount } from './lib.js';
import { get, session } from './api.js';

// ── Anomalies ────────────────────────────────────────────────────────────────────────────────────
// What the scheduled anomaly scan found (GET /v1/anomalies): demand spikes and drops per sku, and
// order patterns per order (one customer or address ordering too fast, an order's value far from the
// usual). Each finding links to where someone can act on it: the sku's stock, the order's timeline.

export const ANOMALIES_ROUTE = 'GET /v1/anomalies';
/** Findings per page, newest first; `next` pages on to older ones with ?before=. */
const PAGE = 100;

/** The API's kinds (src/domain/anomaly/events.ts), in the retailer's words. */
const KINDS = {
  demand: 'demand',
  customer_velocity: 'customer ordering fast',
  address_velocity: 'address ordering fast',
  value_outlier: 'unusual order value',
  return_rate: 'return rate',
};
/** Kinds whose key is an order id (src/engine/anomaly/scan.ts). */
const ORDER_KINDS = ['customer_velocity', 'address_velocity', 'value_outlier'];

const items = (r) => (Array.isArray(r) ? r : r?.items ?? []);
const mono = (x) => h('span.mono', x ?? '—');

function kindPill(a) {
  if (a.kind === 'demand') {
    const dir = a.detail?.direction;
    return pill(dir === 'drop' ? 'info' : 'warn', dir ? `demand ${dir}` : 'demand');
  }
  return pill(ORDER_KINDS.includes(a.kind) ? 'bad' : 'warn', KINDS[a.kind] ?? String(a.kind).replace(/_/g, ' '));
}

/** Kinds whose key is a sku (demand per sku, return rate per sku). */
const SKU_KINDS = ['demand', 'return_rate'];

/** The sku's stock (every role reads stock) or the order's timeline (for the roles that read orders). */
function subjectCell(a) {
  if (SKU_KINDS.includes(a.kind)) {
    return session.can('GET /v1/stock')
      ? h('a.anomaly-subject', { href: `#/inventory?sku=${encodeURIComponent(a.key)}` }, mono(a.key))
      : h('span.anomaly-subject', mono(a.key));
  }
  const orderId = typeof a.detail?.orderId === 'string' ? a.detail.orderId : ORDER_KINDS.includes(a.kind) ? a.key : null;
  // The channel's order number when the API names it (what the shop's back office knows), else our id.
  const label = a.order ? [`order ${a.order.externalOrderId}`, h('span.faint', ` · ${a.order.source}`)] : ['order ', mono(orderId)];
  if (orderId && session.can('GET /v1/orders/{id}')) {
    return h('a.anomaly-subject', { href: `#/orders/${encodeURIComponent(orderId)}` }, label);
  }
  return h('span.anomaly-subject', orderId ? label : mono(a.key));
}

/** Detail fields shown elsewhere on the row (the subject, the demand figures, the policy column). */
const SHOWN = ['orderId', 'sku', 'policyVersion', 'observed', 'expected', 'direction'];

/**
 * What the finding measured beside its sentence: a demand finding's units sold and expected, and any
 * other field the scan records (who a burst is about, what a value was compared with) by its name,
 * so a field the scan adds later shows without a console change.
 */
function measured(a) {
  const d = a.detail ?? {};
  const parts = [];
  if (a.kind === 'demand' && d.observed !== undefined) parts.push(`${fmt.n(d.observed)} sold, ~${fmt.n(Math.round(Number(d.expected) * 10) / 10)} expected`);
  for (const [k, v] of Object.entries(d)) {
    if (SHOWN.includes(k) || v === null || v === undefined || typeof v === 'object') continue;
    parts.push(`${k}: ${v}`);
  }
  return parts.length ? parts.join(' · ') : null;
}

export async function anomalies(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Anomalies', 'GET /v1/anomalies'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('anomalies'));
  ctx.sub.textContent = 'What the anomaly scan found: demand spikes and drops per sku, order patterns per order · newest first';

  const kind = h('select', { name: 'kind' }, h('option', { value: '' }, 'every kind'),
    Object.entries(KINDS).map(([k, label]) => h('option', { value: k, selected: ctx.query.get('kind') === k }, label)));
  const key = h('input', { name: 'key', placeholder: 'sku or order id', value: ctx.query.get('key') ?? '' });
  const title = h('h2', 'Findings');
  const list = h('div.anomalies-list');

  const load = async () => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (kind.value) q.set('kind', kind.value);
    if (key.value.trim()) q.set('key', key.value.trim());
    const filtered = Boolean(kind.value || key.value.trim());
    const paged = pagedList({
      fetchPage: (after) => get(`/v1/anomalies?${q}${after !== null && after !== undefined ? `&before=${encodeURIComponent(after)}` : ''}`),
      render: (rows, next) => {
        fill(title, `Findings · ${pagedCount(rows, next)}`);
        return table([
          { label: 'Detected', value: (a) => h('span.nowrap', fmt.short(a.detectedAt)) },
          { label: 'Day', value: (a) => h('span.nowrap', a.day) },
          { label: 'Kind', value: kindPill },
          { label: 'Sku / order', value: subjectCell },
          { label: 'Score', num: true, value: (a) => (a.score === null || a.score === undefined ? '—' : Number(a.score).toFixed(1)) },
          { label: 'Why', value: (a) => [h('div', a.explanation), measured(a) ? h('div.faint.anomaly-measured', measured(a)) : null] },
          { label: 'Policy', value: (a) => h('span.mono.faint', a.detail?.policyVersion ?? '—') },
        ], rows, { empty: 'No anomalies found', emptyDetail: filtered ? 'Nothing matches this filter.' : 'The scan runs on a schedule; findings appear here.', key: (a) => a.id });
      },
      more: 'Older findings',
    });
    try {
      await paged.ready;
      fill(list, paged.el);
    } catch (err) {
      fill(title, 'Findings');
      fill(list, problemBanner(err));
    }
  };

  fill(ctx.content,
    h('div.panel', h('form.row.anomaly-filter', {
      onsubmit(e) {
        e.preventDefault();
        load().catch((err) => errorToast(err));
      },
    }, kind, key, h('button.primary', { type: 'submit' }, 'Show'))),
    h('section.panel.flush.anomalies', title, list),
  );
  await load();
}
