import { h, fill, fmt, panel, table, pill, facts, notAvailable, notPermitted, problemBanner, pagedList, pagedCount, errorToast } from './lib.js';
import { get, session } from './api.js';
import { answerText, claimAnswerForm } from './claim-answer.js';

// ── Supplier claims ──────────────────────────────────────────────────────────────────────────────
// The buyers' worklist of warranty claims against suppliers (GET /v1/supplier-claims). Procurement and
// category managers record the supplier's answer here: they do not read return cases, so the return
// case's claim panel is out of their reach (docs/ai.md, "The supplier answers a claim").

export const SUPPLIER_CLAIMS_ROUTE = 'GET /v1/supplier-claims';
const CASE_ROUTE = 'GET /v1/returns/{id}';
const ORDER_ROUTE = 'GET /v1/orders/{id}';
/** Claims per page, newest first; `next` pages on to older ones with ?before=. */
const PAGE = 50;
/** The API's states (src/api/routes/supplier-claims.ts, CLAIM_STATES). */
const STATES = ['open', 'accepted', 'rejected'];

const mono = (x) => h('span.mono', x ?? '—');
const statePill = (state) => pill(state === 'accepted' ? 'ok' : state === 'rejected' ? 'warn' : 'info', state);
const moneyOf = (k) => (x) => fmt.money(x, k.currency ?? undefined);

/** The claim's return case, linked for the roles that read cases (buyers do not: named only). */
function caseRef(k) {
  return session.can(CASE_ROUTE)
    // Its click is the link's, not the list row's (which opens the claim).
    ? h('a.claim-case', { href: `#/returns/${encodeURIComponent(k.caseId)}`, onclick: (e) => e.stopPropagation() }, mono(k.caseId))
    : h('span.claim-case', mono(k.caseId));
}

function orderRef(k) {
  if (!k.orderId) return '—';
  return session.can(ORDER_ROUTE) ? h('a', { href: `#/orders/${encodeURIComponent(k.orderId)}` }, mono(k.orderId)) : mono(k.orderId);
}

export async function supplierClaims(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Supplier claims', SUPPLIER_CLAIMS_ROUTE));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('supplier claims'));
  if (ctx.args[0]) return claimScreen(ctx, ctx.args[0]);
  ctx.sub.textContent = 'Warranty claims against suppliers · newest first';

  const state = h('select', { name: 'state' }, h('option', { value: '' }, 'every state'),
    STATES.map((s) => h('option', { value: s, selected: ctx.query.get('state') === s }, s)));
  const supplier = h('input', { name: 'supplier', placeholder: 'supplier id', value: ctx.query.get('supplier') ?? '' });
  const title = h('h2', 'Claims');
  const list = h('div.claims-list');

  const load = async () => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (state.value) q.set('state', state.value);
    if (supplier.value.trim()) q.set('supplier', supplier.value.trim());
    // The filter stays in the address, so "← all claims" and a reload come back to it.
    const shown = new URLSearchParams([...q].filter(([k]) => k !== 'limit')).toString();
    history.replaceState(null, '', `#/supplier-claims${shown ? `?${shown}` : ''}`);
    const filtered = Boolean(state.value || supplier.value.trim());
    const paged = pagedList({
      fetchPage: (after) => get(`/v1/supplier-claims?${q}${after !== null && after !== undefined ? `&before=${encodeURIComponent(after)}` : ''}`),
      render: (rows, next) => {
        fill(title, `Claims · ${pagedCount(rows, next)}`);
        return table([
          { label: 'Claim', value: (k) => h('a.claim-id', { href: `#/supplier-claims/${encodeURIComponent(k.id)}`, onclick: (e) => e.stopPropagation() }, mono(k.id)) },
          { label: 'Supplier', value: (k) => h('span.claim-supplier', k.supplierId) },
          { label: 'Case', value: caseRef },
          { label: 'Claimed', num: true, value: (k) => moneyOf(k)(k.amount) },
          { label: 'State', value: (k) => h('span.claim-state', statePill(k.state)) },
          { label: 'Age', value: (k) => h('span.nowrap', { title: fmt.time(k.createdAt) }, fmt.ageSince(k.createdAt)) },
          { label: 'Answer', value: (k) => (k.answer ? h('span.claim-answer-text', answerText(k.answer, moneyOf(k))) : h('span.faint', '—')) },
        ], rows, {
          empty: 'No supplier claims',
          emptyDetail: filtered ? 'Nothing matches this filter.' : 'A claim opens when a return case is claimed from its supplier.',
          key: (k) => k.id,
          onRow: (k) => (location.hash = `#/supplier-claims/${encodeURIComponent(k.id)}`),
        });
      },
      more: 'Older claims',
    });
    try {
      await paged.ready;
      fill(list, paged.el);
    } catch (err) {
      fill(title, 'Claims');
      fill(list, problemBanner(err));
    }
  };

  fill(ctx.content,
    h('div.panel', h('form.row.claims-filter', {
      onsubmit(e) {
        e.preventDefault();
        load().catch((err) => errorToast(err));
      },
    }, state, supplier, h('button.primary', { type: 'submit' }, 'Show'))),
    h('section.panel.flush.claims', title, list),
  );
  await load();
}

