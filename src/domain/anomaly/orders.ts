import type { AnomalyFinding, AnomalyRules } from './rules.js';
import { SortedSample, round } from './robust.js';

/**
 * Unusual order patterns: bursts of orders from one customer or to one address (card testing,
 * reseller bots, reshipping fraud), and order values far outside what is usual. Values are compared
 * on a log scale, since order values are skewed (a 10× jump means the same at 20 and 200). "Usual"
 * is the customer's own earlier orders once they have enough of them (a regular who always spends
 * 600 is not an outlier; one who always spends 20 and now 400 is), every earlier order otherwise.
 */
export interface OrderFact {
  readonly orderId: string;
  readonly customerId: string;
  /** Normalized shipping address key (same address → same key). */
  readonly addressKey: string;
  readonly placedAt: number;
  readonly value: number;
}

export type OrderAnomalyKind = 'customer_velocity' | 'address_velocity' | 'value_outlier';

/** Which earlier orders a value was compared with. */
export type ValueBaseline = 'customer' | 'all_orders';

export interface OrderAnomaly extends AnomalyFinding {
  readonly orderId: string;
  readonly kind: OrderAnomalyKind;
  /** Who the finding is about, for the finding's record: the customer or address of a burst, the baseline of a value. */
  readonly detail: Readonly<Record<string, string | number>>;
}

export function detectOrderAnomalies(orders: readonly OrderFact[], rules: AnomalyRules['orders']): OrderAnomaly[] {
  const sorted = [...orders].sort((a, b) => a.placedAt - b.placedAt || (a.orderId < b.orderId ? -1 : 1));
  const windowMs = rules.velocityWindowHours * 3_600_000;
  const found: OrderAnomaly[] = [];
  const recentBy = { customer: new Map<string, number[]>(), address: new Map<string, number[]>() };
  const logValues = new SortedSample();
  const logValuesOf = new Map<string, SortedSample>();

  for (const o of sorted) {
    for (const [kind, key, max, who] of [
      ['customer_velocity', o.customerId, rules.maxOrdersPerCustomer, `customer ${o.customerId}`],
      ['address_velocity', o.addressKey, rules.maxOrdersPerAddress, `address ${o.addressKey}`],
    ] as const) {
      const map = kind === 'customer_velocity' ? recentBy.customer : recentBy.address;
      const times = (map.get(key) ?? []).filter((t) => t > o.placedAt - windowMs);
      times.push(o.placedAt);
      map.set(key, times);
      if (times.length > max) {
        found.push({
          orderId: o.orderId,
          kind,
          score: round(times.length / max),
          explanation: `${times.length} orders from ${who} within ${rules.velocityWindowHours} h (limit ${max}).`,
          detail: kind === 'customer_velocity' ? { customerId: key } : { addressKey: key },
        });
      }
    }
    const logValue = Math.log(Math.max(o.value, 0.01));
    const own = logValuesOf.get(o.customerId) ?? new SortedSample();
    const byCustomer = rules.customerBaseline !== undefined && own.size >= rules.customerBaseline.minHistory;
    const baseline: ValueBaseline = byCustomer ? 'customer' : 'all_orders';
    if (byCustomer || logValues.size >= rules.valueMinHistory) {
      const r = byCustomer ? own.robustZ(logValue, rules.customerBaseline!.minScale) : logValues.robustZ(logValue, 0.05);
      if (Math.abs(r.z) >= rules.valueThreshold) {
        const usual = byCustomer ? `customer ${o.customerId}'s usual ${round(Math.exp(r.center))} over ${own.size} earlier orders` : `the usual ${round(Math.exp(r.center))} over all earlier orders`;
        found.push({
          orderId: o.orderId,
          kind: 'value_outlier',
          score: round(Math.abs(r.z) / rules.valueThreshold),
          explanation: `Order value ${round(o.value)} is ${round(o.value / Math.exp(r.center), 1)}× ${usual} (robust z ${round(r.z, 1)} on log value, threshold ${rules.valueThreshold}).`,
          detail: { customerId: o.customerId, baseline, baselineOrders: byCustomer ? own.size : logValues.size, usualValue: round(Math.exp(r.center)) },
        });
      }
    }
    logValues.add(logValue);
    own.add(logValue);
    logValuesOf.set(o.customerId, own);
  }
  return found;
}
