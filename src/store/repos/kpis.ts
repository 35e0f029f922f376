import type { SqlExecutor } from '../port.js';
import { PEOPLE_COMMAND } from '../schema/022-kpi-indexes.js';
import { RETURN_OUTCOMES, type ApprovalRow, type ReconciliationRow, type ReturnCaseRow, type SyncCounts } from '../../domain/kpis/business-kpis.js';

/**
 * The reads behind SPEC §7's business KPIs (docs/kpis.md), each over one window and each through an
 * index (migrations 017 and 022): the overview and /metrics run them at most every 30 s per process.
 */

/** Return cases that changed in the window and stand at an outcome now; at most `limit`, newest first. */
export async function returnCasesResolvedSince(db: SqlExecutor, fromMs: number, limit: number): Promise<ReturnCaseRow[]> {
  const rows = await db.all<{ created_ms: number | string; doc: string }>(
    `SELECT created_ms, doc FROM return_cases WHERE updated_at >= ? AND state IN (${RETURN_OUTCOMES.map(() => '?').join(', ')}) ORDER BY updated_at DESC LIMIT ?`,
    [new Date(fromMs).toISOString(), ...RETURN_OUTCOMES, limit],
  );
  return rows.map((r) => ({ createdMs: Number(r.created_ms), history: (JSON.parse(r.doc) as { history?: ReturnCaseRow['history'] }).history ?? [] }));
}

/** Approval requests of a subject closed (decided or expired) in the window. */
export async function approvalsClosedSince(db: SqlExecutor, subject: string, fromMs: number, limit: number): Promise<ApprovalRow[]> {
  const rows = await db.all<{ status: string; requested_ms: number | string; closed_ms: number | string }>(
    'SELECT status, requested_ms, closed_ms FROM approvals WHERE subject = ? AND closed_ms >= ? ORDER BY closed_ms DESC LIMIT ?',
    [subject, fromMs, limit],
  );
  return rows.map((r) => ({ status: r.status, requestedMs: Number(r.requested_ms), closedMs: Number(r.closed_ms) }));
}

/** Commands people sent in the window (PEOPLE_COMMAND: the index holds only those). */
export async function peopleCommandsSince(db: SqlExecutor, fromMs: number): Promise<number> {
  // SQLite's planner preferred the causation index for `causation_id IS NULL` (every row intake wrote):
  // named here, and an error rather than a walk of the log should the index ever be unusable.
  const from = db.dialect === 'sqlite' ? 'events INDEXED BY events_people' : 'events';
  const r = await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${from} WHERE ${PEOPLE_COMMAND} AND received_ms >= ?`, [fromMs]);
  return Number(r?.n ?? 0);
}

/**
 * Orders placed in the window, through the state index (one range per state: no index on the placed
 * time alone, whose upkeep every order would pay).
 */
export async function ordersPlacedSince(db: SqlExecutor, fromMs: number, states: readonly string[]): Promise<number> {
  const r = await db.get<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM orders WHERE state IN (${states.map(() => '?').join(', ')}) AND placed_ms >= ?`, [...states, fromMs]);
  return Number(r?.n ?? 0);
}

/**
 * Availability figures made in the window: delivered (and how many within the target, counted in SQL
 * from the settled-outbox index), expired unsent, and still waiting past the target at `nowMs`.
 */
export async function availabilitySyncSince(db: SqlExecutor, fromMs: number, nowMs: number, targetSeconds: number): Promise<SyncCounts> {
  const seconds = db.dialect === 'postgres'
    ? 'EXTRACT(EPOCH FROM (delivered_at::timestamptz - created_at::timestamptz))'
    : '(julianday(delivered_at) - julianday(created_at)) * 86400.0';
  const from = new Date(fromMs).toISOString();
  const [settled, waiting] = await Promise.all([
    db.get<{ delivered: number | string | null; within: number | string | null; expired: number | string | null }>(
      `SELECT SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
              SUM(CASE WHEN status = 'delivered' AND ${seconds} <= ? THEN 1 ELSE 0 END) AS within,
              SUM(CASE WHEN status = 'expired' THEN 1 ELSE 0 END) AS expired
         FROM outbox WHERE status IN ('delivered', 'expired', 'superseded') AND created_at >= ? AND kind = 'availability.changed'`,
      [targetSeconds, from],
    ),
    db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND kind = 'availability.changed' AND created_at >= ? AND created_at < ?`,
      [from, new Date(nowMs - targetSeconds * 1000).toISOString()],
    ),
  ]);
  return {
    delivered: Number(settled?.delivered ?? 0),
    withinTarget: Number(settled?.within ?? 0),
    late: Number(settled?.expired ?? 0) + Number(waiting?.n ?? 0),
  };
}

/**
 * Each registered destination's latest stock reconciliation with the ERP, through the subject index
 * (a search of the log by type alone read every event: 36 ms at 100,000 events).
 */
export async function latestReconciliations(db: SqlExecutor): Promise<ReconciliationRow[]> {
  const destinations = await db.all<{ id: string }>('SELECT id FROM destinations ORDER BY id');
  const out: ReconciliationRow[] = [];
  for (const d of destinations) {
    const r = await db.get<{ payload: string; received_at: string }>(
      `SELECT payload, received_at FROM events WHERE subject = ? AND type = 'reconciliation.completed' ORDER BY seq DESC LIMIT 1`, [`erp-stock:${d.id}`]);
    if (!r) continue;
    const p = JSON.parse(r.payload) as { destinationId: string; compared: number; discrepancies: number };
    out.push({ destinationId: p.destinationId, compared: Number(p.compared), discrepancies: Number(p.discrepancies), at: r.received_at });
  }
  return out;
}
