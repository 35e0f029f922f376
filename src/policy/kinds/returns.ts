import { z } from 'zod';
import { RETURN_REASON_CATEGORIES } from '../../domain/ai/labels.js';
import type { ReturnRules } from '../../domain/returns/rules.js';

/**
 * Returns policy (SPEC §5): the return window, what counts as low value, which reasons may be
 * refunded without the item coming back, when a customer or account is risky enough to require
 * inspection and approval, and how confident the AI must be for its recommendation to be used.
 */
export const returnsPolicySchema = z
  .object({
    /** The stored version number, set by change control (every kind's drafts carry it; decisions record it). */
    version: z.string().min(1).optional(),
    /** Days from delivery to the return request within which a return is accepted. */
    returnWindowDays: z.number().int().positive(),
    /** Return value (major units) at or below which a refund without return is cheaper than handling the item. */
    lowValueMax: z.number().nonnegative(),
    /** Reasons where, at low value, the item is not worth bringing back. */
    refundWithoutReturnCategories: z.array(z.enum(RETURN_REASON_CATEGORIES)),
    /** Reasons where the item comes back resellable in principle, so it is inspected before refunding. */
    inspectionCategories: z.array(z.enum(RETURN_REASON_CATEGORIES)),
    /** A customer return rate above this (returns / orders) requires inspection and approval. */
    riskyReturnRate: z.number().min(0).max(1),
    /** Below this many orders a return rate says nothing (one order, one return = 100%). */
    returnRateMinOrders: z.number().int().nonnegative(),
    /** An account younger than this many days is new. */
    newAccountDays: z.number().int().nonnegative(),
    /** Return value (major units) from which a new account's return needs inspection and approval. */
    newAccountHighValue: z.number().nonnegative(),
    /** Below this confidence an AI recommendation is not used; the rules decide. */
    aiMinConfidence: z.number().min(0).max(1),
    /** An AI-decided refund above this value is high impact and needs approval (SPEC §5 approvals). */
    aiHighImpactRefund: z.number().nonnegative(),
    /**
     * Days after a supplier claim went out that its return case closes by itself (the supplier's answer
     * is not modelled; the customer's side is done). Optional: a version made before it keeps claimed
     * cases open until it is taken up (docs/policies.md, "New in defaults").
     */
    claimClosesAfterDays: z.number().int().positive().optional(),
  })
  .strict();

export type ReturnsPolicy = z.infer<typeof returnsPolicySchema>;

export const defaultReturnsPolicy: ReturnsPolicy = {
  returnWindowDays: 30,
  lowValueMax: 25,
  refundWithoutReturnCategories: ['damaged_in_transit', 'defective', 'missing_parts'],
  inspectionCategories: ['size_fit', 'changed_mind'],
  riskyReturnRate: 0.3,
  returnRateMinOrders: 3,
  newAccountDays: 30,
  newAccountHighValue: 200,
  aiMinConfidence: 0.7,
  aiHighImpactRefund: 200,
  claimClosesAfterDays: 60,
};

/** A policy document is what the domain deciders read; a schema change that breaks them fails to compile here. */
export function returnRulesOf(policy: ReturnsPolicy): ReturnRules {
  return policy;
}
