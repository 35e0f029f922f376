import { h, fill, fmt, panel, table, pill, facts, empty, errorToast, toast, notAvailable, notPermitted } from './lib.js';
import { get, post, api, session } from './api.js';

const STATES = ['received', 'validated', 'allocated', 'in_fulfilment', 'shipped', 'delivered', 'on_hold', 'backordered', 'exception', 'cancelled', 'partially_returned', 'returned'];

export async function orders(ctx) {
  if (ctx.availability === 'missing') return fill(ctx.content, notAvailable('Orders', 'GET /v1/orders'));
  if (ctx.availability === 'forbidden') return fill(ctx.content, notPermitted('orders'));
  if (ctx.args[0]) return orderDetail(ctx, ctx.args[0]);
  ctx.sub.textContent = 'Newest first; open one to see its timeline and routing explanation';
  const state = h('select', { name: 'state' }, h('option', { value: '' }, 'any state'), STATES.map((s) => h('option', { value: s, selected: ctx.query.get('state') === s }, s.replace(/_/g, ' '))));
  const ext = h('input', { name: 'externalId', placeholder: 'channel order number', value: ctx.query.get('externalId') ?? '' });
  const go = h('input', { name: 'orderId', placeholder: 'omniops order id…' });
  const list = h('div');
  const load = async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (state.value) q.set('state', state.value);
    if (ext.value.trim()) q.set('externalId', ext.value.trim());
    const r = await get(`/v1/orders?${q}`);
    fill(list, table([
      { label: 'Order', value: (o) => h('a', { href: `#/orders/${encodeURIComponent(o.id)}` }, h('span.mono', o.externalOrderId)) },
      { label: 'Channel', value: (o) => o.source },
      { label: 'State', value: (o) => [pill(o.state), o.holdReason ? h('span.faint', ` ${o.holdReason.replace(/_/g, ' ')}`) : null] },
      { label: 'Placed', value: (o) => h('span.nowrap', fmt.short(o.placedAt)) },
      { label: 'Promised by', value: (o) => h('span.nowrap', fmt.short(o.promisedBy)) },
      { label: 'Lines', num: true, value: (o) => o.lines.length },
      { label: 'Total', num: true, value: (o) => fmt.money(o.total, o.currency) },
      { label: 'Ships from', value: (o) => [...new Set(o.fulfilments.filter((f) => !['rejected', 'expired'].includes(f.state)).map((f) => f.locationId))].join(', ') || '—' },
      { label: 'Reroutes', num: true, value: (o) => (o.reroutes ? pill('warn', String(o.reroutes)) : '0') },
    ], r.items, { empty: 'No orders match', emptyDetail: 'Orders appear here as the channels send them.', onRow: (o) => (location.hash = `#/orders/${encodeURIComponent(o.id)}`) }));
  };
  fill(ctx.content, 
    h('div.panel', h('form.row', { onsubmit: (e) => { e.preventDefault(); load().catch((err) => errorToast(err)); } }, state, ext, h('button.primary', { type: 'submit' }, 'Filter'), h('span.spacer'),
      h('span.muted', 'Open by id'), go, h('button', { type: 'button', onclick: () => go.value.trim() && (location.hash = `#/orders/${encodeURIComponent(go.value.trim())}`) }, 'Open'))),
    h('section.panel.flush', list),
  );
  await load();
}

const epochIso = (ms) => new Date(ms).toISOString();

