// The books check on the Audit screen (docs/checks.md): do stock, reservations, fulfilments, orders
// and the audit trail agree? One read of `GET /v1/checks`; it changes nothing.

import { h, fill, fmt, table, pill, problemBanner } from './lib.js';
import { get, session } from './api.js';

export const BOOKS_ROUTE = 'GET /v1/checks';
/** Findings listed per check (the API's default; it allows up to 1,000). */
const LIMIT = 100;

const plural = (n, one, many = `${one}s`) => `${fmt.n(n)} ${n === 1 ? one : many}`;

/**
 * A finding's subject, linked where the console has a screen for it: an order (`order:<source>:<ext>`;
 * the order's own id is in the finding's facts, else the orders list filtered by the channel's number)
 * and a stock row (`stock:<location>:<sku>`, the inventory screen filtered to it). Other subjects
 * (reservation, fulfilment) name their order in the facts: linked beside them.
 */
function subjectCell(f) {
  const orderId = typeof f.facts?.orderId === 'string' ? f.facts.orderId : null;
  const mayOrders = session.can('GET /v1/orders/{id}');
  const order = /^order:([^:]+):(.+)$/.exec(f.subject);
  if (order && mayOrders) {
    return h('a.books-subject', { href: orderId ? `#/orders/${encodeURIComponent(orderId)}` : `#/orders?externalId=${encodeURIComponent(order[2])}` }, h('span.mono', f.subject));
  }
  const stock = /^stock:([^:]+):(.+)$/.exec(f.subject);
  if (stock && session.can('GET /v1/stock')) {
    return h('a.books-subject', { href: `#/inventory?${new URLSearchParams({ sku: stock[2], location: stock[1] })}` }, h('span.mono', f.subject));
  }
  return [h('span.mono.books-subject', f.subject),
    orderId && mayOrders && !order ? h('div', h('a.faint', { href: `#/orders/${encodeURIComponent(orderId)}` }, `order ${orderId} →`)) : null];
}

/** What one answer of GET /v1/checks says: a banner, the findings, and the checks whose findings were capped. */
export function booksVerdict(r) {
  const counts = Object.entries(r.counts ?? {});
  const findings = r.findings ?? [];
  const errors = r.errors ?? 0;
  const warnings = r.warnings ?? 0;
  const when = h('span.faint', ` · checked ${fmt.time(r.checkedAt)}`);
  if (!findings.length && !errors && !warnings) {
    return h('div.banner.ok.books-check', { role: 'status' }, `The books agree (${plural(counts.length, 'check')})`, when);
  }
  const fired = counts.filter(([, c]) => c.found > 0);
  const banner = h(`div.banner.${errors ? 'bad' : 'warn'}.books-check`, { role: errors ? 'alert' : 'status' },
    h('strong', errors ? `The books disagree: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}` : `No errors, ${plural(warnings, 'warning')}`),
    ` (${plural(counts.length, 'check')}) — `,
    fired.map(([check, c], i) => [i ? ', ' : '', h('span.mono', check), ` ${fmt.n(c.found)}`]),
    when);
  const capped = fired.filter(([, c]) => c.found > c.shown);
  return h('div.stack.books-findings',
    banner,
    h('section.panel.flush', table([
      { label: 'Severity', value: (f) => pill(f.severity === 'error' ? 'bad' : 'warn', f.severity) },
      { label: 'Check', value: (f) => h('span.mono', f.check) },
      { label: 'Subject', value: subjectCell },
      { label: 'Detail', value: (f) => f.detail },
    ], findings, { key: (f) => `${f.check} ${f.subject}` })),
    capped.map(([check, c]) => h('div.faint.books-capped', h('span.mono', check), `: ${fmt.n(c.shown)} of ${fmt.n(c.found)} shown … ${fmt.n(c.found - c.shown)} more not shown`)));
}

/** The button (for the roles that may call the check) and where its answer goes; none for the others. */
export function booksCheckButton(box) {
  if (!session.can(BOOKS_ROUTE)) return null;
  const run = async (e) => {
    const btn = e.currentTarget;
    btn.disabled = true;
    fill(box, h('span.faint', 'Checking the books…'));
    try {
      fill(box, booksVerdict(await get(`/v1/checks?limit=${LIMIT}`)));
    } catch (err) {
      fill(box, problemBanner(err));
    } finally {
      btn.disabled = false;
    }
  };
  return h('button.books-check-run', { onclick: run }, 'Check the books');
}
