import type { OdooClient } from '../client.js';
import { omniopsMarker } from './markers.js';

export interface PurchaseOrderCancel {
  /** The omniops purchase id the order was pushed under (pushPurchaseOrder's `purchaseId`). */
  purchaseId: string;
  vendorId: number;
}

export interface PurchaseOrderCancelResult {
  /** The purchase order found by our marker; null when it was never pushed (nothing to cancel). */
  purchaseOrderId: number | null;
  state: string | null;
  /** True only on the call that cancelled it. */
  cancelled: boolean;
}

/**
 * Cancels the purchase order omniops pushed (found by its marker, as the push finds it), once: absent
 * or already cancelled, nothing is called. Odoo refuses (UserError) an order with a reception already
 * done — what arrived is booked; a buyer closes the rest in Odoo — and the row dies where an operator
 * sees it. The state is read back, so an answer other than a cancel never passes for one.
 */
export async function cancelPurchaseOrder(client: OdooClient, c: PurchaseOrderCancel): Promise<PurchaseOrderCancelResult> {
  const found = await client.call<Array<{ id: number; state: string }>>('purchase.order', 'search_read', {
    domain: [['origin', '=', omniopsMarker('purchase', c.purchaseId)], ['partner_id', '=', c.vendorId]],
    fields: ['state'],
    order: 'id asc',
  });
  const po = found[0];
  if (!po) return { purchaseOrderId: null, state: null, cancelled: false };
  if (po.state === 'cancel') return { purchaseOrderId: po.id, state: 'cancel', cancelled: false };
  await client.call('purchase.order', 'button_cancel', { ids: [po.id] });
  const [after] = await client.call<Array<{ state: string }>>('purchase.order', 'read', { ids: [po.id], fields: ['state'] });
  if (after?.state !== 'cancel') throw new Error(`purchase.order ${po.id} is ${after?.state ?? 'gone'} after button_cancel`);
  return { purchaseOrderId: po.id, state: 'cancel', cancelled: true };
}
