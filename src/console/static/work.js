import { h, fill, fmt, panel, table, pill, facts, empty, errorToast, toast, notAvailable, notPermitted, problemBanner, pagedList } from './lib.js';
import { get, api, session } from './api.js';
import { answerText, claimAnswerForm, CLAIM_ROUTE } from './claim-answer.js';

const items = (r) => (Array.isArray(r) ? r : r?.items ?? []);
/** Items per page of an exception queue (the API's default; it allows up to 500). */
const EXCEPTIONS_PAGE = 100;
const when = (x) => (x === null || x === undefined ? null : typeof x === 'number' ? new Date(x).toISOString() : x);

// ── Approvals ───────────────────────────────────────────────────────────────────────────────────

/** The server's way to decide: one route with {decision}, or one route per decision. */
function decideRoute() {
  if (session.exists('POST /v1/approvals/{id}/decision')) return { route: 'POST /v1/approvals/{id}/decision', url: (id) => `/v1/approvals/${encodeURIComponent(id)}/decision`, body: (d, c) => ({ decision: d, comment: c }) };
  if (session.exists('POST /v1/approvals/{id}/decide')) return { route: 'POST /v1/approvals/{id}/decide', url: (id) => `/v1/approvals/${encodeURIComponent(id)}/decide`, body: (d, c) => ({ decision: d, comment: c }) };
  if (session.exists('POST /v1/approvals/{id}/{decision}')) return { route: 'POST /v1/approvals/{id}/{decision}', url: (id, d) => `/v1/approvals/${encodeURIComponent(id)}/${d}`, body: (_d, c) => ({ comment: c }) };
  return { route: 'POST /v1/approvals/{id}/approve', url: (id, d) => `/v1/approvals/${encodeURIComponent(id)}/${d}`, body: (_d, c) => ({ comment: c }) };
}

function factList(f) {
  if (!f || typeof f !== 'object') return '—';
  return h('dl.facts', Object.entries(f).flatMap(([k, v]) => [h('dt', k.replace(/([A-Z])/g, ' $1').toLowerCase()), h('dd', typeof v === 'object' ? JSON.stringify(v) : String(v))]));
}

function approvalCard(a, onDone) {
  const comment = h('textarea', { name: 'comment', placeholder: 'Comment (kept with the decision in the audit trail)' });
  const result = h('div');
  const how = decideRoute();
  const mayDecide = session.can(how.route);
  const level = a.levels?.[a.level ?? 0];
  const decide = async (decision, btn) => {
    btn.disabled = true;
    fill(result, );
    try {
      await api('POST', how.url(a.id, decision), how.body(decision, comment.value.trim() || undefined));
      toast('success', `${decision === 'approve' ? 'Approved' : 'Rejected'} ${a.subject ?? ''} ${a.subjectRef ?? ''}`);
      onDone();
    } catch (err) {
      btn.disabled = false;
      if (err.code === 'E_SOD') {
        fill(result, h('div.banner.bad.sod', { role: 'alert' }, h('span.code', err.code), h('strong', 'Segregation of duties: '), err.detail || 'you may not decide this request.',
          h('div.faint', 'Nobody approves what they requested, and a dual approval needs two different people. Another approver must decide.')));
      } else {
        fill(result, problemBanner(err));
        errorToast(err, 'Decision refused');
      }
    }
  };
  const rec = a.recommendation ?? a.facts?.recommendation ?? null;
  const closed = when(a.closedAt);
  return h('section.panel.approval', { dataset: { id: a.id } },
    h('div.row', h('h2', `${String(a.subject ?? a.kind ?? 'approval').replace(/_/g, ' ')} · `, h('span.mono', a.subjectRef ?? a.id)), a.facts?.amount !== undefined && a.facts?.amount !== null ? h('strong.amount', fmt.money(a.facts.amount, a.facts.currency)) : null, h('span.spacer'), pill(a.status ?? a.state ?? 'pending'), a.escalated || a.level > 0 ? pill('escalated', `escalated · level ${a.level + 1}`) : null),
    h('div.grid.g2',
      h('div', facts([
        ['Requested by', a.requestedBy], ['Requested', fmt.time(when(a.requestedAt))],
        // A closed request has no deadline left and no longer waits: when it closed and how long it took.
        closed ? ['Closed', [fmt.time(closed), a.requestedAt ? [' ', h('span.faint', `(after ${fmt.age((Date.parse(closed) - Date.parse(when(a.requestedAt))) / 1000)})`)] : null]]
          : ['Decide by', [fmt.time(when(a.deadlineAt ?? a.levelDeadlineAt)), ' ', h('span.faint', `(${fmt.ageSince(when(a.requestedAt))} waiting)`)]],
        ['Who decides', `${(a.roles ?? level?.roles ?? []).map((r) => r.replace(/_/g, ' ')).join(' or ')}${(a.approversNeeded ?? level?.approvers ?? 1) > 1 ? ` · ${a.approversNeeded ?? level?.approvers} different people` : ''}`],
        ['Rule', a.ruleId ? h('span.mono', `${a.ruleId} · policy v${a.policyVersion}`) : '—'],
        rec ? ['Recommendation', `${rec.label ?? rec.disposition ?? ''} (confidence ${rec.confidence ?? '—'}) ${rec.rationale ?? ''}`] : null,
      ])),
      h('div', h('h3', 'Facts'), factList(a.facts)),
    ),
    (a.decisions ?? []).length ? [h('h3', 'History'), table([
      { label: 'When', value: (d) => fmt.time(when(d.at)) }, { label: 'Who', value: (d) => `${d.actorId ?? d.by} (${d.actingRole ?? d.role ?? ''})` },
      { label: 'Decision', value: (d) => pill(d.decision === 'approve' ? 'approved' : 'rejected', d.decision) }, { label: 'Comment', value: (d) => d.comment ?? '' },
    ], a.decisions)] : null,
    mayDecide && (a.status ?? 'pending') === 'pending'
      ? h('div.grid', comment, h('div.row', h('button.good.approve', { onclick: (e) => decide('approve', e.currentTarget) }, 'Approve'), h('button.danger.reject', { onclick: (e) => decide('reject', e.currentTarget) }, 'Reject')))
      : null,
    result,
  );
}

