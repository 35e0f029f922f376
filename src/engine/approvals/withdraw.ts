import type { HandlerContext } from '../dispatch/handler.js';
import { withdraw } from '../../domain/approvals/index.js';
import { approvalById, saveApproval } from '../../store/repos/approvals.js';
import { approvalSubjectKey } from './step.js';

/**
 * Withdraws a pending approval request in the handler's transaction, audited (`approval.withdrawn`),
 * when its subject no longer needs it. Saved guarded as every step is: a decision that closed it at
 * the same moment makes the handler run again on fresh data, and then there is nothing to withdraw.
 * Returns whether it was withdrawn (false: unknown, or already closed).
 */
export async function withdrawApproval(h: HandlerContext, approvalId: string, ask: { reason: string; by: string }): Promise<boolean> {
  const before = await approvalById(h.tx, approvalId);
  if (!before) return false;
  const r = withdraw(before, ask, h.decision);
  if (!r.ok) return false;
  if (!(await saveApproval(h.tx, r.approval, before, new Date(h.decision.now).toISOString()))) {
    throw new Error(`approval ${approvalId} changed while withdrawing; retrying on fresh data`);
  }
  h.audit({
    action: 'approval.withdrawn',
    subject: approvalSubjectKey(approvalId),
    before: { status: before.status, level: before.level },
    after: { status: 'withdrawn' },
    detail: { subject: before.subject, subjectRef: before.subjectRef, reason: ask.reason, by: ask.by },
  });
  return true;
}
