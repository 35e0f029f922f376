import { h, fill, fmt, panel, table, pill, facts, empty, errorToast, toast, notAvailable, notPermitted, problemBanner, pagedList, pagedCount } from './lib.js';
import { get, api, session, serverNow } from './api.js';
import { booksCheckButton } from './books.js';

const items = (r) => (Array.isArray(r) ? r : r?.items ?? []);
/** Rows per page of the dead-letter lists (the API allows up to 500). */
const DEAD_PAGE = 100;

// ── Inventory ────────────────────────────────────────────────────────────────────────────────────

export async function inventory(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Inventory', 'GET /v1/stock'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('inventory'));
  ctx.sub.textContent = 'Stock per sku × location and what each channel may sell';
  const sku = h('input', { name: 'sku', placeholder: 'sku, e.g. NW-00001', value: ctx.query.get('sku') ?? '' });
  const loc = h('select', { name: 'location' }, h('option', { value: '' }, 'every location'));
  const stockBox = h('div');
  const availBox = h('div');
  const risksBox = h('section.panel');
  // The books check (docs/checks.md) lives on the Audit screen; a role that may run it but not read
  // the audit trail (inventory control, who answers for stock) runs it here instead.
  const books = h('div.books');
  if (!session.can('GET /v1/audit')) fill(ctx.actions, booksCheckButton(books));
  get('/v1/locations').then((r) => {
    for (const l of items(r)) loc.append(h('option', { value: l.id, selected: ctx.query.get('location') === l.id }, `${l.name} (${l.kind})`));
  }).catch(() => undefined);
  const load = async () => {
    const q = new URLSearchParams({ limit: '300' });
    if (sku.value.trim()) q.set('sku', sku.value.trim());
    if (loc.value) q.set('location', loc.value);
    const [stock, avail] = await Promise.all([get(`/v1/stock?${q}`), get(`/v1/availability?limit=5000${sku.value.trim() ? `&sku=${encodeURIComponent(sku.value.trim())}` : ''}`)]);
    fill(stockBox, table([
      { label: 'Sku', value: (s) => h('a', { href: `#/inventory?sku=${encodeURIComponent(s.sku)}` }, h('span.mono', s.sku)) },
      { label: 'Location', value: (s) => h('span.nowrap', s.locationId) },
      { label: 'On hand', num: true, value: (s) => fmt.n(s.onHand) },
      { label: 'Reserved', num: true, value: (s) => fmt.n(s.reserved) },
      { label: 'Protected', num: true, value: (s) => fmt.n(s.protected) },
      { label: 'Safety', num: true, value: (s) => fmt.n(s.safetyStock) },
      { label: 'Sellable', num: true, value: (s) => (s.sellable <= 0 ? pill('bad', String(s.sellable)) : s.sellable <= s.safetyStock ? pill('warn', String(s.sellable)) : fmt.n(s.sellable)) },
    ], items(stock), { empty: 'No stock records', emptyDetail: 'Import stock or send inventory.snapshot events.' }));
    // What each channel may sell, one row per sku and a column per channel.
    const channels = [...new Set(items(avail).map((a) => a.channel))].sort();
    const shown = new Set(items(stock).map((x) => x.sku));
    const bySku = new Map();
    for (const a of items(avail)) {
      if (shown.size && !shown.has(a.sku)) continue;
      if (!bySku.has(a.sku)) bySku.set(a.sku, { sku: a.sku, q: {}, at: a.updatedAt });
      const row = bySku.get(a.sku);
      row.q[a.channel] = a.quantity;
      if (a.updatedAt > row.at) row.at = a.updatedAt;
    }
    fill(availBox, table([
      { label: 'Sku', value: (r) => h('span.mono', r.sku) },
      ...channels.map((c) => ({ label: c, num: true, value: (r) => (r.q[c] === undefined ? '—' : r.q[c] <= 0 ? pill('bad', '0') : fmt.n(r.q[c])) })),
      { label: 'Published', value: (r) => h('span.nowrap', fmt.short(r.at)) },
    ], [...bySku.values()], { empty: 'Nothing published yet' }));
  };
  fill(ctx.content, 
    books,
    h('div.panel', h('form.row', { onsubmit: (e) => { e.preventDefault(); load().catch((err) => errorToast(err)); } }, sku, loc, h('button.primary', { type: 'submit' }, 'Show'))),
    h('div.grid.g-inv', h('section.panel', h('h2', 'Stock per sku × location'), stockBox), h('section.panel', h('h2', 'What each channel may sell (as last published)'), availBox)),
    risksBox,
  );
  if (session.can('GET /v1/replenishment/risks')) {
    get('/v1/replenishment/risks?state=open&limit=50').then((r) => fill(risksBox, h('h2', 'Replenishment risks (open, nearest breach first)'), table([
      { label: 'Sku', value: (x) => h('a', { href: `#/inventory?sku=${encodeURIComponent(x.sku)}` }, h('span.mono', x.sku)) },
      { label: 'Location', value: (x) => x.locationId },
      { label: 'Days of cover', num: true, value: (x) => (x.daysOfCover === null || x.daysOfCover === undefined ? '—' : Number(x.daysOfCover).toFixed(1)) },
      { label: 'Stockout by', value: (x) => (x.breachDate ? pill('warn', x.breachDate) : '—') },
      // The API's levels: 'zero' (a stockout is projected) and 'safety_stock' (below safety stock).
      { label: 'Level', value: (x) => (x.level ? pill(x.level === 'zero' ? 'bad' : 'warn', x.level === 'zero' ? 'zero (stockout)' : String(x.level).replace(/_/g, ' ')) : '—') },
      { label: 'Detected', value: (x) => h('span.nowrap', fmt.short(x.detectedAt)) },
    ], items(r), { empty: 'No open stockout risks' }))).catch((err) => fill(risksBox, problemBanner(err)));
  } else if (!session.exists('GET /v1/replenishment/risks')) fill(risksBox, h('h2', 'Replenishment risks'), notAvailable('Replenishment risks', 'GET /v1/replenishment/risks'));
  await load();
}