export async function approvals(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('The approvals inbox', 'GET /v1/approvals'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('approvals'));
  const state = ctx.query.get('state') ?? 'pending';
  // Deciders see what waits for their role; admins and auditors see every request.
  const everyone = ['admin', 'auditor'].includes(session.user.role) || ctx.query.get('all') === '1';
  ctx.sub.textContent = everyone ? `Every approval request · ${state}` : `Waiting for ${session.user.role.replace(/_/g, ' ')} · ${state}`;
  fill(ctx.actions, ...['pending', 'approved', 'rejected', 'expired', 'withdrawn'].map((s) => h('a', { href: `#/approvals?state=${s}`, class: s === state ? 'pill info' : 'pill' }, s)));
  const q = new URLSearchParams({ state, limit: '100' });
  if (!everyone && state === 'pending') q.set('role', session.user.role);
  const r = await get(`/v1/approvals?${q}`);
  if (!ctx.live()) return;
  const list = items(r);
  fill(ctx.content, ...(list.length ? list.map((a) => approvalCard(a, () => ctx.rerender())) : [panel(null, empty(state === 'pending' ? 'Inbox zero' : `No ${state} approvals`, state === 'pending' ? 'Nothing waits for your decision.' : ''))]));
}

// ── Exception queues ─────────────────────────────────────────────────────────────────────────────

/**
 * An item's subject, linked to the screen that works it: an order's, or a return case's — also a
 * top-up finance was told (`return:<case>:owed:<event>`), whose case screen records it paid or not.
 */
function subjectCell(subject) {
  const order = /^order:(.+)$/.exec(subject);
  if (order) return h('a', { href: `#/orders/${encodeURIComponent(order[1])}` }, subject);
  const ret = /^return:([^:]+)/.exec(subject);
  if (ret) return h('a', { href: `#/returns/${encodeURIComponent(ret[1])}` }, subject);
  return h('span.mono', subject);
}

