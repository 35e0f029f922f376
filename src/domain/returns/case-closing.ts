/**
 * When a return case's work is done and it closes by itself (SPEC §4: refunded / replaced / claimed →
 * closed), so the open cases are the ones somebody still has to act on. Pure: the caller reads the
 * facts (the case's refund, what finance was told it is owed, the replacement order's state, when the
 * claim went out) and passes the decision time.
 *
 * - **refunded** closes once its refund is settled (paid out) and nothing more is owed or held for
 *   it: every top-up finance was told about is answered (paid by hand or not paid), and a refund cut
 *   below what was asked is made whole by what finance paid or decided not to pay. A cut refund whose
 *   short nobody answered stays open: it is money a customer may still be owed.
 *   A refused refund (nothing left to refund, or not weighable: the case has no refund at all) waits
 *   in `refunded` the same way, for the same answers: it is short everything it asked, so it closes
 *   once finance paid or decided not to pay all of it — or a person closes it by hand. Before, it
 *   ended at once (closed, or rejected without the goods) while the customer might be owed all of it.
 *   Finance may also answer the refusal itself: resolving the refusal's own item (reconciliation
 *   queue, subject `return:<case>`) says "settled another way, or nothing more is owed", and closes it
 *   (`refusal_resolved`) — the only answer a `currency_differs` refusal, or one whose order never frees
 *   room, can get short of closing by hand. Top-ups finance was told and has not answered still hold it
 *   open: resolving the refusal does not silently drop money it was told to pay.
 * - **replaced** closes once the replacement order went out (shipped, delivered, or later).
 * - **claimed** closes when the supplier accepts the claim (`supplier.claim_answered`, its credit goes
 *   to the books). A claim the supplier rejected keeps the case open: a person decides what the
 *   customer gets (refund, or close by hand), the period does not decide it for them. A claim with no
 *   answer closes a policy-defined number of days after it was sent to the supplier (the customer's
 *   side was finished when it went out). A policy without the period keeps it open (nothing closes on
 *   a period nobody set).
 */
import type { ReturnCaseState } from './case-state.js';
import type { RefundOwedTold } from './owed-after-room-freed.js';
import { owedFigures, owedItemState } from './owed-settled.js';
import type { ReturnRules } from './rules.js';

/**
 * Why a case closed: its work done, or a person closed it by hand (`POST /v1/returns/{id}/close`).
 * `refused_refund_answered`: finance answered every amount a refused refund asked; `refusal_resolved`:
 * finance resolved the refusal's item in the reconciliation queue (its note says how it was settled).
 */
export const CLOSING_REASONS = ['refund_settled', 'replacement_shipped', 'claim_period_over', 'closed_by_hand', 'claim_accepted', 'refused_refund_answered', 'refusal_resolved'] as const;
export type ClosingReason = (typeof CLOSING_REASONS)[number];

/** The end states whose work can finish; `closed` follows each of them. */
export const CLOSABLE_STATES = ['refunded', 'replaced', 'claimed'] as const;
export type ClosableState = (typeof CLOSABLE_STATES)[number];

export const isClosable = (s: ReturnCaseState): s is ClosableState => (CLOSABLE_STATES as readonly string[]).includes(s);

/** Order states a replacement order has gone out in. */
const REPLACEMENT_OUT: readonly string[] = ['shipped', 'delivered', 'partially_returned', 'returned'];

export interface ClosingFacts {
  readonly state: ReturnCaseState;
  /** The case's refund, when it has one: its state, its amount and what it was cut from. */
  readonly refund?: { readonly state: string; readonly amount: number; readonly asked?: number };
  /**
   * The case got no refund at all (`refundRefused`): what it asked, why, and whether the goods came
   * back (a refund without return never asked for them) — said when it closes, since either way it ends `closed`.
   */
  readonly refused?: { readonly code: string; readonly asked: number; readonly goodsBack: boolean };
  /**
   * A refused refund's own finance item (reconciliation queue, subject `return:<case>`): resolved, it is
   * finance's answer to the refusal — who resolved it and their note. Absent: none, or not read.
   */
  readonly refusalItem?: { readonly id: string; readonly state: string; readonly resolvedBy?: string; readonly note?: string };
  /** What finance was told the case is owed on top of its refund, and what became of it. */
  readonly owed?: RefundOwedTold;
  /** The replacement order's state (null: no such order known yet). */
  readonly replacementOrderState?: string | null;
  /** When the case moved to `claimed`. */
  readonly claimedAt?: number | null;
  /** The case's supplier claim as stored (`open` until the supplier answers, then `accepted` / `rejected`); absent: not read. */
  readonly claimState?: string | null;
  readonly now: number;
}

/** The returns policy (its `claimClosesAfterDays`: absent in a version made before it). */
export type ClosingRules = ReturnRules;

export type CaseClosing =
  | { readonly close: true; readonly from: ClosableState; readonly reason: ClosingReason; readonly why: string }
  | { readonly close: false; readonly waitingFor: string };

const DAY_MS = 86_400_000;
const cents = (x: number) => Math.round(x * 100);