/** One line of explanation for each event of an order (payloads: src/domain/orders/decided-events.ts and events.ts). */
function summarize(e) {
  const p = e.payload ?? {};
  switch (e.type) {
    case 'order.placed': return `${(p.lines ?? []).length} line(s), ${p.shipping?.method ?? ''} shipping, payment ${p.payment?.status ?? '?'}`;
    case 'order.validated': return `fraud score ${p.fraudScore} · policy v${p.policyVersion}`;
    case 'order.held': return `held: ${String(p.holdReason).replace(/_/g, ' ')}${p.detail ? ` — ${p.detail}` : ''}`;
    case 'order.routed': return `routed (policy v${p.policyVersion}${p.split ? ', split' : ''}): ${(p.plan ?? []).map((a) => `${a.qty}× ${a.sku} @ ${a.locationId}`).join(', ')}`;
    case 'order.rerouted': return `${p.failedLocationId} ${p.failure} → ${String(p.outcome).replace(/_/g, ' ')}; released ${(p.released ?? []).map((a) => `${a.qty}× ${a.sku}`).join(', ')}`;
    case 'reservation.made': return `reserved ${(p.reservations ?? []).map((a) => `${a.qty}× ${a.sku} @ ${a.locationId}`).join(', ')}`;
    case 'reservation.released': return `released (${p.reason}) ${(p.reservations ?? []).map((a) => `${a.qty}× ${a.sku} @ ${a.locationId}`).join(', ')}`;
    case 'order.state_changed': return `${String(p.from).replace(/_/g, ' ')} → ${String(p.to).replace(/_/g, ' ')}${p.holdReason ? ` (${p.holdReason})` : ''}`;
    case 'notification.queued': return `${p.channel ?? 'message'} to customer: ${p.templateId ?? ''}`;
    case 'fulfilment.rejected': return `fulfilment ${p.fulfilmentId} rejected${p.reasonCode ? ` (${p.reasonCode.replace(/_/g, ' ')})` : ''}${p.reason ? `: ${p.reason}` : ''}`;
    case 'fulfilment.accepted': case 'fulfilment.picked': return `fulfilment ${p.fulfilmentId}`;
    case 'fulfilment.shipped': return `fulfilment ${p.fulfilmentId}${p.carrier ? ` via ${p.carrier}` : ''}${p.trackingNumber ? ` (${p.trackingNumber})` : ''}`;
    case 'order.backordered': return `short ${(p.shortSkus ?? []).map((x) => `${x.shortQty}× ${x.sku}${x.expectedAt ? ` (inbound by ${fmt.short(epochIso(x.expectedAt))})` : ''}`).join(', ')} · ${p.expectedAt ? `supply expected by ${fmt.short(epochIso(p.expectedAt))}` : 'no supply expected'}`;
    case 'order.cancelled': return p.reason ? String(p.reason).replace(/_/g, ' ') : '';
    case 'fulfilment.expired': return `fulfilment ${p.fulfilmentId} missed its ${p.deadline} deadline${p.dueAt ? ` (due ${fmt.short(epochIso(p.dueAt))})` : ''}`;
    case 'shipment.delivered': return `fulfilment ${p.fulfilmentId}`;
    // With a captureId the amount is that capture's own part; without one it is everything captured so far.
    case 'payment.captured': return p.amount === undefined ? '' : p.captureId !== undefined ? `capture ${p.captureId}: amount ${p.amount}` : `running total ${p.amount}`;
    case 'payment.voided': return p.captureId !== undefined ? `capture ${p.captureId} voided${p.reason ? `: ${p.reason}` : ''}` : `authorization voided${p.reason ? `: ${p.reason}` : ''}`;
    case 'payment.refunded': return `refund ${p.refundId ?? '?'} at the channel: amount ${p.amount}${p.currency ? ` ${p.currency}` : ''}${p.reason ? ` — ${p.reason}` : ''}`;
    case 'payment.authorized': case 'payment.failed': return p.amount !== undefined ? `amount ${p.amount}` : '';
    default: return '';
  }
}

function toneOf(type) {
  if (/rerouted|held|backordered|expired|voided|refunded/.test(type)) return 'warnish';
  if (/cancelled|failed|rejected|exception/.test(type)) return 'badish';
  if (/shipped|delivered|captured/.test(type)) return 'goodish';
  return '';
}

