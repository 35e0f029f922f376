import { field, iso, list, num, optList, optStr, str, type CanonicalEvent } from './native.js';
import type { Location } from '../../domain/masterdata/location.js';

/** Kinds of location with a till: a DC, a 3PL or a dark store has no customers at a counter. */
export const TILL_LOCATION_KINDS: readonly Location['kind'][] = ['store'];

export type TillStoreRefusal = { reason: 'unknown_location' } | { reason: 'not_a_store'; kind: Location['kind'] };

/**
 * Why a till's sales cannot be booked at `location` (the batch's store as read, or undefined), or
 * undefined when they can. An inactive store still can: its sales happened (a store closing uploads
 * its last day that evening). The adapter refuses the batch with it; the sale's handler refuses a
 * till sale that came another way (`POST /v1/events`) with it too.
 */
export function tillStoreRefusal(location: Pick<Location, 'kind'> | undefined): TillStoreRefusal | undefined {
  if (!location) return { reason: 'unknown_location' };
  if (!TILL_LOCATION_KINDS.includes(location.kind)) return { reason: 'not_a_store', kind: location.kind };
  return undefined;
}

/**
 * A store till's batch of sales and returns. A sale is an order taken, paid and handed over at the
 * store: a pickup order at that store with `handedOverAt` (nothing is routed or worked; the units
 * leave the store's shelf — see engine/orders/till-sale.ts). A return refers to the original receipt. Dedup per receipt: a batch resent after a timeout adds nothing.
 */
export function mapPosBatch(body: unknown, now: number): CanonicalEvent[] {
  const storeId = str(body, 'storeId');
  const currency = str(body, 'currency');
  const out: CanonicalEvent[] = [];
  const sales = optList(body, 'sales');
  const returns = optList(body, 'returns');
  if (sales.length === 0 && returns.length === 0) list(body, 'sales');
  sales.forEach((_, i) => {
    const p = `sales[${i}]`;
    const receiptId = str(body, `${p}.receiptId`);
    const lines = list(body, `${p}.lines`).map((__, j) => ({
      lineId: optStr(body, `${p}.lines[${j}].lineId`) ?? String(j + 1),
      sku: str(body, `${p}.lines[${j}].sku`), qty: num(body, `${p}.lines[${j}].qty`), unitPrice: num(body, `${p}.lines[${j}].unitPrice`),
    }));
    const at = iso(field(body, `${p}.at`), now);
    out.push({
      sourceEventId: `sale:${storeId}:${receiptId}`, type: 'order.placed', occurredAt: at,
      payload: {
        externalOrderId: `${storeId}-${receiptId}`,
        customer: { id: optStr(body, `${p}.customerId`) ?? `walk-in:${storeId}` },
        lines, currency,
        shipping: { method: 'pickup', pickupLocationId: storeId, address: { country: str(body, 'country') } },
        payment: { status: 'captured', amount: Math.round(lines.reduce((s, l) => s + l.qty * l.unitPrice, 0) * 100) / 100, method: optStr(body, `${p}.tender`) ?? 'pos' },
        handedOverAt: at,
      },
    });
  });
  returns.forEach((_, i) => {
    const p = `returns[${i}]`;
    const receiptId = str(body, `${p}.receiptId`);
    out.push({
      sourceEventId: `return:${storeId}:${receiptId}`, type: 'return.requested', occurredAt: iso(field(body, `${p}.at`), now),
      payload: {
        externalReturnId: `${storeId}-${receiptId}`,
        externalOrderId: `${storeId}-${str(body, `${p}.originalReceiptId`)}`,
        lines: list(body, `${p}.lines`).map((__, j) => ({ lineId: str(body, `${p}.lines[${j}].lineId`), qty: num(body, `${p}.lines[${j}].qty`) })),
        reason: optStr(body, `${p}.reason`) ?? 'returned at the till',
      },
    });
  });
  return out;
}
