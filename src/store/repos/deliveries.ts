import type { SqlExecutor } from '../port.js';
import type { OutboxRow } from './outbox.js';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'unrouted', 'expired', 'superseded'] as const;

/**
 * Kinds whose rows each carry a whole figure, so a newer row of the same destination and subject
 * makes an older one not yet sent pointless: a channel's sellable quantity of a sku.
 */
export const LATEST_WINS_KINDS: readonly string[] = ['availability.changed'];

/** One outbox row as the delivery worker and the deliveries API see it. */
export interface DeliveryRow extends Omit<OutboxRow, 'status' | 'lastError' | 'expiresAt'> {
  /**
   * 'expired': its send-by time passed before it was sent, so it never will be (unless replayed);
   * 'superseded': a newer row of a latest-wins kind for the same destination and subject was sent instead.
   */
  status: (typeof DELIVERY_STATUSES)[number];
  /** Send-by time (ms), 0 when none. */
  expiresAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  target: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
}

interface Raw {
  id: string; seq: number | string; event_id: string; destination: string; kind: string; subject: string; payload: string; status: string;
  attempts: number; next_attempt_at: number | string; last_error: string | null; last_status: number | null; target: string | null;
  created_at: string; delivered_at: string | null; dead_at: string | null; expires_at: number | string;
}

const COLS = 'id, seq, event_id, destination, kind, subject, payload, status, attempts, next_attempt_at, last_error, last_status, target, created_at, delivered_at, dead_at, expires_at';

function fromRaw(r: Raw): DeliveryRow {
  return {
    id: r.id, seq: Number(r.seq), eventId: r.event_id, destination: r.destination, kind: r.kind, subject: r.subject,
    payload: JSON.parse(r.payload) as Record<string, unknown>, status: r.status as DeliveryRow['status'], attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at), lastError: r.last_error, lastStatus: r.last_status === null ? null : Number(r.last_status),
    target: r.target, createdAt: r.created_at, deliveredAt: r.delivered_at, deadAt: r.dead_at, expiresAt: Number(r.expires_at),
  };
}

/**
 * Rows that may be attempted now: pending, due, not leased by a live worker, and the first pending row
 * of their (destination, subject) — a later row of a subject waits while an earlier one is pending or
 * retrying, so a receiver sees each aggregate's effects in order. Dead rows no longer block (a poison
 * row must not stall an aggregate forever; it is visible in `deliveries dead` and replayable).
 */
export async function dueDeliveries(db: SqlExecutor, now: number, limit: number): Promise<DueDelivery[]> {
  const rows = await db.all<Raw & { newer_pending: boolean | number }>(
    `SELECT ${COLS}, CASE WHEN o.kind IN (${LATEST_WINS_KINDS.map(() => '?').join(', ')}) THEN EXISTS (
         SELECT 1 FROM outbox n WHERE n.destination = o.destination AND n.subject = o.subject AND n.status = 'pending' AND n.kind = o.kind
           AND (n.seq > o.seq OR (n.seq = o.seq AND n.id > o.id))) ELSE FALSE END AS newer_pending
     FROM outbox o
     WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND o.lease_until <= ?
       AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.destination = o.destination AND p.subject = o.subject AND p.status = 'pending'
                       AND (p.seq < o.seq OR (p.seq = o.seq AND p.id < o.id)))
     ORDER BY o.seq, o.id LIMIT ?`,
    [...LATEST_WINS_KINDS, now, now, limit],
  );
  return rows.map((r) => ({ ...fromRaw(r), newerPending: r.newer_pending === true || Number(r.newer_pending) === 1 }));
}

/** A due row, and whether a newer pending row of a latest-wins kind makes it pointless. */
export type DueDelivery = DeliveryRow & { newerPending: boolean };

/**
 * Supersedes every waiting row of a (destination, subject, kind) but the newest pending one: that one
 * carries the figure the receiver needs. Rows in flight are left alone.
 */