export async function exceptions(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Exception queues', 'GET /v1/exceptions'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('exception queues'));
  const queue = ctx.query.get('queue') ?? '';
  const state = ctx.query.get('state') ?? 'open';
  ctx.sub.textContent = queue ? `Queue ${queue.replace(/_/g, ' ')} · ${state} · oldest first` : `Every queue · ${state} · oldest first`;
  // The queue filter goes to the API: a page of every queue would hide the queues past its first 100 items.
  const q = new URLSearchParams({ state, limit: String(EXCEPTIONS_PAGE) });
  if (queue) q.set('queue', queue);
  const act = async (x, action, body) => {
    try {
      await api('POST', `/v1/exceptions/${encodeURIComponent(x.id)}/${action}`, body);
      toast('success', `${action} · ${x.summary ?? x.id}`);
      ctx.rerender();
    } catch (err) { errorToast(err, `Could not ${action}`); }
  };
  const canDo = (a) => session.can(`POST /v1/exceptions/{id}/${a}`) || session.can('POST /v1/exceptions/{id}/{action}');
  const columns = [
    { label: 'Queue', value: (x) => pill('open', String(x.queue ?? x.category).replace(/_/g, ' ')) },
    { label: 'Subject', value: (x) => subjectCell(String(x.subjectRef ?? x.subject ?? '')) },
    { label: 'Summary', value: (x) => x.summary },
    { label: 'Age', num: true, value: (x) => (x.ageSeconds !== undefined ? fmt.age(x.ageSeconds) : fmt.ageSince(when(x.openedAt))) },
    { label: 'Owner', value: (x) => [String(x.ownerRole ?? '').replace(/_/g, ' '), x.assignee ? h('div.faint', `→ ${x.assignee}`) : null] },
    { label: 'State', value: (x) => [pill(x.state), x.state === 'resolved' && x.resolution ? h('div.faint', `${x.resolution.by ?? ''}: ${x.resolution.reason ?? ''}`) : null] },
    // A resolved item takes no action (the API refuses each with 409).
    { label: '', value: (x) => (x.state === 'resolved' ? null : h('div.row',
      canDo('assign') && x.assignee !== session.user.name ? h('button.small', { onclick: () => act(x, 'assign', { assignee: session.user.name }) }, 'Take') : null,
      canDo('retry') && x.retryable !== false ? h('button.small', { onclick: () => act(x, 'retry', {}) }, 'Retry') : null,
      canDo('resolve') ? h('button.small.good', { onclick: () => { const reason = prompt('Resolution (what was done)?'); if (reason?.trim()) act(x, 'resolve', { reason: reason.trim() }); } }, 'Resolve') : null)) },
  ];
  const list = pagedList({
    fetchPage: (after) => get(`/v1/exceptions?${q}${after ? `&after=${encodeURIComponent(after)}` : ''}`),
    render: (rows) => table(columns, rows, { empty: 'No exceptions here', emptyDetail: queue ? 'This queue is clear.' : 'The queues are clear.', key: (x) => x.id }),
  });
  // Per-queue counts of the queues this role sees, by the same filters as the list (open = not resolved).
  const counted = session.can('GET /v1/exceptions/counts') ? get('/v1/exceptions/counts').catch(() => null) : Promise.resolve(null);
  const [d] = await Promise.all([counted, list.ready]);
  if (!ctx.live()) return;
  const counts = new Map((d?.items ?? []).map((e) => [e.queue, e[state] ?? null]));
  const link = (qq, st) => `#/exceptions?${new URLSearchParams({ ...(qq ? { queue: qq } : {}), state: st })}`;
  // Without the counts, the queues named are the ones of the rows read so far.
  const named = d ? [...counts.keys()] : [...new Set(list.rows.map((x) => x.queue ?? x.category))];
  if (queue && !named.includes(queue)) named.push(queue);
  const label = (qq) => {
    const n = counts.get(qq);
    return n === null || n === undefined ? qq.replace(/_/g, ' ') : `${qq.replace(/_/g, ' ')} · ${fmt.n(n)}`;
  };
  const all = d ? [...counts.values()].reduce((a, n) => a + (n ?? 0), 0) : null;
  fill(ctx.actions,
    ...['open', 'assigned', 'resolved'].map((st) => h('a', { href: link(queue, st), class: st === state ? 'pill warn' : 'pill' }, st)), h('span.faint', '·'),
    h('a', { href: link('', state), class: queue ? 'pill' : 'pill info' }, all === null ? 'all queues' : `all queues · ${fmt.n(all)}`),
    ...named.sort().map((qq) => h('a', { href: link(qq, state), class: qq === queue ? 'pill info' : 'pill', dataset: { queue: qq }, title: counts.get(qq) !== undefined && counts.get(qq) !== null ? `${state} items in this queue` : undefined }, label(qq))));
  fill(ctx.content, h('section.panel.flush.exceptions', list.el));
}

// ── Returns ──────────────────────────────────────────────────────────────────────────────────────

export async function returnsList(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Return cases', 'GET /v1/returns'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('return cases'));
  if (ctx.args[0]) return returnCase(ctx, ctx.args[0]);
  ctx.sub.textContent = 'Newest first';
  const r = await get('/v1/returns?limit=100');
  if (!ctx.live()) return;
  fill(ctx.content, h('section.panel.flush', table([
    { label: 'Case', value: (c) => h('a', { href: `#/returns/${encodeURIComponent(c.id)}` }, h('span.mono', c.externalReturnId ?? c.id)) },
    { label: 'Order', value: (c) => (c.orderId ? h('a', { href: `#/orders/${encodeURIComponent(c.orderId)}` }, c.order?.externalOrderId ?? c.orderId) : '—') },
    { label: 'State', value: (c) => pill(c.state) },
    { label: 'Reason', value: (c) => h('span', String(c.reason ?? '').slice(0, 80)) },
    { label: 'Category', value: (c) => (c.category ? String(c.category).replace(/_/g, ' ') : '—') },
    { label: 'Disposition', value: (c) => (c.disposition ? String(c.disposition).replace(/_/g, ' ') : '—') },
    { label: 'Value', num: true, value: (c) => fmt.money(c.value, c.currency) },
    { label: 'Requested', value: (c) => fmt.time(c.requestedAt) },
  ], items(r), { empty: 'No return cases', onRow: (c) => (location.hash = `#/returns/${encodeURIComponent(c.id)}`) })));
}

