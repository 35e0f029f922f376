import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/roles.js';
import { ORDER_STATES, FULFILMENT_STATES, decideHold, decideRelease, REJECTION_REASON_CODES, isCollection, reportMoves, type OrderPlacedPayload } from '../../domain/orders/index.js';
import { fulfilmentById, fulfilmentsOfOrder, orderById, queryFulfilments, queryOrders, reservationsOfOrder, type OrderRecord } from '../../store/repos/orders.js';
import { eventsBySubject } from '../../store/repos/events.js';
import { orderSubject } from '../../engine/orders/identity.js';
import { failedLocationsOf } from '../../engine/orders/failed-locations.js';
import { manualHoldOf, refusalOf } from '../../engine/orders/hold.js';
import { failedLocationsNow } from '../../domain/sourcing/index.js';
import { stockVerifiedAt } from '../../store/repos/stock.js';
import { repeatedCommand, runCommand } from '../command.js';
import { beforeCursorSchema, nextCursor, parseCursor } from '../page-cursor.js';
import { refundedAtChannel } from '../../domain/orders/channel-refunds.js';
import { refundRoom, type EarlierRefund, type RefundAtChannel, type RefundRoom } from '../../domain/returns/left-to-refund.js';
import { paymentOfOrder } from '../../engine/returns/order-payment.js';
import { refundsOfOrder, returnCasesOfOrder } from '../../store/repos/returns.js';
import { owedHeldOf } from '../../engine/returns/refund-owed.js';
import { leftToRefundView } from './order-left-to-refund.js';

// fraud_review: the reviewer decides on an order held for fraud review and must see it.
const READERS: Role[] = ['admin', 'operations_manager', 'regional_ops', 'store_manager', 'finance', 'service_agent', 'auditor', 'warehouse', 'fraud_review'];
const CANCELLERS: Role[] = ['admin', 'operations_manager', 'service_agent'];
// fraud_review: the analyst who wants a closer look at an order stops it first.
const HOLDERS: Role[] = ['admin', 'operations_manager', 'service_agent', 'fraud_review'];
const FLOOR: Role[] = ['admin', 'operations_manager', 'regional_ops', 'store_manager', 'warehouse'];

/**
 * What came in for the order, for finance: the figure refunds are bounded by (`amount`), the captures
 * reported with an id that it adds up, the captures voided (`voided`, by id: they count nothing), and
 * the last running total reported without one. Null until a capture with an amount or a void was
 * reported; `amount` null while only voids were (refunds are then bounded by the placed amount).
 */
function capturedView(o: OrderRecord) {
  const voids = o.doc.voids ?? [];
  if (o.doc.capturedAmount === undefined && voids.length === 0) return null;
  const captures = o.doc.captures ?? [];
  // Orders captured before the total was kept apart: their capturedAmount was the running total.
  const runningTotal = o.doc.capturedTotal ?? (captures.length === 0 ? o.doc.capturedAmount : undefined);
  return {
    amount: o.doc.capturedAmount ?? null,
    ...(runningTotal !== undefined ? { runningTotal } : {}),
    captures: captures.map((c) => ({ captureId: c.captureId, amount: c.amount, at: new Date(c.at).toISOString(), eventId: c.eventId })),
    ...(voids.length > 0 ? { voided: voids.map((v) => ({ captureId: v.captureId, at: new Date(v.at).toISOString(), eventId: v.eventId })) } : {}),
  };
}

/**
 * What the channel refunded (payment.refunded), in the order's currency, and each refund; null when
 * nothing. A refund that paid out ours (its id is our refund's settlement channelRefundId) says so (`echoOf`:
 * our refund ids): the same money, counted once against returns. Worked out at read time from our
 * refunds, by the rule refunds are limited by (the room's channel refunds are the order's, in order).
 */