// ── Integrations ─────────────────────────────────────────────────────────────────────────────────

export async function integrations(ctx) {
  ctx.sub.textContent = 'Destinations, deliveries and dead letters';
  const sections = [];
  // The overview counts every dead letter (the lists below are read a page at a time).
  const dash = session.can('GET /v1/dashboard') ? await get('/v1/dashboard').catch(() => null) : null;
  // Dead-lettered inbound/decided events: a handler kept failing.
  if (session.can('GET /v1/events')) {
    const canReplay = session.can('POST /v1/events/{id}/replay');
    const columns = [
      { label: 'Event', value: (e) => h('span.mono', e.eventId) },
      { label: 'Type', value: (e) => h('span.mono', e.type) },
      { label: 'Source', value: (e) => e.source },
      { label: 'Subject', value: (e) => h('span.mono', e.subject) },
      { label: 'Attempts', num: true, value: (e) => e.attempts },
      { label: 'Last error', value: (e) => h('span.error-text', e.error ?? '') },
      { label: '', value: (e) => (canReplay ? h('button.small.primary.replay', {
        async onclick(ev) {
          ev.currentTarget.disabled = true;
          try {
            await api('POST', `/v1/events/${encodeURIComponent(e.eventId)}/replay`, {});
            toast('success', `Replayed ${e.type}`, `${e.eventId} is queued again with a fresh attempt budget.`);
            ctx.rerender();
          } catch (err) { errorToast(err, 'Replay refused'); ctx.rerender(); }
        },
      }, 'Replay') : null) },
    ];
    const dead = pagedList({
      fetchPage: (after) => get(`/v1/events?status=dead&limit=${DEAD_PAGE}${after !== null ? `&after=${encodeURIComponent(after)}` : ''}`),
      render: (rows, next) => [
        h('h2', `Dead-lettered events · ${pagedCount(rows, next, dash?.events?.dead)}`),
        table(columns, rows, { empty: 'No dead letters', emptyDetail: 'Every event was processed.', key: (e) => e.eventId }),
      ],
    });
    await dead.ready;
    sections.push(h('section.panel.flush.dead-events', dead.el));
  } else if (!session.exists('GET /v1/events')) sections.push(notAvailable('Dead-lettered events', 'GET /v1/events?status=dead'));

  if (session.can('GET /v1/destinations')) {
    const d = await get('/v1/destinations');
    const stats = dash?.deliveries?.byDestination ?? {};
    sections.push(h('section.panel.flush', h('h2', 'Destinations'), table([
      { label: 'Destination', value: (x) => h('span.mono', x.id ?? x.name) },
      { label: 'Kind', value: (x) => x.kind ?? '—' },
      { label: 'Target', value: (x) => h('span.mono', x.url ?? x.target ?? '') },
      { label: 'Circuit', value: (x) => { const c = x.circuit?.state ?? x.circuitState ?? x.circuit ?? 'closed'; return pill(c === 'open' ? 'open_circuit' : c === 'closed' ? 'closed_circuit' : c, `circuit ${c}`); } },
      { label: 'Enabled', value: (x) => (x.enabled === false ? pill('bad', 'disabled') : pill('ok', 'enabled')) },
      { label: 'Delivered (24 h)', num: true, value: (x) => fmt.n(stats[x.id]?.delivered ?? 0) },
      { label: 'Pending', num: true, value: (x) => fmt.n(stats[x.id]?.pending ?? 0) },
      { label: 'Dead', num: true, value: (x) => ((stats[x.id]?.dead ?? 0) > 0 ? pill('bad', String(stats[x.id].dead)) : '0') },
      { label: 'Expired (24 h)', num: true, value: (x) => fmt.n(stats[x.id]?.expired ?? 0) },
      { label: 'Last delivered', value: (x) => h('span.nowrap', fmt.short(stats[x.id]?.lastDeliveredAt)) },
    ], items(d), { empty: 'No destinations configured' })));
  } else if (!session.exists('GET /v1/destinations')) sections.push(h('section.panel', h('h2', 'Destinations'), notAvailable('Destinations', 'GET /v1/destinations')));

  if (session.can('GET /v1/deliveries')) {
    const canReplay = session.can('POST /v1/deliveries/{id}/replay');
    const columns = [
      { label: 'Delivery', value: (x) => h('span.mono', x.id) },
      { label: 'Destination', value: (x) => x.destination ?? x.destinationId },
      { label: 'Kind', value: (x) => x.kind ?? x.type ?? '' },
      { label: 'Attempts', num: true, value: (x) => x.attempts },
      { label: 'Last error', value: (x) => x.lastError ?? x.error ?? '' },
      { label: '', value: (x) => (canReplay ? h('button.small.primary', {
        async onclick() {
          try { await api('POST', `/v1/deliveries/${encodeURIComponent(x.id)}/replay`, {}); toast('success', 'Delivery queued again'); ctx.rerender(); } catch (err) { errorToast(err, 'Replay refused'); }
        },
      }, 'Replay') : null) },
    ];
    const dead = pagedList({
      fetchPage: (after) => get(`/v1/deliveries?status=dead&limit=${DEAD_PAGE}${after !== null ? `&after=${encodeURIComponent(after)}` : ''}`),
      render: (rows, next) => [
        h('h2', `Dead-lettered deliveries · ${pagedCount(rows, next)}`),
        table(columns, rows, { empty: 'No dead-lettered deliveries', key: (x) => x.id }),
      ],
    });
    await dead.ready;
    sections.push(h('section.panel.flush.dead-deliveries', dead.el));
  } else if (!session.exists('GET /v1/deliveries')) sections.push(h('section.panel', h('h2', 'Deliveries'), notAvailable('Outbound deliveries', 'GET /v1/deliveries')));

  if (!ctx.live()) return;
  fill(ctx.actions, h('button', { onclick: () => ctx.rerender() }, 'Refresh'));
  fill(ctx.content, ...(sections.length ? sections : [notPermitted('integrations')]));
}

