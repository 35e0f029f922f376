/**
 * Why a location rejected a fulfilment, as a code staff pick (`fulfilment.rejected`'s `reasonCode`,
 * beside the free-text `reason`). The code decides when the location may be asked again for the
 * order (src/domain/sourcing/failed-locations.ts): a rejection for the stock says its record shows
 * units the shelf does not have, and asking again before that stock is known again only gets another
 * rejection; a rejection for staff, capacity or an unplanned closure says nothing about the shelf and
 * is over once the day is. No code (every rejection before codes existed, and senders that send none)
 * counts as a stock rejection, as every rejection did.
 */
export const REJECTION_REASON_CODES = ['out_of_stock', 'damaged', 'no_capacity', 'no_staff', 'closed', 'other'] as const;
export type RejectionReasonCode = (typeof REJECTION_REASON_CODES)[number];

/**
 * The codes that say nothing about the location's stock. `other` is not among them: a reason nobody
 * named may well be the shelf, and the stock rule is the one that never sends an order back to a
 * shelf that could not serve it.
 */
const NOT_ABOUT_STOCK: ReadonlySet<RejectionReasonCode> = new Set(['no_capacity', 'no_staff', 'closed']);

/** True when the rejection says nothing about the shelf (staff, capacity, closed). */
export function rejectedForNonStockReason(code: RejectionReasonCode | undefined): boolean {
  return code !== undefined && NOT_ABOUT_STOCK.has(code);
}