function refundedAtChannelView(o: OrderRecord, room: RefundRoom<EarlierRefund & { id: string }, RefundAtChannel>) {
  const refunds = o.doc.channelRefunds ?? [];
  if (refunds.length === 0) return null;
  return {
    amount: refundedAtChannel(refunds, o.currency),
    refunds: refunds.map((r, i) => {
      const echoOf = room.atChannel[i]?.echoOf?.map((x) => x.id);
      return { refundId: r.refundId, amount: r.amount, currency: r.currency, ...(r.reason !== undefined ? { reason: r.reason } : {}), at: new Date(r.at).toISOString(), eventId: r.eventId, ...(echoOf ? { echoOf } : {}) };
    }),
  };
}

/** A hand hold: why, who and when, while it lasts. */
function holdView(o: OrderRecord) {
  const hold = manualHoldOf(o);
  return hold ? { hold: { reason: hold.reason, note: hold.note, by: hold.by, at: new Date(hold.at).toISOString() } } : {};
}

/** The order as an operator reads it: state, lines with where they ship from, the routing and its events. */
async function orderView(app: App, o: OrderRecord, withEvents: boolean) {
  const channelRefunds = o.doc.channelRefunds ?? [];
  // Our refunds are read for one order's view (what is left to refund) and, in lists, only where the
  // channel refunded (whose echo it is): a list would otherwise pay a read per order for a figure it does not show.
  const money = withEvents || channelRefunds.length > 0;
  const [fulfilments, reservations, ours, cases] = await Promise.all([
    fulfilmentsOfOrder(app.store.read, o.id), reservationsOfOrder(app.store.read, o.id), money ? refundsOfOrder(app.store.read, o.id) : Promise.resolve([]),
    // What finance was told cases are owed on top counts in what is left to refund (the single order's figure only).
    withEvents ? returnCasesOfOrder(app.store.read, o.id) : Promise.resolve([]),
  ]);
  const payment = money ? paymentOfOrder(o) : null;
  const room = payment ? refundRoom(payment, ours, channelRefunds, owedHeldOf(cases)) : null;
  const placed = o.doc.placed as { lines: Array<{ lineId: string; sku: string; qty: number; unitPrice: number }> };
  const live = reservations.filter((r) => r.status !== 'released');
  const routing = o.doc.routing as Array<Record<string, unknown>>;
  const last = routing[routing.length - 1];
  const view: Record<string, unknown> = {
    id: o.id,
    source: o.source,
    externalOrderId: o.externalOrderId,
    state: o.state,
    ...(o.holdReason ? { holdReason: o.holdReason } : {}),
    ...holdView(o),
    customerId: o.customerId,
    total: o.total,
    currency: o.currency,
    paymentStatus: o.doc.paymentStatus,
    captured: capturedView(o),
    refundedAtChannel: room ? refundedAtChannelView(o, room) : null,
    ...(withEvents && payment && room ? { leftToRefund: leftToRefundView(payment, room) } : {}),
    placedAt: new Date(o.placedMs).toISOString(),
    ...(o.promisedByMs ? { promisedBy: new Date(o.promisedByMs).toISOString() } : {}),
    lines: placed.lines.map((l) => ({
      lineId: l.lineId, sku: l.sku, qty: l.qty, unitPrice: l.unitPrice,
      allocations: live.filter((r) => r.lineId === l.lineId).map((r) => ({ locationId: r.locationId, qty: r.qty, fulfilmentId: r.fulfilmentId, reservation: r.status })),
    })),
    fulfilments: fulfilments.map((f) => ({ id: f.id, locationId: f.locationId, state: f.state, acceptBy: new Date(f.acceptByMs).toISOString(), shipBy: new Date(f.shipByMs).toISOString(), lines: f.lines, carrier: f.carrier, tracking: f.tracking })),
    routing: last ? { policyVersion: last.policyVersion, outcome: last.outcome, why: last.why, candidates: last.candidates, chosen: last.plan ?? null, excluded: last.excluded } : null,
    routingHistory: routing.map((r) => ({ why: r.why, outcome: r.outcome, policyVersion: r.policyVersion, decidedAt: new Date(Number(r.decidedAt)).toISOString() })),
    reroutes: routing.filter((r) => String(r.why).startsWith('reroute')).length,
    ...(await failedLocationsView(app, o, waitingSkus(placed.lines, live))),
    fraud: o.doc.fraud ?? null,
    history: o.doc.history.map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
  };
  if (withEvents) {
    const events = await eventsBySubject(app.store.read, orderSubject(o.source, o.externalOrderId), 1000);
    view.events = events.map((e) => ({ id: e.id, type: e.type, source: e.source, status: e.status, receivedAt: e.receivedAt, causationId: e.causationId, payload: e.payload }));
  }
  return view;
}

