import type { SqlExecutor, Tx } from '../port.js';
import type { ExceptionCategory, ExceptionItem, ExceptionState } from '../../domain/exceptions/index.js';
import type { Role } from '../../domain/roles.js';

/**
 * Exception items (table of 002-orders; 003 adds `doc` for retries, the resolution and the history,
 * and `updated_ms`). Rows written without `doc` (an automation rule's open_exception) read as fresh.
 */
interface Raw {
  id: string; queue: string; subject: string; state: string; owner_role: string; assignee: string | null; summary: string;
  detail: string; opened_ms: number | string; resolved_at: string | null; resolution: string | null; doc: string | null;
}

export interface ExceptionHistoryEntry { at: number; action: string; by: string; note?: string }
interface Doc { retries: number; lastRetryAt: number | null; resolution: ExceptionItem['resolution']; history: ExceptionHistoryEntry[] }

export type StoredException = ExceptionItem & { history: ExceptionHistoryEntry[] };

const COLS = 'id, queue, subject, state, owner_role, assignee, summary, detail, opened_ms, resolved_at, resolution, doc';

function toItem(r: Raw): StoredException {
  const doc: Doc = r.doc ? (JSON.parse(r.doc) as Doc) : { retries: 0, lastRetryAt: null, resolution: null, history: [] };
  // Rows from other writers may say 'open' with an assignee, or 'resolved' with only a text resolution.
  const state: ExceptionState = r.state === 'resolved' ? 'resolved' : r.assignee ? 'assigned' : (r.state as ExceptionState);
  return {
    id: r.id, category: r.queue as ExceptionCategory, ownerRole: r.owner_role as Role, subjectRef: r.subject, summary: r.summary,
    detail: JSON.parse(r.detail) as Record<string, unknown>, state, openedAt: Number(r.opened_ms), assignee: r.assignee,
    retries: doc.retries, lastRetryAt: doc.lastRetryAt,
    resolution: doc.resolution ?? (r.resolution ? { reason: r.resolution, by: 'unknown', at: r.resolved_at ? Date.parse(r.resolved_at) : 0 } : null),
    history: doc.history,
  };
}

const docOf = (x: StoredException): string => JSON.stringify({ retries: x.retries, lastRetryAt: x.lastRetryAt, resolution: x.resolution, history: x.history } satisfies Doc);

export async function insertExceptionItem(db: SqlExecutor, x: StoredException): Promise<void> {
  await db.run(
    `INSERT INTO exceptions (${COLS}, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`,
    [x.id, x.category, x.subjectRef, x.state, x.ownerRole, x.assignee, x.summary, JSON.stringify(x.detail), x.openedAt, docOf(x), x.openedAt],
  );
}

/** Saves a transition, guarded by the state it was read in (a concurrent action makes this return false). */
export async function saveExceptionItem(db: SqlExecutor, x: StoredException, expectedState: ExceptionState, atMs: number): Promise<boolean> {
  const stateGuard = expectedState === 'resolved' ? `state = 'resolved'` : `state <> 'resolved'`;
  const r = await db.run(
    `UPDATE exceptions SET state = ?, assignee = ?, resolved_at = ?, resolution = ?, doc = ?, updated_ms = ? WHERE id = ? AND ${stateGuard}`,
    [x.state, x.assignee, x.resolution ? new Date(x.resolution.at).toISOString() : null, x.resolution?.reason ?? null, docOf(x), atMs, x.id],
  );
  return r.changes === 1;
}

export async function exceptionById(db: SqlExecutor, id: string): Promise<StoredException | undefined> {
  const r = await db.get<Raw>(`SELECT ${COLS} FROM exceptions WHERE id = ?`, [id]);
  return r ? toItem(r) : undefined;
}

/** The unresolved item of a queue about one subject, if any (one open item per cause). */
export async function openExceptionFor(db: SqlExecutor, queue: ExceptionCategory, subject: string): Promise<StoredException | undefined> {
  const r = await db.get<Raw>(`SELECT ${COLS} FROM exceptions WHERE queue = ? AND subject = ? AND state <> 'resolved' ORDER BY opened_ms LIMIT 1`, [queue, subject]);
  return r ? toItem(r) : undefined;
}

