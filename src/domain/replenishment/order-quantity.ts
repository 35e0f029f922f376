import { stockBefore, type Projection } from './projection.js';

/**
 * Units a receipt arriving on day `arrival` must bring so that stock covers demand until `coverEnd`
 * (the arrival of the order placed at the next review) and still holds `safety` then:
 * Σ demand[arrival, coverEnd) + safety − (stock on arrival + other receipts in that span).
 * Not rounded; 0 when nothing is needed.
 */
export function orderUpToQuantity(p: Projection, arrival: number, coverEnd: number, safety: number): number {
  let need = safety - stockBefore(p, arrival);
  const end = Math.min(coverEnd, p.demand.length);
  for (let d = arrival; d < end; d++) need += p.demand[d]! - p.receipts[d]!;
  return Math.max(0, need);
}

/** A supplier sells whole packs and at least its minimum order quantity. */
export function roundToSupplierTerms(qty: number, moq: number, packSize: number): number {
  if (qty <= 0) return 0;
  const pack = Math.max(1, packSize);
  const atLeast = Math.max(Math.ceil(qty - 1e-9), moq);
  return Math.ceil(atLeast / pack) * pack;
}