/**
 * Where the order will not be routed and why: `excludedLocations` (ids, as always) are the locations
 * that failed it and are still left out now; `failedLocations` every one that failed it, when, for
 * which skus, and whether it is back (its stock counted or received since) — judged as routing would
 * judge it now, as routing would: on the skus the order still waits for (`waiting`); when it waits for
 * none, on every sku the location failed (would it be asked again for all of it). The stock read is
 * only for orders some location failed.
 */
async function failedLocationsView(app: App, o: OrderRecord, waiting: ReadonlySet<string>): Promise<{ excludedLocations: string[]; failedLocations?: unknown[] }> {
  const failed = failedLocationsOf(o);
  if (failed.length === 0) return { excludedLocations: o.doc.excludedLocationIds };
  const now = failedLocationsNow(failed, await stockVerifiedAt(app.store.read, failed), await app.policies.get('sourcing'), app.clock(), waiting.size > 0 ? waiting : undefined);
  return {
    excludedLocations: now.filter((f) => !f.back).map((f) => f.locationId),
    failedLocations: now.map((f, i) => ({
      locationId: f.locationId, failure: f.failure, ...(f.reasonCode ? { reasonCode: f.reasonCode } : {}), failedAt: new Date(f.failedAt).toISOString(), skus: failed[i]!.skus, back: f.back, why: f.why,
    })),
  };
}

/** The skus of lines not wholly covered by live (not released) reservations: what routing would place next. */
function waitingSkus(lines: ReadonlyArray<{ lineId: string; sku: string; qty: number }>, live: ReadonlyArray<{ lineId: string; qty: number }>): ReadonlySet<string> {
  return new Set(lines.filter((l) => live.filter((r) => r.lineId === l.lineId).reduce((n, r) => n + r.qty, 0) < l.qty).map((l) => l.sku));
}

