/**
 * A return's refund weighed while the order's room to refund was used up is cut (or refused, nothing
 * left): the customer got less than their lines are worth. The room can grow afterwards — our refund's
 * settlement ties the channel's echo of it (it stops counting twice), another case's refund is turned
 * down (it pays nothing), the channel reports more captured (or a failed payment captured after all),
 * a channel refund is told again smaller. What grew is then owed to those refunds: this says which,
 * and how much, for a person to pay (money never moves on its own here: the room is a lower bound
 * worked out from what omniops was told, and a top-up paid on a wrong figure cannot be taken back).
 *
 * The rule: what is left to refund now (left-to-refund.ts, the very figure the next return would be
 * weighed against) is shared over what each cut refund and refused case was short, the one weighed
 * first first, never more than the room, never more than what each was short, in cents.
 *
 * Candidates are cut refunds in every state that counts — also one still awaiting approval (or
 * blocked): its approval can only send the cut amount, never more, so what it is short is owed
 * whatever the approver decides; turned down, it pays nothing and is no longer a candidate (its
 * figure then drops to nothing). Refused cases count only when refused for `nothing_left_to_refund`:
 * one refused `currency_differs` was never weighed. Nothing is said while a refund that counts is in
 * another currency than the payment (nothing can be said to be left).
 *
 * Finance may already have been told part of it: `told` per case (what earlier items said in all).
 * It is held for that case — counted as refunded in the order's room (left-to-refund.ts, OwedHeld),
 * whether finance pays it by hand or not, so a later return is never weighed against money that went
 * out by hand — and only what goes beyond it is payable anew. Told figures never come down.
 *
 * Finance records what became of each item (owed-settled.ts): paid, it stays held; not paid, its hold
 * is released and it is `waived` — the case's short comes down by it, so it is not owed that again;
 * withdrawn (its refund turned down), released. So the held figure passed here is what is still held.
 */
import type { OwedItemSettlement } from './owed-settled.js';
import { refundRoom, REFUND_STATES_PAYING_NOTHING, type EarlierRefund, type OrderPayment, type RefundAtChannel } from './left-to-refund.js';

/** One of our refunds of the order, as a top-up needs it. */
export interface RefundWeighed extends EarlierRefund {
  readonly id: string;
  readonly caseId: string;
  /** When it was weighed (created): the refund weighed first is owed first. */
  readonly createdMs: number;
  /** Set when it was cut: what its lines asked, in the payment's currency. */
  readonly limitedBy?: { readonly asked: number; readonly currency: string };
}

/** A case that got no refund at all (RefundRefused kept on the case). */
export interface RefusedCase {
  readonly caseId: string;
  readonly code: string;
  readonly asked: number;
  readonly currency: string;
  /** When it was refused (its case's last move): the earlier refused is owed first. */
  readonly refusedMs: number;
}

/** What finance was told a case is owed, as kept on the case: each item's figure and the total. */
export interface RefundOwedTold {
  /** What the items said in all, in the payment's currency. */
  readonly told: number;
  /** One per finance item: its figure, and (once recorded) what became of it. */
  readonly items: ReadonlyArray<{ readonly at: number; readonly eventId: string; readonly exceptionId: string; readonly payable: number; readonly owed: number } & Partial<OwedItemSettlement>>;
}

export interface RoomFreedInput {
  readonly payment: OrderPayment;
  readonly refunds: readonly RefundWeighed[];
  readonly refused: readonly RefusedCase[];
  readonly atChannel?: readonly RefundAtChannel[];
  /** Per case id, what finance was told it is owed and is still held for it (told less what was released: owed-settled.ts). */
  readonly told?: ReadonlyMap<string, number>;
  /** Per case id, what finance decided not to pay: no longer owed to it (its short comes down by it). */
  readonly waived?: ReadonlyMap<string, number>;
}

/** A refund (or refused case) that is owed more than it got. */
export interface OwedNow {
  readonly caseId: string;
  /** Null for a refused case: it has no refund. */
  readonly refundId: string | null;
  readonly of: 'cut_refund' | 'refused_refund';
  /** The refund's state (null for a refused case). */
  readonly state: string | null;
  /** What its lines asked. */
  readonly asked: number;
  /** What it pays (0 when refused). */
  readonly refunded: number;
  /** asked − refunded. */
  readonly short: number;
  /** Of short, what finance decided not to pay (set only when some was): no longer owed. */
  readonly waived?: number;
  /** Its share of what is left to refund now: what may be paid on top in all. */
  readonly owed: number;
  /** What finance was told before and is still held for it. */
  readonly told: number;
  /** What goes beyond what finance was told: to be paid now (0 when nothing new). */
  readonly payableNow: number;
  readonly currency: string;
}

export interface RoomFreed {
  /** What is left to refund now, in cents (what was shared). */
  readonly leftCents: number;
  /** Every candidate given a share (owed > 0), the one weighed first first. */
  readonly owed: readonly OwedNow[];
  /** A refund that counts is in another currency: nothing can be said to be owed. */
  readonly cannotWeigh?: 'currency_differs';
}

const cents = (x: number) => Math.round(x * 100);

interface Claim { caseId: string; refundId: string | null; of: OwedNow['of']; state: string | null; askedCents: number; refundedCents: number; at: number }

