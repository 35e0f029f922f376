import type { HandlerContext } from '../dispatch/handler.js';
import type { OrderRecord } from '../../store/repos/orders.js';
import { recordCapture, recordVoid } from '../../domain/orders/captures.js';
import { recordChannelRefund } from '../../domain/orders/channel-refunds.js';
import { conversionNote, inOrderCurrency, type MoneyWay, type OrderMoney } from '../../domain/orders/presentment.js';
import { echoesOfOurRefunds } from '../../domain/returns/refund-echoes.js';
import { REFUND_STATES_PAYING_NOTHING } from '../../domain/returns/refund-limit.js';
import { refundsOfOrder } from '../../store/repos/returns.js';
import type { InboundPaymentEventType, OrderPlacedPayload, PaymentCapturedPayload, PaymentRefundedPayload, PaymentVoidedPayload } from '../../domain/orders/index.js';

/**
 * What a payment event says about money, written on the order: a capture (src/domain/orders/captures.ts),
 * a voided capture, a refund the channel made itself (src/domain/orders/channel-refunds.ts). Refunds
 * of returns are bounded by these figures. Returns what to say in the order's history, if anything.
 */
export async function recordPaymentMoney(h: HandlerContext, order: OrderRecord, type: InboundPaymentEventType, payload: unknown): Promise<string | undefined> {
  const seen = { at: h.decision.now, eventId: h.event.id };
  if (type === 'payment.captured') {
    // A capture can be less than the order was placed with (a voucher applied at the checkout's end,
    // an item the shop could not capture for): refunds are bounded by it, not by the placed amount.
    // A split order's parcels may each be captured on their own (captureId): they add up, each once.
    const p = payload as PaymentCapturedPayload;
    const money = p.amount === undefined ? undefined : weighed(order, p.amount, p.currency, 'in');
    if (money && 'cannotWeigh' in money) return `capture${p.captureId ? ` ${p.captureId}` : ''} not counted: ${money.cannotWeigh}`;
    const captured = recordCapture(order.doc, money ? { ...p, amount: money.amount } : p, seen);
    if (!captured) return undefined;
    order.doc.capturedAmount = captured.capturedAmount;
    if (captured.capturedTotal !== undefined) order.doc.capturedTotal = captured.capturedTotal;
    if (captured.captures) order.doc.captures = captured.captures;
    return joinNotes(money?.note, captured.note);
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
    const told = payload as PaymentRefundedPayload;
    // In the customer's currency it is weighed at the order's rate; in one the order does not know it
    // is kept as told, and a return of the order goes to a person (currency_differs).
    const money = weighed(order, told.amount, told.currency, 'out');
    const p = 'cannotWeigh' in money ? told : { ...told, amount: money.amount, currency: order.currency };
    const refunded = recordChannelRefund(order.doc.channelRefunds, p, order.currency, seen);
    order.doc.channelRefunds = refunded.refunds;
    return `${joinNotes('cannotWeigh' in money ? undefined : money.note, refunded.note) ?? ''}${await echoOfOurs(h, order, p)}`;
  }
  return undefined;
}

/**
 * A channel refund told after our refund's settlement named it (`channelRefundId`) is that refund's
 * echo: the order's history says so, as the case's does when the echo comes first. One read of the
 * order's refunds, only for `payment.refunded` (rare).
 */
async function echoOfOurs(h: HandlerContext, order: OrderRecord, p: PaymentRefundedPayload): Promise<string> {
  const ours = (await refundsOfOrder(h.tx, order.id)).filter((r) => !REFUND_STATES_PAYING_NOTHING.includes(r.state));
  const paidOut = echoesOfOurRefunds(ours, [{ refundId: p.refundId, amount: p.amount, currency: p.currency ?? order.currency }]).get(p.refundId);
  return paidOut ? `; the echo of our refund${paidOut.length === 1 ? '' : 's'} ${paidOut.map((r) => r.id).join(', ')}: the same money, counted once against returns` : '';
}

/** The order's money as placed: its currency, amount and, in a shop selling in several, the customer's. */
function orderMoney(order: OrderRecord): OrderMoney {
  const payment = (order.doc.placed as unknown as OrderPlacedPayload).payment;
  return { currency: order.currency, amount: payment.amount, ...(payment.presentment ? { presentment: payment.presentment } : {}) };
}

/** A reported amount in the order's currency (presentment.ts), with a note when it was converted. */
function weighed(order: OrderRecord, amount: number, currency: string | undefined, way: MoneyWay): { amount: number; note?: string } | { cannotWeigh: string } {
  const money = orderMoney(order);
  const r = inOrderCurrency(amount, currency, money, way);
  if ('cannotWeigh' in r) return r;
  return r.converted ? { amount: r.amount, note: conversionNote(r.converted, r.amount, money) } : { amount: r.amount };
}

const joinNotes = (...notes: Array<string | undefined>) => notes.filter((n) => n !== undefined && n !== '').join('; ') || undefined;
