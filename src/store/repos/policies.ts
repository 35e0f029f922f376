import type { SqlExecutor } from '../port.js';

export interface PolicyVersionRow {
  kind: string;
  version: number;
  status: 'draft' | 'approved' | 'active' | 'retired' | 'rejected';
  doc: Record<string, unknown>;
  author: string;
  approvedBy: string | null;
  createdAt: string;
  activatedAt: string | null;
}

interface Raw {
  kind: string;
  version: number;
  status: PolicyVersionRow['status'];
  doc: string;
  author: string;
  approved_by: string | null;
  created_at: string;
  activated_at: string | null;
}

const toRow = (r: Raw): PolicyVersionRow => ({
  kind: r.kind, version: Number(r.version), status: r.status, doc: JSON.parse(r.doc) as Record<string, unknown>,
  author: r.author, approvedBy: r.approved_by, createdAt: r.created_at, activatedAt: r.activated_at,
});

const COLS = 'kind, version, status, doc, author, approved_by, created_at, activated_at';

export async function activePolicies(db: SqlExecutor): Promise<PolicyVersionRow[]> {
  return (await db.all<Raw>(`SELECT ${COLS} FROM policy_versions WHERE status = 'active'`)).map(toRow);
}

export async function policyVersions(db: SqlExecutor, kind: string): Promise<PolicyVersionRow[]> {
  return (await db.all<Raw>(`SELECT ${COLS} FROM policy_versions WHERE kind = ? ORDER BY version`, [kind])).map(toRow);
}

export async function policyVersion(db: SqlExecutor, kind: string, version: number): Promise<PolicyVersionRow | undefined> {
  const r = await db.get<Raw>(`SELECT ${COLS} FROM policy_versions WHERE kind = ? AND version = ?`, [kind, version]);
  return r ? toRow(r) : undefined;
}

export async function insertPolicyVersion(db: SqlExecutor, r: PolicyVersionRow): Promise<boolean> {
  const res = await db.run(
    `INSERT INTO policy_versions (kind, version, status, doc, author, approved_by, created_at, activated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (kind, version) DO NOTHING`,
    [r.kind, r.version, r.status, JSON.stringify(r.doc), r.author, r.approvedBy, r.createdAt, r.activatedAt],
  );
  return res.changes === 1;
}

export async function setPolicyStatus(db: SqlExecutor, kind: string, version: number, status: PolicyVersionRow['status'], fields: { approvedBy?: string; activatedAt?: string } = {}): Promise<void> {
  await db.run(
    `UPDATE policy_versions SET status = ?, approved_by = COALESCE(?, approved_by), activated_at = COALESCE(?, activated_at) WHERE kind = ? AND version = ?`,
    [status, fields.approvedBy ?? null, fields.activatedAt ?? null, kind, version],
  );
}
