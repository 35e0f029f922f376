import type { OdooClient } from '../client.js';
import { omniopsMarker } from './markers.js';
import type { SaleOrderState } from './push-sale-order.js';

export interface SaleOrderCancel {
  /** The push key the sale order was created under (pushSaleOrder's `orderId`). */
  orderId: string;
  channelRef: string;
}

export interface SaleOrderCancelResult {
  /** The sale order found by our marker; null when it was never pushed (nothing to cancel). */
  saleOrderId: number | null;
  state: SaleOrderState | null;
  /** True only on the call that cancelled it. */
  cancelled: boolean;
}

type Found = { id: number; state: SaleOrderState; locked: boolean };

/**
 * Cancels the sale order omniops pushed for an order (found by its marker, as the push finds it), once:
 * absent (never pushed) or already cancelled, nothing is called. `action_cancel` goes with
 * `disable_cancel_warning` — without it Odoo answers a confirmed order with its cancel wizard (an
 * `ir.actions.act_window` for `sale.order.cancel`, meant for a person) and cancels nothing. A locked
 * order raises Odoo's UserError: someone closed it on purpose, so the row dies where an operator sees
 * it instead of unlocking it behind their back. The state is read back, so an answer other than a
 * cancel never passes for one.
 */
export async function cancelSaleOrder(client: OdooClient, c: SaleOrderCancel): Promise<SaleOrderCancelResult> {
  const found = await client.call<Found[]>('sale.order', 'search_read', {
    domain: [['client_order_ref', '=', c.channelRef], ['origin', '=', omniopsMarker('order', c.orderId)]],
    fields: ['state', 'locked'],
    order: 'id asc',
  });
  const order = found[0];
  if (!order) return { saleOrderId: null, state: null, cancelled: false };
  if (order.state === 'cancel') return { saleOrderId: order.id, state: 'cancel', cancelled: false };
  await client.call('sale.order', 'action_cancel', { ids: [order.id], context: { disable_cancel_warning: true } });
  const [after] = await client.call<Array<{ state: SaleOrderState }>>('sale.order', 'read', { ids: [order.id], fields: ['state'] });
  if (after?.state !== 'cancel') throw new Error(`sale.order ${order.id} is ${after?.state ?? 'gone'} after action_cancel`);
  return { saleOrderId: order.id, state: 'cancel', cancelled: true };
}
