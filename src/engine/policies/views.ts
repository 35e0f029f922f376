import { DomainError, type ErrorCode } from '../../domain/errors.js';
import type { PolicyDocument, PolicyVersion } from '../../domain/policies/index.js';
import { POLICY_KINDS, isPolicyKind, type PolicyKind } from '../../policy/registry.js';
import type { SqlExecutor } from '../../store/port.js';
import { loadPolicyDocument, policyChangeOutcome } from '../../store/repos/policy-docs.js';
import { declinedNewDefaults, newInDefaultsView, versionNewInDefaults } from './new-defaults.js';

type Body = Record<string, unknown>;

export function requireKind(kind: string): PolicyKind {
  if (!isPolicyKind(kind)) throw new DomainError('E_NOT_FOUND', `no policy kind ${kind} (kinds: ${Object.keys(POLICY_KINDS).join(', ')})`);
  return kind;
}

/** A version as people read it; the status word is the table's (`retired` for a version that was live before). */
export function versionView(v: PolicyVersion<Body>, withBody: boolean): Record<string, unknown> {
  return {
    version: v.version,
    status: v.status === 'superseded' ? 'retired' : v.status,
    note: v.note,
    author: v.authorId,
    createdAt: new Date(v.createdAt).toISOString(),
    basedOn: v.basedOn,
    reviewedBy: v.reviewedBy,
    reviewedAt: v.reviewedAt === null ? null : new Date(v.reviewedAt).toISOString(),
    reviewComment: v.reviewComment,
    activatedAt: v.activatedAt === null ? null : new Date(v.activatedAt).toISOString(),
    ...(withBody ? { body: v.body } : {}),
  };
}

export async function policySummaries(db: SqlExecutor): Promise<Array<Record<string, unknown>>> {
  const out = [];
  for (const kind of Object.keys(POLICY_KINDS) as PolicyKind[]) {
    const doc = await loadPolicyDocument(db, kind);
    out.push({
      kind,
      description: POLICY_KINDS[kind].description,
      activeVersion: doc.activeVersion,
      versions: doc.versions.length,
      drafts: doc.versions.filter((v) => v.status === 'draft').map((v) => v.version),
      approved: doc.versions.filter((v) => v.status === 'approved').map((v) => v.version),
      pendingRollback: doc.pendingRollback ? { toVersion: doc.pendingRollback.toVersion, requestedBy: doc.pendingRollback.requestedBy, reason: doc.pendingRollback.reason } : null,
      // What the current defaults have that the active version lacks (a release added it after this database was made), less what was declined.
      newInDefaults: newInDefaultsView(versionNewInDefaults(kind, doc, undefined, await declinedNewDefaults(db, kind))),
    });
  }
  return out;
}

export function findVersion(doc: PolicyDocument<Body>, version: number): PolicyVersion<Body> {
  const v = doc.versions.find((x) => x.version === version);
  if (!v) throw new DomainError('E_NOT_FOUND', `${doc.kind} has no version ${version}`);
  return v;
}

/** What a processed change request did: the change, or its refusal as the error the caller gets. */
export async function changeOutcome(db: SqlExecutor, eventId: string): Promise<{ change: string; version: number; by: string } & Record<string, unknown>> {
  const outcome = await policyChangeOutcome(db, eventId);
  const refused = outcome.find((o) => o.type === 'policy.change_refused');
  if (refused) {
    const p = refused.payload as { code: string; message: string; issues?: Array<{ path: string; message: string }> };
    throw new DomainError(p.code as ErrorCode, p.message, { issues: p.issues, detail: { eventId } });
  }
  const changed = outcome.filter((o) => o.type === 'policy.changed');
  if (changed.length === 0) throw new DomainError('E_CONFLICT', 'the change request was processed but changed nothing', { detail: { eventId } });
  return changed[changed.length - 1]!.payload as { change: string; version: number; by: string };
}
