import type { Role } from '../roles.js';
import type { ApprovalStatus } from './approval.js';
import type { ExpiryOutcome } from './policy.js';
import type { ApprovalSubject } from './subjects.js';

/** Event payloads for SPEC §3 `approval.*`; the engine wraps them in the event envelope. */
export type ApprovalEvent =
  | {
      type: 'approval.requested';
      approvalId: string;
      subject: ApprovalSubject;
      subjectRef: string;
      ruleId: string;
      requestedBy: string;
      level: number;
      roles: Role[];
      deadlineAt: number;
      at: number;
    }
  | {
      type: 'approval.decided';
      approvalId: string;
      actorId: string;
      actingRole: Role;
      decision: 'approve' | 'reject';
      comment: string | null;
      level: number;
      /** Status after this decision: `pending` when more approvers are still needed. */
      status: ApprovalStatus;
      at: number;
    }
  | {
      type: 'approval.escalated';
      approvalId: string;
      fromLevel: number;
      toLevel: number;
      roles: Role[];
      deadlineAt: number;
      at: number;
    }
  | { type: 'approval.expired'; approvalId: string; level: number; outcome: ExpiryOutcome; at: number };
