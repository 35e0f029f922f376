import type { SourcingPolicy } from './policy.js';
import type { InboundSupply, LineToSource } from './types.js';

export interface ShortSku {
  sku: string;
  /** Units the order still misses after what the usable locations hold. */
  shortQty: number;
  /**
   * The purchase orders, earliest first, that the shortage is promised from, each with the units
   * promised from it (not the PO's whole quantity): what later backorders cannot be promised again.
   * Without a date (`expectedAt` null) they only say what had room; nothing is held.
   */
  coveredBy: InboundSupply[];
  /** When the last of those arrives; null when the inbound supply with room does not cover the shortage. */
  expectedAt: number | null;
}

export type NoSourceOutcome =
  | { outcome: 'backorder'; shortSkus: ShortSku[]; expectedAt: number | null }
  | { outcome: 'cancel'; reason: 'nothing_can_serve' | 'no_inbound_supply'; shortSkus: ShortSku[] };

/**
 * What to do when no plan exists. The order waits for the receipts that cover what is short; when
 * stock exists but is scattered beyond what a plan may use, nothing is short by count, so the order
 * waits for supply that could serve it whole (the conservative reading). `inbound` is what purchase
 * orders bring that no open backorder was promised yet (`inboundWithRoom`): a shortage only that
 * room cannot cover has no date, and `backorderWithoutInbound` applies as when nothing is inbound.
 */
export function decideWithoutSource(
  lines: readonly LineToSource[],
  usableBySku: ReadonlyMap<string, number>,
  inbound: readonly InboundSupply[],
  policy: SourcingPolicy,
): NoSourceOutcome {
  const demand = new Map<string, number>();
  for (const line of lines) demand.set(line.sku, (demand.get(line.sku) ?? 0) + line.qty);
  let short = [...demand].map(([sku, qty]) => ({ sku, shortQty: qty - (usableBySku.get(sku) ?? 0) })).filter((s) => s.shortQty > 0);
  if (short.length === 0) short = [...demand].map(([sku, qty]) => ({ sku, shortQty: qty }));
  const shortSkus = short.sort((a, b) => (a.sku < b.sku ? -1 : 1)).map((s) => coverFromInbound(s.sku, s.shortQty, inbound));

  if (policy.whenNothingCanServe === 'cancel') return { outcome: 'cancel', reason: 'nothing_can_serve', shortSkus };
  const uncovered = shortSkus.some((s) => s.expectedAt === null);
  if (uncovered && policy.backorderWithoutInbound === 'cancel') return { outcome: 'cancel', reason: 'no_inbound_supply', shortSkus };
  const expectedAt = uncovered ? null : Math.max(...shortSkus.map((s) => s.expectedAt as number));
  return { outcome: 'backorder', shortSkus, expectedAt };
}

function coverFromInbound(sku: string, shortQty: number, inbound: readonly InboundSupply[]): ShortSku {
  const earliestFirst = inbound
    .filter((po) => po.sku === sku && po.qty > 0)
    .sort((a, b) => a.expectedAt - b.expectedAt || (a.poId < b.poId ? -1 : a.poId > b.poId ? 1 : 0));
  const coveredBy: InboundSupply[] = [];
  let covered = 0;
  for (const po of earliestFirst) {
    if (covered >= shortQty) break;
    const take = Math.min(po.qty, shortQty - covered);
    coveredBy.push({ ...po, qty: take });
    covered += take;
  }
  const expectedAt = covered >= shortQty ? coveredBy[coveredBy.length - 1].expectedAt : null;
  return { sku, shortQty, coveredBy, expectedAt };
}
