import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { ScheduledControl } from '../orders/scheduled.js';
import { detectDemandAnomalies, type DailyDemand } from '../../domain/anomaly/demand.js';
import { detectOrderAnomalies, type OrderFact } from '../../domain/anomaly/orders.js';
import { insertAnomaly } from '../../store/repos/returns.js';
import { policyVersionOf } from '../returns/case.js';

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export interface AnomalyScanSettings {
  /** Findings on days older than this are history, not news (operational cadence, not a threshold). */
  reportDays: number;
  maxOrders: number;
}

/**
 * The scheduled anomaly scan over the order history: daily demand per sku (complete UTC days only,
 * so today's half day is not a "drop"), order velocity per customer / address, and order values far
 * from the usual. One finding per (kind, key, day): a rescan reports nothing twice.
 */
export function anomalyScan(policies: PolicyBook, settings: AnomalyScanSettings = { reportDays: 7, maxOrders: 50_000 }): ScheduledControl {
  return async (h: HandlerContext) => {
    const policy = await policies.get('anomaly', h.tx);
    const today = Math.floor(h.decision.now / DAY_MS) * DAY_MS;
    const historyDays = Math.max(policy.demand.baselineDays, 30) + settings.reportDays;
    const from = today - historyDays * DAY_MS;
    const rows = await h.tx.all<{ id: string; customer_id: string; address_key: string; placed_ms: number; total: number; state: string; doc: string }>(
      `SELECT id, customer_id, address_key, placed_ms, total, state, doc FROM orders WHERE placed_ms >= ? AND placed_ms < ? ORDER BY placed_ms, id LIMIT ?`,
      [from, h.decision.now, settings.maxOrders],
    );
    const reportFrom = day(today - settings.reportDays * DAY_MS);
    const found: Array<{ kind: string; key: string; day: string; score: number; explanation: string; detail: Record<string, unknown> }> = [];

    // Demand: units per sku per complete day, gaps filled with 0.
    const units = new Map<string, Map<string, number>>();
    for (const r of rows) {
      if (r.state === 'cancelled' || Number(r.placed_ms) >= today) continue;
      const lines = (JSON.parse(r.doc) as { placed: { lines: Array<{ sku: string; qty: number }> } }).placed.lines;
      const d = day(Number(r.placed_ms));
      for (const l of lines) {
        const bySku = units.get(l.sku) ?? new Map<string, number>();
        bySku.set(d, (bySku.get(d) ?? 0) + l.qty);
        units.set(l.sku, bySku);
      }
    }
    for (const [sku, byDay] of [...units].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const series: DailyDemand[] = [];
      for (let t = from; t < today; t += DAY_MS) series.push({ date: day(t), quantity: byDay.get(day(t)) ?? 0 });
      for (const a of detectDemandAnomalies(sku, series, policy.demand)) {
        if (a.date < reportFrom) continue;
        found.push({ kind: 'demand', key: sku, day: a.date, score: a.score, explanation: a.explanation, detail: { observed: a.observed, expected: a.expected, direction: a.direction } });
      }
    }

    // Order patterns: each order against those before it.
    const facts: OrderFact[] = rows.map((r) => ({ orderId: r.id, customerId: r.customer_id, addressKey: r.address_key, placedAt: Number(r.placed_ms), value: Number(r.total) }));
    const placedAt = new Map(facts.map((f) => [f.orderId, f.placedAt]));
    for (const a of detectOrderAnomalies(facts, policy.orders)) {
      const d = day(placedAt.get(a.orderId)!);
      if (d < reportFrom) continue;
      found.push({ kind: a.kind, key: a.orderId, day: d, score: a.score, explanation: a.explanation, detail: { orderId: a.orderId } });
    }

    const version = policyVersionOf(policy);
    for (const f of found) {
      const anomalyId = h.decision.newId('anomaly');
      const inserted = await insertAnomaly(h.tx, { id: anomalyId, kind: f.kind, key: f.key, day: f.day, score: f.score, explanation: f.explanation, detectedMs: h.decision.now, doc: { ...f.detail, policyVersion: version } });
      if (!inserted) continue;
      h.emit({ type: 'anomaly.detected', payload: { anomalyId, kind: f.kind, key: f.key, day: f.day, score: f.score, explanation: f.explanation, detail: f.detail, policyVersion: version } });
      h.audit({ action: 'anomaly.detected', subject: `anomaly:${f.kind}:${f.key}`, after: { day: f.day, score: f.score }, detail: { anomalyId } });
    }
  };
}
