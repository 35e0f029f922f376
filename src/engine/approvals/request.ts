import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { openApproval, requiredApproval, type ApprovalSubject, type SubjectFacts } from '../../domain/approvals/index.js';
import { insertApproval } from '../../store/repos/approvals.js';

export type ApprovalAnswer = { required: false } | { required: true; approvalId: string } | { required: 'undecidable'; reason: string };

/**
 * The approval engine's port for every capability: evaluates the active `approvals` policy for the
 * subject and, when a person must say yes, opens the request (row + `approval.requested`, audited) in
 * the handler's transaction. The caller holds its effect until `approval.decided` arrives for
 * `approvalId`; `undecidable` means the rules could not judge (a fact missing): hold, never proceed.
 */
export async function requestApproval<S extends ApprovalSubject>(
  h: HandlerContext,
  policies: PolicyBook,
  ask: { subject: S; subjectRef: string; facts: SubjectFacts[S]; requestedBy: string },
): Promise<ApprovalAnswer> {
  const policy = await policies.get('approvals', h.tx);
  const requirement = requiredApproval(ask.subject, ask.facts, policy);
  if (requirement.kind === 'none') return { required: false };
  if (requirement.kind === 'undecidable') {
    const reason = `${requirement.reason}: ${requirement.detail.join(', ')}`;
    h.audit({ action: 'approval.undecidable', subject: `${ask.subject}:${ask.subjectRef}`, detail: { subject: ask.subject, subjectRef: ask.subjectRef, reason, policyVersion: policy.version } });
    return { required: 'undecidable', reason };
  }
  const { approval } = openApproval(requirement, { subjectRef: ask.subjectRef, requestedBy: ask.requestedBy }, h.decision);
  await insertApproval(h.tx, approval, new Date(h.decision.now).toISOString());
  const first = approval.levels[0]!;
  h.emit({
    type: 'approval.requested',
    subject: `approval:${approval.id}`,
    payload: {
      approvalId: approval.id, subject: approval.subject, subjectRef: approval.subjectRef, ruleId: approval.ruleId, policyVersion: approval.policyVersion,
      requestedBy: approval.requestedBy, level: 0, roles: [...first.roles], approvers: first.approvers, deadlineAt: approval.levelDeadlineAt, facts: { ...approval.facts },
    },
  });
  h.audit({
    action: 'approval.requested',
    subject: `approval:${approval.id}`,
    after: { status: approval.status, level: 0, roles: first.roles },
    detail: { subject: approval.subject, subjectRef: approval.subjectRef, ruleId: approval.ruleId, policyVersion: approval.policyVersion, requestedBy: approval.requestedBy },
  });
  return { required: true, approvalId: approval.id };
}
