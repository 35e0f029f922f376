import type { DecisionContext } from '../decision-context.js';
import type { Role } from '../roles.js';
import type { Approval, ApprovalStatus, RecordedDecision } from './approval.js';
import type { ApprovalEvent } from './events.js';
import type { ResolvedLevel } from './required.js';
import { tick } from './tick.js';

export interface DecisionInput {
  actorId: string;
  actorRoles: readonly Role[];
  decision: 'approve' | 'reject';
  comment?: string | null;
}

/** Why a decision was not accepted; the codes are the stable `E_*` codes of `src/domain/errors.ts`. */
export type ApprovalRefusal =
  | { code: 'E_SOD'; reason: 'own_request' | 'same_person' | 'distinct_roles'; message: string }
  | { code: 'E_ROLE'; reason: 'role_missing' | 'required_role_missing'; message: string; acceptedRoles: Role[] }
  | { code: 'E_ALREADY_DECIDED'; reason: 'not_pending'; message: string; status: ApprovalStatus };

export type DecideResult =
  | { ok: true; approval: Approval; events: ApprovalEvent[] }
  | { ok: false; refusal: ApprovalRefusal };

/**
 * Records one person's decision. The deadline is applied first (`tick` at ctx.now) so a decision that
 * arrives after the level's deadline is judged against the level the request is really at; the
 * escalation/expiry events this produces are returned with the decision.
 *
 * Segregation of duties: the requester may not decide their own request (approve or reject — a
 * withdrawal is a different command); nobody decides twice on one request, across levels; when the level
 * needs distinct roles, each approval must come from a role not used yet. Any single authorised reject
 * ends the request (a dual approval is a double lock, so one key holder can refuse).
 */
export function decide(approval: Approval, input: DecisionInput, ctx: DecisionContext): DecideResult {
  const { approval: current, events: deadlineEvents } = tick(approval, ctx.now);
  if (current.status !== 'pending') {
    return refuse({
      code: 'E_ALREADY_DECIDED',
      reason: 'not_pending',
      status: current.status,
      message: `approval ${current.id} is already ${current.status}`,
    });
  }
  if (input.actorId === current.requestedBy) {
    return refuse({ code: 'E_SOD', reason: 'own_request', message: 'nobody may decide on a request they made' });
  }
  if (current.decisions.some((d) => d.actorId === input.actorId)) {
    return refuse({
      code: 'E_SOD',
      reason: 'same_person',
      message: `${input.actorId} has already decided on this request; a dual approval needs two different people`,
    });
  }
  const level = current.levels[current.level]!;
  const eligible = level.roles.filter((r) => input.actorRoles.includes(r));
  if (eligible.length === 0) {
    return refuse({
      code: 'E_ROLE',
      reason: 'role_missing',
      acceptedRoles: [...level.roles],
      message: `deciding at level ${current.level} needs one of: ${level.roles.join(', ')}`,
    });
  }

  let actingRole: Role;
  if (input.decision === 'reject') {
    actingRole = eligible[0]!;
  } else {
    const choice = chooseApprovingRole(level, approvedRoles(current), eligible);
    if (!choice.ok) return refuse(choice.refusal);
    actingRole = choice.role;
  }

  const recorded: RecordedDecision = {
    actorId: input.actorId,
    actingRole,
    decision: input.decision,
    comment: input.comment ?? null,
    level: current.level,
    at: ctx.now,
  };
  const decisions = [...current.decisions, recorded];
  const status: ApprovalStatus =
    input.decision === 'reject' ? 'rejected' : isSatisfied(level, approvedRolesOf(decisions)) ? 'approved' : 'pending';
  const next: Approval = { ...current, decisions, status, closedAt: status === 'pending' ? null : ctx.now };
  return {
    ok: true,
    approval: next,
    events: [
      ...deadlineEvents,
      {
        type: 'approval.decided',
        approvalId: next.id,
        actorId: input.actorId,
        actingRole,
        decision: input.decision,
        comment: recorded.comment,
        level: current.level,
        status,
        at: ctx.now,
      },
    ],
  };
}

function refuse(refusal: ApprovalRefusal): DecideResult {
  return { ok: false, refusal };
}

/** Approvals made at earlier levels still count: escalation moves the request up, it does not erase yeses. */
function approvedRoles(approval: Approval): Role[] {
  return approvedRolesOf(approval.decisions);
}

function approvedRolesOf(decisions: readonly RecordedDecision[]): Role[] {
  return decisions.filter((d) => d.decision === 'approve').map((d) => d.actingRole);
}

function isSatisfied(level: ResolvedLevel, roles: readonly Role[]): boolean {
  return roles.length >= level.approvers && level.mustIncludeRoles.every((r) => roles.includes(r));
}

type RoleChoice = { ok: true; role: Role } | { ok: false; refusal: ApprovalRefusal };

/**
 * Picks the role an approver acts as, so that the request can still be completed: a person holding
 * finance and operations_manager fills the missing finance requirement first.
 */
function chooseApprovingRole(level: ResolvedLevel, used: readonly Role[], eligible: readonly Role[]): RoleChoice {
  const missing = level.mustIncludeRoles.filter((r) => !used.includes(r));
  const ordered = [...eligible.filter((r) => missing.includes(r)), ...eligible.filter((r) => !missing.includes(r))];
  let blockedByRequiredRole = false;
  for (const role of ordered) {
    if (level.distinctRoles && used.includes(role)) continue;
    const roles = [...used, role];
    const remainingSlots = Math.max(0, level.approvers - roles.length);
    const stillMissing = level.mustIncludeRoles.filter((r) => !roles.includes(r));
    if (stillMissing.length > remainingSlots) {
      blockedByRequiredRole = true;
      continue;
    }
    return { ok: true, role };
  }
  if (blockedByRequiredRole) {
    return {
      ok: false,
      refusal: {
        code: 'E_ROLE',
        reason: 'required_role_missing',
        acceptedRoles: missing,
        message: `the remaining approval must come from: ${missing.join(', ')}`,
      },
    };
  }
  return {
    ok: false,
    refusal: {
      code: 'E_SOD',
      reason: 'distinct_roles',
      message: `this approval needs different roles; already approved as: ${used.join(', ')}`,
    },
  };
}