// ── Policies ─────────────────────────────────────────────────────────────────────────────────────

function changesTable(changes) {
  const show = (x) => (x === undefined ? '' : h('span.mono', JSON.stringify(x).slice(0, 120)));
  return table([
    { label: 'Path', value: (c) => h('span.mono', c.path) },
    { label: 'Change', value: (c) => pill(c.kind === 'added' ? 'ok' : c.kind === 'removed' ? 'bad' : 'warn', c.kind) },
    { label: 'Before', value: (c) => show(c.before) },
    { label: 'After', value: (c) => show(c.after) },
  ], changes, { empty: 'No differences' });
}

function backtestView(b) {
  const d = b.differences ?? {};
  return h('div.backtest',
    facts([
      ['Window', `${fmt.time(b.window?.from)} → ${fmt.time(b.window?.to)}`], ['Events replayed', fmt.n(b.eventsReplayed)], ['Decisions compared', fmt.n(b.decisionsCompared)],
      ['Reproduced (fidelity)', `${fmt.n(b.reproduced?.matched)} / ${fmt.n(b.reproduced?.total)}`],
      ['Decisions that differ', fmt.n(d.decisions)], ['Routed elsewhere', fmt.n(d.routedElsewhere)], ['Holds added / removed', `${fmt.n(d.holdsAdded)} / ${fmt.n(d.holdsRemoved)}`],
      ['Est. shipping cost Δ', fmt.money(d.estimatedCostDelta)], ['Ship time Δ', `${fmt.n(d.shipTimeDeltaMinutes)} min`], ['Promise misses', `${fmt.n(d.promiseMissesBefore)} → ${fmt.n(d.promiseMissesAfter)}`],
    ]),
    (b.orders ?? []).length ? [h('h3', 'Orders decided differently'), table([
      { label: 'Order', value: (o) => h('a', { href: `#/orders/${encodeURIComponent(o.orderId)}` }, h('span.mono', o.orderId)) },
      { label: 'Event', value: (o) => h('span.mono', o.eventType) }, { label: 'What', value: (o) => (o.what ?? []).join(', ') },
    ], b.orders.slice(0, 50))] : null);
}