export async function supersedeOlder(db: SqlExecutor, r: Pick<DeliveryRow, 'destination' | 'subject' | 'kind'>, now: number, note: string): Promise<number> {
  const res = await db.run(
    `UPDATE outbox SET status = 'superseded', last_error = ?, lease_owner = NULL, lease_until = 0
     WHERE destination = ? AND subject = ? AND kind = ? AND status = 'pending' AND lease_until <= ?
       AND id <> (SELECT n.id FROM outbox n WHERE n.destination = ? AND n.subject = ? AND n.kind = ? AND n.status = 'pending' ORDER BY n.seq DESC, n.id DESC LIMIT 1)`,
    [note, r.destination, r.subject, r.kind, now, r.destination, r.subject, r.kind],
  );
  return res.changes;
}

/**
 * In-flight deliveries per registered destination (leases still live), across processes. Only a
 * pending row holds a lease (every move out of pending sets `lease_until` back to 0), so the status
 * is not asked: with it the planner walked every pending row by the status index. The literal
 * `lease_until > 0` lets it use the index of leased rows (migration 013), which a parameter alone
 * would not prove.
 */
export async function inFlightByTarget(db: SqlExecutor, now: number): Promise<Map<string, number>> {
  const rows = await db.all<{ target: string; n: number | string }>(
    `SELECT target, COUNT(*) AS n FROM outbox WHERE lease_until > 0 AND lease_until > ? AND target IS NOT NULL GROUP BY target`, [now]);
  return new Map(rows.map((r) => [r.target, Number(r.n)]));
}

/** Takes the lease: only one worker (in any process) wins a row; the WHERE is re-checked under the row lock. */
export async function claimDelivery(db: SqlExecutor, id: string, owner: string, target: string, now: number, leaseMs: number): Promise<boolean> {
  const r = await db.run(
    `UPDATE outbox SET lease_owner = ?, lease_until = ?, target = ? WHERE id = ? AND status = 'pending' AND lease_until <= ? AND next_attempt_at <= ?`,
    [owner, now + leaseMs, target, id, now, now],
  );
  return r.changes === 1;
}

export async function markDelivered(db: SqlExecutor, id: string, owner: string, attempts: number, status: number | null, at: string): Promise<boolean> {
  const r = await db.run(
    `UPDATE outbox SET status = 'delivered', attempts = ?, last_status = CAST(? AS INTEGER), last_error = NULL, delivered_at = ?, lease_owner = NULL, lease_until = 0
     WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    [attempts, status, at, id, owner],
  );
  return r.changes === 1;
}

export async function markRetry(db: SqlExecutor, id: string, owner: string, attempts: number, error: string, status: number | null, nextAttemptAt: number): Promise<boolean> {
  const r = await db.run(
    `UPDATE outbox SET attempts = ?, last_error = ?, last_status = CAST(? AS INTEGER), next_attempt_at = ?, lease_owner = NULL, lease_until = 0
     WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    [attempts, error.slice(0, 2000), status, nextAttemptAt, id, owner],
  );
  return r.changes === 1;
}

