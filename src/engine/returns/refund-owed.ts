import type { HandlerContext } from '../dispatch/handler.js';
import type { SqlExecutor } from '../../store/port.js';
import { owedAfterRoomFreed, owedSummary, paymentRoomGrew, type PaymentRoom, type RefusedCase, type RoomFreed } from '../../domain/returns/owed-after-room-freed.js';
import type { OwedHeld } from '../../domain/returns/left-to-refund.js';
import { owedFigures } from '../../domain/returns/owed-settled.js';
import { orderById, type OrderRecord } from '../../store/repos/orders.js';
import { refundsOfOrder, returnCasesOfOrder, type ReturnCaseRecord } from '../../store/repos/returns.js';
import { openException } from '../exceptions/open.js';
import { paymentOfOrder } from './order-payment.js';
import { caseSubject, noteCase, persistCase } from './case.js';

/**
 * What finance was told the order's cases are owed on top of their refunds and is still held for them
 * in the order's room to refund (left-to-refund.ts, OwedHeld): paid by hand or not answered yet — not
 * what finance declined or what a turned-down refund withdrew (owed-settled.ts). For every return
 * weighed after and the order's view.
 */
export function owedHeldOf(cases: readonly ReturnCaseRecord[]): OwedHeld[] {
  const out: OwedHeld[] = [];
  for (const c of cases) {
    const f = owedFigures(c.doc.refundOwed);
    if (f.held > 0) out.push({ caseId: c.id, amount: f.held, paid: f.paid });
  }
  return out;
}

/** What finance decided not to pay each case of the order: no longer owed to it. */
function waivedOf(cases: readonly ReturnCaseRecord[]): Map<string, number> {
  return new Map(cases.map((c) => [c.id, owedFigures(c.doc.refundOwed).waived] as const).filter(([, w]) => w > 0));
}

/**
 * When the case's refund was refused: its move to `refunded` (it waits there for finance) or, for a
 * case refused before that, to `rejected` / `closed` (it ended at once). The first such move: a later
 * closing must not make it owed after cases refused since.
 */
function refusedAt(c: ReturnCaseRecord): number {
  for (const step of c.doc.history) if (step.from !== step.to && (step.to === 'refunded' || step.to === 'rejected' || step.to === 'closed')) return step.at;
  return c.createdMs;
}

/**
 * What the order's cut refunds and refused cases are owed now (owed-after-room-freed.ts), from what is
 * stored: the one reading for the engine (telling finance) and the case's view (`refundOwedNow`), so
 * what a person reads is what finance was told.
 */
export async function refundsOwedOf(db: SqlExecutor, order: OrderRecord): Promise<{ freed: RoomFreed; cases: ReturnCaseRecord[] }> {
  // One after the other: inside a handler's transaction statements go one at a time.
  const refunds = await refundsOfOrder(db, order.id);
  const cases = await returnCasesOfOrder(db, order.id);
  const refused: RefusedCase[] = [];
  for (const c of cases) {
    // A refusal finance answered itself (refusal_resolved) is owed nothing more, however the room grows.
    if (c.doc.refundRefused && !c.doc.refusalAnswered) refused.push({ caseId: c.id, code: c.doc.refundRefused.code, asked: c.doc.refundRefused.asked, currency: c.doc.refundRefused.currency, refusedMs: refusedAt(c) });
  }
  // What finance was told, as the order's room holds it (one reading for both).
  const told = new Map(owedHeldOf(cases).map((x) => [x.caseId, x.amount]));
  const freed = owedAfterRoomFreed({ payment: paymentOfOrder(order), refunds, refused, atChannel: order.doc.channelRefunds ?? [], told, waived: waivedOf(cases) });
  return { freed, cases };
}

/**
 * The order's room to refund may have grown (`why` says how, in finance's words): every cut refund or
 * refused case now owed more than finance was told gets one finance item saying what can be paid, a
 * note on the case and an audit entry. Nothing is paid: a person pays it by hand, as for any
 * reconciliation item. One item per case and cause (the cause's event id is in its subject): a replay
 * of the cause, or a second cause that frees nothing new, finds the figure already told and says
 * nothing; a second cause that frees more opens an item of its own for what goes beyond (the first,
 * maybe still open, keeps its figure — each item is one payment). Call it after the handler's own
 * writes of the order's cases (it reads them afresh and saves those it tells about).
 */
export async function tellWhatIsOwed(h: HandlerContext, orderOrId: OrderRecord | string, why: string): Promise<void> {
  const order = typeof orderOrId === 'string' ? await orderById(h.tx, orderOrId) : orderOrId;
  if (!order) return;
  const { freed, cases } = await refundsOwedOf(h.tx, order);
  for (const o of freed.owed) {
    if (o.payableNow <= 0) continue;
    const c = cases.find((x) => x.id === o.caseId);
    if (!c) continue;
    const summary = owedSummary(o, order.id, why);
    const detail = {
      orderId: order.id, caseId: o.caseId, refundId: o.refundId, refundState: o.state, of: o.of, asked: o.asked, refunded: o.refunded, short: o.short,
      payableNow: o.payableNow, owedInAll: o.owed, toldBefore: o.told, currency: o.currency, causeEventId: h.event.id, causeType: h.event.type, why,
    };
    const { exceptionId } = await openException(h, {
      category: 'reconciliation_discrepancy',
      ownerRole: 'finance',
      // Not the case's own subject: its refusal's item may still be open there, and would swallow this figure.
      subjectRef: `${caseSubject(o.caseId)}:owed:${h.event.id}`,
      summary,
      detail,
    });
    const before = c.doc.refundOwed;
    // `told` is what the items said in all (each item one payment), whatever became of them since.
    c.doc.refundOwed = { told: Math.round(((before?.told ?? 0) + o.payableNow) * 100) / 100, items: [...(before?.items ?? []), { at: h.decision.now, eventId: h.event.id, exceptionId, payable: o.payableNow, owed: o.owed }] };
    noteCase(h, c, `${o.payableNow} ${o.currency} more can be paid by hand (${o.owed} owed in all of ${o.short} short): ${why}; finance item ${exceptionId}`);
    h.audit({ action: 'refund.owed', subject: caseSubject(c.id), after: { owed: o.owed, payableNow: o.payableNow }, detail });
    await persistCase(h, c);
  }
}

/** The order's payment figures before a payment report is written on it. */
export function paymentRoomOf(order: OrderRecord): PaymentRoom {
  return { payment: paymentOfOrder(order), atChannel: [...(order.doc.channelRefunds ?? [])] };
}

/**
 * After a payment report (`payment.*`) is written on the order: when it raised what the payment
 * leaves to refund, tells finance what the order's cut refunds and refused cases are owed. Reads
 * nothing when it did not (a capture of what the order was placed with, the usual case).
 */
export async function tellWhatIsOwedAfterPayment(h: HandlerContext, order: OrderRecord, before: PaymentRoom): Promise<void> {
  const why = paymentRoomGrew(before, paymentRoomOf(order));
  if (why !== undefined) await tellWhatIsOwed(h, order, why);
}
