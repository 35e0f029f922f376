import type { DecisionContext } from '../decision-context.js';
import type { Role } from '../roles.js';

/**
 * Policy change control: every kind of policy (approvals, rules, sourcing, ...) is a document with
 * numbered versions. A version is written as a draft, approved by a second person (four eyes: the
 * author cannot approve), then activated. Rolling back means activating an earlier version again,
 * which is itself a change and needs a second person. Version numbers only grow and nothing is deleted,
 * so every decision can name the exact version it used and be replayed against it.
 */
export type PolicyVersionStatus = 'draft' | 'approved' | 'active' | 'superseded' | 'rejected';

export interface PolicyVersion<B = unknown> {
  version: number;
  status: PolicyVersionStatus;
  body: B;
  note: string;
  authorId: string;
  createdAt: number;
  /** The version the draft started from (for showing its diff). */
  basedOn: number | null;
  reviewedBy: string | null;
  reviewedAt: number | null;
  reviewComment: string | null;
  activatedAt: number | null;
}

export interface PendingRollback {
  toVersion: number;
  requestedBy: string;
  requestedAt: number;
  reason: string;
}

export interface PolicyDocument<B = unknown> {
  kind: string;
  versions: PolicyVersion<B>[];
  activeVersion: number | null;
  pendingRollback: PendingRollback | null;
}

/** Who may write drafts and who may approve them (passed in: it is configuration, not code). */
export interface ChangeControl {
  editorRoles: readonly Role[];
  approverRoles: readonly Role[];
}

/** SPEC §1: the operations manager changes policies through change control; admins run the system. */
export const DEFAULT_CHANGE_CONTROL: ChangeControl = {
  editorRoles: ['operations_manager', 'admin'],
  approverRoles: ['operations_manager', 'admin'],
};

export interface PolicyActor {
  actorId: string;
  actorRoles: readonly Role[];
}

export type PolicyEvent =
  | { type: 'policy.drafted'; kind: string; version: number; by: string; at: number }
  | { type: 'policy.reviewed'; kind: string; version: number; decision: 'approve' | 'reject'; by: string; at: number }
  | { type: 'policy.activated'; kind: string; version: number; previous: number | null; by: string; approvedBy: string; rollback: boolean; at: number }
  | { type: 'policy.rollback_requested'; kind: string; toVersion: number; by: string; at: number }
  | { type: 'policy.rollback_rejected'; kind: string; toVersion: number; by: string; withdrawn: boolean; at: number }
  | { type: 'policy.new_defaults_declined'; kind: string; version: number; declined: DeclinedEntry[]; reason: string; by: string; at: number }
  | { type: 'policy.new_defaults_undeclined'; kind: string; version: number; undeclined: DeclinedEntry[]; reason: string; by: string; at: number };

/** A key (or list item) new in defaults, by its path, with the default value it had when declined. */
export interface DeclinedEntry {
  path: string;
  value: unknown;
}

export type PolicyRefusal =
  | { code: 'E_SOD'; message: string }
  | { code: 'E_ROLE'; message: string; acceptedRoles: Role[] }
  | { code: 'E_NOT_FOUND'; message: string }
  | { code: 'E_ALREADY_DECIDED'; message: string }
  | { code: 'E_INVALID_STATE'; message: string }
  | { code: 'E_CONFLICT'; message: string };

export type PolicyResult<B> = { ok: true; doc: PolicyDocument<B>; events: PolicyEvent[] } | { ok: false; refusal: PolicyRefusal };

export function emptyPolicyDocument<B>(kind: string): PolicyDocument<B> {
  return { kind, versions: [], activeVersion: null, pendingRollback: null };
}

/** The body decisions run on now, or null before the first activation. */
export function activePolicy<B>(doc: PolicyDocument<B>): PolicyVersion<B> | null {
  return doc.versions.find((v) => v.version === doc.activeVersion) ?? null;
}

export function draftPolicy<B>(
  doc: PolicyDocument<B>,
  actor: PolicyActor,
  draft: { body: B; note: string; basedOn?: number | null },
  control: ChangeControl,
  ctx: DecisionContext,
): PolicyResult<B> {
  if (!holdsAny(actor, control.editorRoles)) return roleRefusal('write a policy draft', control.editorRoles);
  const version = doc.versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
  const entry: PolicyVersion<B> = {
    version,
    status: 'draft',
    body: draft.body,
    note: draft.note,
    authorId: actor.actorId,
    createdAt: ctx.now,
    basedOn: draft.basedOn ?? doc.activeVersion,
    reviewedBy: null,
    reviewedAt: null,
    reviewComment: null,
    activatedAt: null,
  };
  return {
    ok: true,
    doc: { ...doc, versions: [...doc.versions, entry] },
    events: [{ type: 'policy.drafted', kind: doc.kind, version, by: actor.actorId, at: ctx.now }],
  };
}