function timeline(o) {
  const events = o.events ?? [];
  if (!events.length) return empty('No events recorded');
  return h('ol.timeline', events.map((e) => h('li', { class: [e.source === 'omniops' || e.causationId ? 'decided' : '', toneOf(e.type)].join(' ').trim() || undefined, dataset: { type: e.type } },
    h('div.when', h('div', fmt.hms(e.receivedAt)), h('div.faint', fmt.day(e.receivedAt))),
    h('div.dot'),
    h('div.what',
      h('div', h('span.type', e.type), ' ', h('span.faint', e.causationId ? 'decided by omniops' : `from ${e.source}`), e.status !== 'processed' ? [' ', pill(e.status)] : null),
      h('div.summary', summarize(e)),
      h('details', h('summary', 'payload'), h('pre', JSON.stringify(e.payload, null, 2))),
    ))));
}

function routing(o) {
  const r = o.routing;
  if (!r) return empty('Not routed yet', o.state === 'on_hold' ? `The order is on hold (${o.holdReason}).` : '');
  const chosen = new Set((r.chosen ?? []).map((a) => a.locationId));
  return h('div',
    facts([['Outcome', pill(r.outcome === 'routed' ? 'allocated' : r.outcome, String(r.outcome).replace(/_/g, ' '))], ['Why', r.why], ['Policy version', h('span.mono', `sourcing v${r.policyVersion}`)]]),
    h('h3', 'Candidates (lower score ranks first)'),
    table([
      { label: 'Location', value: (c) => [h('span.mono', c.locationId), chosen.has(c.locationId) ? [' ', pill('ok', 'chosen')] : null] },
      { label: 'Score', num: true, value: (c) => Number(c.score).toFixed(3) },
      { label: 'Cost', num: true, value: (c) => c.components?.cost?.toFixed?.(3) ?? '—' },
      { label: 'SLA risk', num: true, value: (c) => c.components?.slaRisk?.toFixed?.(3) ?? '—' },
      { label: 'Split', num: true, value: (c) => c.components?.split?.toFixed?.(3) ?? '—' },
      { label: 'Workload', num: true, value: (c) => c.components?.workload?.toFixed?.(3) ?? '—' },
      { label: 'Distance', num: true, value: (c) => (c.distanceKm === null || c.distanceKm === undefined ? '—' : `${Math.round(c.distanceKm)} km`) },
    ], r.candidates ?? [], { empty: 'No eligible location', class: 'compact' }),
    h('h3', 'Excluded locations (when last routed)'),
    table([
      { label: 'Location', value: (x) => h('span.mono', x.locationId) },
      // A location that failed the order says why it is still out, or that it is back (out for another reason).
      { label: 'Reasons', value: (x) => [x.reasons.map((why) => [pill('warn', why.replace(/_/g, ' ')), ' ']), x.failed ? h('span.muted', x.failed.why) : null] },
    ], r.excluded ?? [], { empty: 'None excluded' }),
    failedLocations(o),
    o.routingHistory?.length > 1 ? [h('h3', 'Routing history'), table([
      { label: 'Decided', value: (x) => fmt.time(x.decidedAt) },
      { label: 'Why', value: (x) => x.why },
      { label: 'Outcome', value: (x) => pill(x.outcome === 'routed' ? 'allocated' : x.outcome, String(x.outcome).replace(/_/g, ' ')) },
      { label: 'Policy', value: (x) => `v${x.policyVersion}` },
    ], o.routingHistory)] : null,
  );
}

const FAILURES = { rejected: 'rejected', expired: 'missed its deadline', unrecorded: 'failed (time not recorded)' };

/**
 * The locations that failed the order, judged as routing would judge them now (`failedLocations`,
 * src/domain/sourcing/failed-locations.ts): still left out, or back because their stock of what they
 * failed was counted or received after the failure. The record above is the last routing's view.
 */
