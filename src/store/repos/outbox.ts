import type { SqlExecutor } from '../port.js';

export interface OutboxRow {
  id: string;
  seq: number;
  eventId: string;
  destination: string;
  kind: string;
  subject: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** Effects on the outside world are written here in the deciding transaction, delivered later. */
export async function insertOutbox(db: SqlExecutor, r: OutboxRow): Promise<void> {
  await db.run(
    `INSERT INTO outbox (id, seq, event_id, destination, kind, subject, payload, status, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?) ON CONFLICT (id) DO NOTHING`,
    [r.id, r.seq, r.eventId, r.destination, r.kind, r.subject, JSON.stringify(r.payload), r.createdAt],
  );
}

export async function outboxByEvent(db: SqlExecutor, eventId: string): Promise<Array<{ id: string; destination: string; kind: string; status: string }>> {
  return db.all('SELECT id, destination, kind, status FROM outbox WHERE event_id = ? ORDER BY seq', [eventId]);
}
