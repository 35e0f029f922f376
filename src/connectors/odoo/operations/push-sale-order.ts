import type { OdooClient } from '../client.js';
import { cents, omniopsMarker } from './markers.js';

export interface SaleOrderPush {
  /** The omniops order id: the idempotency key of this push. */
  orderId: string;
  /** The channel's order reference, shown to staff as the customer reference. */
  channelRef: string;
  partnerId: number;
  warehouseId: number;
  lines: { productId: number; quantity: number; unitPrice: number }[];
}

export type SaleOrderState = 'draft' | 'sent' | 'sale' | 'cancel';

export interface SaleOrderPushResult {
  saleOrderId: number;
  name: string;
  state: SaleOrderState;
  /** True only on the push that created the order. */
  created: boolean;
  /** True when this push called action_confirm. */
  confirmed: boolean;
  /** Other orders carrying our marker (should never exist; reported for an operator to clean up). */
  duplicateIds: number[];
}

type Found = { id: number; name: string; state: SaleOrderState };

/**
 * Pushes one omniops order to Odoo exactly once, and confirms it once, however often it is retried:
 * 1. look for the order we made: client_order_ref = channel ref AND origin = our marker (the ref alone
 *    is not unique); 2. create it only if absent; 3. action_confirm only while draft/sent (Odoo refuses
 *    to confirm a confirmed order). If an answer is lost after Odoo committed, the retry lands in 1.
 * A cancelled order is reported as such and left alone: reviving it is a business decision.
 * Assumes one push per order at a time (the outbox delivers a subject's rows in order).
 */
export async function pushSaleOrder(client: OdooClient, p: SaleOrderPush): Promise<SaleOrderPushResult> {
  const marker = omniopsMarker('order', p.orderId);
  const found = await client.call<Found[]>('sale.order', 'search_read', {
    domain: [['client_order_ref', '=', p.channelRef], ['origin', '=', marker]],
    fields: ['name', 'state'],
    order: 'id asc',
  });
  let order = found[0];
  let created = false;
  if (!order) {
    const [id] = await client.call<number[]>('sale.order', 'create', {
      vals_list: [{
        partner_id: p.partnerId,
        warehouse_id: p.warehouseId,
        client_order_ref: p.channelRef,
        origin: marker,
        order_line: p.lines.map((l) => [0, 0, { product_id: l.productId, product_uom_qty: l.quantity, price_unit: cents(l.unitPrice) }]),
      }],
    });
    created = true;
    order = (await client.call<Found[]>('sale.order', 'read', { ids: [id!], fields: ['name', 'state'] }))[0];
    if (!order) throw new Error(`sale.order ${id} vanished right after create`);
  }
  let confirmed = false;
  if (order.state === 'draft' || order.state === 'sent') {
    await client.call('sale.order', 'action_confirm', { ids: [order.id] });
    confirmed = true;
    order = { ...order, state: 'sale' };
  }
  return { saleOrderId: order.id, name: order.name, state: order.state, created, confirmed, duplicateIds: found.slice(1).map((f) => f.id) };
}