/** A case's approval: its outcome, waiting, not required — or one the approvals policy cannot judge (a fact missing). */
function approvalOutcome(a) {
  if (a.outcome ?? a.status) return pill(a.outcome ?? a.status);
  if (a.required === 'undecidable') {
    return [pill('bad', 'cannot be decided by policy'), a.reason ? h('div.faint.undecidable-reason', String(a.reason).replace(/_/g, ' ')) : null];
  }
  return a.required === true ? pill('pending') : pill('ok', 'not required');
}

/** A list of ids in words: "a", "a and b", "a, b and c" (each in the mono face). */
const ids = (list) => list.map((x, i) => [i === 0 ? '' : i === list.length - 1 ? ' and ' : ', ', h('span.mono', x)]);

/**
 * What the refund was weighed against, in words (`refund.limitedBy` / the case's `refundRefused`,
 * src/domain/returns/refund-limit.ts): what the order was paid, what was refunded before it — ours and
 * the channel's own — and the channel's refunds that paid out ours, which count once, with ours.
 */
function weighed(f, money) {
  const matched = f.matchedAtChannel ?? [];
  return [
    `the order was paid ${money(f.paid)}, ${money(f.alreadyRefunded)} already refunded`,
    f.refundedAtChannel ? ` (of it ${money(f.refundedAtChannel)} by the channel itself)` : '',
    matched.length ? [`; the channel's refund${matched.length > 1 ? 's' : ''} `, ids(matched), ` paid out ours: counted once`] : '',
  ];
}

/** Why the case got no refund though it was due one (`refundRefused`): nothing was left, or it could not be weighed. */
function refundRefused(c) {
  const f = c.refundRefused;
  const money = (x) => fmt.money(x, f.currency);
  if (f.code === 'nothing_left_to_refund') {
    return h('div.banner.bad.refund-refused', h('strong', 'No refund: nothing was left to refund of the order. '),
      h('span.refused-why', `${money(f.asked)} asked; `, weighed(f, money), '.'), refusedStanding(c, money));
  }
  // currency_differs: this case's currency is not the payment's, or a refund of the order counted is in another.
  return h('div.banner.bad.refund-refused', h('strong', 'No refund: it cannot be weighed against the order\'s payment. '),
    h('span.refused-why', c.currency && c.currency !== f.currency ? `The case is in ${c.currency}, the payment in ${f.currency}.` : `A refund of the order is in another currency than its payment (${f.currency}).`),
    refusedStanding(c, money));
}

/** A closing's reason in words (`closing.reason` of the case, src/domain/returns/case-closing.ts). */
const CLOSED_BECAUSE = {
  refused_refund_answered: 'finance answered all it asked',
  refusal_resolved: 'finance resolved its item',
  closed_by_hand: 'closed by hand',
  refund_settled: 'refund settled',
  replacement_shipped: 'replacement shipped',
  claim_period_over: 'claim period over',
  claim_accepted: 'supplier accepted the claim',
};

/**
 * Where a refused refund's case stands, so "refunded" beside "No refund" does not read as a
 * contradiction: open (`refunded` with no refund), it says what ends it — finance answering all that
 * was asked (top-ups it is told as the order's payment frees up, each paid by hand or not paid: what
 * of it is answered so far), finance resolving its item, or someone closing it by hand — and names its
 * finance item (`refusalItem`); closed, how it ended (`closing`: reason, why, when). A refusal of a
 * currency is never put to finance as an amount: only resolving its item or closing by hand ends it.
 */