/**
 * The kinds the API can backtest (BACKTEST_KINDS in src/engine/policies/backtest.ts; any other kind is
 * refused with 409). The API does not list them, so they are named here, once.
 */
const BACKTESTABLE = ['orders', 'sourcing'];

/** What a change request did, in words: [title, detail]. The API answers {change, version} or {status: 'pending'}. */
function changeToast(v, action, out) {
  if (out?.status === 'pending') return [`v${v.version}: ${action} accepted, not decided yet`, 'The request is queued; refresh in a moment to see its outcome.'];
  switch (out?.change) {
    case 'rollback_requested': return [`Rollback to v${out.version ?? v.version} requested`, 'It waits for a second person to approve it; the live version stays until then.'];
    case 'activated': return out.rollback ? [`v${out.version}: rollback done`, `v${out.version} is live again${out.previous ? ` (v${out.previous} retired)` : ''}.`] : [`v${out.version}: put live — done`, out.previous ? `v${out.previous} retired.` : undefined];
    case 'rollback_rejected': return out.withdrawn ? [`Rollback to v${out.version} withdrawn`, 'Nothing changed; the live version stays.'] : [`Rollback to v${out.version} turned down`, 'Nothing changed; the live version stays.'];
    case 'reviewed': return [`v${out.version}: ${out.decision ?? action} done`];
    default: return [`v${v.version}: ${action} done`];
  }
}

/** A value of a policy document, one line; a long one opens to the whole of it. */
function jsonValue(v) {
  const text = JSON.stringify(v);
  if (text === undefined) return '';
  if (text.length <= 140) return h('span.mono', text);
  return h('details', h('summary', h('span.mono', `${text.slice(0, 100)}…`)), h('pre', JSON.stringify(v, null, 2)));
}

/** A field of unknown shape, readably: text as text, an object's fields one level deep, the rest as JSON. */
function readable(v, depth = 0) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (depth === 0 && v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return Object.entries(v).map(([k, x], i) => [i ? ' · ' : '', h('span.faint', `${k}: `), readable(x, 1)]);
  }
  return jsonValue(v);
}

/**
 * What the release's defaults have that a version lacks (`newInDefaults`, docs/policies.md): each entry's
 * path and what is new. Read generically — the value, and any other field an entry carries shown by its
 * name — so entries of new shapes (a default rule of a list) show without a console change.
 */
function newDefaultsTable(entries, onDecline) {
  const isObj = (e) => e !== null && typeof e === 'object' && !Array.isArray(e);
  const pathOf = (e) => (isObj(e) ? e.path ?? (Array.isArray(e.keys) ? e.keys.join('.') : null) : String(e));
  const extra = (e) => (isObj(e) ? Object.entries(e).filter(([k, v]) => !['path', 'value', 'keys', 'declinedValue'].includes(k) && v !== undefined && v !== null) : []);
  // Declined before at another value: new again because the default changed since (a decline holds for its value).
  const declinedBefore = (e) => (isObj(e) && 'declinedValue' in e
    ? h('div.declined-before', h('span.muted', 'declined before, when the default was: '), jsonValue(e.declinedValue)) : null);
  return table([
    { label: 'Path', value: (e) => h('span.mono', pathOf(e) ?? '—') },
    { label: 'What is new', value: (e) => [
      extra(e).map(([k, v]) => h('div', h('span.muted', `${k.replace(/_/g, ' ')}: `), readable(v))),
      isObj(e) && 'value' in e ? h('div', extra(e).length || declinedBefore(e) ? h('span.muted', 'value: ') : null, jsonValue(e.value)) : null,
      declinedBefore(e),
    ] },
    onDecline ? { label: '', value: (e) => (pathOf(e) ? h('button.small.decline-new-default', { onclick: () => onDecline(pathOf(e)) }, 'Decline') : null) } : null,
  ].filter(Boolean), entries, { class: 'compact new-in-defaults', key: (e) => pathOf(e) ?? '' });
}

/**
 * What the retailer declined of the new defaults (`declinedNewDefaults`): no longer listed while the default
 * is the one declined, no version changed. `listedAgain`: paths new in defaults again because their default
 * changed since. `onTakeBack`, for a role that may decline: the way back, beside each entry.
 */
