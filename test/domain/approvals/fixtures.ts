import { fixedContext } from '../../../src/domain/decision-context.js';
import { openApproval, type Approval } from '../../../src/domain/approvals/approval.js';
import { requiredApproval } from '../../../src/domain/approvals/required.js';
import type { ApprovalSubject, SubjectFacts } from '../../../src/domain/approvals/subjects.js';
import { approvalsPolicySchema, defaultApprovalsPolicy } from '../../../src/policy/kinds/approvals.js';

export const T0 = Date.UTC(2024, 2, 1, 9, 0, 0);
export const MIN = 60_000;
export const policy = approvalsPolicySchema.parse(defaultApprovalsPolicy);

/** Opens an approval under the default policy, requested by `requester` at T0. */
export function opened<S extends ApprovalSubject>(subject: S, facts: SubjectFacts[S], requester = 'req-1'): Approval {
  const req = requiredApproval(subject, facts, policy);
  if (req.kind !== 'required') throw new Error(`expected an approval to be required, got ${req.kind}`);
  return openApproval(req, { subjectRef: `${subject}-42`, requestedBy: requester }, fixedContext(T0)).approval;
}

export const at = (minutes: number) => fixedContext(T0 + minutes * MIN);
