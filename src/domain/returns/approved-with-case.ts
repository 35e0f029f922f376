/**
 * A case the returns rules sent to a person (risky customer, new account returning a high value) was
 * approved, value and all, before anything was carried out. Its refund later passes the refund
 * approval rules (SPEC §5) as every refund does — but when the people who approved the case are
 * exactly who the refund rule would ask (their roles, as many of them as it needs, the roles it
 * requires) and the refund is no more than the value they approved, asking them again is asking the
 * same decision twice: the case's approval stands for the refund. A refund beyond what they could
 * decide (a stricter tier: two people, another role) or above the value they saw is asked as before.
 */
import type { Approval } from '../approvals/approval.js';
import type { ApprovalRequirement } from '../approvals/required.js';

export type CaseApprovalCovers =
  | { readonly covers: true; readonly approvalId: string; readonly by: readonly string[]; readonly why: string }
  | { readonly covers: false; readonly why: string };

const cents = (x: number) => Math.round(x * 100);

/**
 * Whether the case's approval (`caseApproval`, approved) already decides a refund of `amount` that
 * needs `refundRule`. `requestedBy` is who asks for the refund: segregation of duties holds here too.
 */
export function caseApprovalCoversRefund(caseApproval: Approval, refundRule: ApprovalRequirement, amount: number, requestedBy: string): CaseApprovalCovers {
  const no = (why: string): CaseApprovalCovers => ({ covers: false, why });
  if (caseApproval.status !== 'approved') return no(`the case's approval is ${caseApproval.status}`);
  if (refundRule.kind !== 'required') return no('the refund rules ask nobody');
  const approvedValue = caseApproval.facts.amount;
  if (typeof approvedValue !== 'number' || cents(amount) > cents(approvedValue)) return no(`the refund ${amount} is above the ${String(approvedValue)} approved with the case`);
  const level = refundRule.levels[0]!;
  const yes = caseApproval.decisions.filter((d) => d.decision === 'approve' && level.roles.includes(d.actingRole) && d.actorId !== requestedBy);
  const people = new Set(yes.map((d) => d.actorId));
  const roles = new Set(yes.map((d) => d.actingRole));
  if (people.size < level.approvers) return no(`the refund rule ${refundRule.ruleId} needs ${level.approvers} of ${level.roles.join('/')}, the case was approved by ${people.size}`);
  if (level.distinctRoles && roles.size < level.approvers) return no(`the refund rule ${refundRule.ruleId} needs ${level.approvers} different roles`);
  const missing = level.mustIncludeRoles.filter((r) => !roles.has(r));
  if (missing.length > 0) return no(`the refund rule ${refundRule.ruleId} needs ${missing.join(', ')} among the approvers`);
  const by = [...people];
  return { covers: true, approvalId: caseApproval.id, by, why: `approved with the case by ${yes.map((d) => `${d.actorId} (${d.actingRole})`).join(', ')} in approval ${caseApproval.id}: the refund rule ${refundRule.ruleId} asks the same` };
}