function refusedStanding(c, money) {
  const f = c.refundRefused;
  const item = c.refusalItem ?? null;
  const mayQueue = session.can('GET /v1/exceptions');
  const itemRef = item
    ? ['finance item ', mayQueue ? h('a.refusal-item', { href: `#/exceptions?queue=reconciliation_discrepancy&state=${item.state === 'resolved' ? 'resolved' : 'open'}` }, item.id) : h('span.mono.refusal-item', item.id), ' in the reconciliation queue']
    : ['its item in the reconciliation queue'];
  if (c.state === 'closed') {
    const k = c.closing ?? null;
    return h('div.refused-closed',
      h('strong', k ? `Closed ${fmt.time(k.at)}${k.reason ? ` (${CLOSED_BECAUSE[k.reason] ?? k.reason.replace(/_/g, ' ')})` : ''}: ` : 'Closed. '),
      k ? h('span.refused-closing-why', k.why) : null,
      // Resolved by finance, the item closed the case; otherwise the closing resolved the item.
      item ? h('div.faint', 'Its ', ...itemRef, item.state !== 'resolved' ? ` is ${item.state}.` : k?.reason === 'refusal_resolved' ? ' was resolved by finance: that closed the case.' : ' was resolved with the closing.') : null);
  }
  if (c.state !== 'refunded') {
    // A case refused before refused cases waited for finance: it ended at once (closed or rejected).
    return h('div.faint', 'Finance had it in the reconciliation queue: the payment data may be wrong, or the customer is owed money another way.');
  }
  if (f.code !== 'nothing_left_to_refund') {
    return h('div.refused-open',
      h('strong', 'The case stays open until finance resolves its item or someone closes it by hand'), ' (', ...itemRef, '): a refund that cannot be weighed is never put to finance as an amount to pay.');
  }
  const o = c.refundOwed;
  const answered = o ? Math.round(((o.paid ?? 0) + (o.waived ?? 0)) * 100) / 100 : 0;
  const left = Math.max(0, Math.round((f.asked - answered) * 100) / 100);
  return h('div.refused-open',
    h('strong', `The case stays open until finance has answered the ${money(f.asked)} asked (`, ...itemRef, ') or someone closes it by hand.'),
    h('div.faint.refused-answered', o
      ? `Finance has answered ${money(answered)} of it so far (${money(o.paid ?? 0)} paid by hand, ${money(o.waived ?? 0)} not paid): ${money(left)} still to answer.`
      : 'Finance is told what it can pay by hand as the order\'s payment frees up, and records each top-up paid or not paid; nothing has been freed for it yet.'),
    // Finance may answer the refusal itself (settled another way): resolving its item closes the case
    // once no top-up it was told is still open (docs/ai.md, "Cases close themselves").
    item && item.state !== 'resolved'
      ? h('div.faint.refused-resolve', 'Finance resolving its item (settled another way, or nothing more owed) closes the case too, once no top-up it was told is still open.')
      : item ? h('div.faint.refused-resolve', 'Its item is resolved: the case closes once finance has answered the top-ups it was told.') : null);
}

/**
 * What is left to refund of the order now (`leftToRefund` of `GET /v1/orders/{id}`, the figure the next
 * return is weighed against). `order` is null when the role may not read orders: no line then.
 */
function leftOnOrder(c, order) {
  if (order?.error) return h('div.left-now.faint', `What is left to refund of the order could not be read (${order.error.code ?? order.error.status}).`);
  if (!order?.leftToRefund) return null;
  const l = order.leftToRefund;
  const money = (x) => fmt.money(x, l.currency);
  const link = h('a.order-link', { href: `#/orders/${encodeURIComponent(order.id)}` }, `order ${order.externalOrderId ?? order.id} →`);
  return h('div.left-now', l.amount === null
    ? [h('strong.left-now-figure', 'Left to refund on the order now: cannot be weighed'), ' ', link, h('div.faint', 'a refund that counts is in another currency than the order')]
    : [h('strong.left-now-figure', `Left to refund on the order now: ${money(l.amount)} of ${money(l.boundedBy.amount)}`), ' ', link]);
}

/**
 * What a cut or refused refund is owed on top now that the order's room to refund grew, when the API
 * tells it (`refundOwedNow` of the case: {amount, currency, short, toldFinance, …}; newer than this
 * screen, so read with care): money paid by hand, never on its own.
 */
function owedNow(c) {
  const o = c.refundOwedNow ?? c.refund?.owedNow ?? null;
  if (o === null || typeof o !== 'object' || typeof o.amount !== 'number') return null;
  const money = (x) => fmt.money(x, o.currency ?? c.refund?.currency ?? c.currency);
  const known = (x) => typeof x === 'number';
  return h('div.banner.ok.owed-now',
    h('strong', `Owed on top now: ${money(o.amount)}`),
    h('div.faint', [
      'the order\'s room to refund grew since it was weighed; paid by hand',
      known(o.short) ? `; it was ${money(o.short)} short` : '',
      known(o.toldFinance) ? (o.toldFinance > 0 ? `; finance was told ${money(o.toldFinance)}` : '; finance not told yet') : '',
    ].join('')));
}

