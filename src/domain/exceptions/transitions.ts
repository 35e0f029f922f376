import type { DecisionContext } from '../decision-context.js';
import type { Role } from '../roles.js';
import { EXCEPTION_QUEUES, EXCEPTION_SUPERVISOR } from './categories.js';
import type { ExceptionEvent, ExceptionItem } from './exception-item.js';

export interface Actor {
  actorId: string;
  actorRoles: readonly Role[];
}

export type ExceptionRefusal =
  | { code: 'E_ROLE'; message: string; acceptedRoles: Role[] }
  | { code: 'E_INVALID_STATE'; message: string; state: ExceptionItem['state'] }
  | { code: 'E_SCHEMA'; message: string };

export type ExceptionResult =
  | { ok: true; item: ExceptionItem; events: ExceptionEvent[] }
  | { ok: false; refusal: ExceptionRefusal };

/**
 * Transitions: open → assigned → resolved (open → resolved directly is allowed: a quick fix needs no
 * assignment). A resolved item is final; a recurrence opens a new item so each has one history.
 * Retry keeps the item where it is and asks the engine to re-run the failed thing; the engine resolves
 * the item when the retry succeeds.
 */

export function assignException(item: ExceptionItem, actor: Actor, assignee: { id: string; roles: readonly Role[] }, ctx: DecisionContext): ExceptionResult {
  const stateRefusal = mustBeOpen(item, 'assign');
  if (stateRefusal) return stateRefusal;
  const allowed = workers(item);
  if (!holdsAny(actor.actorRoles, allowed)) return roleRefusal(item, 'assign');
  // Owners may take items; handing one to somebody else is the supervisor's call.
  if (assignee.id !== actor.actorId && !actor.actorRoles.includes(EXCEPTION_SUPERVISOR)) {
    return {
      ok: false,
      refusal: { code: 'E_ROLE', message: `only ${EXCEPTION_SUPERVISOR} may assign an item to someone else`, acceptedRoles: [EXCEPTION_SUPERVISOR] },
    };
  }
  // An item someone has taken is theirs: another owner taking it would silently pull it from under
  // them (two people working one item, or nobody believing it is theirs). Handing it over is the
  // supervisor's call, like any assignment to someone else.
  if (item.assignee !== null && item.assignee !== assignee.id && !actor.actorRoles.includes(EXCEPTION_SUPERVISOR)) {
    return {
      ok: false,
      refusal: { code: 'E_INVALID_STATE', message: `already taken by ${item.assignee}; only ${EXCEPTION_SUPERVISOR} may hand it to someone else`, state: item.state },
    };
  }
  if (!holdsAny(assignee.roles, allowed)) {
    return { ok: false, refusal: { code: 'E_ROLE', message: `assignee must hold one of: ${allowed.join(', ')}`, acceptedRoles: allowed } };
  }
  return {
    ok: true,
    item: { ...item, state: 'assigned', assignee: assignee.id },
    events: [{ type: 'exception.assigned', exceptionId: item.id, assignee: assignee.id, by: actor.actorId, at: ctx.now }],
  };
}

export function resolveException(item: ExceptionItem, actor: Actor, reason: string, ctx: DecisionContext): ExceptionResult {
  const stateRefusal = mustBeOpen(item, 'resolve');
  if (stateRefusal) return stateRefusal;
  if (!holdsAny(actor.actorRoles, workers(item))) return roleRefusal(item, 'resolve');
  const why = reason.trim();
  // The reason is what the next person (and the auditor) reads: an empty one is refused.
  if (why === '') return { ok: false, refusal: { code: 'E_SCHEMA', message: 'a resolution needs a reason' } };
  return {
    ok: true,
    item: { ...item, state: 'resolved', resolution: { reason: why, by: actor.actorId, at: ctx.now } },
    events: [{ type: 'exception.resolved', exceptionId: item.id, reason: why, by: actor.actorId, at: ctx.now }],
  };
}

export function retryException(item: ExceptionItem, actor: Actor, ctx: DecisionContext): ExceptionResult {
  const stateRefusal = mustBeOpen(item, 'retry');
  if (stateRefusal) return stateRefusal;
  if (!EXCEPTION_QUEUES[item.category].retryable) {
    return { ok: false, refusal: { code: 'E_INVALID_STATE', message: `${item.category} items cannot be retried`, state: item.state } };
  }
  if (!holdsAny(actor.actorRoles, workers(item))) return roleRefusal(item, 'retry');
  const attempt = item.retries + 1;
  return {
    ok: true,
    item: { ...item, retries: attempt, lastRetryAt: ctx.now },
    events: [
      { type: 'exception.retry_requested', exceptionId: item.id, category: item.category, subjectRef: item.subjectRef, attempt, by: actor.actorId, at: ctx.now },
    ],
  };
}

function workers(item: ExceptionItem): Role[] {
  return item.ownerRole === EXCEPTION_SUPERVISOR ? [item.ownerRole] : [item.ownerRole, EXCEPTION_SUPERVISOR];
}

function holdsAny(roles: readonly Role[], wanted: readonly Role[]): boolean {
  return wanted.some((r) => roles.includes(r));
}

function mustBeOpen(item: ExceptionItem, verb: string): ExceptionResult | null {
  if (item.state !== 'resolved') return null;
  return { ok: false, refusal: { code: 'E_INVALID_STATE', message: `cannot ${verb} a resolved item`, state: item.state } };
}

function roleRefusal(item: ExceptionItem, verb: string): ExceptionResult {
  const accepted = workers(item);
  return { ok: false, refusal: { code: 'E_ROLE', message: `to ${verb} a ${item.category} item you need one of: ${accepted.join(', ')}`, acceptedRoles: accepted } };
}