/** The second pair of eyes: approve or reject a draft written by someone else. */
export function reviewPolicy<B>(
  doc: PolicyDocument<B>,
  version: number,
  actor: PolicyActor,
  review: { decision: 'approve' | 'reject'; comment?: string },
  control: ChangeControl,
  ctx: DecisionContext,
): PolicyResult<B> {
  const target = doc.versions.find((v) => v.version === version);
  if (!target) return refuse({ code: 'E_NOT_FOUND', message: `${doc.kind} has no version ${version}` });
  if (target.status !== 'draft') return refuse({ code: 'E_ALREADY_DECIDED', message: `version ${version} is ${target.status}, not a draft` });
  if (target.authorId === actor.actorId) return refuse({ code: 'E_SOD', message: 'the author of a policy version cannot approve it' });
  if (!holdsAny(actor, control.approverRoles)) return roleRefusal('review a policy version', control.approverRoles);
  const reviewed: PolicyVersion<B> = {
    ...target,
    status: review.decision === 'approve' ? 'approved' : 'rejected',
    reviewedBy: actor.actorId,
    reviewedAt: ctx.now,
    reviewComment: review.comment ?? null,
  };
  return {
    ok: true,
    doc: replace(doc, reviewed),
    events: [{ type: 'policy.reviewed', kind: doc.kind, version, decision: review.decision, by: actor.actorId, at: ctx.now }],
  };
}

/** Puts an approved version live; the previous active version is superseded (and stays, for rollback). */
export function activatePolicy<B>(
  doc: PolicyDocument<B>,
  version: number,
  actor: PolicyActor,
  control: ChangeControl,
  ctx: DecisionContext,
): PolicyResult<B> {
  const target = doc.versions.find((v) => v.version === version);
  if (!target) return refuse({ code: 'E_NOT_FOUND', message: `${doc.kind} has no version ${version}` });
  if (!holdsAny(actor, control.editorRoles)) return roleRefusal('activate a policy version', control.editorRoles);
  if (target.status !== 'approved') {
    const hint = target.status === 'superseded' ? ' (an earlier version comes back through a rollback)' : '';
    return refuse({ code: 'E_INVALID_STATE', message: `version ${version} is ${target.status}; only an approved version can be activated${hint}` });
  }
  return switchActive(doc, target, actor.actorId, target.reviewedBy ?? '', false, ctx);
}

/** Asks to bring an earlier (superseded) version back; a second person must approve the rollback. */
export function requestRollback<B>(
  doc: PolicyDocument<B>,
  toVersion: number,
  actor: PolicyActor,
  reason: string,
  control: ChangeControl,
  ctx: DecisionContext,
): PolicyResult<B> {
  const target = doc.versions.find((v) => v.version === toVersion);
  if (!target) return refuse({ code: 'E_NOT_FOUND', message: `${doc.kind} has no version ${toVersion}` });
  if (!holdsAny(actor, control.editorRoles)) return roleRefusal('request a policy rollback', control.editorRoles);
  if (target.status !== 'superseded') {
    return refuse({ code: 'E_INVALID_STATE', message: `version ${toVersion} is ${target.status}; only a version that was active before can be rolled back to` });
  }
  if (doc.pendingRollback) return refuse({ code: 'E_CONFLICT', message: `a rollback to version ${doc.pendingRollback.toVersion} is already waiting for approval` });
  return {
    ok: true,
    doc: { ...doc, pendingRollback: { toVersion, requestedBy: actor.actorId, requestedAt: ctx.now, reason } },
    events: [{ type: 'policy.rollback_requested', kind: doc.kind, toVersion, by: actor.actorId, at: ctx.now }],
  };
}

export function approveRollback<B>(doc: PolicyDocument<B>, actor: PolicyActor, control: ChangeControl, ctx: DecisionContext): PolicyResult<B> {
  const pending = doc.pendingRollback;
  if (!pending) return refuse({ code: 'E_NOT_FOUND', message: `${doc.kind} has no rollback waiting for approval` });
  if (pending.requestedBy === actor.actorId) return refuse({ code: 'E_SOD', message: 'the person who asked for a rollback cannot approve it' });
  if (!holdsAny(actor, control.approverRoles)) return roleRefusal('approve a policy rollback', control.approverRoles);
  const target = doc.versions.find((v) => v.version === pending.toVersion)!;
  const switched = switchActive({ ...doc, pendingRollback: null }, target, pending.requestedBy, actor.actorId, true, ctx);
  return switched;
}

