import type { Role } from '../roles.js';

/**
 * Who must say yes before a purchase order draft is placed (SPEC §5 approvals). Part of the
 * replenishment policy document; here so the procurement decider does not depend on replenishment.
 */
export interface PurchaseApprovalRules {
  /** Emergency / expedited buys cost more and bypass the normal cycle: procurement decides. */
  expedited: { role: Role };
  /** Buys whose value (Σ qty × unit cost, major units) is above `amount` need `role`. */
  aboveValue: { amount: number; role: Role };
  /** Buying from another supplier than the sku's primary one. */
  substitution: { role: Role };
}
