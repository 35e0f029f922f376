import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/roles.js';
import { MASTER_DATA_AUTHORITY } from '../../domain/masterdata/authority.js';
import { PURCHASE_ORDER_STATES, transitionPurchaseOrder } from '../../domain/procurement/purchase-order.js';
import { supplierIdSchema } from '../../domain/procurement/supplier.js';
import { checkShippedAt } from '../../domain/replenishment/transfer-shipment.js';
import {
  getSupplier, listSuppliers, purchaseOrderById, queryPurchaseOrders, queryRecommendations, queryRisks, queryTransfers, recommendationById, transferById, transferQtyOnItsWay,
  type PurchaseOrderRecord, type RecommendationRecord, type RiskRecord,
} from '../../store/repos/replenishment.js';
import { acceptRefusal, REPLENISHMENT_DECIDERS } from '../../engine/replenishment/recommendations.js';
import { repeatedCommand, runCommand } from '../command.js';
import { beforeCursorSchema, nextCursor, parseCursor } from '../page-cursor.js';

const READERS: Role[] = ['admin', 'operations_manager', 'category_manager', 'procurement', 'regional_ops', 'store_manager', 'finance', 'auditor', 'inventory_control'];
const SUPPLIER_EDITORS: Role[] = [...MASTER_DATA_AUTHORITY['supplier.upserted']!.roles]; // shared with the upsert handler
const RECEIVERS: Role[] = ['admin', 'operations_manager', 'regional_ops', 'store_manager', 'warehouse'];
const id = z.string().min(1).max(100);

const riskView = (r: RiskRecord) => ({
  id: r.id, sku: r.sku, locationId: r.locationId, state: r.state, detectedAt: new Date(r.detectedMs).toISOString(), breachDate: r.breachDate,
  daysOfCover: r.daysOfCover, revision: r.revision, watchedUntil: r.watchTo, reachedZeroDate: r.reachedZeroDate, ...r.doc,
});

const recommendationView = (r: RecommendationRecord) => ({
  id: r.id, sku: r.sku, locationId: r.locationId, riskId: r.riskId, state: r.state, expedite: r.expedite, createdAt: new Date(r.createdMs).toISOString(),
  decidedBy: r.decidedBy, poId: r.poId, transferId: r.transferId, ...r.doc,
});

const poView = (p: PurchaseOrderRecord) => ({
  id: p.id, supplierId: p.supplierId, locationId: p.locationId, state: p.state, expedite: p.expedite, value: p.value,
  expectedDate: p.expectedDate, plannedDate: p.plannedDate, promisedDate: p.promisedDate, receivedDate: p.receivedDate, recommendationId: p.recommendationId,
  createdAt: new Date(p.createdMs).toISOString(), lines: p.lines.map((l) => ({ ...l, unitCost: p.unitCosts[l.sku] ?? null })),
  approvals: p.doc.approvals, delays: p.doc.delays, requestedBy: p.doc.requestedBy, history: p.doc.history.map((x) => ({ ...x, at: new Date(x.at).toISOString() })),
});

