import type { Approval } from './approval.js';

export type Withdrawal = { ok: true; approval: Approval } | { ok: false; why: string };

/**
 * Withdraws a pending request whose subject went away before anyone decided (an order waiting for
 * protected stock that was then held by hand): it leaves the approvers' inbox, and a decision sent
 * afterwards is refused as for any closed request. Only a pending request can be withdrawn — one
 * already decided or expired keeps its outcome. Not a decision: no `approval.decided` follows, so no
 * capability carries out an effect for it.
 */
export function withdraw(current: Approval, ask: { reason: string; by: string }, ctx: { now: number }): Withdrawal {
  if (current.status !== 'pending') return { ok: false, why: `approval ${current.id} is already ${current.status}` };
  return { ok: true, approval: { ...current, status: 'withdrawn', closedAt: ctx.now, withdrawn: { reason: ask.reason, by: ask.by, at: ctx.now } } };
}
