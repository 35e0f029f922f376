import type { ReturnReasonCategory } from '../ai/labels.js';

/**
 * The policy values the return deciders read. Declared here so the domain does not depend on the
 * policy layer; `src/policy/kinds/returns.ts` validates documents of this shape (see its docs).
 */
export interface ReturnRules {
  readonly returnWindowDays: number;
  readonly lowValueMax: number;
  readonly refundWithoutReturnCategories: readonly ReturnReasonCategory[];
  readonly inspectionCategories: readonly ReturnReasonCategory[];
  readonly riskyReturnRate: number;
  readonly returnRateMinOrders: number;
  readonly newAccountDays: number;
  readonly newAccountHighValue: number;
  readonly aiMinConfidence: number;
  readonly aiHighImpactRefund: number;
  /** Days after a supplier claim went out that its case closes (case-closing.ts); absent in versions made before it. */
  readonly claimClosesAfterDays?: number;
}