function declinedTable(declined, listedAgain, onTakeBack) {
  return table([
    { label: 'Path', value: (d) => [h('span.mono', d.path ?? '—'),
      listedAgain.has(d.path) ? h('div', pill('warn', 'default changed since: new again')) : null] },
    { label: 'Default then', value: (d) => (d && typeof d === 'object' && 'value' in d ? jsonValue(d.value) : '') },
    { label: 'Declined by', value: (d) => d.by ?? '—' },
    { label: 'Why', value: (d) => h('span.muted', d.reason ?? '') },
    { label: 'When', value: (d) => h('span.nowrap', fmt.short(d.at)) },
    { label: 'Live then', value: (d) => (d.version ? `v${d.version}` : '—') },
    onTakeBack ? { label: '', value: (d) => (d.path ? h('button.small.take-back-decline', { onclick: () => onTakeBack(d.path) }, 'Take back') : null) } : null,
  ].filter(Boolean), declined.filter((d) => d && typeof d === 'object'), { class: 'compact declined-new-defaults', key: (d) => d.path ?? '' });
}

/** "2 new in defaults" with the paths, for the list of kinds. */
function newDefaultsCount(entries) {
  if (!Array.isArray(entries) || !entries.length) return '';
  const paths = entries.map((e) => (e && typeof e === 'object' ? e.path : String(e))).filter(Boolean);
  return h('span', { title: paths.join('\n') }, pill('warn', `${entries.length} new in defaults`),
    h('div.faint.mono', paths.slice(0, 2).join(', '), paths.length > 2 ? ` and ${paths.length - 2} more` : ''));
}

