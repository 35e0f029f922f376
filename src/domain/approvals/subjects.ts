/**
 * What can need an approval (SPEC §5 approvals table) and the facts each subject is judged on.
 * `credit` is its own subject (same defaults as `refund`) so policy can treat store credit differently
 * from money going back to a card without a code change.
 */
export const APPROVAL_SUBJECTS = [
  'refund',
  'credit',
  'discount',
  'price_change',
  'writeoff',
  'emergency_purchase',
  'supplier_substitution',
  'protected_stock_reallocation',
  'fraud_review',
  'ai_recommendation',
  'return_risk',
] as const;

export type ApprovalSubject = (typeof APPROVAL_SUBJECTS)[number];

export function isApprovalSubject(value: unknown): value is ApprovalSubject {
  return typeof value === 'string' && (APPROVAL_SUBJECTS as readonly string[]).includes(value);
}

/** A fact is a flat scalar: policy conditions compare facts, they never walk object graphs. */
export type FactValue = number | string | boolean | null;

/** What the caller supplies per subject. `null` means "not known" (e.g. a new location has no usual adjustment). */
export interface SubjectFacts {
  refund: { amount: number };
  credit: { amount: number };
  discount: { priceAfter: number; unitCost: number };
  price_change: { priceAfter: number; unitCost: number };
  writeoff: { value: number; usualAdjustmentValue: number | null };
  emergency_purchase: { amount: number };
  supplier_substitution: { amount: number | null };
  protected_stock_reallocation: { quantity: number };
  fraud_review: { score: number };
  /** `recommendedSubject` names what the AI recommends about (refund, writeoff, replenishment, ...). */
  ai_recommendation: { confidence: number; recommendedSubject: string; amount: number | null };
  /** A return the returns rules flag (risky customer, new account returning a high value): the case's value. */
  return_risk: { amount: number };
}

/**
 * Fact names a policy condition may reference per subject, including derived ones (see deriveFacts).
 * The policy schema checks conditions against this list so a typo in a fact name is caught when the
 * policy is saved, not silently evaluated as "unknown" forever.
 */
export const FACTS_BY_SUBJECT: { readonly [S in ApprovalSubject]: readonly string[] } = {
  refund: ['amount'],
  credit: ['amount'],
  discount: ['priceAfter', 'unitCost', 'marginAfterPct'],
  price_change: ['priceAfter', 'unitCost', 'marginAfterPct'],
  writeoff: ['value', 'usualAdjustmentValue'],
  emergency_purchase: ['amount'],
  supplier_substitution: ['amount'],
  protected_stock_reallocation: ['quantity'],
  fraud_review: ['score'],
  ai_recommendation: ['confidence', 'recommendedSubject', 'amount'],
  return_risk: ['amount'],
};

export type FactRecord = Readonly<Record<string, FactValue>>;

/**
 * Adds the facts that are formulas over the supplied ones. The formula is not a business threshold
 * (the floor it is compared against lives in policy), so it belongs in code.
 */
export function deriveFacts<S extends ApprovalSubject>(subject: S, facts: SubjectFacts[S]): FactRecord {
  const base = { ...(facts as Record<string, FactValue>) };
  if (subject === 'discount' || subject === 'price_change') {
    const { priceAfter, unitCost } = facts as SubjectFacts['discount'];
    // A zero or negative selling price loses the whole cost: report it as -100% so any floor catches it.
    base.marginAfterPct = priceAfter > 0 ? round2(((priceAfter - unitCost) / priceAfter) * 100) : -100;
  }
  return base;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
