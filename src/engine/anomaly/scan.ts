import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { ScheduledControl } from '../orders/scheduled.js';
import type { SqlExecutor } from '../../store/port.js';
import type { OffLockJob, ReadSlot } from '../scheduler/off-lock.js';
import { detectDemandAnomalies, type DailyDemand } from '../../domain/anomaly/demand.js';
import { detectOrderAnomalies, type OrderFact } from '../../domain/anomaly/orders.js';
import { anomalyScanRead, type AnomalyFinding, type AnomalyScanRead } from '../../domain/checks/scheduled-reads.js';
import { insertAnomaly } from '../../store/repos/returns.js';
import { returnRateFindings } from '../../domain/anomaly/return-findings.js';
import { returnsPerSkuDay } from '../../store/repos/anomaly-returns.js';
import { policyVersionOf } from '../returns/case.js';
import { DAY_MS, utcDay } from '../../domain/anomaly/utc-day.js';


export interface AnomalyScanSettings {
  /** Findings on days older than this are history, not news (operational cadence, not a threshold). */
  reportDays: number;
  maxOrders: number;
  /**
   * New findings one run carries in its result event (a payload bound, not a threshold): the rest
   * are counted (`omitted`) and, not yet recorded, found again by the next run while still news.
   */
  maxFindings: number;
  /** Orders read per statement: a bound on how long one statement holds the reading thread. */
  readPage: number;
}

export const ANOMALY_SCAN_DEFAULTS: AnomalyScanSettings = { reportDays: 7, maxOrders: 50_000, maxFindings: 200, readPage: 5000 };

/**
 * The scheduled anomaly scan's read over the order history: daily demand per sku (complete UTC days
 * only, so today's half day is not a "drop"), order velocity per customer / address, and order
 * values far from the usual. Only findings not recorded yet (one per kind, key and day) are
 * returned, so a rescan reports nothing twice and a capped run's rest comes with the next one.
 * Reads only: it runs on a snapshot off the write lock (`anomalyScanOffLock`), or in a legacy tick.
 */
export async function readAnomalyScan(db: SqlExecutor, policies: PolicyBook, slot: ReadSlot, settings: AnomalyScanSettings = ANOMALY_SCAN_DEFAULTS, legacyTick = false): Promise<AnomalyScanRead> {
  const policy = await policies.get('anomaly', db);
  const today = Math.floor(slot.now / DAY_MS) * DAY_MS;
  // A legacy tick reads and finds exactly what it always did (every finding, recorded or not, uncapped), so an old log replays
  // to the same events; return-rate spikes and the detectors' detail come with the off-lock read only.
  const historyDays = legacyTick
    ? Math.max(policy.demand.baselineDays, 30) + settings.reportDays
    : Math.max(policy.demand.baselineDays, policy.returnRate.baselineDays + policy.returnRate.windowDays, 30) + settings.reportDays;
  const from = today - historyDays * DAY_MS;
  // Only the placed lines of each order's document, taken out in SQL: the document is ~4 KB (its
  // routing explanation most of it), and parsing 50,000 of them whole held the thread for seconds.
  const lines = db.dialect === 'postgres' ? `(doc::jsonb -> 'placed' -> 'lines')::text` : `json_extract(doc, '$.placed.lines')`;
  // In pages, by (placed time, id): on a snapshot each page is a statement of its own, and the thread
  // (the engine's, in `omniops serve`) takes other work between them — one 50,000-row statement held
  // it for the whole read. Every page sees the same snapshot, so the rows are those one read gave.
  type Row = { id: string; customer_id: string; address_key: string; placed_ms: number; total: number; state: string; lines: string | null };
  const rows: Row[] = [];
  while (rows.length < settings.maxOrders) {
    const last = rows[rows.length - 1];
    const page = await db.all<Row>(
      `SELECT id, customer_id, address_key, placed_ms, total, state, ${lines} AS lines FROM orders
        WHERE placed_ms >= ? AND placed_ms < ?${last ? ' AND (placed_ms > ? OR (placed_ms = ? AND id > ?))' : ''}
        ORDER BY placed_ms, id LIMIT ?`,
      [from, slot.now, ...(last ? [last.placed_ms, last.placed_ms, last.id] : []), Math.min(settings.readPage, settings.maxOrders - rows.length)],
    );
    rows.push(...page);
    if (page.length < settings.readPage) break;
  }
  const placedLines = rows.map((r) => JSON.parse(r.lines ?? '[]') as Array<{ sku: string; qty: number }>);
  const reportFrom = utcDay(today - settings.reportDays * DAY_MS);
  const found: AnomalyFinding[] = [];

  // Demand: units per sku per complete day, gaps filled with 0.
  const units = new Map<string, Map<string, number>>();
  rows.forEach((r, i) => {
    if (r.state === 'cancelled' || Number(r.placed_ms) >= today) return;
    const d = utcDay(Number(r.placed_ms));
    for (const l of placedLines[i]!) {
      const bySku = units.get(l.sku) ?? new Map<string, number>();
      bySku.set(d, (bySku.get(d) ?? 0) + l.qty);
      units.set(l.sku, bySku);
    }
  });
  for (const [sku, byDay] of [...units].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const series: DailyDemand[] = [];
    for (let t = from; t < today; t += DAY_MS) series.push({ date: utcDay(t), quantity: byDay.get(utcDay(t)) ?? 0 });
    for (const a of detectDemandAnomalies(sku, series, policy.demand)) {
      if (a.date < reportFrom) continue;
      found.push({ kind: 'demand', key: sku, day: a.date, score: a.score, explanation: a.explanation, detail: { observed: a.observed, expected: a.expected, direction: a.direction } });
    }
  }

  // Order patterns: each order against those before it (the customer's own, given enough of them).
  const facts: OrderFact[] = rows.map((r) => ({ orderId: r.id, customerId: r.customer_id, addressKey: r.address_key, placedAt: Number(r.placed_ms), value: Number(r.total) }));
  const placedAt = new Map(facts.map((f) => [f.orderId, f.placedAt]));
  for (const a of detectOrderAnomalies(facts, policy.orders)) {
    const d = utcDay(placedAt.get(a.orderId)!);
    if (d < reportFrom) continue;
    found.push({ kind: a.kind, key: a.orderId, day: d, score: a.score, explanation: a.explanation, detail: legacyTick ? { orderId: a.orderId } : { orderId: a.orderId, ...a.detail } });
  }

  // Return rates per sku: returns opened a day against the sku's orders of that day.
  if (!legacyTick) {
    const ordered = rows.map((r, i) => ({ placedMs: Number(r.placed_ms), cancelled: r.state === 'cancelled', skus: placedLines[i]!.map((l) => l.sku) }));
    found.push(...returnRateFindings({ orders: ordered, returns: await returnsPerSkuDay(db, from, today), fromMs: from, toMs: today, reportFrom }, policy.returnRate));
  }

  // What is recorded already is not news (the handler's insert is once per kind, key and day anyway).
  if (legacyTick) return { job: slot.job, slotMs: slot.slotMs, scannedAt: new Date(slot.now).toISOString(), policyVersion: policyVersionOf(policy), ordersRead: rows.length, findings: found, omitted: 0 };
  const recorded = new Set((await db.all<{ kind: string; anomaly_key: string; day: string }>(
    'SELECT kind, anomaly_key, day FROM anomalies WHERE day >= ?', [reportFrom])).map((r) => `${r.kind}\u0000${r.anomaly_key}\u0000${r.day}`));
  const fresh = found.filter((f) => !recorded.has(`${f.kind}\u0000${f.key}\u0000${f.day}`));
  return {
    job: slot.job, slotMs: slot.slotMs, scannedAt: new Date(slot.now).toISOString(), policyVersion: policyVersionOf(policy), ordersRead: rows.length,
    findings: fresh.slice(0, settings.maxFindings), omitted: Math.max(0, fresh.length - settings.maxFindings),
  };
}