const SETTLE_OWED = 'POST /v1/returns/{id}/owed/{exceptionId}/settle';
/** An owed item's state in finance's words (`refundOwed.items[].state`). */
const OWED_STATE = { open: ['warn', 'to pay by hand'], paid: ['ok', 'paid by hand'], not_paid: ['', 'not paid'], withdrawn: ['', 'withdrawn'] };

/**
 * What finance was told the case is owed on top, item by item (`refundOwed` of the case), and what
 * became of each: paid by hand (still counted on the order), not paid (released: the case is no longer
 * owed it), withdrawn (the refund was turned down). A role that may record it (the session lists the
 * settle route) gets "Mark paid" (asks the payment's reference) and "Not paying" (asks why) on an
 * item not answered yet; a withdrawn one can still be marked paid (paid by hand before the turn-down).
 */
function owedItems(c, onDone) {
  const o = c.refundOwed;
  if (!o || !Array.isArray(o.items) || o.items.length === 0) return null;
  const money = (x) => fmt.money(x, o.currency ?? c.currency);
  const may = session.can(SETTLE_OWED);
  const result = h('div.owed-result');
  const settle = async (i, body, btn) => {
    btn.disabled = true;
    fill(result);
    try {
      // One key per click: a retry of a lost answer is answered as the first time, a second click is a second command.
      await api('POST', `/v1/returns/${encodeURIComponent(c.id)}/owed/${encodeURIComponent(i.exceptionId)}/settle`, body, { idempotencyKey: `owed-${i.exceptionId}-${Date.now().toString(36)}` });
      toast('success', body.outcome === 'paid' ? `Recorded paid: ${money(i.payable)}` : `Recorded not paid: ${money(i.payable)}`, body.outcome === 'paid' ? 'It stays counted as refunded on the order.' : 'Released on the order: later returns and other cases may be owed it.');
      onDone();
    } catch (err) {
      btn.disabled = false;
      fill(result, problemBanner(err));
      errorToast(err, 'Not recorded');
    }
  };
  const ask = (i, outcome, btn) => {
    const text = prompt(outcome === 'paid'
      ? `Paid ${money(i.payable)} by hand: the payment's reference (bank or PSP)`
      : `Not paying ${money(i.payable)}: why? (kept on the item and in the audit trail; the money is released on the order)`);
    if (text === null) return;
    if (!text.trim()) {
      toast('error', 'Nothing recorded', outcome === 'paid' ? 'A payment reference is needed.' : 'A reason is needed.');
      return;
    }
    settle(i, outcome === 'paid' ? { outcome, reference: text.trim() } : { outcome, reason: text.trim() }, btn);
  };
  const figures = [`${money(o.held)} counted on the order`, o.paid ? ` (${money(o.paid)} paid by hand)` : '', o.waived ? `; ${money(o.waived)} not paid` : '', o.withdrawn ? `; ${money(o.withdrawn)} withdrawn` : ''].join('');
  return h('div.owed-items',
    h('h3', 'Top-ups finance was told'),
    h('div.faint.owed-figures', figures),
    table([
      { label: 'Told', value: (i) => h('span.nowrap', fmt.time(i.toldAt)) },
      { label: 'Amount', num: true, value: (i) => h('span.owed-amount', money(i.payable)) },
      { label: 'State', value: (i) => h('span.owed-state', pill(...(OWED_STATE[i.state] ?? ['', i.state]))) },
      { label: 'Note', value: (i) => [
        i.reference ? h('span.mono.owed-reference', i.reference) : null,
        i.reason ? h('div.muted.owed-reason', i.reason) : null,
        i.settledBy ? h('div.faint', `${i.settledBy} · ${fmt.time(i.settledAt)}`) : h('div.faint', h('span.mono', i.exceptionId)),
      ] },
      { label: '', value: (i) => (may ? h('div.row.owed-actions',
        i.state === 'open' || i.state === 'withdrawn' ? h('button.small.good.mark-paid', { onclick: (e) => ask(i, 'paid', e.currentTarget) }, 'Mark paid') : null,
        i.state === 'open' ? h('button.small.danger.not-paying', { onclick: (e) => ask(i, 'not_paid', e.currentTarget) }, 'Not paying') : null) : null) },
    ], o.items, { class: 'compact owed-items-table', key: (i) => i.exceptionId }),
    result);
}

/**
 * The refund and why it is what it is: cut to what was left of the order's payment (`limitedBy`), its
 * settlement (the reference the payment side named it by; the channel's refund that paid it out), its
 * own history, and what is left to refund of the order now.
 */