export function whenCaseCloses(f: ClosingFacts, rules: ClosingRules): CaseClosing {
  const wait = (waitingFor: string): CaseClosing => ({ close: false, waitingFor });
  switch (f.state) {
    case 'refunded': {
      // A refused refund has no refund row: it waits for finance as a cut one does, short all it asked.
      if (!f.refund && f.refused) {
        const unanswered = waitingForFinance(f.owed, cents(f.refused.asked), 'the refund was refused and is');
        const figures = owedFigures(f.owed);
        const goods = f.refused.goodsBack ? 'the goods came back' : 'the goods were never sent back (refund without return)';
        if (unanswered) {
          const item = f.refusalItem;
          if (item?.state !== 'resolved') return wait(unanswered);
          // Finance resolved the refusal, but top-ups it was told to pay are still open: those are money
          // on their own items, answered there (paid by hand or not paid), not dropped with the refusal.
          const open = openOwed(f.owed);
          const resolved = `its finance item ${item.id} resolved${item.resolvedBy ? ` by ${item.resolvedBy}` : ''}`;
          if (open.length > 0) return wait(`${resolved}, but ${notAnswered(open)}`);
          const answered = figures.paid + figures.waived > 0 ? ` (${figures.paid} paid by hand, ${figures.waived} not paid of the ${f.refused.asked} asked)` : '';
          return {
            close: true, from: 'refunded', reason: 'refusal_resolved',
            why: `refund refused (${f.refused.code}), ${goods}; ${resolved}${item.note ? `: ${item.note}` : ''}${answered}`,
          };
        }
        return {
          close: true, from: 'refunded', reason: 'refused_refund_answered',
          why: `refund refused (${f.refused.code}), ${goods}; finance answered all ${f.refused.asked} asked: ${figures.paid} paid by hand, ${figures.waived} not paid`,
        };
      }
      if (!f.refund || f.refund.state !== 'settled') return wait(`the refund is ${f.refund?.state ?? 'missing'}, not settled`);
      const shortCents = f.refund.asked === undefined ? 0 : Math.max(0, cents(f.refund.asked) - cents(f.refund.amount));
      const unanswered = waitingForFinance(f.owed, shortCents, 'the refund was cut');
      if (unanswered) return wait(unanswered);
      return { close: true, from: 'refunded', reason: 'refund_settled', why: `refund settled${shortCents > 0 ? ' and what it was cut short settled by finance' : ''}: nothing more is owed` };
    }
    case 'replaced': {
      const s = f.replacementOrderState ?? null;
      if (s === null || !REPLACEMENT_OUT.includes(s)) return wait(`the replacement order is ${s ?? 'not known yet'}, not shipped`);
      return { close: true, from: 'replaced', reason: 'replacement_shipped', why: `the replacement order is ${s}` };
    }
    case 'claimed': {
      if (f.claimState === 'accepted') return { close: true, from: 'claimed', reason: 'claim_accepted', why: 'the supplier accepted the claim' };
      if (f.claimState === 'rejected') return wait('the supplier rejected the claim: a person decides what the customer gets');
      const days = rules.claimClosesAfterDays;
      if (days === undefined) return wait('the returns policy sets no claimClosesAfterDays');
      if (f.claimedAt === undefined || f.claimedAt === null) return wait('no claim recorded');
      if (f.now < f.claimedAt + days * DAY_MS) return wait(`the claim went out less than ${days} days ago`);
      return { close: true, from: 'claimed', reason: 'claim_period_over', why: `the supplier claim went out ${days} or more days ago (returns policy claimClosesAfterDays)` };
    }
    default:
      return wait(`a ${f.state} case does not close by itself`);
  }
}

/**
 * What finance still has to answer before a refunded case is owed nothing (undefined: nothing): every
 * top-up it was told about, and a short (cut, or all of a refused refund) made whole by what it paid by
 * hand or decided not to pay. One rule for cut and refused refunds.
 */
function waitingForFinance(owed: RefundOwedTold | undefined, shortCents: number, what: string): string | undefined {
  const open = openOwed(owed);
  if (open.length > 0) return notAnswered(open);
  if (shortCents <= 0) return undefined;
  const figures = owedFigures(owed);
  const answeredCents = cents(figures.paid) + cents(figures.waived);
  if (answeredCents < shortCents) return `${what} ${(shortCents - answeredCents) / 100} short of what was asked and finance has not settled it`;
  return undefined;
}

/**
 * Top-ups told and not answered, in words that say where the answer goes: a top-up counts as answered
 * when finance records it on the case (settle), not when its item is resolved in the queue.
 */
const notAnswered = (ids: readonly string[]) =>
  `finance has not answered ${ids.join(', ')} (owed on top; answered by settling it on the case, POST /v1/returns/{id}/owed/{exceptionId}/settle, not by resolving the item in the queue)`;

/** The finance items of top-ups told and not answered yet (their exception ids). */
const openOwed = (owed: RefundOwedTold | undefined): string[] => (owed?.items ?? []).filter((i) => owedItemState(i) === 'open').map((i) => i.exceptionId);

/** When the case moved to `state` (its last move there), from its history. */
export function movedAt(history: ReadonlyArray<{ at: number; to: string; from: string }>, state: ReturnCaseState): number | null {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.to === state && history[i]!.from !== state) return history[i]!.at;
  return null;
}

/**
 * A case counts as refunded while it is and after it closed refunded (its history went through
 * `refunded`) — not a refused refund's case, which waits in `refunded` for finance with no refund paid
 * (as before, when it ended at once, it does not make its order returned).
 */
export function wasRefunded(c: { state: ReturnCaseState; doc: { history: ReadonlyArray<{ to: string }>; refundRefused?: unknown } }): boolean {
  if (c.doc.refundRefused) return false;
  return c.state === 'refunded' || (c.state === 'closed' && c.doc.history.some((h) => h.to === 'refunded'));
}

/**
 * Claimed cases created before this instant may be due (a claim goes out after its case is created):
 * the sweep's bound on the state index. Undefined: the policy sets no period, none is due.
 */
export function claimsDueIfCreatedBefore(now: number, rules: ClosingRules): number | undefined {
  return rules.claimClosesAfterDays === undefined ? undefined : now - rules.claimClosesAfterDays * DAY_MS + 1;
}
