import type { SqlExecutor } from '../../store/port.js';
import type { DestinationRow } from '../../store/repos/destinations.js';
import { odooOptionsSchema } from '../../domain/integrations/destination.js';
import { createJson2Client, createJsonRpcClient, OdooPermanentError, type OdooClient } from '../../connectors/odoo/index.js';
import { cancelPurchaseOrder, cancelSaleOrder, currencyIdsFor, importProducts, importStockPerWarehouse, pushCreditNote, pushPurchaseOrder, pushSaleOrder, pushVendorCredit, readPickingState } from '../../connectors/odoo/operations/index.js';
import { textOrNull } from '../../connectors/odoo/client.js';
import { orderById } from '../../store/repos/orders.js';
import { getSupplier } from '../../store/repos/replenishment.js';
import type { DeliveryRow } from '../../store/repos/deliveries.js';

/** What an Odoo delivery produced: a summary for the audit, and events observed (appended by the worker). */
export interface OdooEffect {
  summary: Record<string, unknown>;
  events: Array<{ type: string; payload: Record<string, unknown> }>;
}

/** Our own mapping gaps (no warehouse, unknown sku): retrying cannot fix them, an operator must. */
function notMapped(row: DeliveryRow, message: string): OdooPermanentError {
  return new OdooPermanentError({ exceptionName: 'omniops.mapping', odooMessage: message, transport: 'json2' });
}

/** The row's ISO currency; rows written before it was carried have none (booked in the company's). */
const currencyOf = (p: Record<string, unknown>): string | null => (typeof p.currency === 'string' && p.currency ? p.currency : null);

export function odooClientFor(d: DestinationRow, credentials: Record<string, string>, timeoutMs: number): OdooClient {
  const o = odooOptionsSchema.parse(d.options);
  const apiKey = credentials.apiKey ?? '';
  const t = o.timeoutMs ?? timeoutMs;
  if (o.transport === 'jsonrpc') return createJsonRpcClient({ url: d.url, database: o.database ?? '', login: o.login ?? 'admin', apiKey, timeoutMs: t });
  return createJson2Client({ url: d.url, database: o.database, apiKey, timeoutMs: t, userAgent: 'omniops/1' });
}

async function productIds(client: OdooClient, row: DeliveryRow, skus: string[]): Promise<Map<string, number>> {
  const found = await client.call<Array<{ id: number; default_code: unknown }>>('product.product', 'search_read', {
    domain: [['default_code', 'in', [...new Set(skus)]]], fields: ['default_code'], order: 'id asc',
  });
  const map = new Map<string, number>();
  for (const p of found) {
    const sku = textOrNull(p.default_code);
    if (sku && !map.has(sku)) map.set(sku, p.id);
  }
  const missing = skus.filter((s) => !map.has(s));
  if (missing.length) throw notMapped(row, `no Odoo product with internal reference ${missing.join(', ')}`);
  return map;
}

/**
 * Carries one outbox row out against Odoo. Every push is an exactly-once operation (search by our
 * marker before create), so the worker may retry or replay it freely: the unit of retry is the whole
 * operation, never a bare create.
 */
