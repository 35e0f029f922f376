import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { requiredApproval } from '../../domain/approvals/required.js';
import { caseApprovalCoversRefund, type CaseApprovalCovers } from '../../domain/returns/approved-with-case.js';
import { approvalById } from '../../store/repos/approvals.js';
import type { ReturnCaseRecord } from '../../store/repos/returns.js';

/** The approval that held a case the returns rules flagged (risky customer, new account), once a person decided it. */
export const caseRiskApproval = (c: ReturnCaseRecord) => c.doc.approvals.find((a) => a.subject === 'return_risk' && a.approvalId !== null);

/**
 * Whether the case's own approval already decides its refund (approved-with-case.ts): read only for a
 * case that had one approved. Undefined: nothing to weigh, the refund asks as every refund does.
 */
export async function refundApprovedWithCase(h: HandlerContext, policies: PolicyBook, c: ReturnCaseRecord, amount: number, requestedBy: string): Promise<CaseApprovalCovers | undefined> {
  const entry = caseRiskApproval(c);
  if (!entry || entry.outcome !== 'approved') return undefined;
  const approval = await approvalById(h.tx, entry.approvalId!);
  if (!approval) return undefined;
  const rule = requiredApproval('refund', { amount }, await policies.get('approvals', h.tx));
  return caseApprovalCoversRefund(approval, rule, amount, requestedBy);
}