export async function policies(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Policy change control', 'GET /v1/policies'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('policies'));
  const kind = ctx.args[0];
  if (!kind) {
    ctx.sub.textContent = 'Every policy kind, its live version, drafts waiting for a second pair of eyes';
    const r = await get('/v1/policies');
    if (!ctx.live()) return;
    fill(ctx.content, h('section.panel.flush', table([
      { label: 'Kind', value: (p) => h('a', { href: `#/policies/${encodeURIComponent(p.kind)}` }, h('strong', p.kind)) },
      { label: 'What it decides', value: (p) => h('span.muted', p.description ?? '') },
      { label: 'Live', num: true, value: (p) => (p.activeVersion ? `v${p.activeVersion}` : '—') },
      { label: 'Versions', num: true, value: (p) => p.versions },
      { label: 'Waiting', value: (p) => [
        (p.drafts ?? []).length ? pill('warn', `${p.drafts.length} draft${p.drafts.length > 1 ? 's' : ''} to review`) : null, ' ',
        (p.approved ?? []).length ? pill('info', `${p.approved.length} approved, not live`) : null, ' ',
        p.pendingRollback ? pill('warn', `rollback to v${p.pendingRollback.toVersion}`) : null] },
      { label: 'New in defaults', value: (p) => newDefaultsCount(p.newInDefaults) },
    ], items(r), { empty: 'No policies', onRow: (p) => (location.hash = `#/policies/${encodeURIComponent(p.kind)}`) })));
    return;
  }
  ctx.title.textContent = `Policy · ${kind}`;
  fill(ctx.actions, h('a', { href: '#/policies' }, '← all policies'));
  const r = await get(`/v1/policies/${encodeURIComponent(kind)}/versions`);
  const versions = items(r);
  const active = r.activeVersion ? await get(`/v1/policies/${encodeURIComponent(kind)}/versions/${r.activeVersion}`) : null;
  const candidate = [...versions].reverse().find((v) => v.status === 'draft' || v.status === 'approved');
  const diff = active && candidate ? await get(`/v1/policies/${encodeURIComponent(kind)}/diff?from=${active.version}&to=${candidate.version}`) : null;
  // What the live version lacks of this release's defaults; and whether a draft waiting already takes it up.
  const fresh = Array.isArray(r.newInDefaults) ? r.newInDefaults : [];
  const candidateFull = fresh.length && candidate ? await get(`/v1/policies/${encodeURIComponent(kind)}/versions/${candidate.version}`).catch(() => null) : null;
  if (!ctx.live()) return;
  ctx.sub.textContent = `Live version v${r.activeVersion ?? '—'} · changes need a second person (four eyes)`;
  const result = h('div');
  const report = h('div');
  // A rollback someone asked for waits here until a second person approves it (approve on its version).
  const rollback = r.pendingRollback ?? null;
  /** Sends one change; the answer says what happened, which is not always what the button says. */
  const act = async (v, action, body = {}) => {
    fill(result);
    try {
      const out = await api('POST', `/v1/policies/${encodeURIComponent(kind)}/versions/${v.version}/${action}`, body);
      const [title, detail] = changeToast(v, action, out);
      toast(out?.status === 'pending' ? 'info' : 'success', title, detail);
      ctx.rerender();
    } catch (err) {
      fill(result, err.code === 'E_SOD' ? h('div.banner.bad.sod', { role: 'alert' }, h('span.code', err.code), h('strong', 'Four eyes: '), err.detail, h('div', 'Segregation of duties: another person with an approver role must review this version.')) : problemBanner(err));
      if (err.code !== 'E_SOD') errorToast(err, `${action} refused`);
    }
  };
  /** Asks for a comment or reason; Cancel (null) aborts the action, an empty answer sends none. */
  const withText = (question, key, then) => {
    const text = prompt(question);
    if (text === null) return;
    then(text.trim() ? { [key]: text.trim() } : {});
  };
  const review = (v, action) => withText(`${action} v${v.version}: comment for the audit trail`, 'comment', (body) => act(v, action, body));
  const may = (a) => session.can(`POST /v1/policies/{kind}/versions/{v}/${a}`);
  const backtest = async (v) => {
    fill(report, h('div.loading', `Backtesting v${v.version} over the last 24 hours…`));
    try {
      const to = serverNow();
      const b = await api('POST', `/v1/policies/${encodeURIComponent(kind)}/versions/${v.version}/simulate`, { from: to - 86_400_000, to, limit: 50 });
      fill(report, panel(`Backtest of v${v.version} against the recorded events · last 24 h`, backtestView(b)));
    } catch (err) { fill(report, problemBanner(err)); }
  };
  const mayDraft = session.can('POST /v1/policies/{kind}/versions');
  const draftWithNewDefaults = () => withText(`Draft a version of ${kind} with the new defaults: a note for the reviewer (optional; the paths added are noted anyway)`, 'note', async (body) => {
    fill(result);
    try {
      const out = await api('POST', `/v1/policies/${encodeURIComponent(kind)}/versions`, { withNewDefaults: true, ...body });
      if (out?.status === 'pending') toast('info', 'Draft with new defaults: accepted, not decided yet', 'The request is queued; refresh in a moment to see the draft.');
      else toast('success', `v${out.version}: drafted with the new defaults`, `${(out.added ?? []).length ? `Added ${out.added.join(', ')}. ` : ''}A second person approves it below; then it can be put live.`);
      ctx.rerender();
    } catch (err) {
      fill(result, problemBanner(err));
      errorToast(err, 'Draft refused');
    }
  });
  const mayDecline = session.can('POST /v1/policies/{kind}/new-defaults/decline');
  const declined = Array.isArray(r.declinedNewDefaults) ? r.declinedNewDefaults : [];
  const decline = (path) => {
    const reason = prompt(`Decline ${path}: why? (kept in the audit trail; it is no longer listed as new, and no version changes)`);
    if (reason === null) return;
    if (!reason.trim()) {
      toast('error', 'Nothing declined', 'A reason is needed to decline a new default.');
      return;
    }
    (async () => {
      fill(result);
      try {
        const out = await api('POST', `/v1/policies/${encodeURIComponent(kind)}/new-defaults/decline`, { paths: [path], reason: reason.trim() });
        if (out?.status === 'pending') toast('info', `Decline of ${path}: accepted, not decided yet`, 'The request is queued; refresh in a moment to see its outcome.');
        else if (out?.change === 'none') toast('info', `${path} was declined already`, 'Nothing changed.');
        else toast('success', `Declined ${path}`, 'No longer listed as new in defaults; no version changed.');
        ctx.rerender();
      } catch (err) {
        fill(result, problemBanner(err));
        errorToast(err, 'Decline refused');
      }
    })();
  };
  // Taking a decline back: the entry is new in defaults again (to draft or decline again); a reason is required.
  const mayTakeBack = session.can('POST /v1/policies/{kind}/new-defaults/undecline');
  const takeBack = (path) => {
    const reason = prompt(`Take back the decline of ${path}: why? (kept in the audit trail; it is listed as new in defaults again, and no version changes)`);
    if (reason === null) return;
    if (!reason.trim()) {
      toast('error', 'Nothing taken back', 'A reason is needed to take a decline back.');
      return;
    }
    (async () => {
      fill(result);
      try {
        const out = await api('POST', `/v1/policies/${encodeURIComponent(kind)}/new-defaults/undecline`, { paths: [path], reason: reason.trim() });
        if (out?.status === 'pending') toast('info', `Taking back the decline of ${path}: accepted, not decided yet`, 'The request is queued; refresh in a moment to see its outcome.');
        else toast('success', `Took back the decline of ${path}`, 'Listed as new in defaults again; no version changed.');
        ctx.rerender();
      } catch (err) {
        fill(result, problemBanner(err));
        errorToast(err, 'Take back refused');
      }
    })();
  };
  const takenUp = candidateFull && Array.isArray(candidateFull.newInDefaults)
    ? fresh.filter((f) => !candidateFull.newInDefaults.some((x) => x?.path === f?.path)).length
    : 0;
  const asked = (pr) => [`asked by ${pr.requestedBy ?? '?'}`, pr.requestedAt ? ` · ${fmt.time(typeof pr.requestedAt === 'number' ? new Date(pr.requestedAt).toISOString() : pr.requestedAt)}` : '', pr.reason ? ` · “${pr.reason}”` : ''].join('');
  fill(ctx.content,
    result,
    rollback ? h('div.banner.warn.pending-rollback', { role: 'status' },
      h('strong', `A rollback to v${rollback.toVersion} waits for a second person`), ` — ${asked(rollback)}. `,
      `Approve it on v${rollback.toVersion} below to put that version live again (the person who asked cannot approve it), `,
      'or reject it to turn it down — the person who asked withdraws it that way.') : null,
    fresh.length ? h('section.panel.new-defaults',
      h('div.row', h('h2', `New in defaults · ${fresh.length} setting${fresh.length > 1 ? 's' : ''} the live version v${r.activeVersion} lacks`), h('span.spacer'),
        // A draft that takes them all up already waits: drafting again stays possible, not the thing to do next.
        mayDraft ? h(`button.small.draft-new-defaults${takenUp === fresh.length ? '' : '.primary'}`, { onclick: draftWithNewDefaults }, 'Draft with new defaults') : null),
      h('div.muted', 'This release\'s defaults have settings the live version does not. A stored version is read as it is, so until a version takes them up the deciders run without them. ',
        mayDraft ? 'Drafting adds only these to the live version (nothing set in it changes); a second person approves the draft, then it is put live.' : 'A role that may draft policies can take them up; a second person approves the draft.'),
      takenUp ? h('div.banner.warn.taken-up', `v${candidate.version} (${candidate.status}) already takes up ${takenUp === fresh.length ? 'all of them' : `${takenUp} of them`}: review it below.`) : null,
      newDefaultsTable(fresh, mayDecline ? decline : null)) : null,
    declined.length ? h('section.panel.declined-defaults', h('h2', `Declined new defaults · ${declined.length}`),
      h('div.muted', 'Settings of this release\'s defaults the retailer chose not to take up: they are no longer listed as new while the default stays the one declined; declining changed no version.',
        mayTakeBack ? ' Take a decline back to list the setting as new again.' : ''),
      declinedTable(declined, new Set(fresh.map((f) => f?.path).filter(Boolean)), mayTakeBack ? takeBack : null)) : null,
    h('section.panel.flush', h('h2', 'Versions'), table([
      { label: 'Version', num: true, value: (v) => `v${v.version}` },
      { label: 'Status', value: (v) => [pill(v.status === 'active' ? 'ok' : v.status === 'draft' ? 'warn' : v.status === 'rejected' ? 'bad' : 'info', v.status),
        rollback?.toVersion === v.version ? [' ', pill('warn', 'rollback requested'), h('div.faint', asked(rollback))] : null] },
      { label: 'Author', value: (v) => v.author },
      { label: 'Reviewed by', value: (v) => (v.reviewedBy ? [v.reviewedBy, v.reviewComment ? h('div.faint', v.reviewComment) : null] : '—') },
      { label: 'Note', value: (v) => v.note ?? '' },
      { label: 'Created', value: (v) => h('span.nowrap', fmt.short(v.createdAt)) },
      { label: '', value: (v) => h('div.row',
        v.status === 'draft' && may('approve') ? h('button.small.good', { onclick: () => review(v, 'approve') }, 'Approve') : null,
        v.status === 'draft' && may('reject') ? h('button.small.danger', { onclick: () => review(v, 'reject') }, 'Reject') : null,
        // The version a rollback waits for: approving it is the rollback's second pair of eyes.
        rollback?.toVersion === v.version && may('approve') ? h('button.small.good.approve-rollback', { onclick: () => review(v, 'approve') }, 'Approve rollback') : null,
        // Rejecting it turns the rollback down; the person who asked withdraws it the same way.
        rollback?.toVersion === v.version && may('reject') ? h('button.small.danger.reject-rollback', { onclick: () => review(v, 'reject') }, 'Reject rollback') : null,
        v.status === 'approved' && may('activate') ? h('button.small', { onclick: () => act(v, 'activate') }, 'Put live') : null,
        // One rollback waits at a time (the API refuses a second with E_CONFLICT).
        v.status === 'retired' && !rollback && may('activate') ? h('button.small.rollback', { onclick: () => withText(`Roll back to v${v.version}: why? (kept in the audit trail; a second person approves it)`, 'reason', (body) => act(v, 'activate', body)) }, 'Roll back to') : null,
        BACKTESTABLE.includes(kind) && may('simulate') ? h('button.small', { onclick: () => backtest(v) }, 'Backtest') : null) },
    ], versions, { empty: 'No versions' })),
    report,
    h('div.grid.g2',
      panel(candidate ? `Diff v${active?.version ?? '—'} → v${candidate.version} (${candidate.status})` : 'Diff', diff ? changesTable(diff.changes ?? []) : empty('No draft to compare', 'Write a draft with POST /v1/policies/{kind}/versions or the CLI.')),
      panel(`Live document${active ? ` · v${active.version}` : ''}`, h('pre', JSON.stringify(active?.body ?? {}, null, 2))),
    ),
  );
}