export function replenishmentRoutes(app: App): RouteSpec[] {
  const recommendationOr404 = async (rid: string) => (await recommendationById(app.store.read, rid)) ?? notFound('recommendation', rid);
  return [
    defineRoute({
      method: 'GET', url: '/v1/replenishment/risks', tag: 'replenishment', summary: 'Stockout risks of the replenishment check, nearest breach first, with the projection behind each.',
      access: READERS,
      query: z.object({ state: z.enum(['open', 'resolved']).optional(), sku: z.string().max(64).optional(), location: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      async handler({ query }) {
        return { items: (await queryRisks(app.store.read, { state: query.state, sku: query.sku, locationId: query.location, limit: query.limit })).map(riskView) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/replenishment/recommendations', tag: 'replenishment', summary: 'Recommendations (purchase, transfer, alternatives), newest first.',
      access: READERS,
      query: z.object({ state: z.enum(['open', 'accepted', 'dismissed', 'converted']).optional(), sku: z.string().max(64).optional(), location: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      async handler({ query }) {
        return { items: (await queryRecommendations(app.store.read, { state: query.state, sku: query.sku, locationId: query.location, limit: query.limit })).map(recommendationView) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/replenishment/recommendations/{id}', tag: 'replenishment', summary: 'One recommendation.', access: READERS,
      params: z.object({ id }), responses: { 200: 'recommendation', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        return recommendationView(await recommendationOr404(params.id));
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/replenishment/recommendations/{id}/{action}', tag: 'replenishment',
      summary: 'Accept (purchase → PO draft through approval, transfer → transfer order) or dismiss a recommendation.',
      access: REPLENISHMENT_DECIDERS,
      params: z.object({ id, action: z.enum(['accept', 'dismiss']) }),
      body: z.object({ note: z.string().max(1000).optional(), reason: z.string().max(1000).optional() }).strict(),
      responses: { 200: 'the recommendation after the decision, with its purchase order', 403: 'E_ROLE (above value)', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (already decided)' },
      async handler({ params, body, principal, req, reply }) {
        const rec = await recommendationOr404(params.id);
        // A retry with the same Idempotency-Key is judged by the intake (the first command, or a
        // mismatch), not on the state its first try left: that was refused 409 instead of answered.
        if (rec.state !== 'open' && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `recommendation ${rec.id} is already ${rec.state}`, { detail: { poId: rec.poId, transferId: rec.transferId } });
        if (params.action === 'accept') {
          const refusal = acceptRefusal(rec, principal!.role, (await app.policies.get('replenishment')).purchaseApprovals);
          if (refusal) throw new DomainError('E_ROLE', refusal);
        }
        // One text field per command; a buyer's words are kept whichever of the two they came in.
        const words = params.action === 'accept' ? (body.note ?? body.reason) : (body.reason ?? body.note);
        const r = params.action === 'accept'
          ? await runCommand(app, req, principal!, 'replenishment.accept_requested', { recommendationId: rec.id, ...(words ? { note: words } : {}) })
          : await runCommand(app, req, principal!, 'replenishment.dismiss_requested', { recommendationId: rec.id, ...(words ? { reason: words } : {}) });
        if (r.status === 'pending') return reply.code(202).send({ eventId: r.eventId, status: 'pending' });
        const after = await recommendationOr404(rec.id);
        const po = after.poId ? await purchaseOrderById(app.store.read, after.poId) : undefined;
        return { ...recommendationView(after), purchaseOrder: po ? poView(po) : null, eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/purchase-orders', tag: 'procurement',
      summary: 'Purchase orders, newest first, by state, supplier or sku; paged by ?before=<next of the previous page> (or a creation time in ms).', access: READERS,
      query: z.object({
        state: z.enum(PURCHASE_ORDER_STATES).optional(), supplier: z.string().max(64).optional(), sku: z.string().max(64).optional(),
        before: beforeCursorSchema, limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      async handler({ query }) {
        const before = parseCursor(query.before);
        const rows = await queryPurchaseOrders(app.store.read, { state: query.state, supplierId: query.supplier, sku: query.sku, beforeMs: before?.ms, beforeId: before?.id, limit: query.limit });
        return { items: rows.map(poView), next: nextCursor(rows, query.limit, (p) => ({ ms: p.createdMs, id: p.id })) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/purchase-orders/{id}', tag: 'procurement', summary: 'One purchase order with its lines, approvals, delays and history.', access: READERS,
      params: z.object({ id }), responses: { 200: 'purchase order', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        const po = await purchaseOrderById(app.store.read, params.id);
        return po ? poView(po) : notFound('purchase order', params.id);
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/purchase-orders/{id}/cancel', tag: 'procurement',
      summary: 'Cancel a purchase order: a draft held for approval, or an order the supplier cannot deliver (the ERP and the supplier are told). What has not arrived is no longer inbound.',
      access: REPLENISHMENT_DECIDERS, params: z.object({ id }), body: z.object({ reason: z.string().max(1000).optional() }).strict(),
      responses: { 200: 'the purchase order after the cancellation', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (already received or cancelled)' },
      async handler({ params, body, principal, req, reply }) {
        const po = (await purchaseOrderById(app.store.read, params.id)) ?? notFound('purchase order', params.id);
        // A retry with the same Idempotency-Key: the intake answers it (see the recommendation's decision above).
        if (!transitionPurchaseOrder(po, { kind: 'cancel' }).ok && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `purchase order ${po.id} is already ${po.state}`);
        const r = await runCommand(app, req, principal!, 'purchase_order.cancel_requested', { poId: po.id, ...(body.reason ? { reason: body.reason } : {}) });
        if (r.status === 'pending') return reply.code(202).send({ eventId: r.eventId, status: 'pending' });
        const after = (await purchaseOrderById(app.store.read, po.id)) ?? notFound('purchase order', po.id);
        return { ...poView(after), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'PUT', url: '/v1/suppliers/{id}', tag: 'procurement', summary: 'Create or replace a supplier and its terms per sku (lead time, unit cost, MOQ, pack size, primary).',
      access: SUPPLIER_EDITORS, params: z.object({ id: supplierIdSchema }), // Validated as the event's payload (supplier schema), so the route and the log cannot disagree.
      body: z.record(z.string(), z.unknown()),
      responses: { 200: 'the supplier as stored', 202: 'accepted, still processing', 422: 'E_SCHEMA' },
      async handler({ params, body, principal, req, reply }) {
        const r = await runCommand(app, req, principal!, 'supplier.upserted', { ...body, id: params.id });
        if (r.status === 'pending') return reply.code(202).send({ eventId: r.eventId, status: 'pending' });
        return { ...(await getSupplier(app.store.read, params.id)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/suppliers/{id}', tag: 'procurement', summary: 'One supplier.', access: READERS,
      params: z.object({ id: supplierIdSchema }), responses: { 200: 'supplier', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        return (await getSupplier(app.store.read, params.id)) ?? notFound('supplier', params.id);
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/suppliers', tag: 'procurement', summary: 'Suppliers by id, paged by ?after=<id>.', access: READERS,
      query: z.object({ after: z.string().max(64).default(''), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      async handler({ query }) {
        const items = await listSuppliers(app.store.read, query.after, query.limit);
        return { items, next: items.length === query.limit ? items[items.length - 1]!.id : null };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/transfers', tag: 'replenishment',
      summary: 'Transfer orders between locations, newest first, by state, sku and a location at either end (a store sees what it sends and what comes to it); paged by ?before=<next of the previous page>.',
      access: [...READERS, 'warehouse'],
      query: z.object({
        state: z.enum(['in_transit', 'shipped', 'received', 'cancelled']).optional(), location: z.string().max(64).optional(), sku: z.string().max(64).optional(),
        before: beforeCursorSchema, limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      async handler({ query }) {
        const before = parseCursor(query.before);
        const rows = await queryTransfers(app.store.read, { state: query.state, locationId: query.location, sku: query.sku, beforeMs: before?.ms, beforeId: before?.id, limit: query.limit });
        return { items: rows, next: nextCursor(rows, query.limit, (t) => ({ ms: t.createdMs, id: t.id })) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/transfers/{id}', tag: 'replenishment', summary: 'One transfer order: its state, and when it shipped and arrived.', access: [...READERS, 'warehouse'],
      params: z.object({ id }), responses: { 200: 'transfer', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        return (await transferById(app.store.read, params.id)) ?? notFound('transfer', params.id);
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/transfers/{id}/ship', tag: 'replenishment',
      summary: 'The source sent a transfer on its way: its units leave the source’s stock now (a short shipment frees the rest there).',
      access: RECEIVERS, params: z.object({ id }),
      body: z.object({ qty: z.number().int().positive().optional(), carrier: z.string().min(1).max(100).optional(), tracking: z.string().min(1).max(200).optional() }).strict(),
      responses: { 200: 'the transfer after the shipment', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (already shipped, received or cancelled)', 422: 'E_SCHEMA (more than the transfer asked for)' },
      async handler({ params, body, principal, req }) {
        const t = (await transferById(app.store.read, params.id)) ?? notFound('transfer', params.id);
        // A retry with the same Idempotency-Key: the intake answers it (see the recommendation's decision above).
        if (t.state !== 'in_transit' && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `transfer ${t.id} is already ${t.state}`);
        if (body.qty !== undefined && body.qty > t.qty) {
          throw new DomainError('E_SCHEMA', `transfer ${t.id} asked for ${t.qty}`, { issues: [{ path: 'body.qty', message: `at most the ${t.qty} asked for` }] });
        }
        const r = await runCommand(app, req, principal!, 'transfer.shipped', { transferId: t.id, locationId: t.fromLocationId, ...body });
        return { ...(await transferById(app.store.read, t.id)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/transfers/{id}/receive', tag: 'replenishment',
      summary: 'The destination received a transfer: its stock rises (and the source’s falls, if the shipment was never reported: at `shippedAt`, when the goods left by the delivery note, else now).',
      access: RECEIVERS, params: z.object({ id }),
      body: z.object({ qty: z.number().int().positive().optional(), shippedAt: z.iso.datetime({ offset: true }).optional() }).strict(),
      responses: { 200: 'the transfer after the receipt', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (already received or cancelled)', 422: 'E_SCHEMA (more than was shipped; shippedAt after now or before the transfer was made)' },
      async handler({ params, body, principal, req }) {
        const t = (await transferById(app.store.read, params.id)) ?? notFound('transfer', params.id);
        // A retry with the same Idempotency-Key: the intake answers it (see the recommendation's decision
        // above); what was on its way was judged when the first try was, so neither is judged again.
        const repeat = t.state !== 'in_transit' && t.state !== 'shipped' && (await repeatedCommand(app, req, principal!));
        if (!repeat && t.state !== 'in_transit' && t.state !== 'shipped') throw new DomainError('E_INVALID_STATE', `transfer ${t.id} is already ${t.state}`);
        // The source shipped `sent`: a larger count is a miscount to correct, not stock to cut silently.
        const sent = transferQtyOnItsWay(t);
        if (!repeat && body.qty !== undefined && body.qty > sent) {
          throw new DomainError('E_SCHEMA', `transfer ${t.id} shipped ${sent}`, { issues: [{ path: 'body.qty', message: `at most the ${sent} shipped` }] });
        }
        // When the goods left: within a reported shipment's bounds (the handler would clamp it; a person is told).
        if (!repeat && body.shippedAt !== undefined) {
          const check = checkShippedAt(body.shippedAt, app.clock(), t.createdMs);
          if (!check.ok) {
            const bound = new Date(check.boundMs).toISOString();
            const message = check.reason === 'after_receipt' ? `not after the receipt (${bound})` : `not before the transfer was made (${bound})`;
            throw new DomainError('E_SCHEMA', `transfer ${t.id}: shippedAt ${body.shippedAt} is ${message}`, { issues: [{ path: 'body.shippedAt', message }] });
          }
        }
        const r = await runCommand(app, req, principal!, 'transfer.received', { transferId: t.id, locationId: t.toLocationId, ...(body.qty ? { qty: body.qty } : {}), ...(body.shippedAt ? { shippedAt: body.shippedAt } : {}) });
        return { ...(await transferById(app.store.read, t.id)), eventId: r.eventId };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/transfers/{id}/cancel', tag: 'replenishment',
      summary: 'Cancel a transfer its source has not shipped: the units it held there are free again, and the source is told.',
      access: REPLENISHMENT_DECIDERS, params: z.object({ id }), body: z.object({ reason: z.string().max(1000).optional() }).strict(),
      responses: { 200: 'the transfer after the cancellation', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (shipped, received or already cancelled)' },
      async handler({ params, body, principal, req }) {
        const t = (await transferById(app.store.read, params.id)) ?? notFound('transfer', params.id);
        // A retry with the same Idempotency-Key: the intake answers it (see the recommendation's decision above).
        if (t.state !== 'in_transit' && !(await repeatedCommand(app, req, principal!))) throw new DomainError('E_INVALID_STATE', `transfer ${t.id} is already ${t.state}`);
        const r = await runCommand(app, req, principal!, 'transfer.cancel_requested', { transferId: t.id, ...(body.reason ? { reason: body.reason } : {}) });
        return { ...(await transferById(app.store.read, t.id)), eventId: r.eventId };
      },
    }),
  ];
}

function notFound(what: string, key: string): never {
  throw new DomainError('E_NOT_FOUND', `no ${what} ${key}`);
}
