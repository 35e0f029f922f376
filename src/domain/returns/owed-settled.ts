/**
 * What became of what finance was told a return case is owed on top of its refund (owed-after-room-freed.ts):
 * each item is one payment finance makes by hand — or decides not to make. omniops never hears about a
 * top-up paid by hand, so finance records it here:
 *
 * - **paid** (with the payment's reference): the money went out; it stays held in the order's room
 *   (counted as refunded), as it was while finance had not answered.
 * - **not paid** (with finance's reason): the hold is released, so later returns are weighed against
 *   that money again, and the case is no longer owed what was waived — its short comes down by it, so
 *   the same money is not told to it again.
 * - **withdrawn**: the cut refund the item topped up was turned down (it pays nothing, so it is owed
 *   nothing on top): omniops releases the hold itself. Recorded paid afterwards (finance had paid by
 *   hand before the refund was turned down), the hold comes back: the money went out.
 *
 * An item not answered yet stays held, paid or not (a hold is low, never high: the next return is cut,
 * not paid twice).
 */
import type { Role } from '../roles.js';
import type { RefundOwedTold } from './owed-after-room-freed.js';

/**
 * Who records a top-up's outcome: finance, who pays money by hand and works the reconciliation items it
 * is told in; admin, the operators of omniops (and the CLI). Not the operations manager, who supervises
 * every queue but does not pay customers.
 */
export const OWED_SETTLERS: readonly Role[] = ['admin', 'finance'];

export type OwedSettledAs = 'paid' | 'not_paid' | 'withdrawn';
/** An item's state as read: `open` until finance (or a turned-down refund) settles it. */
export type OwedItemState = 'open' | OwedSettledAs;

/** How an item was settled, kept on it. */
export interface OwedItemSettlement {
  readonly settledAs: OwedSettledAs;
  /** The payment's reference (paid). */
  readonly reference?: string;
  /** Why not paid, or why withdrawn. */
  readonly reason?: string;
  readonly settledBy: string;
  readonly settledAt: number;
  /** The event that settled it: a replay of it finds it settled by itself and changes nothing. */
  readonly settledEventId: string;
}

export type OwedItem = RefundOwedTold['items'][number];

/** What finance records about an item. */
export type OwedOutcome = { readonly outcome: 'paid'; readonly reference: string; readonly reason?: string } | { readonly outcome: 'not_paid'; readonly reason: string; readonly reference?: string };

export const owedItemState = (i: OwedItem): OwedItemState => i.settledAs ?? 'open';

/** States whose money is no longer held for the case: released to the order's room. */
const RELEASED: readonly OwedItemState[] = ['not_paid', 'withdrawn'];

const cents = (x: number) => Math.round(x * 100);

/** What a case's items come to, in the payment's currency. */
export interface OwedFigures {
  /** Held for the case in the order's room: told, less what was released (not paid, withdrawn). */
  readonly held: number;
  /** Of held, recorded paid by hand. */
  readonly paid: number;
  /** What finance decided not to pay: no longer owed to the case. */
  readonly waived: number;
  /** Released because the refund was turned down. */
  readonly withdrawn: number;
}

export function owedFigures(t: RefundOwedTold | undefined): OwedFigures {
  if (!t) return { held: 0, paid: 0, waived: 0, withdrawn: 0 };
  const sum = (s: OwedItemState) => t.items.filter((i) => owedItemState(i) === s).reduce((n, i) => n + cents(i.payable), 0);
  const released = RELEASED.reduce((n, s) => n + sum(s), 0);
  // `told` is what the items said in all; an item released gives its figure back.
  return { held: Math.max(0, cents(t.told) - released) / 100, paid: sum('paid') / 100, waived: sum('not_paid') / 100, withdrawn: sum('withdrawn') / 100 };
}

export type SettleOwed =
  | { readonly ok: true; readonly told: RefundOwedTold; readonly item: OwedItem; readonly before: OwedItemState }
  | { readonly ok: false; readonly code: 'E_NOT_FOUND' | 'E_INVALID_STATE'; readonly message: string };

/**
 * Records finance's outcome of one item (named by its finance item's id). Open items take either
 * outcome; a withdrawn one only `paid` (finance paid by hand before the refund was turned down: the
 * money went out, the hold comes back); an item paid or not paid is final.
 */
export function settleOwedItem(t: RefundOwedTold | undefined, exceptionId: string, outcome: OwedOutcome, by: string, ctx: { now: number; eventId: string }): SettleOwed {
  const item = t?.items.find((i) => i.exceptionId === exceptionId);
  if (!t || !item) return { ok: false, code: 'E_NOT_FOUND', message: `no owed item ${exceptionId} on the case` };
  const before = owedItemState(item);
  if (!(before === 'open' || (before === 'withdrawn' && outcome.outcome === 'paid'))) {
    return { ok: false, code: 'E_INVALID_STATE', message: `owed item ${exceptionId} is already ${before.replace('_', ' ')}` };
  }
  const settled: OwedItem = {
    at: item.at, eventId: item.eventId, exceptionId: item.exceptionId, payable: item.payable, owed: item.owed,
    settledAs: outcome.outcome,
    ...(outcome.reference ? { reference: outcome.reference } : {}),
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    settledBy: by, settledAt: ctx.now, settledEventId: ctx.eventId,
  };
  return { ok: true, told: { ...t, items: t.items.map((i) => (i === item ? settled : i)) }, item: settled, before };
}

/**
 * The case's refund was turned down: it is owed nothing on top, so every item not answered yet is
 * withdrawn (its hold released). Items recorded paid stay held: that money went out.
 */
export function withdrawOwed(t: RefundOwedTold | undefined, reason: string, ctx: { now: number; eventId: string }): { told: RefundOwedTold; withdrawn: OwedItem[] } | undefined {
  if (!t) return undefined;
  const withdrawn: OwedItem[] = [];
  const items = t.items.map((i) => {
    if (owedItemState(i) !== 'open') return i;
    const w: OwedItem = { ...i, settledAs: 'withdrawn', reason, settledBy: 'omniops', settledAt: ctx.now, settledEventId: ctx.eventId };
    withdrawn.push(w);
    return w;
  });
  return withdrawn.length ? { told: { ...t, items }, withdrawn } : undefined;
}
