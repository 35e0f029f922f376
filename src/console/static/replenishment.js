import { h, fill, fmt, table, pill, errorToast, toast, notAvailable, notPermitted, problemBanner, pagedList, pagedCount } from './lib.js';
import { get, api, session } from './api.js';

// ── Replenishment ────────────────────────────────────────────────────────────────────────────────
// Open recommendations (with the risk each answers), purchase orders and transfer orders, and what a
// role may do with them (docs/replenishment.md). Each part reads its own API and shows its own refusal.

const items = (r) => (Array.isArray(r) ? r : r?.items ?? []);
/** Purchase orders per page (the API allows up to 1000; `next` pages on with ?before=). */
const PO_PAGE = 50;
/** Transfers per page, newest first (the API allows up to 1000; `next` pages on to older ones with ?before=). */
const TRANSFERS_PAGE = 50;
/** Recommendations and risks read at once (the API's own maximum is 1000). */
const RECS_LIMIT = 200;

const DECIDE = 'POST /v1/replenishment/recommendations/{id}/{action}';
/** States a purchase order can still be cancelled from (src/domain/procurement/purchase-order.ts). */
const PO_CANCELLABLE = ['recommended', 'awaiting_approval', 'placed', 'confirmed', 'delayed'];

/** Pills for the states of this screen that the shared tones do not know. */
const STATE_TONE = {
  open: 'warn', accepted: 'info', converted: 'ok', dismissed: '',
  recommended: 'info', awaiting_approval: 'warn', placed: 'info', confirmed: 'info', delayed: 'warn', received: 'ok', cancelled: 'bad',
  in_transit: 'info', shipped: 'info',
};
const statePill = (s) => pill(STATE_TONE[s] ?? s, String(s ?? '—').replace(/_/g, ' '));
/** A calendar date of the API (YYYY-MM-DD): "02 Dec 2026", the ISO date on hover. */
const date = (d) => (d ? h('span.nowrap', { title: d }, new Date(`${String(d).slice(0, 10)}T12:00:00Z`).toLocaleDateString('en-GB', { day: '2-digit', month: 'short', year: 'numeric', timeZone: 'UTC' })) : '—');
const ms = (x) => (x === null || x === undefined ? null : new Date(x).toISOString());
const mono = (x) => h('span.mono', x ?? '—');
/** An id (a UUID): in full, allowed to wrap so the row's buttons stay in view. */
const ident = (x) => h('span.mono.id', x ?? '—');

/** Asks for a reason; Cancel (null) or a blank answer sends nothing (the blank one says why). */
function askReason(question, nothing) {
  const text = prompt(question);
  if (text === null) return null;
  if (!text.trim()) {
    toast('error', nothing, 'A reason is needed: it is kept in the audit trail.');
    return null;
  }
  return text.trim();
}

