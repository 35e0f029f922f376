import type { OrderPlacedPayload } from '../../domain/orders/index.js';
import type { OrderPayment } from '../../domain/returns/left-to-refund.js';
import type { OrderRecord } from '../../store/repos/orders.js';

/** What came in for an order, as refunds are bounded by it, and where the figure comes from. */
export interface PaymentOfOrder extends OrderPayment {
  /** `captured`: what the channel reported captured; `placed`: no capture with an amount yet, the amount the order was placed with. */
  readonly from: 'captured' | 'placed';
}

/**
 * The payment a return's refund is weighed against, and the order's view shows as what refunds are
 * bounded by: one reading for both. Its status follows payment.* events; its amount is what was
 * captured (captures by id not voided added up, or the running total less the voided:
 * src/domain/orders/captures.ts), else the amount the order was placed with.
 */
export function paymentOfOrder(order: OrderRecord): PaymentOfOrder {
  const captured = order.doc.capturedAmount;
  return captured !== undefined
    ? { amount: captured, currency: order.currency, status: order.doc.paymentStatus, from: 'captured' }
    : { amount: (order.doc.placed as unknown as OrderPlacedPayload).payment.amount, currency: order.currency, status: order.doc.paymentStatus, from: 'placed' };
}
