import type { HandlerContext } from '../dispatch/handler.js';
import type { Approval, ApprovalEvent } from '../../domain/approvals/index.js';
import { saveApproval } from '../../store/repos/approvals.js';

export const approvalSubjectKey = (id: string): string => `approval:${id}`;

/**
 * Carries out one step of an approval decided by the pure deciders (a decision, an escalation, an
 * expiry): saves it guarded by the state it was read in — a concurrent step makes the handler throw
 * and run again on fresh data, so two steps never both apply — then announces and audits it. When
 * the request reaches its outcome, `approval.decided` is emitted exactly once (only the step that
 * moved it out of `pending` can have saved).
 */
export async function commitApprovalStep(h: HandlerContext, before: Approval, after: Approval, events: readonly ApprovalEvent[]): Promise<void> {
  if (!(await saveApproval(h.tx, after, before, new Date(h.decision.now).toISOString()))) {
    throw new Error(`approval ${before.id} changed while deciding; retrying on fresh data`);
  }
  const subject = approvalSubjectKey(after.id);
  const about = { subject: after.subject, subjectRef: after.subjectRef };
  for (const e of events) {
    if (e.type === 'approval.escalated') {
      h.emit({ type: 'approval.escalated', subject, payload: { approvalId: e.approvalId, ...about, fromLevel: e.fromLevel, toLevel: e.toLevel, roles: e.roles, deadlineAt: e.deadlineAt } });
      h.audit({ action: 'approval.escalated', subject, before: { level: e.fromLevel }, after: { level: e.toLevel, roles: e.roles }, detail: { ...about, deadlineAt: e.deadlineAt } });
    } else if (e.type === 'approval.expired') {
      h.emit({ type: 'approval.expired', subject, payload: { approvalId: e.approvalId, ...about, level: e.level, outcome: e.outcome } });
      h.audit({ action: 'approval.expired', subject, before: { status: 'pending' }, after: { status: 'expired', outcome: e.outcome }, detail: about });
    } else if (e.type === 'approval.decided') {
      h.audit({
        action: e.decision === 'approve' ? 'approval.approved_by' : 'approval.rejected_by',
        subject,
        after: { status: e.status, level: e.level },
        detail: { ...about, actorId: e.actorId, actingRole: e.actingRole, comment: e.comment },
      });
    }
  }
  if (before.status === 'pending' && after.status !== 'pending') {
    h.emit({
      type: 'approval.decided',
      subject,
      payload: {
        approvalId: after.id, ...about, outcome: after.status, expiryOutcome: after.expiryOutcome,
        decidedBy: after.decisions.map((d) => d.actorId),
        requestedAt: after.requestedAt, closedAt: after.closedAt ?? h.decision.now,
      },
    });
  }
}
