import type { Role } from '../roles.js';
import type { ApprovalSubject, FactValue } from './subjects.js';

/**
 * The shape of the approvals policy as the pure deciders read it. The zod schema in
 * `src/policy/kinds/approvals.ts` validates documents into exactly this shape (checked at compile time
 * there); it lives here because the domain may not import the policy layer.
 */

export type ComparisonOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

/** When a rule applies. Data, not code, so a policy diff shows `value: 200 → 300`. */
export type ApprovalCondition =
  | { kind: 'always' }
  /** fact <op> value */
  | { kind: 'compare'; fact: string; op: ComparisonOp; value: FactValue }
  /** fact <op> times × otherFact, e.g. write-off value ≥ 3 × the location's usual adjustment */
  | { kind: 'compare_fact'; fact: string; op: ComparisonOp; times: number; otherFact: string }
  | { kind: 'any'; of: ApprovalCondition[] }
  | { kind: 'all'; of: ApprovalCondition[] };

/** `subject_owner` is resolved when the approval is requested, from `subjectOwners` (AI recommendations). */
export type ApproverRole = Role | 'subject_owner';

/** Who must say yes at one level of an approval. */
export interface ApproverSpec {
  /** Any of these roles may decide at this level. */
  roles: ApproverRole[];
  /** How many different people must approve (approvals from earlier levels count). */
  approvers: number;
  /** Each approval must come from a different role (dual control such as inventory control + finance). */
  distinctRoles: boolean;
  /** Roles that must be among the approvers (refund > 1,000: finance + finance-or-ops-manager). */
  mustIncludeRoles: Role[];
}

export interface EscalationLevelSpec extends ApproverSpec {
  deadlineMinutes: number;
}

/** What happens when the last level's deadline passes; the handler carries it out. */
export const EXPIRY_OUTCOMES = ['reject', 'approve', 'release_stock', 'cancel'] as const;
export type ExpiryOutcome = (typeof EXPIRY_OUTCOMES)[number];

export interface ApprovalRuleSpec {
  id: string;
  subject: ApprovalSubject;
  description: string;
  when: ApprovalCondition;
  approvers: ApproverSpec;
  deadlineMinutes: number;
  /** Levels tried in order after the first deadline passes; empty = expire at the first deadline. */
  escalation: EscalationLevelSpec[];
  onExpiry: ExpiryOutcome;
}

export interface ApprovalPolicy {
  /** Label of this policy body; recorded on every approval opened under it. */
  version: string;
  /** Evaluated in order; the first rule of the subject whose condition holds applies (put stricter tiers first). */
  rules: ApprovalRuleSpec[];
  /** Owner role per recommended subject, for `subject_owner` approvers of AI recommendations. */
  subjectOwners: Record<string, Role>;
}
