import type { SqlExecutor, Tx } from '../port.js';
import { multiRowSql, rowChunks } from './row-chunks.js';
import { GENESIS_HASH, linkHash, type AuditEntry, type ChainedAuditEntry } from '../../engine/audit/entry.js';

const INSERT_AUDIT_SQL = multiRowSql(
  'INSERT INTO audit (seq, at, actor, role, action, subject, before_digest, after_digest, detail, prev_hash, hash)',
  '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
);

/**
 * Appends entries to the chain. The head row is the chain's lock: on PostgreSQL `FOR UPDATE`
 * serialises appenders across processes; SQLite's write transaction already does. Callers append
 * once per transaction, just before commit, to hold that lock as briefly as possible.
 */
export async function appendAudit(tx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const head = await tx.get<{ seq: number; hash: string }>(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
  let seq = Number(head?.seq ?? 0);
  let prev = head?.hash ?? GENESIS_HASH;
  const links: Array<{ seq: number; e: AuditEntry; prevHash: string; hash: string }> = [];
  for (const e of entries) {
    seq += 1;
    const hash = linkHash(seq, prev, e);
    links.push({ seq, e, prevHash: prev, hash });
    prev = hash;
  }
  const chunks = [...rowChunks(links, tx.dialect)];
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    const params: unknown[] = [];
    for (const { seq: n, e, prevHash, hash } of chunk) {
      params.push(n, e.at, e.actor, e.role, e.action, e.subject, e.beforeDigest, e.afterDigest, e.detail ? JSON.stringify(e.detail) : null, prevHash, hash);
    }
    // On PostgreSQL the last rows and the head's move go in one statement (one round trip less).
    if (tx.dialect === 'postgres' && i === chunks.length - 1) await tx.run(INSERT_AUDIT_AND_MOVE_HEAD_SQL(chunk.length), [...params, seq, prev]);
    else await tx.run(INSERT_AUDIT_SQL(chunk.length), params);
  }
  if (tx.dialect !== 'postgres') await tx.run(MOVE_HEAD_SQL, [seq, prev]);
}

const MOVE_HEAD_SQL = 'UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1';
const INSERT_AUDIT_AND_MOVE_HEAD_SQL = multiRowSql(
  'WITH appended AS (INSERT INTO audit (seq, at, actor, role, action, subject, before_digest, after_digest, detail, prev_hash, hash)',
  '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ` RETURNING seq) ${MOVE_HEAD_SQL}`,
);

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  subject: string;
  before_digest: string | null;
  after_digest: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

function toEntry(r: AuditRow): ChainedAuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    role: r.role,
    action: r.action,
    subject: r.subject,
    beforeDigest: r.before_digest,
    afterDigest: r.after_digest,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

const COLS = 'seq, at, actor, role, action, subject, before_digest, after_digest, detail, prev_hash, hash';

export async function auditPage(db: SqlExecutor, afterSeq: number, limit: number): Promise<ChainedAuditEntry[]> {
  const rows = await db.all<AuditRow>(`SELECT ${COLS} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, [afterSeq, limit]);
  return rows.map(toEntry);
}

export interface AuditQuery {
  subject?: string;
  actor?: string;
  action?: string;
  afterSeq?: number;
  limit: number;
}

export async function searchAudit(db: SqlExecutor, q: AuditQuery): Promise<ChainedAuditEntry[]> {
  const where: string[] = ['seq > ?'];
  const params: unknown[] = [q.afterSeq ?? 0];
  if (q.subject) { where.push('subject = ?'); params.push(q.subject); }
  if (q.actor) { where.push('actor = ?'); params.push(q.actor); }
  if (q.action) { where.push('action = ?'); params.push(q.action); }
  params.push(q.limit);
  const rows = await db.all<AuditRow>(`SELECT ${COLS} FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, params);
  return rows.map(toEntry);
}

export async function auditHead(db: SqlExecutor): Promise<{ seq: number; hash: string }> {
  const h = await db.get<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  return { seq: Number(h?.seq ?? 0), hash: h?.hash ?? GENESIS_HASH };
}
