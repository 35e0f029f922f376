import type { OdooClient } from '../client.js';
import { cents, omniopsMarker } from './markers.js';

export interface PurchaseOrderPush {
  /** The omniops replenishment/purchase id: the idempotency key of this push. */
  purchaseId: string;
  vendorId: number;
  /** Receipt operation type of the receiving warehouse; Odoo's default (main warehouse) when absent. */
  pickingTypeId?: number;
  /** unitCost absent: Odoo prices the line itself (the vendor's pricelist, else the product's cost). */
  lines: { productId: number; quantity: number; unitCost?: number }[];
}

export interface PurchaseOrderPushResult {
  purchaseOrderId: number;
  name: string;
  /** draft | sent | to approve | purchase | cancel ('to approve' = waiting for an Odoo manager). */
  state: string;
  created: boolean;
  confirmed: boolean;
  duplicateIds: number[];
}

type Found = { id: number; name: string; state: string };

/** purchase.order create + button_confirm, exactly once, found again by the marker in `origin`. */
export async function pushPurchaseOrder(client: OdooClient, p: PurchaseOrderPush): Promise<PurchaseOrderPushResult> {
  const marker = omniopsMarker('purchase', p.purchaseId);
  const found = await client.call<Found[]>('purchase.order', 'search_read', {
    domain: [['origin', '=', marker], ['partner_id', '=', p.vendorId]],
    fields: ['name', 'state'],
    order: 'id asc',
  });
  let po = found[0];
  let created = false;
  if (!po) {
    const vals: Record<string, unknown> = {
      partner_id: p.vendorId,
      origin: marker,
      order_line: p.lines.map((l) => [0, 0, { product_id: l.productId, product_qty: l.quantity, ...(l.unitCost === undefined ? {} : { price_unit: cents(l.unitCost) }) }]),
    };
    if (p.pickingTypeId !== undefined) vals.picking_type_id = p.pickingTypeId;
    const [id] = await client.call<number[]>('purchase.order', 'create', { vals_list: [vals] });
    created = true;
    po = (await client.call<Found[]>('purchase.order', 'read', { ids: [id!], fields: ['name', 'state'] }))[0];
    if (!po) throw new Error(`purchase.order ${id} vanished right after create`);
  }
  let confirmed = false;
  if (po.state === 'draft' || po.state === 'sent') {
    await client.call('purchase.order', 'button_confirm', { ids: [po.id] });
    confirmed = true;
    // Re-read: with purchase approval enabled Odoo moves it to 'to approve' instead of 'purchase'.
    po = (await client.call<Found[]>('purchase.order', 'read', { ids: [po.id], fields: ['name', 'state'] }))[0] ?? po;
  }
  return { purchaseOrderId: po.id, name: po.name, state: po.state, created, confirmed, duplicateIds: found.slice(1).map((f) => f.id) };
}