function failedLocations(o) {
  const failed = o.failedLocations ?? [];
  const out = o.excludedLocations ?? [];
  const ids = (list) => list.map((id, i) => [i ? ', ' : '', h('span.mono', id)]);
  if (!failed.length) return out.length ? [h('h3', 'Left out of routing now'), h('div.failed-summary', 'Still left out: ', ids(out), '.')] : null;
  const back = failed.filter((f) => f.back).map((f) => f.locationId);
  return [
    h('h3', 'Locations that failed this order (judged now)'),
    h('div.failed-summary.muted',
      out.length ? ['Still left out: ', ids(out), '.'] : 'None is left out now.',
      back.length ? [' Back, may be asked again: ', ids(back), '.'] : null),
    table([
      { label: 'Location', value: (f) => h('span.mono', f.locationId) },
      // How it failed is history (grey); red and green say where the location stands now.
      // A rejection's reason code says which rule brings it back (stock known again, or the policy's hours).
      { label: 'Failed', value: (f) => pill('', `${FAILURES[f.failure] ?? String(f.failure ?? '?').replace(/_/g, ' ')}${f.reasonCode ? `: ${f.reasonCode.replace(/_/g, ' ')}` : ''}`) },
      { label: 'When', value: (f) => h('span.nowrap', fmt.time(f.failedAt)) },
      { label: 'Skus', value: (f) => (f.skus ?? []).map((sku, i) => [i ? ', ' : '', h('span.mono', sku)]) },
      { label: 'Now', value: (f) => (f.back ? pill('ok', 'back') : pill('bad', 'still out')) },
      { label: 'Why', value: (f) => h('span.muted', f.why ?? '') },
    ], failed, { class: 'compact failed-locations', key: (f) => f.locationId }),
  ];
}

const cents = (x) => Math.round(Number(x) * 100);

/** What refunds are bounded by (`leftToRefund.boundedBy`, src/engine/returns/order-payment.ts), in words. */
const BOUND_BY = {
  captured: 'what was captured, for all refunds of the order together',
  placed: 'nothing captured with an amount yet: the amount the order was placed with',
  payment_failed: 'the payment failed: nothing came in to give back',
};

/** Why a refund counts as it does against what is left to refund (`leftToRefund.ours` / `.atChannel`). */
function whyItCounts(x) {
  if (x.owed) return 'owed on top of its refund, finance told to pay it by hand: counts as refunded, paid or not answered yet';
  if (x.ours) return !x.r.counts ? 'turned down: pays nothing' : x.r.paidOutAtChannel ? `paid out at the channel as ${x.r.paidOutAtChannel}: that echo counts once, with this refund` : '';
  return x.r.echoOf ? `echo of our refund ${x.r.echoOf.join(', ')}: only what it paid out beyond ours` : 'the channel\'s own refund';
}

/** An owed row's state: `paid` of its amount recorded paid by hand (`owedToCases[].paid`; absent on an older server). */
function owedState(r, currency) {
  const paid = typeof r.paid === 'number' ? r.paid : 0;
  if (paid > 0 && cents(paid) >= cents(r.amount)) return pill('ok', 'paid by hand');
  return [pill('warn', 'owed'), paid > 0 ? h('div.faint', `${fmt.money(paid, currency)} of it paid by hand`) : null];
}

/**
 * How much of the order can still be refunded (`leftToRefund`, worked out by the rule returns' refunds
 * are limited by: src/domain/returns/left-to-refund.ts), and each refund it counts: ours (a refund
 * turned down counts nothing; one paid out at the channel names the channel's refund, its echo, which
 * then counts once, with ours) and the channel's own (an echo only for what it paid out beyond ours).
 */
