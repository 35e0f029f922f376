import { h, fill, fmt, panel, table, pill, facts, empty, errorToast, toast, notAvailable, notPermitted, problemBanner, pagedList } from './lib.js';
import { get, api, session } from './api.js';

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
  fill(ctx.actions, ...['pending', 'approved', 'rejected', 'expired'].map((s) => h('a', { href: `#/approvals?state=${s}`, class: s === state ? 'pill info' : 'pill' }, s)));
  const q = new URLSearchParams({ state, limit: '100' });
  if (!everyone && state === 'pending') q.set('role', session.user.role);
  const r = await get(`/v1/approvals?${q}`);
  if (!ctx.live()) return;
  const list = items(r);
  fill(ctx.content, ...(list.length ? list.map((a) => approvalCard(a, () => ctx.rerender())) : [panel(null, empty(state === 'pending' ? 'Inbox zero' : `No ${state} approvals`, state === 'pending' ? 'Nothing waits for your decision.' : ''))]));
}

// ── Exception queues ─────────────────────────────────────────────────────────────────────────────

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
    { label: 'Subject', value: (x) => (String(x.subjectRef ?? x.subject ?? '').startsWith('order:') ? h('a', { href: `#/orders/${encodeURIComponent(String(x.subjectRef ?? x.subject).slice(6))}` }, x.subjectRef ?? x.subject) : h('span.mono', x.subjectRef ?? x.subject ?? '')) },
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

async function returnCase(ctx, id) {
  const c = await get(`/v1/returns/${encodeURIComponent(id)}`);
  if (!ctx.live()) return;
  ctx.title.textContent = `Return ${c.externalReturnId ?? c.id}`;
  fill(ctx.sub, pill(c.state), h('span.faint', ` · ${c.id}`));
  fill(ctx.actions, h('a', { href: '#/returns' }, '← all returns'));
  const cls = c.classification ?? {};
  const rec = c.recommendation ?? {};
  const dec = c.decision ?? {};
  fill(ctx.content, 
    h('div.grid.g3',
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
      panel('Refund', c.refund ? facts([['State', pill(c.refund.state)], ['Amount', fmt.money(c.refund.amount, c.refund.currency)], ['Approval', c.refund.approvalId ? h('a', { href: '#/approvals' }, c.refund.approvalId) : 'not needed']]) : empty('No refund')),
    ),
    h('div.grid.g2',
      panel('Lines', table([{ label: 'Sku', value: (l) => h('span.mono', l.sku) }, { label: 'Qty', num: true, value: (l) => l.qty }, { label: 'Condition', value: (l) => l.condition ?? '—' }], c.lines ?? [])),
      panel('Approvals', table([
        { label: 'For', value: (a) => String(a.subject ?? a.purpose ?? '').replace(/_/g, ' ') },
        { label: 'Outcome', value: approvalOutcome },
        { label: 'Approval', value: (a) => h('span.mono.faint', String(a.approvalId ?? a.id ?? '').slice(0, 13)) },
      ], c.approvals ?? [], { empty: 'No approvals needed' })),
    ),
    panel('History', table([{ label: 'When', value: (x) => fmt.time(x.at) }, { label: 'Change', value: (x) => `${x.from ?? ''} → ${x.to ?? x.state ?? ''}` }, { label: 'Note', value: (x) => x.note ?? x.why ?? '' }], c.history ?? [])),
  );
}
