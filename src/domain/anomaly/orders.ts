import type { AnomalyFinding, AnomalyRules } from './rules.js';
import { robustZ, round } from './robust.js';

/**
 * Unusual order patterns: bursts of orders from one customer or to one address (card testing,
 * reseller bots, reshipping fraud), and order values far outside what the shop usually sees. Values
 * are compared on a log scale, since order values are skewed (a 10× jump means the same at 20 and 200).
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

export interface OrderAnomaly extends AnomalyFinding {
  readonly orderId: string;
  readonly kind: OrderAnomalyKind;
}

export function detectOrderAnomalies(orders: readonly OrderFact[], rules: AnomalyRules['orders']): OrderAnomaly[] {
  const sorted = [...orders].sort((a, b) => a.placedAt - b.placedAt || (a.orderId < b.orderId ? -1 : 1));
  const windowMs = rules.velocityWindowHours * 3_600_000;
  const found: OrderAnomaly[] = [];
  const recentBy = { customer: new Map<string, number[]>(), address: new Map<string, number[]>() };
  const logValues: number[] = [];

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
        });
      }
    }
    const logValue = Math.log(Math.max(o.value, 0.01));
    if (logValues.length >= rules.valueMinHistory) {
      const r = robustZ(logValue, logValues, 0.05);
      if (Math.abs(r.z) >= rules.valueThreshold) {
        found.push({
          orderId: o.orderId,
          kind: 'value_outlier',
          score: round(Math.abs(r.z) / rules.valueThreshold),
          explanation: `Order value ${round(o.value)} is ${round(o.value / Math.exp(r.center), 1)}× the usual ${round(Math.exp(r.center))} (robust z ${round(r.z, 1)} on log value, threshold ${rules.valueThreshold}).`,
        });
      }
    }
    logValues.push(logValue);
  }
  return found;
}