/** Gives a claimed row back without counting an attempt (circuit open, concurrency full). */
export async function releaseDelivery(db: SqlExecutor, id: string, owner: string, nextAttemptAt: number, note: string | null, target: string | null = null): Promise<void> {
  await db.run(
    `UPDATE outbox SET next_attempt_at = ?, last_error = COALESCE(?, last_error), lease_owner = NULL, lease_until = 0, target = COALESCE(?, target)
     WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    [nextAttemptAt, note, target, id, owner],
  );
}

export async function markDeliveryDead(db: SqlExecutor, id: string, owner: string | null, attempts: number, error: string, status: number | null, at: string): Promise<boolean> {
  const r = await db.run(
    `UPDATE outbox SET status = 'dead', attempts = ?, last_error = ?, last_status = CAST(? AS INTEGER), dead_at = ?, lease_owner = NULL, lease_until = 0
     WHERE id = ? AND status = 'pending' AND (lease_owner = ? OR CAST(? AS TEXT) IS NULL)`,
    [attempts, error.slice(0, 2000), status, at, id, owner, owner],
  );
  return r.changes === 1;
}

/** Rows no registered destination takes are parked, so they cost nothing until one is registered. */
export async function parkUnrouted(db: SqlExecutor, id: string, owner: string, note: string): Promise<void> {
  await db.run(`UPDATE outbox SET status = 'unrouted', last_error = ?, lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ? AND status = 'pending'`, [note, id, owner]);
}


/** Parks every pending row of a (destination, kind) nobody takes, in one statement. */
export async function parkUnroutedRoute(db: SqlExecutor, destination: string, kind: string, now: number, note: string): Promise<number> {
  return (await db.run(`UPDATE outbox SET status = 'unrouted', last_error = ? WHERE status = 'pending' AND lease_until <= ? AND destination = ? AND kind = ?`, [note, now, destination, kind])).changes;
}

export async function unparkAll(db: SqlExecutor): Promise<number> {
  return (await db.run(`UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE status = 'unrouted'`)).changes;
}

/**
 * Dead or expired → pending with a fresh attempt budget; the row id (the idempotency key) stays the
 * same. An expired row loses its send-by time: whoever replays it has decided it is still worth sending.
 */
export async function requeueStopped(db: SqlExecutor, id: string): Promise<boolean> {
  const r = await db.run(
    `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = 0, dead_at = NULL, expires_at = 0, lease_owner = NULL, lease_until = 0
     WHERE id = ? AND status IN ('dead', 'expired')`, [id]);
  return r.changes === 1;
}

/**
 * Expires every waiting row (pending, not leased) whose send-by time has passed, in one statement,
 * and says how many per outbox destination. Not only the due ones: a row behind another of its
 * subject, or waiting for its next attempt, would never be sent either. Run when a due row is found
 * expired, which is rare, so the walk over the pending rows it costs is too.
 */
export async function expireOverdue(db: SqlExecutor, now: number, note: string): Promise<Map<string, number>> {
  const rows = await db.all<{ destination: string }>(
    `UPDATE outbox SET status = 'expired', last_error = ?, lease_owner = NULL, lease_until = 0
     WHERE status = 'pending' AND expires_at > 0 AND expires_at <= ? AND lease_until <= ? RETURNING destination`,
    [note, now, now],
  );
  const byDestination = new Map<string, number>();
  for (const r of rows) byDestination.set(r.destination, (byDestination.get(r.destination) ?? 0) + 1);
  return byDestination;
}

/** Which of these outbox rows are delivered (the retry watch: a replayed dead delivery that went through). */
export async function deliveredIds(db: SqlExecutor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.all<{ id: string }>(`SELECT id FROM outbox WHERE status = 'delivered' AND id IN (${ids.map(() => '?').join(', ')})`, ids);
  return new Set(rows.map((r) => r.id));
}

export async function deliveryById(db: SqlExecutor, id: string): Promise<DeliveryRow | undefined> {
  const r = await db.get<Raw>(`SELECT ${COLS} FROM outbox WHERE id = ?`, [id]);
  return r ? fromRaw(r) : undefined;
}

export async function queryDeliveries(db: SqlExecutor, q: { status?: string; destination?: string; afterSeq?: number; limit: number }): Promise<DeliveryRow[]> {
  const where: string[] = ['seq > ?'];
  const params: unknown[] = [q.afterSeq ?? -1];
  if (q.status) {
    where.push('status = ?');
    params.push(q.status);
  }
  if (q.destination) {
    where.push('(target = ? OR destination = ?)');
    params.push(q.destination, q.destination);
  }
  params.push(q.limit);
  return (await db.all<Raw>(`SELECT ${COLS} FROM outbox WHERE ${where.join(' AND ')} ORDER BY seq, id LIMIT ?`, params)).map(fromRaw);
}

export async function deliveryCounts(db: SqlExecutor): Promise<Array<{ status: string; n: number }>> {
  return (await db.all<{ status: string; n: number | string }>('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status')).map((r) => ({ status: r.status, n: Number(r.n) }));
}

/**
 * Deletes settled rows (delivered, expired, superseded) written before `beforeIso`, at most `limit`,
 * oldest first, through the index of settled rows (migration 017); says how many went. What waits
 * (pending, dead, unrouted) is never touched: it still needs a destination or an operator.
 */
export async function pruneSettled(db: SqlExecutor, beforeIso: string, limit: number): Promise<number> {
  const r = await db.run(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox WHERE status IN ('delivered', 'expired', 'superseded') AND created_at < ? ORDER BY created_at LIMIT ?)`,
    [beforeIso, limit],
  );
  return r.changes;
}