function leftToRefund(o) {
  const l = o.leftToRefund;
  if (!l) return null;
  const money = (x, cur) => fmt.money(x, cur ?? l.currency);
  const rows = [
    ...l.ours.map((r) => ({ key: r.refundId, r, ours: true })),
    ...l.atChannel.map((r) => ({ key: r.refundId, r, ours: false })),
    ...(l.owedToCases ?? []).map((r) => ({ key: `owed:${r.caseId}`, r, owed: true })),
  ];
  return [
    h('h3', 'Left to refund'),
    h('div.left-to-refund-line', l.amount === null
      ? [h('strong.left-to-refund', 'Cannot be weighed'), h('div.faint', 'a refund that counts is in another currency than the order: a return\'s refund of this order goes to a person')]
      : [h('strong.left-to-refund', `Left to refund ${money(l.amount)} of ${money(l.boundedBy.amount)}`), h('div.faint', `${l.refunded > 0 ? `${money(l.refunded)} counted as refunded already` : 'nothing counts as refunded yet'}; a return is refunded no more than this`)]),
    rows.length ? table([
      // The Payment panel is narrow: what the refund is, which return and why it counts as it does go under its id.
      { label: 'Refund', value: (x) => [
        x.owed ? h('div', 'owed on top') : h('div', x.ours ? 'ours ' : 'at the channel ', h('span.mono', x.r.refundId)),
        x.ours || x.owed ? h('div.faint', 'return ', h('a.mono', { href: `#/returns/${encodeURIComponent(x.r.caseId)}` }, x.r.caseId)) : null,
        whyItCounts(x) ? h('div.muted.refund-why', whyItCounts(x)) : null,
      ] },
      // An owed top-up finance recorded paid in full reads paid; otherwise owed (with what of it was paid, when some was).
      { label: 'State', value: (x) => (x.owed ? owedState(x.r, l.currency) : x.ours ? pill(x.r.state) : pill('', 'refunded')) },
      { label: 'Counts', num: true, value: (x) => {
        if (x.owed) return money(x.r.amount);
        if (x.ours && !x.r.counts) return h('s.faint', money(x.r.amount, x.r.currency));
        const counts = x.ours ? x.r.amount : x.r.counts;
        return [money(counts, x.r.currency), cents(counts) !== cents(x.r.amount) ? h('div.faint', `of ${money(x.r.amount, x.r.currency)}`) : null];
      } },
    ], rows, { class: 'compact refunds-counted', key: (x) => x.key }) : null,
  ];
}

/**
 * What came in for the order (`captured`, src/domain/orders/captures.ts), what refunds are bounded by
 * and what is left of it (`leftToRefund`: the figure returns' refunds are weighed against — the
 * captured amount; before any capture with an amount, the amount placed; nothing when the payment
 * failed). The bound holds over all of the order's refunds together, those the channel made itself
 * (`refundedAtChannel`) included. Voided captures (`captured.voided`, by id) count nothing.
 */
