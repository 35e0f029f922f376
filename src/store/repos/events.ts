import { multiRowSql, rowChunks } from './row-chunks.js';
import type { SqlExecutor } from '../port.js';
import type { EventStatus, StoredEvent } from '../../domain/events/envelope.js';

/** A row to append: a stored event's fields but its seq and processing state, the payload as its stored text and digest. */
export interface NewEventRow extends Omit<StoredEvent, 'seq' | 'payload' | 'attempts' | 'lastError'> {
  payloadJson: string;
  payloadHash: string;
  /** Decided rows only: attempts already made — 1 for a follow-up the batch ran before writing it. */
  attempts?: number;
}

export type AppendOutcome =
  | { kind: 'appended'; id: string; seq: number }
  | { kind: 'duplicate'; id: string }
  | { kind: 'mismatch'; id: string };

/** The inbox insert: shared by the in-thread path and the SQLite append worker (one SQL text). */
/** The columns of a new event and one row of their values (`eventParams` order; attempts start at 0). */
const EVENT_COLUMNS = `id, source, source_event_id, type, schema_version, occurred_at, received_at, received_ms,
  subject, payload, payload_hash, causation_id, correlation_id, actor, actor_role, status, attempts, next_attempt_at`;
const EVENT_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)';

export const INSERT_EVENT_SQL = `INSERT INTO events (${EVENT_COLUMNS}) VALUES ${EVENT_VALUES}
     ON CONFLICT (source, source_event_id) DO NOTHING RETURNING seq`;
export const EXISTING_EVENT_SQL = 'SELECT id, payload_hash FROM events WHERE source = ? AND source_event_id = ?';
/** A decided event's values: a new event's, with its attempts and processed stamp as parameters. */
const DECIDED_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)';
/** A group (PostgreSQL) and a batch's decided events (with their processed stamp), in multi-row INSERTs. */
const INSERT_EVENTS_SQL = multiRowSql(`INSERT INTO events (${EVENT_COLUMNS})`, EVENT_VALUES, ' ON CONFLICT (source, source_event_id) DO NOTHING RETURNING id, seq');
const INSERT_DECIDED_SQL = multiRowSql(
  `INSERT INTO events (${EVENT_COLUMNS}, processed_at)`, DECIDED_VALUES, ' ON CONFLICT (source, source_event_id) DO NOTHING RETURNING id, seq',
);

export function eventParams(e: NewEventRow): unknown[] {
  return pushEventParams([], e);
}

function pushEventParams(out: unknown[], e: NewEventRow): unknown[] {
  out.push(
    e.id, e.source, e.sourceEventId, e.type, e.schemaVersion, e.occurredAt, e.receivedAt, e.receivedMs,
    e.subject, e.payloadJson, e.payloadHash, e.causationId, e.correlationId, e.actor, e.actorRole, e.status,
  );
  return out;
}

/**
 * Appends an event unless (source, sourceEventId) is already in the log. The unique index is the
 * inbox: a concurrent second delivery waits on the first's row lock and then sees the conflict.
 */
export async function appendEvent(db: SqlExecutor, e: NewEventRow): Promise<AppendOutcome> {
  const inserted = await db.get<{ seq: number }>(INSERT_EVENT_SQL, eventParams(e));
  if (inserted) return { kind: 'appended', id: e.id, seq: inserted.seq };
  return existingOutcome(db, e);
}

async function existingOutcome(db: SqlExecutor, e: NewEventRow): Promise<AppendOutcome> {
  const existing = await db.get<{ id: string; payload_hash: string }>(EXISTING_EVENT_SQL, [e.source, e.sourceEventId]);
  if (!existing) throw new Error('event conflict without an existing row');
  return existing.payload_hash === e.payloadHash ? { kind: 'duplicate', id: existing.id } : { kind: 'mismatch', id: existing.id };
}

/** Rows per multi-row INSERT on PostgreSQL: 16 parameters each, far below its 65,535 limit. */
export const PG_ROWS_PER_INSERT = 256;

