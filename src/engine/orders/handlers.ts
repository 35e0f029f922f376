import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import {
  INBOUND_PAYMENT_EVENT_TYPES, decidePaymentUpdate, orderValue, paymentFlowOf, validateOrder,
  type OrderPlacedPayload, type OrderCancelRequestedPayload, type PaymentEventPayload, type InboundPaymentEventType, type OrdersPolicy,
} from '../../domain/orders/index.js';
import { customerHistory, keepNewOrderFacts, keptNewOrderFacts, newOrderFacts, orderByExternal, type CustomerHistory, type OrderRecord } from '../../store/repos/orders.js';
import { addressKey, orderIdFor, orderSubject } from './identity.js';
import { moveOrder, newOrder, persistOrder } from './transition.js';
import { routeAndReserve } from './routing.js';
import { requestApproval } from '../approvals/request.js';
import type { StockLevel } from '../../domain/inventory/stock.js';
import { cancelWhatHasNotShipped, stopOpenFulfilments, unservedLines } from './open-fulfilments.js';
import { handOverAtTill } from './till-sale.js';
import type { StockJournalRetention } from '../handlers/stock-journal.js';
import type { LineToSource } from '../../domain/sourcing/index.js';
import { recordPaymentMoney } from './payment-money.js';
import { paymentRoomOf, tellWhatIsOwedAfterPayment } from '../returns/refund-owed.js';
import { awaitedProtectedApproval } from './protected-stock.js';
import { withdrawApproval } from '../approvals/withdraw.js';

/** What a till sale knows of its "customer": nothing it uses (it is not scored), so nothing is read. */
const NO_HISTORY: CustomerHistory = { priorOrderCount: 0, averageOrderValue: 0, recentOrdersByCustomer: 0, recentOrdersToAddress: 0 };
const handedOver = (p: OrderPlacedPayload) => p.handedOverAt !== undefined;

async function historyFor(h: HandlerContext, order: OrderRecord, policy: OrdersPolicy) {
  // A store's walk-in sales share one customer id: reading its history walks every sale of the store.
  if (handedOver(order.doc.placed as unknown as OrderPlacedPayload)) return NO_HISTORY;
  return customerHistory(
    h.tx, order.customerId, order.addressKey, h.decision.now,
    policy.fraud.customerVelocity.windowMinutes * 60_000, policy.fraud.addressVelocity.windowMinutes * 60_000, order.id,
  );
}

/**
 * Validation, then (when it passes) routing: the path of a new order and of a cleared hold. A new
 * order brings its history, read with the duplicate check (newOrderFacts).
 */
async function validateAndRoute(
  h: HandlerContext, policies: PolicyBook, order: OrderRecord, history?: CustomerHistory, stock?: readonly StockLevel[],
  /** A cleared hold: only what no live fulfilment carries (a new order has none, and reads nothing for it). */
  lines?: readonly LineToSource[],
  /** The stock journal's reach (config `stock`): how far back a till sale may be timed (handOverAtTill). */
  journal?: StockJournalRetention,
): Promise<void> {
  const policy = await policies.get('orders', h.tx);
  const p = order.doc.placed as unknown as OrderPlacedPayload;
  const decision = validateOrder({ ...p, payment: { ...p.payment, status: order.doc.paymentStatus as never } }, history ?? (await historyFor(h, order, policy)), policy, h.decision);
  order.doc.fraud = decision.fraud;
  const subject = orderSubject(order.source, order.externalOrderId);
  if (decision.outcome === 'on_hold' && decision.holdReason === 'fraud_review') {
    // The fraud-review role decides, through the approval engine (approvals policy, subject fraud_review).
    const asked = await requestApproval(h, policies, { subject: 'fraud_review', subjectRef: order.id, facts: { score: decision.fraud.score }, requestedBy: 'omniops:fraud' });
    if (asked.required === false) {
      h.audit({ action: 'order.fraud_review_not_required', subject, detail: { score: decision.fraud.score, policyVersion: decision.policyVersion } });
      return validated(h, policies, order, decision.fraud.score, decision.policyVersion, lines, stock, undefined, journal);
    }
    order.doc.fraudApproval = asked.required === true ? { approvalId: asked.approvalId } : { approvalId: null, undecidable: asked.reason };
  }
  if (decision.outcome === 'on_hold') {
    h.emit({ type: 'order.held', subject, payload: { orderId: order.id, holdReason: decision.holdReason } });
    moveOrder(h, order, 'on_hold', policy, { holdReason: decision.holdReason, note: decision.holdReason === 'payment' ? `payment ${order.doc.paymentStatus}` : `fraud score ${decision.fraud.score}` });
    return;
  }
  await validated(h, policies, order, decision.fraud?.score ?? null, decision.policyVersion, lines, stock, undefined, journal);
}