/**
 * Rewrites an open item's detail with `update` applied to what is stored, under the row's lock on
 * PostgreSQL (two transactions counting on one item at once would otherwise lose one of them; SQLite
 * has one writer). Undefined when the item is gone or was resolved meanwhile.
 */
export async function updateOpenExceptionDetail(
  tx: Tx, id: string, atMs: number, update: (detail: Record<string, unknown>, openedMs: number) => Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const row = await tx.get<{ detail: string; state: string; opened_ms: number | string }>(`SELECT detail, state, opened_ms FROM exceptions WHERE id = ?${lock}`, [id]);
  if (!row || row.state === 'resolved') return undefined;
  const after = update(JSON.parse(row.detail) as Record<string, unknown>, Number(row.opened_ms));
  await tx.run(`UPDATE exceptions SET detail = ?, updated_ms = ? WHERE id = ?`, [JSON.stringify(after), atMs, id]);
  return after;
}

export interface ExceptionQuery {
  queues?: readonly string[];
  /** 'open' includes assigned items (everything not resolved). */
  state?: 'open' | 'assigned' | 'resolved';
  ownerRoles?: readonly string[];
  /** Paging: items opened strictly after (openedMs, id), oldest first. */
  after?: { ms: number; id: string };
  limit: number;
}

export async function queryExceptions(db: SqlExecutor, q: ExceptionQuery): Promise<StoredException[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const inList = (col: string, values: readonly string[]) => {
    where.push(`${col} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  if (q.queues) inList('queue', q.queues.length ? q.queues : ['']);
  if (q.ownerRoles) inList('owner_role', q.ownerRoles.length ? q.ownerRoles : ['']);
  if (q.state === 'open') where.push(`state <> 'resolved'`);
  else if (q.state === 'assigned') where.push(`state <> 'resolved' AND assignee IS NOT NULL`);
  else if (q.state === 'resolved') where.push(`state = 'resolved'`);
  if (q.after) { where.push('(opened_ms > ? OR (opened_ms = ? AND id > ?))'); params.push(q.after.ms, q.after.ms, q.after.id); }
  params.push(q.limit);
  const rows = await db.all<Raw>(`SELECT ${COLS} FROM exceptions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_ms, id LIMIT ?`, params);
  return rows.map(toItem);
}

/**
 * Items per queue in each of the list's states (open: not resolved, taken or not; assigned: taken,
 * not resolved; resolved), of the queues the given owner roles hold (all when undefined): what the
 * exception screen counts, by the same filters its list uses.
 */
export async function exceptionCounts(db: SqlExecutor, ownerRoles?: readonly string[]): Promise<Array<{ queue: string; open: number; assigned: number; resolved: number }>> {
  const where = ownerRoles ? `WHERE owner_role IN (${(ownerRoles.length ? ownerRoles : ['']).map(() => '?').join(', ')})` : '';
  const rows = await db.all<{ queue: string; open: number | string; assigned: number | string; resolved: number | string }>(
    `SELECT queue, SUM(CASE WHEN state <> 'resolved' THEN 1 ELSE 0 END) AS open,
            SUM(CASE WHEN state <> 'resolved' AND assignee IS NOT NULL THEN 1 ELSE 0 END) AS assigned,
            SUM(CASE WHEN state = 'resolved' THEN 1 ELSE 0 END) AS resolved
     FROM exceptions ${where} GROUP BY queue ORDER BY queue`,
    ownerRoles ? (ownerRoles.length ? [...ownerRoles] : ['']) : [],
  );
  return rows.map((r) => ({ queue: r.queue, open: Number(r.open), assigned: Number(r.assigned), resolved: Number(r.resolved) }));
}

/** Gauges: unresolved items per queue and the opening time of the oldest. */
export async function exceptionQueueSizes(db: SqlExecutor): Promise<Array<{ queue: string; open: number; oldestMs: number | null }>> {
  const rows = await db.all<{ queue: string; n: number | string; oldest: number | string | null }>(
    `SELECT queue, COUNT(*) AS n, MIN(opened_ms) AS oldest FROM exceptions WHERE state <> 'resolved' GROUP BY queue ORDER BY queue`,
  );
  return rows.map((r) => ({ queue: r.queue, open: Number(r.n), oldestMs: r.oldest == null ? null : Number(r.oldest) }));
}