function paymentBlock(o) {
  const c = o.captured ?? null;
  const captures = c?.captures ?? [];
  const voided = c?.voided ?? [];
  const isVoided = (id) => voided.some((v) => v.captureId === id);
  const live = captures.filter((x) => !isVoided(x.captureId));
  const byId = live.reduce((n, x) => n + cents(x.amount), 0) / 100;
  const running = c?.runningTotal;
  const amount = c?.amount ?? null;
  let counted = null;
  // The larger of the two figures counts (each is a lower bound of what came in): say which one did.
  if (amount !== null && captures.length && running !== undefined && running !== null) {
    if (cents(amount) === cents(byId)) counted = 'counted: the captures by id, not less than the running total';
    else if (cents(amount) > cents(byId)) counted = `counted: the running total${voided.length ? ' less the voided captures' : ''}, more than the captures by id`;
  }
  const b = o.leftToRefund?.boundedBy;
  const bound = b ? [h('strong', fmt.money(b.amount, o.currency)), h('div.faint', BOUND_BY[b.by] ?? b.by)] : h('span.muted', '—');
  const atChannel = o.refundedAtChannel ?? null;
  const channelRefunds = atChannel?.refunds ?? [];
  // A void told before its capture (or naming an authorization): kept by id, it counts nothing when the capture comes.
  const voidsAlone = voided.filter((v) => !captures.some((x) => x.captureId === v.captureId));
  return h('div.payment',
    facts([
      ['Captured', amount !== null ? [h('strong.captured-amount', fmt.money(amount, o.currency)), counted ? h('div.faint', counted) : null] : h('span.muted', 'nothing captured with an amount yet')],
      captures.length ? ['Captures by id', `${live.length}${voided.length && live.length < captures.length ? ` (and ${captures.length - live.length} voided)` : ''}, adding up to ${fmt.money(byId, o.currency)}`] : null,
      running !== undefined && running !== null ? ['Running total', [fmt.money(running, o.currency), h('div.faint', 'the last total reported without a capture id')]] : null,
      ['Refunds bounded by', h('span.refund-bound', bound)],
      atChannel ? ['Refunded at the channel', [h('span.refunded-at-channel', fmt.money(atChannel.amount, o.currency)), h('div.faint', 'as the channel told it: its own refunds count against that bound; an echo of ours counts once, with ours')]] : null,
    ]),
    leftToRefund(o),
    captures.length ? [h('h3', 'Captures'), table([
      { label: 'Capture id', value: (x) => [h('span.mono', x.captureId), isVoided(x.captureId) ? [' ', pill('bad', 'voided')] : null] },
      { label: 'Amount', num: true, value: (x) => (isVoided(x.captureId) ? h('s.faint', fmt.money(x.amount, o.currency)) : fmt.money(x.amount, o.currency)) },
      { label: 'Reported', value: (x) => h('span.nowrap', fmt.time(x.at)) },
    ], captures, { class: 'compact captures', key: (x) => x.captureId })] : null,
    voidsAlone.length ? h('div.faint.voids-alone', 'Voided before any capture of that id was reported (it will count nothing): ', voidsAlone.map((v, i) => [i ? ', ' : '', h('span.mono', v.captureId), ` (${fmt.time(v.at)})`])) : null,
    channelRefunds.length ? [h('h3', 'Refunded at the channel'), table([
      // Our refund paid out in the shop's admin comes back as the shop's refund: the same money, said under its id.
      { label: 'Refund id', value: (x) => [h('span.mono', x.refundId), x.echoOf?.length ? h('div.echo-of', pill('info', 'echo'), ' of our refund ', x.echoOf.map((id, i) => [i ? ', ' : '', h('span.mono', id)])) : null] },
      { label: 'Amount', num: true, value: (x) => fmt.money(x.amount, x.currency ?? o.currency) },
      { label: 'Reason', value: (x) => h('span.muted', x.reason ?? '') },
      { label: 'Reported', value: (x) => h('span.nowrap', fmt.time(x.at)) },
    ], channelRefunds, { class: 'compact channel-refunds', key: (x) => x.refundId })] : null,
  );
}

/** States a hand hold may stop (docs/orders.md, "Holding an order"); the API says why when it refuses. */
const HOLDABLE = ['received', 'validated', 'allocated', 'in_fulfilment', 'backordered'];

/** "Hold": asks why (shown on the order and in the audit trail), then stops what has not shipped. */
function holdButton(o, ctx) {
  const approvalHold = o.state === 'on_hold' && o.holdReason === 'approval';
  if (!session.can('POST /v1/orders/{id}/hold') || !(HOLDABLE.includes(o.state) || approvalHold)) return null;
  return h('button.hold-order', {
    async onclick(e) {
      const btn = e.currentTarget;
      const reason = prompt(`Hold order ${o.externalOrderId}: why? What has not shipped stops until someone releases it.`);
      if (reason === null) return;
      if (!reason.trim()) return toast('error', 'Not held', 'A reason is needed.');
      btn.disabled = true;
      try {
        // One key per click: a retry of a lost answer is answered as the first time.
        await api('POST', `/v1/orders/${encodeURIComponent(o.id)}/hold`, { reason: reason.trim() }, { idempotencyKey: `hold-${o.id}-${Date.now().toString(36)}` });
        toast('success', 'Order held', reason.trim());
        ctx.rerender();
      } catch (err) {
        btn.disabled = false;
        errorToast(err, 'Not held');
      }
    },
  }, 'Hold');
}

/** "Release": only a hand hold; the order is checked for payment and routed again. */
function releaseButton(o, ctx) {
  if (!o.hold || !session.can('POST /v1/orders/{id}/release')) return null;
  return h('button.release-order', {
    async onclick(e) {
      const btn = e.currentTarget;
      const note = prompt(`Release order ${o.externalOrderId}? It is routed again with today's stock. A note (optional):`);
      if (note === null) return;
      btn.disabled = true;
      try {
        await api('POST', `/v1/orders/${encodeURIComponent(o.id)}/release`, note.trim() ? { note: note.trim() } : {}, { idempotencyKey: `release-${o.id}-${Date.now().toString(36)}` });
        toast('success', 'Order released');
        ctx.rerender();
      } catch (err) {
        btn.disabled = false;
        errorToast(err, 'Not released');
      }
    },
  }, 'Release');
}