/**
 * The writes of a run, decided from its result alone: each finding recorded once per (kind, key,
 * day), announced (`anomaly.detected`) and audited when it was new. Ids derive from the event.
 */
export async function writeAnomalyScan(h: HandlerContext, result: AnomalyScanRead): Promise<void> {
  const version = result.policyVersion;
  for (const f of result.findings) {
    const anomalyId = h.decision.newId('anomaly');
    const inserted = await insertAnomaly(h.tx, { id: anomalyId, kind: f.kind, key: f.key, day: f.day, score: f.score, explanation: f.explanation, detectedMs: h.decision.now, doc: { ...f.detail, policyVersion: version } });
    if (!inserted) continue;
    h.emit({ type: 'anomaly.detected', payload: { anomalyId, kind: f.kind, key: f.key, day: f.day, score: f.score, explanation: f.explanation, detail: f.detail, policyVersion: version } });
    h.audit({ action: 'anomaly.detected', subject: `anomaly:${f.kind}:${f.key}`, after: { day: f.day, score: f.score }, detail: { anomalyId } });
  }
  if (result.omitted > 0) {
    h.audit({ action: 'anomaly.scan_capped', subject: `schedule:${result.job}`, after: { carried: result.findings.length, omitted: result.omitted }, detail: { slotMs: result.slotMs } });
  }
}

/** The job's read, off the write lock (the scheduler's `offLock` jobs). */
export function anomalyScanOffLock(policies: PolicyBook, settings: AnomalyScanSettings = ANOMALY_SCAN_DEFAULTS): OffLockJob {
  return { read: async (db, slot) => ({ type: anomalyScanRead.type, payload: await readAnomalyScan(db, policies, slot, settings) }) };
}

/** The result's handler: only the writes, in the dispatcher's transaction. */
export const anomalyScanReadHandler: EventHandler = {
  type: anomalyScanRead.type,
  name: 'anomaly.scan_read',
  handle: (h) => writeAnomalyScan(h, h.event.payload as AnomalyScanRead),
};

/**
 * A `schedule.tick` of the job (a log from before the read moved off the lock, being replayed; or a
 * tick sent by hand): read and write in the tick's transaction, as such a tick always did.
 */
export function anomalyScan(policies: PolicyBook, settings: AnomalyScanSettings = ANOMALY_SCAN_DEFAULTS): ScheduledControl {
  return async (h: HandlerContext) => {
    const { job, slotMs } = h.event.payload as { job: string; slotMs: number };
    // Every finding, recorded or not, uncapped: an id is drawn for each, as the tick always did, so an
    // old log replays to the same ids.
    await writeAnomalyScan(h, await readAnomalyScan(h.tx, policies, { job, slotMs, now: h.decision.now }, settings, true));
  };
}
