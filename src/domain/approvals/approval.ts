import type { DecisionContext } from '../decision-context.js';
import type { Role } from '../roles.js';
import type { ApprovalEvent } from './events.js';
import type { ExpiryOutcome } from './policy.js';
import type { ApprovalRequirement, ResolvedLevel } from './required.js';
import type { ApprovalSubject, FactRecord } from './subjects.js';

/** `withdrawn`: its subject went away before anyone decided (withdraw.ts); nobody decides it any more. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'withdrawn';

export interface RecordedDecision {
  actorId: string;
  /** The role the actor decided as (a person may hold several; SoD checks use this one). */
  actingRole: Role;
  decision: 'approve' | 'reject';
  comment: string | null;
  level: number;
  at: number;
}

/**
 * An approval request. It carries a copy of its levels taken when it was opened, so a policy change
 * does not move the goalposts of requests already in flight (the rule id and policy version say where
 * they came from).
 */
export interface Approval {
  id: string;
  subject: ApprovalSubject;
  /** The business object it is about (refund id, order id, ...). */
  subjectRef: string;
  ruleId: string;
  policyVersion: string;
  requestedBy: string;
  requestedAt: number;
  facts: FactRecord;
  levels: ResolvedLevel[];
  /** Index into `levels` of who decides now; > 0 means escalated. */
  level: number;
  levelDeadlineAt: number;
  status: ApprovalStatus;
  decisions: RecordedDecision[];
  onExpiry: ExpiryOutcome;
  /** Set when expired: the policy outcome the handler must carry out. */
  expiryOutcome: ExpiryOutcome | null;
  closedAt: number | null;
  /** Set when withdrawn: why, and who (or what) withdrew it. */
  withdrawn?: { reason: string; by: string; at: number };
}

export interface ApprovalRequest {
  subjectRef: string;
  requestedBy: string;
}

export type Opened = { approval: Approval; events: ApprovalEvent[] };

/** Opens an approval for a requirement that said `required`. */
export function openApproval(
  requirement: Extract<ApprovalRequirement, { kind: 'required' }>,
  request: ApprovalRequest,
  ctx: DecisionContext,
): Opened {
  const first = requirement.levels[0]!;
  const approval: Approval = {
    id: ctx.newId('approval'),
    subject: requirement.subject,
    subjectRef: request.subjectRef,
    ruleId: requirement.ruleId,
    policyVersion: requirement.policyVersion,
    requestedBy: request.requestedBy,
    requestedAt: ctx.now,
    facts: requirement.facts,
    levels: requirement.levels,
    level: 0,
    levelDeadlineAt: ctx.now + first.deadlineMinutes * 60_000,
    status: 'pending',
    decisions: [],
    onExpiry: requirement.onExpiry,
    expiryOutcome: null,
    closedAt: null,
  };
  return {
    approval,
    events: [
      {
        type: 'approval.requested',
        approvalId: approval.id,
        subject: approval.subject,
        subjectRef: approval.subjectRef,
        ruleId: approval.ruleId,
        requestedBy: approval.requestedBy,
        level: 0,
        roles: [...first.roles],
        deadlineAt: approval.levelDeadlineAt,
        at: ctx.now,
      },
    ],
  };
}
