import type { Approval } from './approval.js';
import type { ApprovalEvent } from './events.js';

export interface Ticked {
  approval: Approval;
  events: ApprovalEvent[];
}

/**
 * Moves a pending approval on when its level's deadline has passed: one level up, or expired with the
 * policy outcome after the last level. One step per call, and the new level's deadline counts from
 * `now`, not from the missed deadline: escalation notifies new people, who get their full window even
 * if the scheduler was down (otherwise a long outage would skip every level straight to expiry).
 */
export function tick(approval: Approval, now: number): Ticked {
  if (approval.status !== 'pending' || now < approval.levelDeadlineAt) return { approval, events: [] };

  const nextLevel = approval.level + 1;
  const next = approval.levels[nextLevel];
  if (next === undefined) {
    const expired: Approval = {
      ...approval,
      status: 'expired',
      expiryOutcome: approval.onExpiry,
      closedAt: now,
    };
    return {
      approval: expired,
      events: [{ type: 'approval.expired', approvalId: approval.id, level: approval.level, outcome: approval.onExpiry, at: now }],
    };
  }
  const escalated: Approval = { ...approval, level: nextLevel, levelDeadlineAt: now + next.deadlineMinutes * 60_000 };
  return {
    approval: escalated,
    events: [
      {
        type: 'approval.escalated',
        approvalId: approval.id,
        fromLevel: approval.level,
        toLevel: nextLevel,
        roles: [...next.roles],
        deadlineAt: escalated.levelDeadlineAt,
        at: now,
      },
    ],
  };
}
