import type { SqlExecutor } from '../port.js';

export interface RuleRunRow {
  id: string;
  ruleId: string;
  ruleVersion: number;
  policyVersion: string;
  eventId: string;
  triggerKind: string;
  target: string | null;
  dedupeKey: string | null;
  outcome: 'fired' | 'failed';
  error: string | null;
  actions: number;
  atMs: number;
}

/** Records one run; false when a run with the same (rule, dedupe key) exists (a time condition fires once per stay). */
export async function insertRuleRun(db: SqlExecutor, r: RuleRunRow): Promise<boolean> {
  const res = await db.run(
    `INSERT INTO rule_runs (id, rule_id, rule_version, policy_version, event_id, trigger_kind, target, dedupe_key, outcome, error, actions, at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [r.id, r.ruleId, r.ruleVersion, r.policyVersion, r.eventId, r.triggerKind, r.target, r.dedupeKey, r.outcome, r.error, r.actions, r.atMs],
  );
  return res.changes === 1;
}

export async function hasRuleRun(db: SqlExecutor, ruleId: string, dedupeKey: string): Promise<boolean> {
  return (await db.get('SELECT 1 AS x FROM rule_runs WHERE rule_id = ? AND dedupe_key = ?', [ruleId, dedupeKey])) !== undefined;
}

interface Raw {
  id: string; rule_id: string; rule_version: number; policy_version: string; event_id: string; trigger_kind: string; target: string | null;
  dedupe_key: string | null; outcome: 'fired' | 'failed'; error: string | null; actions: number; at_ms: number;
}

export async function queryRuleRuns(db: SqlExecutor, q: { ruleId?: string; eventId?: string; outcome?: string; limit: number }): Promise<RuleRunRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.ruleId) { where.push('rule_id = ?'); params.push(q.ruleId); }
  if (q.eventId) { where.push('event_id = ?'); params.push(q.eventId); }
  if (q.outcome) { where.push('outcome = ?'); params.push(q.outcome); }
  params.push(q.limit);
  const rows = await db.all<Raw>(`SELECT * FROM rule_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at_ms DESC, id LIMIT ?`, params);
  return rows.map((r) => ({
    id: r.id, ruleId: r.rule_id, ruleVersion: Number(r.rule_version), policyVersion: r.policy_version, eventId: r.event_id, triggerKind: r.trigger_kind,
    target: r.target, dedupeKey: r.dedupe_key, outcome: r.outcome, error: r.error, actions: Number(r.actions), atMs: Number(r.at_ms),
  }));
}

/** The last slot each cron job fired (the scheduler's memory across restarts and processes). */
export async function lastSlots(db: SqlExecutor, prefix: string): Promise<Map<string, number>> {
  const rows = await db.all<{ job: string; last_slot_ms: number }>('SELECT job, last_slot_ms FROM scheduler_slots WHERE job LIKE ?', [`${prefix}%`]);
  return new Map(rows.map((r) => [r.job, Number(r.last_slot_ms)]));
}

export async function recordSlot(db: SqlExecutor, job: string, slotMs: number): Promise<void> {
  await db.run(
    `INSERT INTO scheduler_slots (job, last_slot_ms) VALUES (?, ?)
     ON CONFLICT (job) DO UPDATE SET last_slot_ms = CASE WHEN excluded.last_slot_ms > scheduler_slots.last_slot_ms THEN excluded.last_slot_ms ELSE scheduler_slots.last_slot_ms END`,
    [job, slotMs],
  );
}

/** A place in a queue ordered by (time, id): the last item looked at. */
export interface QueuePlace {
  ms: number;
  id: string;
}

/**
 * A scheduled control's place in its queue kept between ticks beside the slots (the backorder
 * retry's): the time in `last_slot_ms`, the id in `place_id`. Undefined when none is kept, or when
 * the row holds only a number (the old retry's position, migration 021): a position says nothing
 * about which order it meant once the queue moved, so the caller starts from the oldest.
 */
export async function schedulerPlace(db: SqlExecutor, key: string): Promise<QueuePlace | undefined> {
  const r = await db.get<{ ms: number | string; id: string | null }>('SELECT last_slot_ms AS ms, place_id AS id FROM scheduler_slots WHERE job = ?', [key]);
  return r && r.id !== null ? { ms: Number(r.ms), id: r.id } : undefined;
}

/** Written as given: unlike recordSlot, a place may go back (the queue wrapped). */
export async function setSchedulerPlace(db: SqlExecutor, key: string, place: QueuePlace): Promise<void> {
  await db.run(
    'INSERT INTO scheduler_slots (job, last_slot_ms, place_id) VALUES (?, ?, ?) ON CONFLICT (job) DO UPDATE SET last_slot_ms = excluded.last_slot_ms, place_id = excluded.place_id',
    [key, place.ms, place.id],
  );
}
