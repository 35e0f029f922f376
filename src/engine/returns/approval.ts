import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { ApprovalSubject, SubjectFacts } from '../../domain/approvals/subjects.js';
import { requestApproval as engineRequestApproval, type ApprovalAnswer } from '../approvals/request.js';

export type { ApprovalAnswer };
export type RequestApproval = <S extends ApprovalSubject>(h: HandlerContext, policies: PolicyBook, ask: { subject: S; subjectRef: string; facts: SubjectFacts[S]; requestedBy: string }) => Promise<ApprovalAnswer>;

let override: RequestApproval | null = null;

/** Every refund and every AI recommendation passes the approval rules (the approval engine's port). */
export function requestApproval<S extends ApprovalSubject>(h: HandlerContext, policies: PolicyBook, ask: { subject: S; subjectRef: string; facts: SubjectFacts[S]; requestedBy: string }): Promise<ApprovalAnswer> {
  return (override ?? engineRequestApproval)(h, policies, ask);
}

/** Tests stand in for the approval engine to drive a path exactly; null restores the engine. */
export function useApprovalEngine(fn: RequestApproval | null): void {
  override = fn;
}
