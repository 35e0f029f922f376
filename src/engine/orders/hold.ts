import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { DomainError } from '../../domain/errors.js';
import {
  OPEN_FULFILMENT_STATES, decideHold, decideRelease,
  type HoldDecision, type ManualHold, type OrderHoldRequestedPayload, type OrderReleaseRequestedPayload, type ReleaseDecision,
} from '../../domain/orders/index.js';
import { fulfilmentsOfOrder, orderByExternal, type OrderRecord } from '../../store/repos/orders.js';
import { orderSubject } from './identity.js';
import { stopOpenFulfilments, unservedLines } from './open-fulfilments.js';
import { moveOrder, persistOrder } from './transition.js';
import { validated } from './handlers.js';
import { awaitedProtectedApproval } from './protected-stock.js';
import { withdrawApproval } from '../approvals/withdraw.js';

/** The hand hold kept on the order's document while it lasts (docs/orders.md, "Holding an order"). */
type HeldDoc = { hold?: ManualHold };
export const manualHoldOf = (order: OrderRecord): ManualHold | undefined =>
  order.state === 'on_hold' && order.holdReason === 'manual' ? (order.doc as unknown as HeldDoc).hold : undefined;

/**
 * Holds an order by hand (a person, or a rule's set_state on_hold): what has not shipped stops as a
 * cancel stops it — open fulfilments cancelled, their location told, their stock released — and the
 * order waits on_hold (manual) until someone releases it. What has shipped goes on. A refusal is
 * returned (the order unchanged but for a note); the caller decides whether it is an error.
 */
export async function holdOrder(h: HandlerContext, policies: PolicyBook, order: OrderRecord, ask: { note: string; by: string }): Promise<HoldDecision> {
  const subject = orderSubject(order.source, order.externalOrderId);
  const d = decideHold(order, ask, h.decision);
  if (d.outcome === 'refused') {
    await refuse(h, order, 'hold', d.why, ask.by);
    return d;
  }
  // An approval hold replaced: its request leaves the approvers' inbox (the release asks again if still needed).
  const replaced = awaitedProtectedApproval(order);
  const stopped = (await fulfilmentsOfOrder(h.tx, order.id)).filter((f) => OPEN_FULFILMENT_STATES.includes(f.state)).map((f) => ({ fulfilmentId: f.id, locationId: f.locationId, state: f.state }));
  await stopOpenFulfilments(h, order, `order held: ${ask.note}`);
  (order.doc as unknown as HeldDoc).hold = d.hold;
  h.emit({ type: 'order.held', subject, payload: { orderId: order.id, holdReason: 'manual', detail: `held by ${ask.by}: ${ask.note}` } });
  moveOrder(h, order, 'on_hold', await policies.get('orders', h.tx), { holdReason: 'manual', note: `held by ${ask.by}: ${ask.note}` });
  const withdrawn = replaced !== undefined && (await withdrawApproval(h, replaced, { reason: `order held by hand: ${ask.note}`, by: ask.by }));
  h.audit({ action: 'order.held_by_hand', subject, detail: { by: ask.by, note: ask.note, stopped, ...(withdrawn ? { withdrawnApproval: replaced } : {}) } });
  await persistOrder(h, order);
  return d;
}

/**
 * Lets a hand hold go: the payment is checked again (a payment that failed while held leaves the
 * order on hold for payment) and the order is routed again as a new order would be — only the lines
 * no live fulfilment carries, with the current policy and stock. It may end allocated, backordered or
 * on an approval hold. The fraud score is not run again (decideRelease says why).
 */
export async function releaseOrder(h: HandlerContext, policies: PolicyBook, order: OrderRecord, ask: { note?: string; by: string }): Promise<ReleaseDecision> {
  const subject = orderSubject(order.source, order.externalOrderId);
  const policy = await policies.get('orders', h.tx);
  const d = decideRelease({ state: order.state, holdReason: order.holdReason, paymentStatus: order.doc.paymentStatus }, policy.payment.acceptedStatuses);
  if (d.outcome === 'refused') {
    await refuse(h, order, 'release', d.why, ask.by);
    return d;
  }
  const hold = manualHoldOf(order);
  delete (order.doc as unknown as HeldDoc).hold;
  const why = `hold released by ${ask.by}${ask.note ? `: ${ask.note}` : ''}`;
  h.audit({ action: 'order.hold_released', subject, before: hold ? { ...hold } : undefined, detail: { by: ask.by, ...(ask.note ? { note: ask.note } : {}), outcome: d.outcome } });
  if (d.outcome === 'payment_hold') {
    h.emit({ type: 'order.held', subject, payload: { orderId: order.id, holdReason: 'payment', detail: `${why}; payment ${order.doc.paymentStatus}` } });
    moveOrder(h, order, 'on_hold', policy, { holdReason: 'payment', note: `${why}; payment ${order.doc.paymentStatus}` });
  } else {
    const fraud = order.doc.fraud as { score?: number } | undefined;
    await validated(h, policies, order, fraud?.score ?? null, policy.version, await unservedLines(h, order), undefined, why);
  }
  await persistOrder(h, order);
  return d;
}

/** What a refused hold or release leaves in the order's history: the route reads it back (refusalOf). */
const refusedNote = (what: 'hold' | 'release') => `${what} refused: `;

/** A hold or release the handler refuses: noted in the order's history and audited, the order otherwise unchanged. */
async function refuse(h: HandlerContext, order: OrderRecord, what: 'hold' | 'release', why: string, by: string): Promise<void> {
  order.doc.history.push({ at: h.decision.now, from: order.state, to: order.state, eventId: h.event.id, note: `${refusedNote(what)}${why}` });
  h.audit({ action: `order.${what}_refused`, subject: orderSubject(order.source, order.externalOrderId), detail: { state: order.state, holdReason: order.holdReason, by, why } });
  await persistOrder(h, order);
}

/**
 * Why the handler refused the hold or release that event `eventId` asked for, from the note `refuse`
 * left in the order's history; undefined when it did not refuse. The route's check runs before the
 * command and the order may change in between (it ships): the handler's word is the outcome.
 */
export function refusalOf(order: OrderRecord, eventId: string, what: 'hold' | 'release'): string | undefined {
  const prefix = refusedNote(what);
  const entry = order.doc.history.find((x) => x.eventId === eventId && typeof x.note === 'string' && x.note.startsWith(prefix));
  return entry ? entry.note!.slice(prefix.length) : undefined;
}

async function orderOf(h: HandlerContext, p: { externalOrderId: string; channel?: string }): Promise<OrderRecord> {
  const channel = p.channel ?? h.event.source;
  const order = await orderByExternal(h.tx, channel, p.externalOrderId);
  if (!order) throw new DomainError('E_NOT_FOUND', `no order ${p.externalOrderId} from ${channel}`);
  return order;
}

/** Who asked: the API user behind the command, else the sender. */
const requester = (h: HandlerContext) => h.event.actor ?? h.event.source;

export function holdHandlers(policies: PolicyBook): EventHandler[] {
  return [
    {
      type: 'order.hold_requested',
      name: 'orders.hold',
      async handle(h) {
        const p = h.event.payload as unknown as OrderHoldRequestedPayload;
        await holdOrder(h, policies, await orderOf(h, p), { note: p.reason, by: requester(h) });
      },
    },
    {
      type: 'order.release_requested',
      name: 'orders.release',
      async handle(h) {
        const p = h.event.payload as unknown as OrderReleaseRequestedPayload;
        await releaseOrder(h, policies, await orderOf(h, p), { ...(p.note ? { note: p.note } : {}), by: requester(h) });
      },
    },
  ];
}
