import type { SafetyStockRule } from './policy.js';

/**
 * Units held beyond forecast demand over `coverDays` (lead time + review period): the forecast error
 * grows with the square root of the days it must hold for, demand-days grow linearly.
 */
export function safetyStock(rule: SafetyStockRule, errorStdDev: number, daily: ArrayLike<number>, coverDays: number): number {
  if (rule.method === 'service_level') return rule.z * errorStdDev * Math.sqrt(Math.max(0, coverDays));
  const n = Math.min(coverDays, daily.length);
  if (n <= 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += daily[i]!;
  return rule.days * (sum / n);
}
