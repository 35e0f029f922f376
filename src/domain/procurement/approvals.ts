import type { ApprovalSubject } from '../approvals/subjects.js';
import type { Role } from '../roles.js';
import type { PurchaseApprovalRules } from './approval-rules.js';

/** A purchase order as drafted from a recommendation, before anyone has said yes. */
export interface PurchaseOrderDraft {
  supplierId: string;
  /** The sku's usual supplier; buying elsewhere is a substitution. */
  primarySupplierId: string;
  lines: ReadonlyArray<{ sku: string; qty: number; unitCost: number }>;
  /** Faster, dearer shipping because the normal lead time is too late. */
  expedite: boolean;
  /** Raised by a person outside the normal cycle (e.g. a stockout already happening). */
  emergency?: boolean;
}

export type PurchaseApprovalReason = 'expedited' | 'above_value' | 'supplier_substitution';

export interface RequiredPurchaseApproval {
  reason: PurchaseApprovalReason;
  role: Role;
  /** The approvals-policy subject that carries this approval, where one exists (SPEC §5 table). */
  approvalSubject: ApprovalSubject | null;
}

export interface PurchaseApprovalDecision {
  /** Σ qty × unit cost, rounded to cents. */
  value: number;
  /** Empty: the draft may be placed directly. Every entry must be approved (they are independent). */
  approvals: RequiredPurchaseApproval[];
}

/** Which approvals a PO draft needs by policy; all that apply, in a fixed order. */
export function requiredPurchaseApprovals(draft: PurchaseOrderDraft, rules: PurchaseApprovalRules): PurchaseApprovalDecision {
  const value = Math.round(draft.lines.reduce((s, l) => s + l.qty * l.unitCost, 0) * 100) / 100;
  const approvals: RequiredPurchaseApproval[] = [];
  if (draft.expedite || draft.emergency === true) {
    approvals.push({ reason: 'expedited', role: rules.expedited.role, approvalSubject: 'emergency_purchase' });
  }
  if (value > rules.aboveValue.amount) {
    // Routine buys above value have no subject of their own in the approvals policy yet.
    approvals.push({ reason: 'above_value', role: rules.aboveValue.role, approvalSubject: null });
  }
  if (draft.supplierId !== draft.primarySupplierId) {
    approvals.push({ reason: 'supplier_substitution', role: rules.substitution.role, approvalSubject: 'supplier_substitution' });
  }
  return { value, approvals };
}
