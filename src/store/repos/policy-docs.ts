import type { SqlExecutor } from '../port.js';
import type { PolicyDocument, PolicyVersion, PolicyVersionStatus } from '../../domain/policies/versions.js';

/**
 * A kind's versions as the change-control domain sees them. The table says `retired` where the domain
 * says `superseded` (the table came first); this file is the one place that translates.
 */
type Body = Record<string, unknown>;

interface Raw {
  version: number;
  status: string;
  doc: string;
  author: string;
  approved_by: string | null;
  created_at: string;
  activated_at: string | null;
  note: string | null;
  based_on: number | null;
  reviewed_at: string | null;
  review_comment: string | null;
}

const toDomainStatus = (s: string): PolicyVersionStatus => (s === 'retired' ? 'superseded' : (s as PolicyVersionStatus));
const toTableStatus = (s: PolicyVersionStatus): string => (s === 'superseded' ? 'retired' : s);
const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const iso = (n: number | null): string | null => (n === null ? null : new Date(n).toISOString());

export async function loadPolicyDocument(db: SqlExecutor, kind: string): Promise<PolicyDocument<Body>> {
  const rows = await db.all<Raw>(
    `SELECT version, status, doc, author, approved_by, created_at, activated_at, note, based_on, reviewed_at, review_comment
     FROM policy_versions WHERE kind = ? ORDER BY version`,
    [kind],
  );
  const versions: PolicyVersion<Body>[] = rows.map((r) => {
    const status = toDomainStatus(r.status);
    return {
      version: Number(r.version),
      status,
      body: JSON.parse(r.doc) as Body,
      note: r.note ?? '',
      authorId: r.author,
      createdAt: Date.parse(r.created_at),
      basedOn: r.based_on === null ? null : Number(r.based_on),
      reviewedBy: r.approved_by,
      reviewedAt: ms(r.reviewed_at) ?? (r.approved_by ? Date.parse(r.created_at) : null),
      reviewComment: r.review_comment,
      activatedAt: ms(r.activated_at),
    };
  });
  const rb = await db.get<{ to_version: number; requested_by: string; requested_at: string; reason: string }>(
    'SELECT to_version, requested_by, requested_at, reason FROM policy_rollbacks WHERE kind = ?',
    [kind],
  );
  return {
    kind,
    versions,
    activeVersion: versions.find((v) => v.status === 'active')?.version ?? null,
    pendingRollback: rb ? { toVersion: Number(rb.to_version), requestedBy: rb.requested_by, requestedAt: Date.parse(rb.requested_at), reason: rb.reason } : null,
  };
}

/** Writes what changed between two states of a document (new versions, status moves, the rollback request). */
export async function savePolicyDocument(db: SqlExecutor, before: PolicyDocument<Body>, after: PolicyDocument<Body>): Promise<void> {
  const old = new Map(before.versions.map((v) => [v.version, v]));
  for (const v of after.versions) {
    const prev = old.get(v.version);
    if (!prev) {
      await db.run(
        `INSERT INTO policy_versions (kind, version, status, doc, author, approved_by, created_at, activated_at, note, based_on, reviewed_at, review_comment)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS INTEGER), ?, ?)`,
        [after.kind, v.version, toTableStatus(v.status), JSON.stringify(v.body), v.authorId, v.reviewedBy, new Date(v.createdAt).toISOString(), iso(v.activatedAt), v.note, v.basedOn, iso(v.reviewedAt), v.reviewComment],
      );
    } else if (prev.status !== v.status || prev.reviewedBy !== v.reviewedBy || prev.activatedAt !== v.activatedAt || prev.reviewComment !== v.reviewComment) {
      await db.run(
        `UPDATE policy_versions SET status = ?, approved_by = ?, activated_at = ?, reviewed_at = ?, review_comment = ? WHERE kind = ? AND version = ?`,
        [toTableStatus(v.status), v.reviewedBy, iso(v.activatedAt), iso(v.reviewedAt), v.reviewComment, after.kind, v.version],
      );
    }
  }
  const a = before.pendingRollback;
  const b = after.pendingRollback;
  if (a && !b) await db.run('DELETE FROM policy_rollbacks WHERE kind = ?', [after.kind]);
  if (b && (!a || a.toVersion !== b.toVersion || a.requestedBy !== b.requestedBy)) {
    await db.run('DELETE FROM policy_rollbacks WHERE kind = ?', [after.kind]);
    await db.run('INSERT INTO policy_rollbacks (kind, to_version, requested_by, requested_at, reason) VALUES (?, ?, ?, ?, ?)', [
      after.kind, b.toVersion, b.requestedBy, new Date(b.requestedAt).toISOString(), b.reason,
    ]);
  }
}

/** The outcome events a policy change request caused (applied or refused). */
export async function policyChangeOutcome(db: SqlExecutor, requestEventId: string): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
  const rows = await db.all<{ type: string; payload: string }>(
    `SELECT type, payload FROM events WHERE causation_id = ? AND type IN ('policy.changed', 'policy.change_refused') ORDER BY seq`,
    [requestEventId],
  );
  return rows.map((r) => ({ type: r.type, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}