/** Validation passed (or the fraud review approved the order): announced, then routed — or, sold at a till, recorded as handed over. */
export async function validated(
  h: HandlerContext, policies: PolicyBook, order: OrderRecord, fraudScore: number | null, policyVersion: string, lines?: readonly LineToSource[], stock?: readonly StockLevel[], why?: string,
  journal?: StockJournalRetention,
): Promise<void> {
  const subject = orderSubject(order.source, order.externalOrderId);
  h.emit({ type: 'order.validated', subject, payload: { orderId: order.id, fraudScore, policyVersion } });
  const tillSale = handedOver(order.doc.placed as unknown as OrderPlacedPayload);
  moveOrder(h, order, 'validated', await policies.get('orders', h.tx), { ...(why ? { note: why } : {}), ...(tillSale ? { tellCustomer: false } : {}) });
  if (tillSale) await handOverAtTill(h, policies, order, journal);
  else await routeAndReserve(h, policies, order, why ?? (lines ? 'hold cleared' : 'new order'), lines, undefined, stock);
}

/** `journal` (config `stock`): how far back the stock journal reaches, the floor of a till sale's time. */
export function orderHandlers(policies: PolicyBook, journal?: StockJournalRetention): EventHandler[] {
  const placed: EventHandler = {
    type: 'order.placed',
    name: 'orders.placed',
    /** PostgreSQL: the batch's new orders' facts and stock in one statement (keepNewOrderFacts). */
    async prefetch(tx, events) {
      if (tx.dialect !== 'postgres') return;
      const policy = await policies.get('orders', tx);
      const asks = events.flatMap((e) => {
        const p = e.payload as unknown as OrderPlacedPayload;
        try {
          if (handedOver(p)) return []; // reads nothing of the kind (see handle)
          const skus = p.lines.map((l) => l.sku);
          const orderId = orderIdFor(e.source, p.externalOrderId);
          return [{ orderId, source: e.source, externalOrderId: p.externalOrderId, customerId: p.customer.id, addressKey: addressKey(p.shipping.address, orderId), nowMs: e.receivedMs, skus }];
        } catch {
          return []; // not an order's shape: its handler says why
        }
      });
      await keepNewOrderFacts(tx, asks, policy.fraud.customerVelocity.windowMinutes * 60_000, policy.fraud.addressVelocity.windowMinutes * 60_000);
    },
    async handle(h) {
      const p = h.event.payload as unknown as OrderPlacedPayload;
      const id = orderIdFor(h.event.source, p.externalOrderId);
      const address = addressKey(p.shipping.address, id);
      const policy = await policies.get('orders', h.tx);
      // The order's identity is (channel, external id): a resend under a new event id is the same order.
      const ask = [
        h.tx, h.event.source, p.externalOrderId, p.customer.id, address, h.decision.now,
        policy.fraud.customerVelocity.windowMinutes * 60_000, policy.fraud.addressVelocity.windowMinutes * 60_000, id,
        p.lines.map((l) => l.sku), // the stock routing will read, in the same statement
      ] as const;
      // A till sale reads neither a history (it is not scored) nor every location's stock (it is not routed).
      const facts = handedOver(p)
        ? { known: (await orderByExternal(h.tx, h.event.source, p.externalOrderId)) !== undefined, history: NO_HISTORY, stock: undefined }
        : keptNewOrderFacts(...ask) ?? (await newOrderFacts(...ask));
      if (facts.known) return;
      const order: OrderRecord = newOrder({
        id,
        source: h.event.source,
        externalOrderId: p.externalOrderId,
        state: 'received',
        holdReason: null,
        customerId: p.customer.id,
        addressKey: address,
        total: orderValue(p.lines),
        currency: p.currency,
        placedMs: h.decision.now,
        promisedByMs: p.promisedBy ? Date.parse(p.promisedBy) : null,
        doc: { placed: p as unknown as Record<string, unknown>, paymentStatus: p.payment.status, routing: [], routedPlans: 0, excludedLocationIds: [], history: [{ at: h.decision.now, from: 'none', to: 'received', eventId: h.event.id }] },
      });
      h.audit({ action: 'order.received', subject: orderSubject(order.source, order.externalOrderId), after: { state: 'received', total: order.total } });
      await validateAndRoute(h, policies, order, facts.history, facts.stock, undefined, journal);
      await persistOrder(h, order);
    },
  };

  const payment = (type: InboundPaymentEventType): EventHandler => ({
    type,
    name: `orders.${type}`,
    async handle(h) {
      const p = h.event.payload as unknown as PaymentEventPayload;
      const order = await orderByExternal(h.tx, h.event.source, p.externalOrderId);
      if (!order) throw new DomainError('E_NOT_FOUND', `no order ${p.externalOrderId} from ${h.event.source} (payment before the order: retried)`);
      // Judged on the payment as it was before this event; the money it brings is written first.
      const flow = paymentFlowOf(type, h.event.payload, order.doc.paymentStatus);
      // More room to refund (more captured, a refund told again smaller) is owed to refunds cut before: finance is told.
      const roomBefore = paymentRoomOf(order);
      const captureNote = await recordPaymentMoney(h, order, type, p);
      if ('recordOnly' in flow) {
        // A refund at the channel, a voided capture: money only — nothing cancelled, held or released.
        order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: [captureNote, flow.recordOnly].filter(Boolean).join('; ') });
        await tellWhatIsOwedAfterPayment(h, order, roomBefore);
        await persistOrder(h, order);
        return;
      }
      const policy = await policies.get('orders', h.tx);
      const placedPayload = order.doc.placed as unknown as OrderPlacedPayload;
      const d = decidePaymentUpdate({ state: order.state, holdReason: order.holdReason ?? undefined, order: placedPayload }, flow.as, await historyFor(h, order, policy), policy, h.decision);
      order.doc.paymentStatus = d.paymentStatus;
      // How the figure came about, before what the payment does to the order (a record-only update says both in one line).
      if (captureNote && d.action !== 'record_only') order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: captureNote });
      if (d.action === 'revalidate') {
        await validateAndRoute(h, policies, order, undefined, undefined, await unservedLines(h, order), journal);
      } else if (d.action === 'hold') {
        // Nothing may go out for an order nobody has paid for: its open fulfilments stop too.
        await stopOpenFulfilments(h, order, 'payment failed');
        h.emit({ type: 'order.held', subject: orderSubject(order.source, order.externalOrderId), payload: { orderId: order.id, holdReason: 'payment', detail: 'payment failed' } });
        moveOrder(h, order, 'on_hold', policy, { holdReason: 'payment', note: 'payment failed' });
      } else {
        order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `payment ${d.paymentStatus}: ${d.why}${captureNote ? `; ${captureNote}` : ''}` });
      }
      await tellWhatIsOwedAfterPayment(h, order, roomBefore);
      await persistOrder(h, order);
    },
  });

  const cancel: EventHandler = {
    type: 'order.cancel_requested',
    name: 'orders.cancel',
    async handle(h) {
      const p = h.event.payload as unknown as OrderCancelRequestedPayload;
      const channel = p.channel ?? h.event.source;
      const order = await orderByExternal(h.tx, channel, p.externalOrderId);
      if (!order) throw new DomainError('E_NOT_FOUND', `no order ${p.externalOrderId} from ${channel}`);
      await cancelOrder(h, policies, order, p.reason ?? 'cancel requested');
    },
  };

  return [placed, ...INBOUND_PAYMENT_EVENT_TYPES.map(payment), cancel];
}

/** Cancels what has not shipped (cancelWhatHasNotShipped): releases stock, stops open fulfilments. Orders all gone out refuse. */
export async function cancelOrder(h: HandlerContext, policies: PolicyBook, order: OrderRecord, reason: string): Promise<void> {
  if (order.state === 'cancelled') return;
  const policy = await policies.get('orders', h.tx);
  if (['shipped', 'delivered', 'partially_returned', 'returned'].includes(order.state)) {
    order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `cancel refused: already ${order.state}` });
    h.audit({ action: 'order.cancel_refused', subject: orderSubject(order.source, order.externalOrderId), detail: { state: order.state, reason } });
    await persistOrder(h, order);
    return;
  }
  // An order waiting for protected stock takes its request out of regional ops' inbox: nobody is to
  // decide on stock for an order that is gone (a decision after this is refused as closed).
  const awaited = awaitedProtectedApproval(order);
  await cancelWhatHasNotShipped(h, order, policy, reason, 'order cancelled');
  if (awaited !== undefined) await withdrawApproval(h, awaited, { reason: `order cancelled: ${reason}`, by: h.event.actor ?? h.event.source });
  await persistOrder(h, order);
}