export function orderRoutes(app: App): RouteSpec[] {
  /**
   * A hold's or release's answer: the order after it, or 409 when its handler refused — the order may
   * have changed (shipped) between the route's check and the command. A retry with the same
   * Idempotency-Key finds the same command, so it answers as the first try did.
   */
  async function answerCommand(id: string, eventId: string, what: 'hold' | 'release') {
    const after = (await orderById(app.store.read, id))!;
    const why = refusalOf(after, eventId, what);
    if (why !== undefined) throw new DomainError('E_INVALID_STATE', `order ${id} cannot be ${what === 'hold' ? 'held' : 'released'}: ${why}`, { detail: { eventId } });
    return orderView(app, after, false);
  }
  return [
    defineRoute({
      method: 'GET', url: '/v1/orders/{id}', tag: 'orders', summary: 'One order with its allocations, fulfilments, routing explanation and event history.',
      access: READERS, params: z.object({ id: z.string().min(1).max(100) }), responses: { 200: 'order; its leftToRefund is components.schemas.LeftToRefund', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        const o = await orderById(app.store.read, params.id);
        if (!o) throw new DomainError('E_NOT_FOUND', `no order ${params.id}`);
        return orderView(app, o, true);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/orders', tag: 'orders', summary: 'Orders, newest first, by source, external id and state; paged by ?before=<next of the previous page> (or a placedAt in ms).',
      access: READERS,
      query: z.object({
        source: z.string().max(64).optional(), externalId: z.string().max(200).optional(), state: z.enum(ORDER_STATES).optional(),
        before: beforeCursorSchema, limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      async handler({ query }) {
        const before = parseCursor(query.before);
        const rows = await queryOrders(app.store.read, { source: query.source, externalId: query.externalId, state: query.state, beforeMs: before?.ms, beforeId: before?.id, limit: query.limit });
        const items = await Promise.all(rows.map((o) => orderView(app, o, false)));
        return { items, next: nextCursor(rows, query.limit, (o) => ({ ms: o.placedMs, id: o.id })) };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/orders/{id}/cancel', tag: 'orders', summary: 'Cancel what has not shipped and release its stock.',
      access: CANCELLERS, params: z.object({ id: z.string().min(1).max(100) }), body: z.object({ reason: z.string().max(500).optional() }).strict(),
      responses: { 200: 'the order after the request', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (already shipped)' },
      async handler({ params, body, principal, req }) {
        const o = await orderById(app.store.read, params.id);
        if (!o) throw new DomainError('E_NOT_FOUND', `no order ${params.id}`);
        if (['shipped', 'delivered', 'partially_returned', 'returned'].includes(o.state)) throw new DomainError('E_INVALID_STATE', `order ${o.id} is ${o.state}: too late to cancel`);
        await runCommand(app, req, principal!, 'order.cancel_requested', { externalOrderId: o.externalOrderId, channel: o.source, reason: body.reason ?? `cancelled by ${principal!.name}` });
        return orderView(app, (await orderById(app.store.read, params.id))!, false);
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/orders/{id}/hold', tag: 'orders',
      summary: 'Hold an order by hand: what has not shipped stops (fulfilments cancelled, stock released, location told) until it is released; what shipped goes on.',
      access: HOLDERS, params: z.object({ id: z.string().min(1).max(100) }), body: z.object({ reason: z.string().trim().min(1).max(500) }).strict(),
      responses: { 200: 'the order after the request (hold: reason, note, by, at)', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (shipped or done, or already on hold: payment and fraud holds are cleared by their own check)' },
      async handler({ params, body, principal, req }) {
        const o = await orderById(app.store.read, params.id);
        if (!o) throw new DomainError('E_NOT_FOUND', `no order ${params.id}`);
        const d = decideHold(o, { note: body.reason, by: principal!.name }, { now: app.clock() });
        if (d.outcome === 'refused' && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `order ${o.id} cannot be held: ${d.why}`);
        const r = await runCommand(app, req, principal!, 'order.hold_requested', { externalOrderId: o.externalOrderId, channel: o.source, reason: body.reason });
        return answerCommand(params.id, r.eventId, 'hold');
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/orders/{id}/release', tag: 'orders',
      summary: 'Release an order held by hand: its payment is checked again and it is routed again with the current policy and stock.',
      access: HOLDERS, params: z.object({ id: z.string().min(1).max(100) }), body: z.object({ note: z.string().max(500).optional() }).strict(),
      responses: { 200: 'the order after the request', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (not on hold by hand: a payment, fraud or approval hold clears by its own check)' },
      async handler({ params, body, principal, req }) {
        const o = await orderById(app.store.read, params.id);
        if (!o) throw new DomainError('E_NOT_FOUND', `no order ${params.id}`);
        const d = decideRelease({ state: o.state, holdReason: o.holdReason, paymentStatus: o.doc.paymentStatus }, (await app.policies.get('orders')).payment.acceptedStatuses);
        if (d.outcome === 'refused' && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `order ${o.id} cannot be released: ${d.why}`);
        const r = await runCommand(app, req, principal!, 'order.release_requested', { externalOrderId: o.externalOrderId, channel: o.source, ...(body.note ? { note: body.note } : {}) });
        return answerCommand(params.id, r.eventId, 'release');
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/fulfilments', tag: 'fulfilment', summary: 'A store or warehouse worklist: fulfilments by location and state, oldest first.',
      access: FLOOR, query: z.object({ location: z.string().max(64).optional(), state: z.enum(FULFILMENT_STATES).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      async handler({ query }) {
        const items = await queryFulfilments(app.store.read, { locationId: query.location, state: query.state, limit: query.limit });
        return { items: items.map((f) => ({ ...f, acceptBy: new Date(f.acceptByMs).toISOString(), shipBy: new Date(f.shipByMs).toISOString() })) };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/fulfilments/{id}/{action}', tag: 'fulfilment',
      summary: 'Accept, reject, pick or ship a fulfilment, or hand a click-and-collect order to its customer (collect) (store and warehouse staff). '
        + 'A rejection may name its reason (`reasonCode`): out_of_stock, damaged or other keep the location out of the order until its stock is counted or received; '
        + 'no_capacity, no_staff or closed until the sourcing policy\'s hours (reroute.retryNonStockRejectionAfterHours) have passed; none counts as a stock reason.',
      access: FLOOR,
      params: z.object({ id: z.string().min(1).max(100), action: z.enum(['accept', 'reject', 'pick', 'ship', 'collect']) }),
      body: z.object({
        reason: z.string().max(500).optional(), reasonCode: z.enum(REJECTION_REASON_CODES).optional(),
        carrier: z.string().max(64).optional(), trackingNumber: z.string().max(100).optional(),
      }).strict(),
      responses: {
        200: 'the fulfilment after the action', 404: 'E_NOT_FOUND',
        409: 'E_INVALID_STATE (the fulfilment is past that step, or failed; collect: the order is not click-and-collect)',
        422: 'E_SCHEMA (an unknown reasonCode, or a reasonCode on another action than reject; nothing changed)',
      },
      async handler({ params, body, principal, req }) {
        // A reason code is a rejection's: on an accept or a pick it would be stored and mean nothing.
        if (body.reasonCode !== undefined && params.action !== 'reject') {
          throw new DomainError('E_SCHEMA', `reasonCode is given only with reject, not ${params.action}`, { issues: [{ path: 'reasonCode', message: 'only with reject' }] });
        }
        const f = await fulfilmentById(app.store.read, params.id);
        if (!f) throw new DomainError('E_NOT_FOUND', `no fulfilment ${params.id}`);
        // Staff act on what they see: a step the fulfilment is already past (or a failed one) is refused,
        // not sent on to be noted and ignored. Channels' late reports still go through intake.
        const to = ({ accept: 'accepted', reject: 'rejected', pick: 'picked', ship: 'shipped', collect: 'delivered' } as const)[params.action];
        // Not for a retry with the same Idempotency-Key: judged on the step its first try made, it was
        // refused 409 instead of answered as the first time (the intake answers it: the same command, or a mismatch).
        if (!reportMoves(f.state, to) && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `fulfilment ${f.id} is ${f.state}: cannot ${params.action} it`);
        if (params.action === 'collect') {
          const order = await orderById(app.store.read, f.orderId);
          if (!order || !isCollection(order.doc.placed as unknown as OrderPlacedPayload)) throw new DomainError('E_INVALID_STATE', `fulfilment ${f.id} ships to the customer: it is not collected at the store`);
        }
        const type = { accept: 'fulfilment.accepted', reject: 'fulfilment.rejected', pick: 'fulfilment.picked', ship: 'fulfilment.shipped', collect: 'fulfilment.collected' }[params.action];
        const r = await runCommand(app, req, principal!, type, { fulfilmentId: f.id, ...body });
        const after = await fulfilmentById(app.store.read, params.id);
        return { ...after, eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/availability', tag: 'inventory', summary: 'What each channel may sell, as last published to it.',
      access: 'authenticated', query: z.object({ channel: z.string().max(64).optional(), sku: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(5000).default(500) }),
      async handler({ query }) {
        const where: string[] = [];
        const params: unknown[] = [];
        if (query.channel) { where.push('channel = ?'); params.push(query.channel); }
        if (query.sku) { where.push('sku = ?'); params.push(query.sku); }
        params.push(query.limit);
        const rows = await app.store.read.all<{ channel: string; sku: string; quantity: number; updated_at: string }>(
          `SELECT channel, sku, quantity, updated_at FROM availability_published ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY channel, sku LIMIT ?`, params,
        );
        return { items: rows.map((r) => ({ channel: r.channel, sku: r.sku, quantity: Number(r.quantity), updatedAt: r.updated_at })) };
      },
    }),
  ];
}
