/** A fulfilment still waiting at a location, with what it holds reserved there of one sku. */
export interface OpenReservedFulfilment {
  fulfilmentId: string;
  orderId: string;
  qty: number;
  createdMs: number;
}

/**
 * Which waiting fulfilments give up their claim when a count or a shrink finds fewer units of a sku
 * than orders have reserved at a location: the newest first, until the shortfall is covered. The
 * oldest orders are nearest their promise and likeliest to be in a picker's hands already; the
 * newest have the most time left to be served from elsewhere. The caller offers only fulfilments not
 * yet picked: a picked one has its units in hand, and taking it away would undo work that succeeded.
 * `uncovered` is what no waiting fulfilment can give back (it stays for inventory control).
 */
export function fulfilmentsToWithdraw(open: readonly OpenReservedFulfilment[], short: number): { withdraw: OpenReservedFulfilment[]; uncovered: number } {
  const newestFirst = [...open].sort((a, b) => b.createdMs - a.createdMs || (a.fulfilmentId < b.fulfilmentId ? 1 : a.fulfilmentId > b.fulfilmentId ? -1 : 0));
  const withdraw: OpenReservedFulfilment[] = [];
  let left = short;
  for (const f of newestFirst) {
    if (left <= 0) break;
    withdraw.push(f);
    left -= f.qty;
  }
  return { withdraw, uncovered: Math.max(0, left) };
}