function refundPanel(c, order, onChange) {
  const r = c.refund;
  if (!r) return h('section.panel.refund-panel', h('h2', 'Refund'), c.refundRefused ? refundRefused(c) : empty('No refund'), owedNow(c), owedItems(c, onChange), leftOnOrder(c, order));
  const money = (x) => fmt.money(x, r.currency);
  const f = r.limitedBy;
  const settled = r.state === 'settled';
  return h('section.panel.refund-panel', h('h2', 'Refund'),
    facts([
      ['State', pill(r.state)],
      ['Amount', [h('strong.refund-amount', money(r.amount)), f ? h('span.faint', ` of ${money(f.asked)} asked`) : null]],
      ['Approval', r.approvalId ? h('a', { href: '#/approvals' }, r.approvalId) : 'not needed'],
      r.reference ? ['Settlement reference', h('span.mono.settlement-reference', r.reference)] : null,
      r.channelRefundId ? ['Paid out at the channel', [h('span.mono.channel-refund-id', r.channelRefundId), h('div.faint', 'the channel\'s refund that paid ours out: the same money, counted once')]] : null,
      !r.reference && !r.channelRefundId ? ['Settlement', h('span.muted', r.state === 'rejected' ? 'turned down: nothing is paid' : settled ? 'settled, no reference given' : 'not settled yet')] : null,
    ]),
    f ? h('div.banner.warn.refund-cut', h('strong', `Cut from ${money(f.asked)} to ${money(r.amount)}: `), weighed(f, (x) => fmt.money(x, f.currency ?? r.currency)), '.') : null,
    owedNow(c),
    owedItems(c, onChange),
    leftOnOrder(c, order),
    (r.history ?? []).length ? [h('h3', 'Refund history'), table([
      { label: 'When', value: (x) => h('span.nowrap', fmt.time(x.at)) },
      { label: 'State', value: (x) => pill(x.to) },
      { label: 'Note', value: (x) => h('span.muted', x.note ?? '') },
    ], r.history, { class: 'compact refund-history' })] : null,
  );
}

/**
 * The case's order, for what is left to refund of it: null when the role may not read orders (the
 * server says 403 too: no line then); {error} when it could not be read (the panel says so).
 */
async function orderOfCase(c) {
  if (!c.orderId || !session.can('GET /v1/orders/{id}')) return null;
  try {
    return await get(`/v1/orders/${encodeURIComponent(c.orderId)}`);
  } catch (err) {
    return err.status === 403 ? null : { error: err };
  }
}

/** Cases whose work may be stuck and a person may close by hand (docs/ai.md, "Closing a case by hand"). */
const CLOSABLE_BY_HAND = ['refunded', 'replaced', 'claimed'];
const CLOSE_CASE = 'POST /v1/returns/{id}/close';

/**
 * "Close case" for a refunded, replaced or claimed case and a role that may close it: asks why (kept in
 * the case's history and the audit trail), then closes it; a refusal is shown with its code.
 */
function closeCaseButton(c, onDone) {
  if (!CLOSABLE_BY_HAND.includes(c.state) || !session.can(CLOSE_CASE)) return null;
  return h('button.close-case', {
    async onclick(e) {
      const btn = e.currentTarget;
      const reason = prompt(`Close return ${c.externalReturnId ?? c.id} (${c.state}) by hand: why? Its work will not finish by itself (kept in its history and the audit trail).`);
      if (reason === null) return;
      if (!reason.trim()) return toast('error', 'Not closed', 'A reason is needed.');
      btn.disabled = true;
      try {
        // One key per click: a retry of a lost answer is answered as the first time.
        await api('POST', `/v1/returns/${encodeURIComponent(c.id)}/close`, { reason: reason.trim() }, { idempotencyKey: `close-${c.id}-${Date.now().toString(36)}` });
        toast('success', 'Case closed', reason.trim());
        onDone();
      } catch (err) {
        btn.disabled = false;
        errorToast(err, 'Not closed');
      }
    },
  }, 'Close case');
}

/**
 * The case's claim against its supplier (docs/ai.md, "The supplier answers a claim"): who, how much,
 * its state and the supplier's answer; while open, "Record supplier answer" for the roles that may
 * (claim-answer.js, shared with the Supplier claims screen, which the claim links to).
 */
