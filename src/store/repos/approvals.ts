import type { SqlExecutor } from '../port.js';
import type { Approval, ApprovalStatus } from '../../domain/approvals/index.js';

/**
 * Approval requests. The domain `Approval` is kept whole in `doc`; the columns mirror what queues,
 * the escalation tick and metrics filter on. `current_roles` is `,role,role,` so "who may decide
 * now" is a LIKE on one column on both backends.
 */
interface Raw { doc: string }

const rolesColumn = (a: Approval): string => `,${(a.levels[a.level]?.roles ?? []).join(',')},`;

export async function insertApproval(db: SqlExecutor, a: Approval, at: string): Promise<void> {
  await db.run(
    `INSERT INTO approvals (id, subject, subject_ref, status, level, level_deadline_ms, current_roles, requested_by, requested_ms, closed_ms, doc, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS ${db.dialect === 'postgres' ? 'BIGINT' : 'INTEGER'}), ?, ?)`,
    [a.id, a.subject, a.subjectRef, a.status, a.level, a.levelDeadlineAt, rolesColumn(a), a.requestedBy, a.requestedAt, a.closedAt, JSON.stringify(a), at],
  );
}

/**
 * Saves a changed approval only if nobody changed it since `expected` was read (status and number of
 * decisions and level are the optimistic version): false means the caller lost a race and must re-read.
 */
export async function saveApproval(db: SqlExecutor, a: Approval, expected: Approval, at: string): Promise<boolean> {
  const r = await db.run(
    `UPDATE approvals SET status = ?, level = ?, level_deadline_ms = ?, current_roles = ?, closed_ms = CAST(? AS ${db.dialect === 'postgres' ? 'BIGINT' : 'INTEGER'}), doc = ?, updated_at = ?
     WHERE id = ? AND status = ? AND level = ? AND doc = ?`,
    [a.status, a.level, a.levelDeadlineAt, rolesColumn(a), a.closedAt, JSON.stringify(a), at, a.id, expected.status, expected.level, JSON.stringify(expected)],
  );
  return r.changes === 1;
}

export async function approvalById(db: SqlExecutor, id: string): Promise<Approval | undefined> {
  const r = await db.get<Raw>('SELECT doc FROM approvals WHERE id = ?', [id]);
  return r ? (JSON.parse(r.doc) as Approval) : undefined;
}

export async function approvalsOfSubject(db: SqlExecutor, subject: string, subjectRef: string): Promise<Approval[]> {
  const rows = await db.all<Raw>('SELECT doc FROM approvals WHERE subject = ? AND subject_ref = ? ORDER BY requested_ms, id', [subject, subjectRef]);
  return rows.map((r) => JSON.parse(r.doc) as Approval);
}

export interface ApprovalQuery {
  status?: ApprovalStatus;
  role?: string;
  subject?: string;
  /** Paging: requests strictly after this (requestedMs, id) in request order. */
  after?: { ms: number; id: string };
  limit: number;
}

export async function queryApprovals(db: SqlExecutor, q: ApprovalQuery): Promise<Approval[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.status) { where.push('status = ?'); params.push(q.status); }
  if (q.role) { where.push('current_roles LIKE ?'); params.push(`%,${q.role},%`); }
  if (q.subject) { where.push('subject = ?'); params.push(q.subject); }
  if (q.after) { where.push('(requested_ms > ? OR (requested_ms = ? AND id > ?))'); params.push(q.after.ms, q.after.ms, q.after.id); }
  params.push(q.limit);
  const rows = await db.all<Raw>(`SELECT doc FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requested_ms, id LIMIT ?`, params);
  return rows.map((r) => JSON.parse(r.doc) as Approval);
}

/** Pending approvals whose level deadline has passed (the escalation control's worklist). */
export async function overdueApprovals(db: SqlExecutor, nowMs: number, limit: number): Promise<Approval[]> {
  const rows = await db.all<Raw>(`SELECT doc FROM approvals WHERE status = 'pending' AND level_deadline_ms <= ? ORDER BY level_deadline_ms, id LIMIT ?`, [nowMs, limit]);
  return rows.map((r) => JSON.parse(r.doc) as Approval);
}

/** Gauges: pending per subject, and how many of those are escalated (level > 0). */
export async function approvalCounts(db: SqlExecutor): Promise<Array<{ subject: string; pending: number; escalated: number }>> {
  const rows = await db.all<{ subject: string; pending: number | string; escalated: number | string }>(
    `SELECT subject, COUNT(*) AS pending, SUM(CASE WHEN level > 0 THEN 1 ELSE 0 END) AS escalated FROM approvals WHERE status = 'pending' GROUP BY subject ORDER BY subject`,
  );
  return rows.map((r) => ({ subject: r.subject, pending: Number(r.pending), escalated: Number(r.escalated) }));
}

/** A request the approval engine governs itself: what to do once approved, and whether it was done. */
export interface GovernedRequest {
  id: string;
  kind: 'discount' | 'price_change' | 'writeoff' | 'supplier_substitution';
  /** awaiting_approval → applied | rejected | expired | blocked (rules could not judge). */
  state: 'awaiting_approval' | 'applied' | 'rejected' | 'expired' | 'blocked';
  approvalId: string | null;
  requestedBy: string;
  doc: Record<string, unknown>;
  createdMs: number;
}

interface RawRequest { id: string; kind: string; state: string; approval_id: string | null; requested_by: string; doc: string; created_ms: number | string }

const toRequest = (r: RawRequest): GovernedRequest => ({
  id: r.id, kind: r.kind as GovernedRequest['kind'], state: r.state as GovernedRequest['state'], approvalId: r.approval_id,
  requestedBy: r.requested_by, doc: JSON.parse(r.doc) as Record<string, unknown>, createdMs: Number(r.created_ms),
});

/** Claims the request id; false when it exists already (a duplicate request changes nothing). */
export async function insertGovernedRequest(db: SqlExecutor, g: GovernedRequest, at: string): Promise<boolean> {
  const r = await db.run(
    `INSERT INTO governed_requests (id, kind, state, approval_id, requested_by, doc, created_ms, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    [g.id, g.kind, g.state, g.approvalId, g.requestedBy, JSON.stringify(g.doc), g.createdMs, at],
  );
  return r.changes === 1;
}

export async function governedRequestById(db: SqlExecutor, id: string): Promise<GovernedRequest | undefined> {
  const r = await db.get<RawRequest>('SELECT id, kind, state, approval_id, requested_by, doc, created_ms FROM governed_requests WHERE id = ?', [id]);
  return r ? toRequest(r) : undefined;
}

/** The exactly-once guard of a governed effect: only the caller that moves the state carries it out. */
export async function moveGovernedRequest(db: SqlExecutor, id: string, from: GovernedRequest['state'], to: GovernedRequest['state'], at: string, approvalId?: string): Promise<boolean> {
  const r = await db.run(
    `UPDATE governed_requests SET state = ?, approval_id = COALESCE(CAST(? AS TEXT), approval_id), updated_at = ? WHERE id = ? AND state = ?`,
    [to, approvalId ?? null, at, id, from],
  );
  return r.changes === 1;
}