async function orderDetail(ctx, id) {
  const o = await get(`/v1/orders/${encodeURIComponent(id)}`);
  if (!ctx.live()) return;
  ctx.title.textContent = `Order ${o.externalOrderId}`;
  fill(ctx.sub, h('span', `${o.source} · `), pill(o.state), o.holdReason ? ` ${o.holdReason.replace(/_/g, ' ')}` : '', h('span.faint', ` · ${o.id}`));
  const canCancel = session.can('POST /v1/orders/{id}/cancel') && !['shipped', 'delivered', 'partially_returned', 'returned', 'cancelled'].includes(o.state);
  fill(ctx.actions, 
    h('a', { href: '#/orders' }, '← all orders'),
    canCancel ? h('button.danger', {
      async onclick() {
        const reason = prompt('Why cancel this order? (sent to the channel)');
        if (reason === null) return;
        try {
          await post(`/v1/orders/${encodeURIComponent(o.id)}/cancel`, reason ? { reason } : {});
          toast('success', 'Cancellation requested');
          ctx.rerender();
        } catch (err) { errorToast(err, 'Cancel refused'); }
      },
    }, 'Cancel order') : null,
    holdButton(o, ctx), releaseButton(o, ctx),
  );
  const reroutes = (o.events ?? []).filter((e) => e.type === 'order.rerouted').length;
  fill(ctx.content, 
    h('div.grid.g-order',
      panel('Order', facts([
        ['Channel order', h('span.mono', o.externalOrderId)], ['Customer', o.customerId], ['Placed', fmt.time(o.placedAt)], ['Promised by', fmt.time(o.promisedBy)],
        ['Payment', pill(o.paymentStatus === 'authorized' || o.paymentStatus === 'captured' ? 'ok' : 'warn', o.paymentStatus)], ['Total', fmt.money(o.total, o.currency)],
        ['Fraud score', o.fraud ? String(o.fraud.score) : '—'], ['Reroutes', reroutes ? pill('warn', `${reroutes} reroute${reroutes > 1 ? 's' : ''}`) : '0'],
        ...(o.hold ? [['Held by hand', h('span.order-hold', `${o.hold.note} — ${o.hold.by}, ${fmt.time(o.hold.at)}`)]] : []),
      ])),
      panel('Lines and allocations', table([
        { label: 'Line', value: (l) => l.lineId }, { label: 'Sku', value: (l) => h('span.mono', l.sku) }, { label: 'Qty', num: true, value: (l) => l.qty },
        { label: 'Allocated at', value: (l) => l.allocations.map((a) => `${a.qty}× ${a.locationId} (${a.reservation})`).join(', ') || '—' },
      ], o.lines)),
      h('div.stack', panel('Fulfilments', table([
        { label: 'Location', value: (f) => h('span.mono', f.locationId) }, { label: 'State', value: (f) => pill(f.state) },
        { label: 'Accept by', value: (f) => h('span.nowrap', fmt.short(f.acceptBy)) }, { label: 'Ship by', value: (f) => h('span.nowrap', fmt.short(f.shipBy)) },
        o.fulfilments.some((f) => f.carrier) ? { label: 'Carrier', value: (f) => (f.carrier ? `${f.carrier} ${f.tracking ?? ''}` : '—') } : null,
      ].filter(Boolean), o.fulfilments, { empty: 'No fulfilment yet', class: 'compact' })), h('section.panel.payment-panel', h('h2', 'Payment'), paymentBlock(o))),
    ),
    h('div.grid.g-detail',
      h('section.panel.routing', h('h2', 'Routing explanation'), routing(o)),
      h('section.panel', h('h2', `Timeline · ${(o.events ?? []).length} events and decisions`), timeline(o)),
    ),
  );
}
