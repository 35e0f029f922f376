import type { Role } from '../roles.js';
import { evaluateCondition } from './condition.js';
import type { ApprovalPolicy, ApproverSpec, ExpiryOutcome } from './policy.js';
import { deriveFacts, type ApprovalSubject, type FactRecord, type SubjectFacts } from './subjects.js';

/** One level of a concrete approval: roles resolved (no `subject_owner` left), deadline relative. */
export interface ResolvedLevel {
  roles: Role[];
  approvers: number;
  distinctRoles: boolean;
  mustIncludeRoles: Role[];
  deadlineMinutes: number;
}

export type ApprovalRequirement =
  | { kind: 'none'; subject: ApprovalSubject; facts: FactRecord }
  | {
      kind: 'required';
      subject: ApprovalSubject;
      ruleId: string;
      /** levels[0] is who decides first; the rest is the escalation chain. */
      levels: ResolvedLevel[];
      deadlineMinutes: number;
      onExpiry: ExpiryOutcome;
      facts: FactRecord;
      policyVersion: string;
    }
  /** The decision cannot be made safely: the caller must hold the action (fail closed), not proceed. */
  | { kind: 'undecidable'; subject: ApprovalSubject; reason: 'missing_facts' | 'no_subject_owner'; detail: string[] };

/**
 * Which approval (if any) an action needs, by the first rule for the subject whose condition holds.
 * Pure: the deadline is relative; `openApproval` turns it into an instant.
 */
export function requiredApproval<S extends ApprovalSubject>(
  subject: S,
  facts: SubjectFacts[S],
  policy: ApprovalPolicy,
): ApprovalRequirement {
  const all = deriveFacts(subject, facts);
  for (const rule of policy.rules) {
    if (rule.subject !== subject) continue;
    const result = evaluateCondition(rule.when, all);
    if (!result.ok) return { kind: 'undecidable', subject, reason: 'missing_facts', detail: result.missingFacts };
    if (!result.holds) continue;

    const owner = ownerOf(all, policy);
    const levelSpecs: Array<ApproverSpec & { deadlineMinutes: number }> = [
      { ...rule.approvers, deadlineMinutes: rule.deadlineMinutes },
      ...rule.escalation,
    ];
    const levels: ResolvedLevel[] = [];
    for (const spec of levelSpecs) {
      const roles: Role[] = [];
      for (const r of spec.roles) {
        const role = r === 'subject_owner' ? owner : r;
        if (role === undefined) {
          return { kind: 'undecidable', subject, reason: 'no_subject_owner', detail: [String(all.recommendedSubject)] };
        }
        if (!roles.includes(role)) roles.push(role);
      }
      levels.push({
        roles,
        approvers: spec.approvers,
        distinctRoles: spec.distinctRoles,
        mustIncludeRoles: [...spec.mustIncludeRoles],
        deadlineMinutes: spec.deadlineMinutes,
      });
    }
    return {
      kind: 'required',
      subject,
      ruleId: rule.id,
      levels,
      deadlineMinutes: rule.deadlineMinutes,
      onExpiry: rule.onExpiry,
      facts: all,
      policyVersion: policy.version,
    };
  }
  return { kind: 'none', subject, facts: all };
}

function ownerOf(facts: FactRecord, policy: ApprovalPolicy): Role | undefined {
  const about = facts.recommendedSubject;
  if (typeof about !== 'string' || !Object.hasOwn(policy.subjectOwners, about)) return undefined;
  return policy.subjectOwners[about];
}