// ── Audit ────────────────────────────────────────────────────────────────────────────────────────

export async function audit(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Audit', 'GET /v1/audit'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('the audit trail'));
  ctx.sub.textContent = 'Every state change and privileged action, hash-chained';
  const subject = h('input', { name: 'subject', placeholder: 'subject, e.g. user:admin', value: ctx.query.get('subject') ?? '' });
  const actor = h('input', { name: 'actor', placeholder: 'actor', value: ctx.query.get('actor') ?? '' });
  const action = h('input', { name: 'action', placeholder: 'action, e.g. session.started', value: ctx.query.get('action') ?? '' });
  const list = h('div');
  const verdict = h('div');
  const books = h('div.books');
  let after = 0;
  const load = async (more = false) => {
    const q = new URLSearchParams({ limit: '100', after: String(more ? after : 0) });
    for (const [k, el] of [['subject', subject], ['actor', actor], ['action', action]]) if (el.value.trim()) q.set(k, el.value.trim());
    const r = await get(`/v1/audit?${q}`);
    after = r.next ?? after;
    const t = table([
      { label: 'Seq', num: true, value: (e) => e.seq },
      { label: 'When', value: (e) => h('span.nowrap', fmt.time(e.at)) },
      { label: 'Actor', value: (e) => [e.actor, h('div.faint', e.role)] },
      { label: 'Action', value: (e) => h('span.mono', e.action) },
      { label: 'Subject', value: (e) => h('span.mono', e.subject) },
      { label: 'Detail', value: (e) => (e.detail ? h('span.mono.faint', JSON.stringify(e.detail).slice(0, 90)) : '') },
      { label: 'Hash', value: (e) => h('span.mono.faint', String(e.hash ?? '').slice(0, 10)) },
    ], items(r), { empty: 'No audit entries match' });
    fill(list, t, r.next ? h('div.row', h('button', { onclick: () => load(true).catch((err) => errorToast(err)) }, 'Next page')) : null);
  };
  const verify = async () => {
    fill(verdict, h('span.faint', 'Verifying the chain…'));
    try {
      const v = await get('/v1/audit/verify');
      fill(verdict, v.ok ? h('div.banner.ok.verify', `Chain intact: ${fmt.n(v.count ?? v.entries ?? v.checked)} entries verified, head ${String(v.head?.hash ?? v.headHash ?? '').slice(0, 12)}`) : h('div.banner.bad.verify', `Chain broken at entry ${v.firstBadSeq ?? v.seq ?? "?"}: ${v.reason ?? v.detail ?? JSON.stringify(v)}`));
    } catch (err) { fill(verdict, problemBanner(err)); }
  };
  // Beside it, the books check (docs/checks.md): for the roles that may call it.
  fill(ctx.actions, session.can('GET /v1/audit/verify') ? h('button.primary', { onclick: verify }, 'Verify chain') : null, booksCheckButton(books));
  fill(ctx.content, 
    verdict,
    books,
    h('div.panel', h('form.row', { onsubmit: (e) => { e.preventDefault(); load().catch((err) => errorToast(err)); } }, subject, actor, action, h('button.primary', { type: 'submit' }, 'Search'))),
    h('section.panel.flush', list),
  );
  await load();
}
