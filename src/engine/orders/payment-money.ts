import type { HandlerContext } from '../dispatch/handler.js';
import type { OrderRecord } from '../../store/repos/orders.js';
import { recordCapture, recordVoid } from '../../domain/orders/captures.js';
import { recordChannelRefund } from '../../domain/orders/channel-refunds.js';
import type { InboundPaymentEventType, PaymentCapturedPayload, PaymentRefundedPayload, PaymentVoidedPayload } from '../../domain/orders/index.js';

/**
 * What a payment event says about money, written on the order: a capture (src/domain/orders/captures.ts),
 * a voided capture, a refund the channel made itself (src/domain/orders/channel-refunds.ts). Refunds
 * of returns are bounded by these figures. Returns what to say in the order's history, if anything.
 */
export function recordPaymentMoney(h: HandlerContext, order: OrderRecord, type: InboundPaymentEventType, payload: unknown): string | undefined {
  const seen = { at: h.decision.now, eventId: h.event.id };
  if (type === 'payment.captured') {
    // A capture can be less than the order was placed with (a voucher applied at the checkout's end,
    // an item the shop could not capture for): refunds are bounded by it, not by the placed amount.
    // A split order's parcels may each be captured on their own (captureId): they add up, each once.
    const captured = recordCapture(order.doc, payload as PaymentCapturedPayload, seen);
    if (!captured) return undefined;
    order.doc.capturedAmount = captured.capturedAmount;
    if (captured.capturedTotal !== undefined) order.doc.capturedTotal = captured.capturedTotal;
    if (captured.captures) order.doc.captures = captured.captures;
    return captured.note;
  }
  if (type === 'payment.voided') {
    const p = payload as PaymentVoidedPayload;
    // The authorization voided: no money moves; what it does to the order is the flow's (paymentFlowOf).
    if (p.captureId === undefined) return p.reason ? `authorization voided: ${p.reason}` : undefined;
    const voided = recordVoid(order.doc, { captureId: p.captureId }, seen);
    order.doc.voids = voided.voids;
    if (voided.capturedAmount !== undefined) order.doc.capturedAmount = voided.capturedAmount;
    if (voided.capturedTotal !== undefined) order.doc.capturedTotal = voided.capturedTotal;
    return p.reason ? `${voided.note} (${p.reason})` : voided.note;
  }
  if (type === 'payment.refunded') {
    const refunded = recordChannelRefund(order.doc.channelRefunds, payload as PaymentRefundedPayload, order.currency, seen);
    order.doc.channelRefunds = refunded.refunds;
    return refunded.note;
  }
  return undefined;
}