/** Which cut refunds and refused cases of one order are owed more now, and how much (see the top of this file). */
export function owedAfterRoomFreed(input: RoomFreedInput): RoomFreed {
  const { payment } = input;
  // What finance was told before is held for its case (left-to-refund.ts, OwedHeld): out of the room
  // already, paid by hand or to be, so it is shared out once and a later return cannot take it.
  const held = [...(input.told ?? new Map<string, number>())].map(([caseId, amount]) => ({ caseId, amount }));
  const room = refundRoom(payment, input.refunds, input.atChannel ?? [], held);
  if (room.currencyDiffers) return { leftCents: room.leftCents, owed: [], cannotWeigh: 'currency_differs' };
  const inPayment = (currency: string) => currency === payment.currency;
  const claims: Claim[] = [];
  for (const r of input.refunds) {
    if (REFUND_STATES_PAYING_NOTHING.includes(r.state) || !r.limitedBy || !inPayment(r.currency) || !inPayment(r.limitedBy.currency)) continue;
    const askedCents = cents(r.limitedBy.asked);
    if (askedCents > cents(r.amount)) claims.push({ caseId: r.caseId, refundId: r.id, of: 'cut_refund', state: r.state, askedCents, refundedCents: cents(r.amount), at: r.createdMs });
  }
  const refunded = new Set(input.refunds.map((r) => r.caseId));
  for (const c of input.refused) {
    // A case with a refund after all is weighed as that refund (a refusal is final; this only guards odd data).
    if (c.code !== 'nothing_left_to_refund' || !inPayment(c.currency) || refunded.has(c.caseId) || cents(c.asked) <= 0) continue;
    claims.push({ caseId: c.caseId, refundId: null, of: 'refused_refund', state: null, askedCents: cents(c.asked), refundedCents: 0, at: c.refusedMs });
  }
  // Weighed first, owed first; a tie in time goes by case id, so a replay shares it the same way.
  claims.sort((a, b) => a.at - b.at || (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0));
  let leftCents = room.leftCents;
  const owed: OwedNow[] = [];
  for (const c of claims) {
    const shortCents = c.askedCents - c.refundedCents;
    // What finance decided not to pay is no longer owed: the released money goes to the others, not back to it.
    const waivedCents = Math.min(shortCents, cents(input.waived?.get(c.caseId) ?? 0));
    const owedCents = shortCents - waivedCents;
    const toldCents = Math.min(owedCents, cents(input.told?.get(c.caseId) ?? 0));
    // What it was told is its own already (held); of what it is still short, its share of what is left.
    const shareCents = Math.max(0, Math.min(owedCents - toldCents, leftCents));
    leftCents -= shareCents;
    if (toldCents + shareCents <= 0) continue;
    owed.push({
      caseId: c.caseId, refundId: c.refundId, of: c.of, state: c.state, asked: c.askedCents / 100, refunded: c.refundedCents / 100, short: shortCents / 100,
      ...(waivedCents > 0 ? { waived: waivedCents / 100 } : {}),
      owed: (toldCents + shareCents) / 100, told: toldCents / 100, payableNow: shareCents / 100, currency: payment.currency,
    });
  }
  return { leftCents: room.leftCents, owed };
}

/** Finance's item for one refund owed more: what it got, what can be paid now, and why the room grew. */
export function owedSummary(o: OwedNow, orderId: string, why: string): string {
  const what = o.of === 'cut_refund'
    ? `refund cut from ${o.asked} to ${o.refunded} ${o.currency}${o.state === 'awaiting_approval' || o.state === 'blocked' ? ` (still ${o.state.replace('_', ' ')}: owed only if it is paid)` : ''}`
    : `refund of ${o.asked} ${o.currency} refused, nothing was left`;
  const payable = o.told > 0
    ? `${o.payableNow} ${o.currency} more can now be paid (${o.owed} in all, ${o.told} told before)`
    : `${o.payableNow} ${o.currency} can now be paid`;
  // Finance said no to part of its short before: this is the rest of it, not that money again.
  const waived = o.waived ? `; ${o.waived} ${o.currency} of it finance decided not to pay before` : '';
  return `return case ${o.caseId} of order ${orderId}: ${what}${waived}; ${payable} (${why})`;
}

/** What a payment or channel-refund report left to refund, before any return's refund: compared before and after the report. */
export interface PaymentRoom {
  readonly payment: OrderPayment;
  readonly atChannel: readonly RefundAtChannel[];
}

/**
 * Whether a payment report can have raised the room (more captured, a failed payment captured after
 * all, a channel refund told again smaller), and how to say so; undefined when it cannot. Weighed
 * without our refunds (the report does not change them): only a rise of what the payment leaves after
 * the channel's refunds can free room for them.
 */
export function paymentRoomGrew(before: PaymentRoom, after: PaymentRoom): string | undefined {
  const was = refundRoom(before.payment, [], before.atChannel);
  const now = refundRoom(after.payment, [], after.atChannel);
  if (now.currencyDiffers) return undefined;
  const channelWas = was.refundedCents / 100;
  const channelNow = now.refundedCents / 100;
  if (now.paidCents > was.paidCents) {
    const c = after.payment.currency;
    return was.paymentFailed
      ? `the payment is ${after.payment.status} after it had failed: ${now.paidCents / 100} ${c} came in`
      : `the channel reported ${now.paidCents / 100} ${c} captured, ${was.paidCents / 100} before`;
  }
  if (now.leftCents > was.leftCents || (was.currencyDiffers && now.leftCents > 0)) {
    return `the channel's own refunds now come to ${channelNow} ${after.payment.currency}, ${channelWas} before`;
  }
  return undefined;
}
