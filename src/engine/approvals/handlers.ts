import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { ScheduledControl } from '../orders/scheduled.js';
import { decide, tick } from '../../domain/approvals/index.js';
import { isRole } from '../../domain/roles.js';
import { approvalById, overdueApprovals } from '../../store/repos/approvals.js';
import { approvalSubjectKey, commitApprovalStep } from './step.js';

interface DecisionSubmitted { approvalId: string; decision: 'approve' | 'reject'; comment?: string | null }

/**
 * A person's decision, as an event: the pure `decide` judges it against the request as it is now
 * (the deadline applied first), so of two concurrent decisions exactly one can close the request and
 * the other is refused with E_ALREADY_DECIDED. A refusal is a recorded outcome, not a failure: the
 * event is processed (never retried into a dead letter).
 */
export const approvalDecisionHandler: EventHandler = {
  type: 'approval.decision_submitted',
  name: 'approvals.decision',
  async handle(h) {
    const p = h.event.payload as unknown as DecisionSubmitted;
    const approval = await approvalById(h.tx, p.approvalId);
    const actorId = h.event.actor;
    const refuse = (code: 'E_SOD' | 'E_ROLE' | 'E_ALREADY_DECIDED' | 'E_NOT_FOUND', reason: string, message: string) => {
      h.emit({ type: 'approval.decision_refused', subject: approvalSubjectKey(p.approvalId), payload: { approvalId: p.approvalId, subject: approval?.subject ?? null, actorId, code, reason, message } });
      h.audit({ action: 'approval.decision_refused', subject: approvalSubjectKey(p.approvalId), detail: { code, reason, message, decision: p.decision } });
    };
    if (!approval) return refuse('E_NOT_FOUND', 'no_such_approval', `no approval ${p.approvalId}`);
    if (!actorId) return refuse('E_ROLE', 'role_missing', 'a decision needs a signed-in person');
    const role = h.event.actorRole;
    const result = decide(approval, { actorId, actorRoles: isRole(role) ? [role] : [], decision: p.decision, comment: p.comment ?? null }, h.decision);
    if (!result.ok) return refuse(result.refusal.code, result.refusal.reason, result.refusal.message);
    await commitApprovalStep(h, approval, result.approval, result.events);
  },
};

/**
 * Scheduled control `approval-escalation`: every pending request past its level's deadline moves one
 * level up, or expires with the policy's outcome at the end of the chain (one step per tick).
 */
export const approvalEscalation: ScheduledControl = async (h: HandlerContext) => {
  for (const approval of await overdueApprovals(h.tx, h.decision.now, 500)) {
    const next = tick(approval, h.decision.now);
    if (next.events.length > 0) await commitApprovalStep(h, approval, next.approval, next.events);
  }
};