export async function replenishment(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Replenishment', 'GET /v1/transfers'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('replenishment'));
  // A part the role may not read is left out (the warehouse reads transfers only); one this server lacks says so.
  const shown = (route) => session.can(route) || !session.exists(route);
  const parts = [
    shown('GET /v1/replenishment/recommendations') ? 'recommendations' : null,
    shown('GET /v1/purchase-orders') ? 'purchase orders' : null,
    shown('GET /v1/transfers') ? 'transfers between locations' : null,
  ].filter(Boolean);
  ctx.sub.textContent = `${parts.join(', ').replace(/^./, (c) => c.toUpperCase())}${session.can('GET /v1/replenishment/risks') ? ' · each recommendation with the risk it answers' : ''}`;

  // One place for the answer of the last action: what a recommendation became, or the server's refusal.
  const result = h('div.repl-result');
  const recsBox = h('section.panel.flush.recommendations');
  const posBox = h('section.panel.flush.purchase-orders');
  const transfersBox = h('section.panel.flush.transfers');

  /** Sends one action; the answer goes to the result line (and a toast), then every part is read again. */
  const act = async (btn, method, url, body, what, done) => {
    if (btn) btn.disabled = true;
    fill(result);
    try {
      const out = await api(method, url, body);
      if (out?.status === 'pending') {
        fill(result, h('div.banner.warn', { role: 'status' }, `${what}: accepted, not decided yet — read the lists again in a moment.`));
        toast('info', `${what}: accepted, not decided yet`);
      } else {
        const [title, detail] = done(out);
        fill(result, h('div.banner.ok', { role: 'status' }, h('strong', title), detail ? [' ', detail] : null));
        toast('success', title);
      }
    } catch (err) {
      fill(result, problemBanner(err));
      errorToast(err, `${what} refused`);
    }
    await refresh();
  };

  // ── Recommendations ──
  const mayDecide = session.can(DECIDE);
  const recColumns = (risks) => [
    { label: 'Sku', value: (r) => h('a', { href: `#/inventory?sku=${encodeURIComponent(r.sku)}` }, mono(r.sku)) },
    { label: 'Location', value: (r) => h('span.nowrap', r.locationId) },
    { label: 'Buy', value: (r) => (r.purchase ? h('div.buy',
      h('div', h('strong', fmt.n(r.purchase.quantity)), ' from ', mono(r.purchase.supplierId), r.purchase.substitution ? [' ', pill('warn', 'substitute')] : null, r.expedite ? [' ', pill('warn', 'expedite')] : null),
      h('div.faint', 'by ', date(r.purchase.expectedDate), ' · ', fmt.money(r.purchase.value)),
    ) : [h('span.faint', 'no purchase'), r.expedite ? [' ', pill('warn', 'expedite')] : null]) },
    { label: 'Transfer', value: (r) => (r.transfer ? h('div.move',
      h('div', h('strong', fmt.n(r.transfer.quantity)), ' from ', h('span.nowrap', r.transfer.fromLocationId)),
      h('div.faint', 'by ', date(r.transfer.expectedDate)),
    ) : h('span.faint', 'no transfer')) },
    { label: 'Risk it answers', value: (r) => {
      if (!r.riskId) return h('span.faint', 'routine reorder');
      const k = risks?.get(r.riskId);
      if (!k) return h('span.faint', risks ? 'risk no longer open' : '—');
      return h('div.risk',
        h('div', 'stockout by ', h('span.breach', date(k.breachDate))),
        h('div.faint', h('span.cover', `${k.daysOfCover === null || k.daysOfCover === undefined ? '—' : Number(k.daysOfCover).toFixed(1)} days of cover`), k.level === 'safety_stock' ? ' · below safety stock' : ''));
    } },
    { label: 'State', value: (r) => statePill(r.state) },
    { label: 'Raised', value: (r) => h('span.nowrap', fmt.short(r.createdAt)) },
    { label: '', value: (r) => (mayDecide && r.state === 'open' ? h('div.row',
      h('button.small.good.accept', { onclick: (e) => accept(r, e.currentTarget) }, 'Accept'),
      h('button.small.danger.dismiss', { onclick: (e) => dismiss(r, e.currentTarget) }, 'Dismiss')) : null) },
  ];
  const accept = (r, btn) => {
    const note = prompt(`Accept the recommendation for ${r.sku} at ${r.locationId}: a note (optional)`);
    if (note === null) return;
    return act(btn, 'POST', `/v1/replenishment/recommendations/${encodeURIComponent(r.id)}/accept`, note.trim() ? { note: note.trim() } : {}, `Accept ${r.sku} at ${r.locationId}`, (out) => {
      const became = [
        out.poId ? ['purchase order ', h('span.mono.po-id', out.poId), out.purchaseOrder ? ` (${String(out.purchaseOrder.state).replace(/_/g, ' ')})` : ''] : null,
        out.transferId ? ['transfer ', h('span.mono.transfer-id', out.transferId)] : null,
      ].filter(Boolean);
      const notes = Array.isArray(out.notes) && out.notes.length ? h('div.faint', out.notes.join('; ')) : null;
      return [`Accepted ${r.sku} at ${r.locationId}`, became.length ? ['it became ', became.map((b, i) => [i ? ' and ' : '', b]), '.', notes] : ['nothing was ordered.', notes]];
    });
  };
  const dismiss = (r, btn) => {
    const reason = askReason(`Dismiss the recommendation for ${r.sku} at ${r.locationId}: why?`, 'Nothing dismissed');
    if (reason === null) return;
    return act(btn, 'POST', `/v1/replenishment/recommendations/${encodeURIComponent(r.id)}/dismiss`, { reason }, `Dismiss ${r.sku} at ${r.locationId}`,
      () => [`Dismissed ${r.sku} at ${r.locationId}`, `“${reason}”`]);
  };
  const loadRecs = async () => {
    if (!session.can('GET /v1/replenishment/recommendations')) {
      return fill(recsBox, h('h2', 'Recommendations'), notAvailable('Recommendations', 'GET /v1/replenishment/recommendations'));
    }
    try {
      const [recs, risks] = await Promise.all([
        get(`/v1/replenishment/recommendations?state=open&limit=${RECS_LIMIT}`),
        session.can('GET /v1/replenishment/risks') ? get('/v1/replenishment/risks?state=open&limit=1000').catch(() => null) : Promise.resolve(null),
      ]);
      const byId = risks ? new Map(items(risks).map((k) => [k.id, k])) : null;
      const rows = items(recs);
      fill(recsBox,
        h('h2', `Open recommendations · ${rows.length >= RECS_LIMIT ? `${fmt.n(rows.length)}+ (newest shown)` : fmt.n(rows.length)}`),
        table(recColumns(byId), rows, { empty: 'No open recommendations', emptyDetail: 'The replenishment check has nothing to propose: every position is covered.', key: (r) => r.id }));
    } catch (err) { fill(recsBox, h('h2', 'Open recommendations'), problemBanner(err)); }
  };

  // ── Purchase orders ──
  const mayCancelPo = session.can('POST /v1/purchase-orders/{id}/cancel');
  const pendingApprovals = (p) => (p.approvals ?? []).filter((a) => a.status === 'pending');
  const poColumns = [
    { label: 'PO', value: (p) => [ident(p.id), h('div.faint.nowrap', fmt.short(p.createdAt))] },
    { label: 'Supplier', value: (p) => mono(p.supplierId) },
    { label: 'Location', value: (p) => h('span.nowrap', p.locationId) },
    { label: 'State', value: (p) => [statePill(p.state), p.expedite ? [' ', pill('warn', 'expedite')] : null] },
    { label: 'Expected', value: (p) => [date(p.expectedDate), p.promisedDate && p.promisedDate !== p.expectedDate ? h('div.faint', 'promised ', date(p.promisedDate)) : null, p.receivedDate ? h('div.faint', 'received ', date(p.receivedDate)) : null] },
    { label: 'Lines', value: (p) => h('div.lines', (p.lines ?? []).map((l) => h('div', mono(l.sku), ` × ${fmt.n(l.qty)}`, l.receivedQty ? h('span.faint', ` (${fmt.n(l.receivedQty)} received)`) : null))) },
    { label: 'Value', num: true, value: (p) => fmt.money(p.value) },
    { label: 'Approvals pending', value: (p) => {
      const open = pendingApprovals(p);
      if (!open.length) return h('span.faint', (p.approvals ?? []).length ? 'none pending' : 'none needed');
      return h('div.approvals-pending', open.map((a) => h('div', pill('warn', String(a.reason ?? a.subject ?? 'approval').replace(/_/g, ' ')), ' ', h('span.faint', String(a.role ?? '').replace(/_/g, ' ')))));
    } },
    { label: '', value: (p) => (mayCancelPo && PO_CANCELLABLE.includes(p.state) ? h('button.small.danger.cancel-po', { onclick: (e) => cancelPo(p, e.currentTarget) }, 'Cancel') : null) },
  ];
  const cancelPo = (p, btn) => {
    const reason = askReason(`Cancel purchase order ${p.id} (${p.supplierId} → ${p.locationId}): why? (the ERP and the supplier are told once it was placed)`, 'Nothing cancelled');
    if (reason === null) return;
    return act(btn, 'POST', `/v1/purchase-orders/${encodeURIComponent(p.id)}/cancel`, { reason }, `Cancel ${p.id}`,
      (out) => [`Purchase order ${p.id}: ${String(out.state ?? 'cancelled').replace(/_/g, ' ')}`, out.state === 'received' ? 'Part of it had arrived: it is closed short.' : null]);
  };
  const loadPos = async () => {
    if (!session.can('GET /v1/purchase-orders')) {
      return fill(posBox, h('h2', 'Purchase orders'), notAvailable('Purchase orders', 'GET /v1/purchase-orders'));
    }
    const title = h('h2', 'Purchase orders');
    const list = pagedList({
      fetchPage: (after) => get(`/v1/purchase-orders?limit=${PO_PAGE}${after !== null && after !== undefined ? `&before=${encodeURIComponent(after)}` : ''}`),
      render: (rows, next) => {
        fill(title, `Purchase orders · ${pagedCount(rows, next)} · newest first`);
        return table(poColumns, rows, { empty: 'No purchase orders', emptyDetail: 'Accepting a recommendation with a purchase drafts one.', key: (p) => p.id });
      },
    });
    try {
      await list.ready;
      fill(posBox, title, list.el);
    } catch (err) { fill(posBox, h('h2', 'Purchase orders'), problemBanner(err)); }
  };

  // ── Transfers ──
  const mayShip = session.can('POST /v1/transfers/{id}/ship');
  const mayReceive = session.can('POST /v1/transfers/{id}/receive');
  const mayCancelTransfer = session.can('POST /v1/transfers/{id}/cancel');
  const form = h('div.transfer-form');
  const shipped = (t) => t.doc?.shippedQty;
  const transferColumns = [
    { label: 'Transfer', value: (t) => [ident(t.id), h('div.faint.nowrap', fmt.short(ms(t.createdMs)))] },
    { label: 'Sku', value: (t) => mono(t.sku) },
    { label: 'From → to', value: (t) => h('span.nowrap', `${t.fromLocationId} → ${t.toLocationId}`) },
    { label: 'Asked / shipped / received', num: true, value: (t) => h('span.nowrap.qty',
      `${fmt.n(t.qty)} / ${shipped(t) === undefined ? '—' : fmt.n(shipped(t))} / ${t.doc?.receivedQty === undefined ? '—' : fmt.n(t.doc.receivedQty)}`) },
    { label: 'State', value: (t) => [statePill(t.state), t.state === 'cancelled' && t.doc?.reason ? h('div.faint', `“${t.doc.reason}”`) : null] },
    { label: 'Expected', value: (t) => date(t.expectedDate) },
    { label: 'Carrier / tracking', value: (t) => (t.doc?.carrier || t.doc?.tracking
      ? h('div.carrier', h('span', t.doc.carrier ?? '—'), t.doc.tracking ? [' · ', mono(t.doc.tracking)] : null, t.doc.shippedMs ? h('div.faint', 'left ', fmt.short(ms(t.doc.shippedMs))) : null)
      : t.doc?.shippedMs ? h('span.faint', `left ${fmt.short(ms(t.doc.shippedMs))}`) : '—') },
    { label: '', value: (t) => h('div.row',
      t.state === 'in_transit' && mayShip ? h('button.small.primary.ship', { onclick: () => shipForm(t) }, 'Ship') : null,
      (t.state === 'in_transit' || t.state === 'shipped') && mayReceive ? h('button.small.good.receive', { onclick: () => receiveForm(t) }, 'Receive') : null,
      t.state === 'in_transit' && mayCancelTransfer ? h('button.small.danger.cancel-transfer', { onclick: (e) => cancelTransfer(t, e.currentTarget) }, 'Cancel') : null) },
  ];
  /** A quantity field: blank is "all of it" (the API's default), else a whole number ≥ 1. */
  const qtyOf = (input) => {
    const v = input.value.trim();
    if (!v) return { ok: true };
    const n = Number(v);
    return Number.isInteger(n) && n > 0 ? { ok: true, qty: n } : { ok: false };
  };
  const transferForm = (t, title, fields, submitLabel, send) => {
    const submit = h('button.primary', { type: 'submit' }, submitLabel);
    fill(form, h('form.panel.row', {
      dataset: { transfer: t.id },
      async onsubmit(e) {
        e.preventDefault();
        const body = send();
        if (!body) return;
        await act(submit, 'POST', body.url, body.body, body.what, body.done);
        fill(form);
      },
    }, h('strong', title), ...fields, submit, h('button', { type: 'button', onclick: () => fill(form) }, 'Back')));
    fields.find((f) => f.querySelector?.('input'))?.querySelector('input')?.focus();
  };
  const shipForm = (t) => {
    const qty = h('input', { name: 'qty', type: 'number', min: 1, max: t.qty, step: 1, placeholder: `${t.qty} (all asked)` });
    const carrier = h('input', { name: 'carrier', maxlength: 100, placeholder: 'carrier' });
    const tracking = h('input', { name: 'tracking', maxlength: 200, placeholder: 'tracking number' });
    transferForm(t, `Ship ${t.id}: ${t.sku}, ${t.fromLocationId} → ${t.toLocationId}`, [h('label.field', 'Quantity', qty), h('label.field', 'Carrier', carrier), h('label.field', 'Tracking', tracking)], 'Ship', () => {
      const q = qtyOf(qty);
      if (!q.ok) { toast('error', 'Nothing shipped', 'The quantity is a whole number of at least 1, or blank for all asked.'); return null; }
      const body = { ...(q.qty ? { qty: q.qty } : {}), ...(carrier.value.trim() ? { carrier: carrier.value.trim() } : {}), ...(tracking.value.trim() ? { tracking: tracking.value.trim() } : {}) };
      return { url: `/v1/transfers/${encodeURIComponent(t.id)}/ship`, body, what: `Ship ${t.id}`,
        done: (out) => [`Shipped ${t.id}`, `${fmt.n(out.doc?.shippedQty ?? q.qty ?? t.qty)} × ${t.sku} left ${t.fromLocationId}${out.doc?.carrier ? ` with ${out.doc.carrier}` : ''}.`] };
    });
  };
  const receiveForm = (t) => {
    const sent = shipped(t) ?? t.qty;
    const qty = h('input', { name: 'qty', type: 'number', min: 1, max: sent, step: 1, placeholder: `${sent} (all ${shipped(t) === undefined ? 'asked' : 'shipped'})` });
    // Never reported as shipped: when it left (delivery note), so a count at the source since is not cut twice.
    const left = t.state === 'in_transit' ? h('input', { name: 'shipped-at', type: 'datetime-local' }) : null;
    const fields = [h('label.field', 'Quantity arrived', qty), left ? h('label.field', 'Left the source at (optional)', left) : null].filter(Boolean);
    transferForm(t, `Receive ${t.id}: ${t.sku} at ${t.toLocationId}`, fields, 'Receive', () => {
      const q = qtyOf(qty);
      if (!q.ok) { toast('error', 'Nothing received', 'The quantity is a whole number of at least 1, or blank for all of it.'); return null; }
      const shippedAt = left?.value ? new Date(left.value) : null;
      if (shippedAt && Number.isNaN(shippedAt.getTime())) { toast('error', 'Nothing received', 'When it left is a date and time, or blank.'); return null; }
      const body = { ...(q.qty ? { qty: q.qty } : {}), ...(shippedAt ? { shippedAt: shippedAt.toISOString() } : {}) };
      return { url: `/v1/transfers/${encodeURIComponent(t.id)}/receive`, body, what: `Receive ${t.id}`,
        done: (out) => [`Received ${t.id}`, `${fmt.n(out.doc?.receivedQty ?? q.qty ?? sent)} × ${t.sku} in at ${t.toLocationId}.`] };
    });
  };
  const cancelTransfer = (t, btn) => {
    const reason = askReason(`Cancel transfer ${t.id} (${t.sku}, ${t.fromLocationId} → ${t.toLocationId}): why? (the units held at ${t.fromLocationId} are free again)`, 'Nothing cancelled');
    if (reason === null) return;
    return act(btn, 'POST', `/v1/transfers/${encodeURIComponent(t.id)}/cancel`, { reason }, `Cancel ${t.id}`,
      () => [`Cancelled ${t.id}`, `${t.fromLocationId} is told; its ${fmt.n(t.qty)} × ${t.sku} are free again.`]);
  };
  // The filter the API applies: a location at either end (what a store sends and what comes to it)
  // and a sku. Made once, so a refresh after an action keeps what the operator chose.
  const transferLoc = h('select', { name: 'transfer-location' }, h('option', { value: '' }, 'every location'));
  const transferSku = h('input', { name: 'transfer-sku', placeholder: 'sku' });
  get('/v1/locations').then((r) => {
    for (const l of items(r)) transferLoc.append(h('option', { value: l.id }, `${l.name} (${l.id})`));
  }).catch(() => undefined);
  const transferFilter = h('form.row.transfer-filter', {
    onsubmit(e) {
      e.preventDefault();
      fill(form);
      loadTransfers();
    },
  }, transferLoc, transferSku, h('button', { type: 'submit' }, 'Show'));
  const loadTransfers = async () => {
    if (!session.can('GET /v1/transfers')) {
      return fill(transfersBox, h('h2', 'Transfers'), notAvailable('Transfers', 'GET /v1/transfers'));
    }
    const filter = new URLSearchParams({ limit: String(TRANSFERS_PAGE) });
    if (transferLoc.value) filter.set('location', transferLoc.value);
    if (transferSku.value.trim()) filter.set('sku', transferSku.value.trim());
    const filtered = filter.has('location') || filter.has('sku');
    const title = h('h2', 'Transfers');
    const list = pagedList({
      fetchPage: (after) => get(`/v1/transfers?${filter}${after !== null && after !== undefined ? `&before=${encodeURIComponent(after)}` : ''}`),
      render: (rows, next) => {
        fill(title, `Transfers · ${pagedCount(rows, next)} · newest first`);
        return table(transferColumns, rows, { empty: filtered ? 'No transfers match' : 'No transfers', emptyDetail: filtered ? 'None to or from that location, or of that sku: widen the filter.' : 'Accepting a recommendation with a transfer makes one.', key: (t) => t.id });
      },
      more: 'Older transfers',
    });
    try {
      await list.ready;
      fill(transfersBox, title, transferFilter, form, list.el);
    } catch (err) { fill(transfersBox, h('h2', 'Transfers'), transferFilter, problemBanner(err)); }
  };

  const loaders = [
    shown('GET /v1/replenishment/recommendations') ? [recsBox, loadRecs] : null,
    shown('GET /v1/purchase-orders') ? [posBox, loadPos] : null,
    shown('GET /v1/transfers') ? [transfersBox, loadTransfers] : null,
  ].filter(Boolean);
  const refresh = async () => {
    if (!ctx.live()) return;
    await Promise.all(loaders.map(([, load]) => load()));
  };
  fill(ctx.content, result, loaders.map(([box]) => box));
  await refresh();
}