/** One claim: what was claimed and why, and while it is open, the supplier's answer to record. */
async function claimScreen(ctx, id) {
  const k = await get(`/v1/supplier-claims/${encodeURIComponent(id)}`);
  if (!ctx.live()) return;
  const money = moneyOf(k);
  const a = k.answer;
  ctx.title.textContent = `Claim ${k.id}`;
  fill(ctx.sub, h('span.claim-state', statePill(k.state)), h('span.faint', ` · supplier ${k.supplierId} · ${money(k.amount)}`));
  fill(ctx.actions, h('a', { href: '#/supplier-claims' }, '← all claims'));
  fill(ctx.content,
    h('div.grid.g2',
      panel('Claim', facts([
        ['Claim', mono(k.id)],
        ['Supplier', h('span.claim-supplier', k.supplierId)],
        ['Return case', caseRef(k)],
        ['Order', orderRef(k)],
        ['Claimed', h('strong.claim-amount', money(k.amount))],
        ['Opened', [fmt.time(k.createdAt), h('span.faint', ` · ${fmt.ageSince(k.createdAt)} ago`)]],
      ]),
      h('h3', 'Why the customer returned it'),
      h('div.claim-reason', k.reason ?? '—'),
      k.reasonCode ? h('div.faint', `reason code ${k.reasonCode}`) : null),
      panel('Supplier answer', facts([
        ['State', statePill(k.state)],
        ['Answer', h('span.claim-answer-text', answerText(a, money))],
        a ? ['Credit note', a.creditNoteRef ? mono(a.creditNoteRef) : '—'] : null,
        a ? ['Told', fmt.time(a.answeredAt)] : null,
        a ? ['Recorded', `${fmt.time(a.recordedAt)} · ${a.by}`] : null,
      ]),
      a?.outcome === 'rejected' ? h('div.faint', 'The case stays claimed: a service agent decides what the customer gets (the supplier_claim queue).') : null,
      a?.outcome === 'accepted' ? h('div.faint', 'The credit went to the books and the case closed.') : null,
      claimAnswerForm(k, { money, onDone: () => ctx.rerender() })),
    ),
    panel('Claimed items', table([
      { label: 'Sku', value: (l) => mono(l.sku) },
      { label: 'Qty', num: true, value: (l) => l.qty },
      { label: 'Unit price', num: true, value: (l) => (l.unitPrice === undefined ? '—' : money(l.unitPrice)) },
      { label: 'Amount', num: true, value: (l) => (l.amount === undefined ? '—' : money(l.amount)) },
      { label: 'Condition', value: (l) => l.condition ?? '—' },
    ], k.lines ?? [], { empty: 'No lines recorded with the claim', class: 'compact claim-lines' })),
  );
}