/**
 * A waiting rollback turned down by an approver, or withdrawn by the person who asked: nothing
 * changes but that nothing waits any more (another rollback may then be asked for).
 */
export function rejectRollback<B>(doc: PolicyDocument<B>, actor: PolicyActor, control: ChangeControl, ctx: DecisionContext): PolicyResult<B> {
  const pending = doc.pendingRollback;
  if (!pending) return refuse({ code: 'E_NOT_FOUND', message: `${doc.kind} has no rollback waiting for approval` });
  const withdrawn = pending.requestedBy === actor.actorId;
  if (!withdrawn && !holdsAny(actor, control.approverRoles)) return roleRefusal('reject a policy rollback', control.approverRoles);
  return {
    ok: true,
    doc: { ...doc, pendingRollback: null },
    events: [{ type: 'policy.rollback_rejected', kind: doc.kind, toVersion: pending.toVersion, by: actor.actorId, withdrawn, at: ctx.now }],
  };
}

/**
 * The retailer does not want what newer defaults add at these paths: they stop being listed as new in
 * defaults. No version changes (a stored version is never changed in place, and nothing is drafted),
 * so it needs no second person; it needs the right to write drafts, as taking them up does. Whether
 * the paths are new in defaults depends on the release's defaults, so the caller works that out
 * before asking; the decline is recorded against the active version, for the record.
 */
export function declineNewDefaults<B>(
  doc: PolicyDocument<B>,
  actor: PolicyActor,
  decline: { declined: DeclinedEntry[]; reason: string },
  control: ChangeControl,
  ctx: DecisionContext,
): PolicyResult<B> {
  if (!holdsAny(actor, control.editorRoles)) return roleRefusal('decline what newer defaults add', control.editorRoles);
  if (doc.activeVersion === null) return refuse({ code: 'E_INVALID_STATE', message: `${doc.kind} has no active version; it runs on the whole defaults` });
  return {
    ok: true,
    doc,
    events: [{ type: 'policy.new_defaults_declined', kind: doc.kind, version: doc.activeVersion, declined: decline.declined, reason: decline.reason, by: actor.actorId, at: ctx.now }],
  };
}

/**
 * The retailer takes back a decline: the entries count as new in defaults again (listed, warned of,
 * drafted by a take-up, and declinable again). Like the decline it changes no version and needs the
 * right to write drafts, not a second person. Which paths are declined is read from the log, so the
 * caller works it out before asking (the entries carry the value each was declined at, for the record).
 */
export function takeBackDecline<B>(
  doc: PolicyDocument<B>,
  actor: PolicyActor,
  takeBack: { undeclined: DeclinedEntry[]; reason: string },
  control: ChangeControl,
  ctx: DecisionContext,
): PolicyResult<B> {
  if (!holdsAny(actor, control.editorRoles)) return roleRefusal('take back a decline of new defaults', control.editorRoles);
  if (doc.activeVersion === null) return refuse({ code: 'E_INVALID_STATE', message: `${doc.kind} has no active version; it runs on the whole defaults` });
  return {
    ok: true,
    doc,
    events: [{ type: 'policy.new_defaults_undeclined', kind: doc.kind, version: doc.activeVersion, undeclined: takeBack.undeclined, reason: takeBack.reason, by: actor.actorId, at: ctx.now }],
  };
}

function switchActive<B>(
  doc: PolicyDocument<B>,
  target: PolicyVersion<B>,
  by: string,
  approvedBy: string,
  rollback: boolean,
  ctx: DecisionContext,
): PolicyResult<B> {
  const previous = doc.activeVersion;
  const versions = doc.versions.map((v) => {
    if (v.version === target.version) return { ...v, status: 'active' as const, activatedAt: ctx.now };
    if (v.version === previous) return { ...v, status: 'superseded' as const };
    return v;
  });
  return {
    ok: true,
    doc: { ...doc, versions, activeVersion: target.version },
    events: [{ type: 'policy.activated', kind: doc.kind, version: target.version, previous, by, approvedBy, rollback, at: ctx.now }],
  };
}

function replace<B>(doc: PolicyDocument<B>, version: PolicyVersion<B>): PolicyDocument<B> {
  return { ...doc, versions: doc.versions.map((v) => (v.version === version.version ? version : v)) };
}

function holdsAny(actor: PolicyActor, roles: readonly Role[]): boolean {
  return roles.some((r) => actor.actorRoles.includes(r));
}

function refuse<B>(refusal: PolicyRefusal): PolicyResult<B> {
  return { ok: false, refusal };
}

function roleRefusal<B>(what: string, roles: readonly Role[]): PolicyResult<B> {
  return refuse({ code: 'E_ROLE', message: `to ${what} you need one of: ${roles.join(', ')}`, acceptedRoles: [...roles] });
}