/**
 * Appends a group of events, outcomes in the order given, in multi-row INSERT … ON CONFLICT DO
 * NOTHING statements: on PostgreSQL one per 256 rows (a round trip per chunk, not per event), on
 * SQLite one per rowChunks size (64, 32, … — few distinct texts for its statement cache). A row not
 * inserted — already in the log, or repeated within the group — then gets the same duplicate /
 * mismatch check as a single append.
 */
export async function appendEvents(db: SqlExecutor, rows: readonly NewEventRow[]): Promise<AppendOutcome[]> {
  if (rows.length === 1) return [await appendEvent(db, rows[0]!)];
  const out: AppendOutcome[] = [];
  const chunks = db.dialect === 'postgres' ? pgChunks(rows) : rowChunks(rows);
  for (const chunk of chunks) {
    const params: unknown[] = [];
    for (const r of chunk) pushEventParams(params, r);
    const inserted = await db.all<{ id: string; seq: number }>(INSERT_EVENTS_SQL(chunk.length), params);
    const seqById = new Map(inserted.map((r) => [r.id, Number(r.seq)]));
    for (const r of chunk) {
      const seq = seqById.get(r.id);
      out.push(seq !== undefined ? { kind: 'appended', id: r.id, seq } : await existingOutcome(db, r));
    }
  }
  return out;
}

function* pgChunks<T>(rows: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < rows.length; start += PG_ROWS_PER_INSERT) yield rows.slice(start, start + PG_ROWS_PER_INSERT);
}

/**
 * Writes the events a handler decided, in one multi-row INSERT per chunk. A row whose status is
 * 'processed' is stamped processed now: either nothing handles it and no rule listens (it is in the
 * log for the record, and no dispatcher round is spent on it), or the batch already ran it as a
 * follow-up (its `attempts` 1), so it is not inserted pending only to be updated at the commit.
 * Returns the seq of each row it inserted (a row already in the log — its cause processed before —
 * is not returned).
 */
export async function appendDecided(db: SqlExecutor, rows: readonly NewEventRow[], at: string): Promise<Map<string, number>> {
  const inserted = new Map<string, number>();
  for (const chunk of rowChunks(rows, db.dialect)) {
    const params: unknown[] = [];
    for (const r of chunk) pushEventParams(params, r).push(r.attempts ?? 0, r.status === 'processed' ? at : null);
    const out = await db.all<{ id: string; seq: number }>(INSERT_DECIDED_SQL(chunk.length), params);
    for (const r of out) inserted.set(r.id, Number(r.seq));
  }
  return inserted;
}

/** A store that appends intake groups on a path of its own (the SQLite append worker). */
export interface EventAppender {
  appendEvents(rows: readonly NewEventRow[]): Promise<AppendOutcome[]>;
  /** Whether several groups may be out at once (otherwise the next waits for the previous commit). */
  appendsOverlap?(): boolean;
}

export function isEventAppender(x: unknown): x is EventAppender {
  return typeof (x as Partial<EventAppender> | null)?.appendEvents === 'function';
}

interface EventRow {
  seq: number;
  id: string;
  source: string;
  source_event_id: string;
  type: string;
  schema_version: number;
  occurred_at: string;
  received_at: string;
  received_ms: number;
  subject: string;
  payload: string;
  causation_id: string | null;
  correlation_id: string;
  actor: string | null;
  actor_role: string | null;
  status: EventStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
}

const COLUMNS = `seq, id, source, source_event_id, type, schema_version, occurred_at, received_at, received_ms, subject,
  payload, causation_id, correlation_id, actor, actor_role, status, attempts, last_error, next_attempt_at`;