export async function applyOdooRow(client: OdooClient, d: DestinationRow, row: DeliveryRow, read: SqlExecutor): Promise<OdooEffect> {
  const o = odooOptionsSchema.parse(d.options);
  const p = row.payload;
  switch (row.kind) {
    case 'sale_order': {
      const warehouseId = p.warehouseId as number | null;
      if (!warehouseId) throw notMapped(row, `location ${String(p.locationId)} has no odooWarehouseId`);
      if (!o.partnerId) throw notMapped(row, `destination ${d.id} has no options.partnerId for sale orders`);
      const lines = p.lines as Array<{ sku: string; qty: number; unitPrice: number }>;
      const ids = await productIds(client, row, lines.map((l) => l.sku));
      const r = await pushSaleOrder(client, {
        orderId: String(p.pushKey), channelRef: String(p.channelRef), partnerId: o.partnerId, warehouseId,
        lines: lines.map((l) => ({ productId: ids.get(l.sku)!, quantity: l.qty, unitPrice: l.unitPrice })),
      });
      return { summary: { saleOrderId: r.saleOrderId, name: r.name, state: r.state, created: r.created, duplicates: r.duplicateIds }, events: [] };
    }
    case 'sale_order.cancel': {
      const r = await cancelSaleOrder(client, { orderId: String(p.pushKey), channelRef: String(p.channelRef) });
      return { summary: { saleOrderId: r.saleOrderId, state: r.state, cancelled: r.cancelled }, events: [] };
    }
    case 'refund.requested': {
      if (!o.partnerId) throw notMapped(row, `destination ${d.id} has no options.partnerId for credit notes`);
      const order = await orderById(read, String(p.orderId));
      if (!order) throw notMapped(row, `refund ${String(p.refundId)}: no order ${String(p.orderId)}`);
      const placed = (order.doc.placed as { lines: Array<{ lineId: string; sku: string }> }).lines;
      const refundLines = p.lines as Array<{ lineId: string; qty: number; amount: number }>;
      const skuOf = (lineId: string) => placed.find((l) => l.lineId === lineId)?.sku;
      const unknown = refundLines.filter((l) => !skuOf(l.lineId));
      if (unknown.length) throw notMapped(row, `refund ${String(p.refundId)}: order lines ${unknown.map((l) => l.lineId).join(', ')} not found`);
      const ids = await productIds(client, row, refundLines.map((l) => skuOf(l.lineId)!));
      const r = await pushCreditNote(client, {
        refundId: String(p.refundId), partnerId: o.partnerId, sourceRef: `${order.source}:${order.externalOrderId}`,
        lines: refundLines.map((l) => ({ productId: ids.get(skuOf(l.lineId)!)!, quantity: l.qty, unitPrice: l.qty > 0 ? l.amount / l.qty : l.amount })),
        currency: currencyOf(p),
      }, currencyIdsFor(d.url, o.database));
      return { summary: { moveId: r.moveId, name: r.name, state: r.state, created: r.created, duplicates: r.duplicateIds }, events: [] };
    }
    // An accepted warranty claim (src/engine/returns/claim-answer.ts): the supplier's credit as a vendor
    // credit note. Like the customer refund, it is booked in the row's `currency` (Odoo converts; a row
    // without one, in the company's), docs/odoo.md.
    case 'supplier.credit': {
      const claimId = String(p.claimId);
      const supplierId = String(p.supplierId);
      // The supplier's own partner first: one default vendor for every claim would book them all on it.
      const vendorId = (await getSupplier(read, supplierId))?.odooPartnerId ?? o.vendorId;
      if (!vendorId) throw notMapped(row, `supplier credit for claim ${claimId}: supplier ${supplierId} has no odooPartnerId and destination ${d.id} has no options.vendorId`);
      const answeredAt = Date.parse(String(p.answeredAt));
      if (!Number.isFinite(answeredAt)) throw notMapped(row, `supplier credit for claim ${claimId}: answeredAt ${String(p.answeredAt)} is not a time`);
      const r = await pushVendorCredit(client, {
        claimId, caseId: String(p.caseId), vendorId, amount: Number(p.amount),
        creditNoteRef: typeof p.creditNoteRef === 'string' ? p.creditNoteRef : null,
        invoiceDate: new Date(answeredAt).toISOString().slice(0, 10),
        currency: currencyOf(p),
      }, currencyIdsFor(d.url, o.database));
      return { summary: { moveId: r.moveId, name: r.name, state: r.state, created: r.created, duplicates: r.duplicateIds }, events: [] };
    }
    // `purchase_order.place` is what the replenishment engine writes when a PO goes out (its id is
    // `poId`); `purchase_order` the older name, kept for rows already in outboxes. Before this, every
    // placed PO's row died here as an unknown kind.
    case 'purchase_order':
    case 'purchase_order.place': {
      const purchaseId = String(p.purchaseId ?? p.poId);
      const vendorId = (p.vendorId as number | undefined) ?? o.vendorId;
      if (!vendorId) throw notMapped(row, `purchase ${purchaseId}: no vendorId in the row or the destination options`);
      const lines = p.lines as Array<{ sku: string; qty: number; unitCost: number | null }>;
      const ids = await productIds(client, row, lines.map((l) => l.sku));
      const r = await pushPurchaseOrder(client, {
        purchaseId, vendorId, pickingTypeId: p.pickingTypeId as number | undefined,
        lines: lines.map((l) => ({ productId: ids.get(l.sku)!, quantity: l.qty, ...(typeof l.unitCost === 'number' ? { unitCost: l.unitCost } : {}) })),
      });
      return { summary: { purchaseOrderId: r.purchaseOrderId, name: r.name, state: r.state, created: r.created }, events: [] };
    }
    case 'purchase_order.cancel': {
      const purchaseId = String(p.purchaseId ?? p.poId);
      const vendorId = (p.vendorId as number | undefined) ?? o.vendorId;
      if (!vendorId) throw notMapped(row, `purchase ${purchaseId}: no vendorId in the row or the destination options`);
      const r = await cancelPurchaseOrder(client, { purchaseId, vendorId });
      return { summary: { purchaseOrderId: r.purchaseOrderId, state: r.state, cancelled: r.cancelled }, events: [] };
    }
    case 'odoo.fetch': {
      const model = String(p.model);
      const recordId = Number(p.recordId);
      const fields = model === 'sale.order' || model === 'purchase.order' ? ['name', 'state', 'origin'] : model === 'stock.picking' ? ['name', 'state', 'origin'] : ['name'];
      const [rec] = await client.call<Array<Record<string, unknown>>>(model, 'read', { ids: [recordId], fields });
      const pickings = rec && model === 'sale.order' ? (await readPickingState(client, recordId)).map((x) => ({ name: x.name, state: x.state })) : [];
      const payload = {
        destinationId: d.id, model, recordId, found: Boolean(rec), name: rec ? textOrNull(rec.name) : null, state: rec ? textOrNull(rec.state) : null,
        origin: rec ? textOrNull(rec.origin) : null, pickings,
      };
      return { summary: { found: payload.found, state: payload.state }, events: [{ type: 'erp.record_observed', payload }] };
    }
    case 'odoo.stock_read': {
      const products = await importProducts(client);
      const skuOf = new Map(products.filter((x) => x.sku).map((x) => [x.odooId, x.sku!]));
      const stock = await importStockPerWarehouse(client);
      const lines = stock.lines.filter((l) => skuOf.has(l.productId)).map((l) => ({ sku: skuOf.get(l.productId)!, warehouseId: l.warehouseId, onHand: l.onHand }));
      const withoutSku = new Set(stock.lines.filter((l) => !skuOf.has(l.productId)).map((l) => l.productId)).size;
      return { summary: { lines: lines.length, productsWithoutSku: withoutSku }, events: [{ type: 'erp.stock_observed', payload: { destinationId: d.id, slotMs: Number(p.slotMs ?? 0), lines, productsWithoutSku: withoutSku } }] };
    }
    default:
      throw notMapped(row, `an Odoo destination does not know outbox rows of kind ${row.kind}`);
  }
}
