import type { SqlExecutor } from '../port.js';
import { multiRowSql, rowChunks } from './row-chunks.js';

export interface OutboxRow {
  id: string;
  seq: number;
  eventId: string;
  destination: string;
  kind: string;
  subject: string;
  payload: Record<string, unknown>;
  createdAt: string;
  /** 'unrouted': no registered destination takes it yet, parked with `lastError` saying so (default 'pending'). */
  status?: 'pending' | 'unrouted';
  lastError?: string | null;
  /** Send-by time (ms): past it the delivery worker expires the row instead of sending it. Absent: no limit. */
  expiresAt?: number;
}

/**
 * Effects on the outside world are written here in the deciding transaction, delivered later: in
 * multi-row INSERTs (the dispatcher writes a batch's rows together).
 */
export async function insertOutboxRows(db: SqlExecutor, rows: readonly OutboxRow[]): Promise<void> {
  for (const chunk of rowChunks(rows, db.dialect)) {
    const params: unknown[] = [];
    for (const r of chunk) params.push(r.id, r.seq, r.eventId, r.destination, r.kind, r.subject, JSON.stringify(r.payload), r.status ?? 'pending', r.lastError ?? null, r.createdAt, r.expiresAt ?? 0);
    await db.run(INSERT_OUTBOX_SQL(chunk.length), params);
  }
}

const INSERT_OUTBOX_SQL = multiRowSql(
  'INSERT INTO outbox (id, seq, event_id, destination, kind, subject, payload, status, last_error, attempts, next_attempt_at, created_at, expires_at)',
  '(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?)',
  ' ON CONFLICT (id) DO NOTHING',
);

export async function outboxByEvent(db: SqlExecutor, eventId: string): Promise<Array<{ id: string; destination: string; kind: string; status: string }>> {
  return db.all('SELECT id, destination, kind, status FROM outbox WHERE event_id = ? ORDER BY seq', [eventId]);
}