function claimPanel(c, onDone) {
  const k = c.supplierClaim;
  if (!k) return null;
  const a = k.answer;
  const money = (x) => fmt.money(x, c.currency);
  return panel('Supplier claim', facts([
    ['Claim', session.can(CLAIM_ROUTE) ? h('a.claim-link', { href: `#/supplier-claims/${encodeURIComponent(k.id)}` }, h('span.mono', k.id)) : h('span.mono', k.id)],
    ['Supplier', k.supplierId],
    ['Claimed', money(k.amount)],
    ['State', pill(k.state === 'accepted' ? 'ok' : k.state === 'rejected' ? 'warn' : 'info', k.state)],
    ['Answer', answerText(a, money)],
    ['Answered', a ? `${fmt.time(a.answeredAt)} · ${a.by}` : '—'],
  ]), claimAnswerForm(k, { money, onDone }));
}

async function returnCase(ctx, id) {
  const c = await get(`/v1/returns/${encodeURIComponent(id)}`);
  if (!ctx.live()) return;
  const order = await orderOfCase(c);
  if (!ctx.live()) return;
  ctx.title.textContent = `Return ${c.externalReturnId ?? c.id}`;
  // "refunded" with no refund made: said beside the state, so the two do not read as a contradiction.
  const noRefundYet = c.state === 'refunded' && c.refundRefused && !c.refund;
  // Why a case that closes by itself is still open (`waitingFor`, the closing rule's words): beside the state.
  fill(ctx.sub, pill(c.state), noRefundYet ? h('span.faint.refused-sub', ' · no refund made: open for finance') : null, h('span.faint', ` · ${c.id}`),
    c.waitingFor ? h('div.open-because', 'Open because: ', c.waitingFor) : null);
  fill(ctx.actions, closeCaseButton(c, () => ctx.rerender()), h('a', { href: '#/returns' }, '← all returns'));
  const cls = c.classification ?? {};
  const rec = c.recommendation ?? {};
  const dec = c.decision ?? {};
  fill(ctx.content, 
    // The refund column is the widest: its cut, settlement and history are read in full.
    h('div.grid.g-return',
      panel('Case', facts([['Order', c.orderId ? h('a', { href: `#/orders/${encodeURIComponent(c.orderId)}` }, c.order?.externalOrderId ?? c.orderId) : '—'], ['Customer', c.customerId], ['Requested', fmt.time(c.requestedAt)], ['Delivered', fmt.time(c.deliveredAt)], ['Value', fmt.money(c.value, c.currency)], ['Reason code', c.reasonCode ?? '—']]),
        h('h3', 'Reason (customer words)'), h('div', c.reason ?? '—')),
      panel('Classification and recommendation', facts([
        ['Category', c.category ? pill('info', c.category.replace(/_/g, ' ')) : '—'],
        ['Confidence', cls.confidence !== undefined ? Number(cls.confidence).toFixed(2) : '—'],
        ['Classifier', cls.model ? h('span.mono', `${cls.model.id} ${cls.model.version ?? ''}`) : cls.status ?? '—'],
        ['Recommended', rec.label ? [pill('info', rec.label.replace(/_/g, ' ')), ` at ${Number(rec.confidence ?? 0).toFixed(2)}`] : '—'],
        ['Disposition', c.disposition ? pill('ok', c.disposition.replace(/_/g, ' ')) : '—'],
        ['Decided by', dec.decidedBy ? [pill(dec.decidedBy === 'ai' ? 'info' : 'warn', dec.decidedBy === 'ai' ? 'AI' : 'rules'), ' ', h('span.mono', `${dec.rule ?? ''}${dec.policyVersion ? ` · returns v${dec.policyVersion}` : ''}`)] : '—'],
        ['Why', dec.why ? String(dec.why).replace(/_/g, ' ') : '—'],
        ['Rationale', dec.rationale ?? rec.rationale ?? cls.rationale ?? '—'],
      ])),
      refundPanel(c, order, () => ctx.rerender()),
    ),
    h('div.grid.g2',
      panel('Lines', table([{ label: 'Sku', value: (l) => h('span.mono', l.sku) }, { label: 'Qty', num: true, value: (l) => l.qty }, { label: 'Condition', value: (l) => l.condition ?? '—' }], c.lines ?? [])),
      panel('Approvals', table([
        { label: 'For', value: (a) => String(a.subject ?? a.purpose ?? '').replace(/_/g, ' ') },
        { label: 'Outcome', value: approvalOutcome },
        { label: 'Approval', value: (a) => h('span.mono.faint', String(a.approvalId ?? a.id ?? '').slice(0, 13)) },
      ], c.approvals ?? [], { empty: 'No approvals needed' })),
    ),
    claimPanel(c, () => ctx.rerender()),
    panel('History', table([{ label: 'When', value: (x) => fmt.time(x.at) }, { label: 'Change', value: (x) => `${x.from ?? ''} → ${x.to ?? x.state ?? ''}` }, { label: 'Note', value: (x) => x.note ?? x.why ?? '' }], c.history ?? [])),
  );
}
