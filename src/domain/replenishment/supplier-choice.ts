import type { PlannedSupplier } from './position-plan.js';
import type { ReplenishmentPolicy } from './policy.js';
import type { SupplierChoiceReason } from './types.js';

export interface SupplierChoice {
  supplier: PlannedSupplier;
  reason: SupplierChoiceReason;
}

/**
 * The primary supplier unless policy allows a switch (its next receipt is after the projected
 * breach, or it is unreliable) and another supplier arrives earlier — or as early and reliably.
 * Among alternates: earliest arrival, then reliable, then cheapest, then supplier id.
 */
export function chooseSupplier(
  suppliers: readonly PlannedSupplier[],
  primary: PlannedSupplier,
  primaryTooLate: boolean,
  rules: ReplenishmentPolicy['alternateSupplier'],
): SupplierChoice {
  const tooLate = rules.whenPrimaryTooLate && primaryTooLate;
  const unreliable = rules.whenPrimaryUnreliable && !primary.reliable;
  if (!tooLate && !unreliable) return { supplier: primary, reason: 'primary' };
  const best = suppliers
    .filter((s) => s !== primary)
    .sort(
      (a, b) =>
        a.arrival - b.arrival ||
        Number(b.reliable) - Number(a.reliable) ||
        a.unitCost - b.unitCost ||
        (a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0),
    )[0];
  if (!best) return { supplier: primary, reason: 'primary' };
  const better = best.arrival < primary.arrival || (best.arrival === primary.arrival && best.reliable && !primary.reliable);
  if (!better) return { supplier: primary, reason: 'primary' };
  return { supplier: best, reason: tooLate ? 'primary_too_late' : 'primary_unreliable' };
}
