import type { ReturnRules } from './rules.js';

const DAY_MS = 86_400_000;

export type WindowCheck =
  | { readonly inside: true; readonly daysSinceDelivery: number }
  | { readonly inside: false; readonly daysSinceDelivery: number; readonly windowEndsAt: number };

/** The window runs from delivery (not from the order): the customer cannot return what has not arrived. */
export function checkReturnWindow(deliveredAt: number, requestedAt: number, rules: Pick<ReturnRules, 'returnWindowDays'>): WindowCheck {
  const daysSinceDelivery = Math.max(0, (requestedAt - deliveredAt) / DAY_MS);
  const windowEndsAt = deliveredAt + rules.returnWindowDays * DAY_MS;
  return requestedAt <= windowEndsAt ? { inside: true, daysSinceDelivery } : { inside: false, daysSinceDelivery, windowEndsAt };
}