export function toStoredEvent(r: EventRow): StoredEvent & { nextAttemptAt: number } {
  return {
    seq: Number(r.seq),
    id: r.id,
    source: r.source,
    sourceEventId: r.source_event_id,
    type: r.type,
    schemaVersion: r.schema_version,
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    receivedMs: Number(r.received_ms),
    subject: r.subject,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    causationId: r.causation_id,
    correlationId: r.correlation_id,
    actor: r.actor,
    actorRole: r.actor_role,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    nextAttemptAt: Number(r.next_attempt_at),
  };
}

export type LoggedEvent = ReturnType<typeof toStoredEvent>;

/**
 * The oldest pending events, optionally of one partition of the subjects (PostgreSQL only: its
 * `hashtext` puts a subject in the same partition every time, whichever process asks).
 */
export async function pendingEvents(db: SqlExecutor, limit: number, partition?: { index: number; count: number }): Promise<LoggedEvent[]> {
  if (partition && db.dialect === 'postgres') {
    const rows = await db.all<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE status = 'pending' AND (hashtext(subject) & 2147483647) % ? = ? ORDER BY seq LIMIT ?`,
      [partition.count, partition.index, limit],
    );
    return rows.map(toStoredEvent);
  }
  const rows = await db.all<EventRow>(`SELECT ${COLUMNS} FROM events WHERE status = 'pending' ORDER BY seq LIMIT ?`, [limit]);
  return rows.map(toStoredEvent);
}

const int = (n: number): number => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return n;
};

/**
 * PostgreSQL: `pendingEvents` as a statement without parameters (its integers inlined), to be sent
 * with other statements in one round trip (`TransactionOptions.opening`); read its rows with
 * `pendingFromRows`.
 */
export function pendingEventsStatement(limit: number, partition?: { index: number; count: number }): string {
  const part = partition ? ` AND (hashtext(subject) & 2147483647) % ${int(partition.count)} = ${int(partition.index)}` : '';
  return `SELECT ${COLUMNS} FROM events WHERE status = 'pending'${part} ORDER BY seq LIMIT ${int(limit)}`;
}

export const pendingFromRows = (rows: ReadonlyArray<Record<string, unknown>>): LoggedEvent[] => rows.map((r) => toStoredEvent(r as unknown as EventRow));

/**
 * PostgreSQL: the other transactions holding a write lock on the log, and the highest seq visible,
 * for the dispatcher's `LogHorizon` (read it with `logWritersFromRow`). One statement, so its
 * snapshot (the highest seq) is taken before `pg_locks` is read: a row at or below that seq was
 * inserted by a transaction that had committed by the snapshot or still held its lock when the locks
 * were read. The relation lock is taken before a statement allocates any seq, and released only
 * after its commit is visible. A statement of its own, so a read of pending events after it sees
 * every commit of a writer it no longer lists.
 */
export const LOG_WRITERS_STATEMENT = `SELECT (SELECT MAX(seq) FROM events) AS max_seq,
       (SELECT array_agg(virtualtransaction) FROM pg_locks
         WHERE locktype = 'relation' AND relation = 'events'::regclass AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid()) AS writers`;

export function logWritersFromRow(r: Record<string, unknown> | undefined): { writers: string[]; maxSeq: number } {
  return { writers: (r?.writers as string[] | null) ?? [], maxSeq: Number(r?.max_seq ?? 0) };
}

export async function eventById(db: SqlExecutor, id: string): Promise<LoggedEvent | undefined> {
  const r = await db.get<EventRow>(`SELECT ${COLUMNS} FROM events WHERE id = ?`, [id]);
  return r ? toStoredEvent(r) : undefined;
}

export async function eventsBySubject(db: SqlExecutor, subject: string, limit = 500): Promise<LoggedEvent[]> {
  const rows = await db.all<EventRow>(`SELECT ${COLUMNS} FROM events WHERE subject = ? ORDER BY seq LIMIT ?`, [subject, limit]);
  return rows.map(toStoredEvent);
}

/**
 * The newest event of a type in a subject's history that is still waiting to be processed (pending:
 * accepted, maybe already failed and waiting for its retry; not dead, not processed), or undefined.
 * Read from the end of the subject index: a master data subject holds a handful of upserts. Intake
 * asks it on its refusal path, for master data accepted a moment ago (a till batch's store whose
 * `location.upserted` the engine has not reached yet).
 */
export async function newestPendingOf(db: SqlExecutor, subject: string, type: string): Promise<LoggedEvent | undefined> {
  const r = await db.get<EventRow>(
    `SELECT ${COLUMNS} FROM events WHERE subject = ? AND type = ? AND status = 'pending' ORDER BY seq DESC LIMIT 1`,
    [subject, type],
  );
  return r ? toStoredEvent(r) : undefined;
}

export async function eventsInWindow(db: SqlExecutor, fromMs: number, toMs: number, afterSeq: number, limit: number): Promise<LoggedEvent[]> {
  const rows = await db.all<EventRow>(
    `SELECT ${COLUMNS} FROM events WHERE received_ms >= ? AND received_ms < ? AND seq > ? ORDER BY seq LIMIT ?`,
    [fromMs, toMs, afterSeq, limit],
  );
  return rows.map(toStoredEvent);
}

export async function causedBy(db: SqlExecutor, id: string): Promise<string[]> {
  const rows = await db.all<{ id: string }>('SELECT id FROM events WHERE causation_id = ? ORDER BY seq', [id]);
  return rows.map((r) => r.id);
}

export async function deadEvents(db: SqlExecutor, limit: number, afterSeq = 0): Promise<LoggedEvent[]> {
  const rows = await db.all<EventRow>(`SELECT ${COLUMNS} FROM events WHERE status = 'dead' AND seq > ? ORDER BY seq LIMIT ?`, [afterSeq, limit]);
  return rows.map(toStoredEvent);
}

/** Marks a batch's processed events in one statement per 500 (each counts one more attempt). */
export async function markProcessed(db: SqlExecutor, ids: readonly string[], at: string): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db.run(
      `UPDATE events SET status = 'processed', attempts = attempts + 1, last_error = NULL, processed_at = ? WHERE id IN (${chunk.map(() => '?').join(', ')})`,
      [at, ...chunk],
    );
  }
}

export async function markFailed(db: SqlExecutor, id: string, attempts: number, error: string, nextAttemptAt: number): Promise<void> {
  await db.run(`UPDATE events SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`, [attempts, error, nextAttemptAt, id]);
}

export async function markDead(db: SqlExecutor, id: string, attempts: number, error: string, at: string): Promise<void> {
  await db.run(`UPDATE events SET status = 'dead', attempts = ?, last_error = ?, processed_at = ? WHERE id = ?`, [attempts, error, at, id]);
}

/** Which of these events are processed (the retry watch: a replayed dead event that went through). */
export async function processedEventIds(db: SqlExecutor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.all<{ id: string }>(`SELECT id FROM events WHERE status = 'processed' AND id IN (${ids.map(() => '?').join(', ')})`, ids);
  return new Set(rows.map((r) => r.id));
}

/** A dead event goes back to pending with a fresh attempt budget; its history stays in the audit. */
export async function requeueDead(db: SqlExecutor, id: string): Promise<boolean> {
  const r = await db.run(`UPDATE events SET status = 'pending', attempts = 0, next_attempt_at = 0, processed_at = NULL WHERE id = ? AND status = 'dead'`, [id]);
  return r.changes === 1;
}

export async function backlog(db: SqlExecutor): Promise<{ count: number; oldestMs: number | null }> {
  const r = await db.get<{ n: number; oldest: number | null }>(
    `SELECT COUNT(*) AS n, MIN(received_ms) AS oldest FROM events WHERE status = 'pending'`,
  );
  return { count: Number(r?.n ?? 0), oldestMs: r?.oldest == null ? null : Number(r.oldest) };
}

export async function countByStatus(db: SqlExecutor): Promise<Record<string, number>> {
  const rows = await db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM events GROUP BY status');
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
