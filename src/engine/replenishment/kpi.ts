import type { SqlExecutor } from '../../store/port.js';
import { dayOf, isoDate } from '../../domain/replenishment/days.js';
import { stockoutPreventionRate, type StockLevelRecord } from '../../domain/replenishment/kpi.js';
import type { DemandClass } from '../../domain/replenishment/classify.js';
import { countPurchaseOrdersByState, latestForecastError, riskOutcomes } from '../../store/repos/replenishment.js';

export interface ReplenishmentKpis {
  /** SPEC §7: risks detected (episodes) that never reached zero stock while watched; window = `windowDays`. */
  stockoutPrevention: { windowDays: number; detected: number; prevented: number; rate: number | null };
  /** Forecast error of the latest daily backtest (Σ|actual − forecast| ÷ Σ actual), by demand class. */
  forecastWape: { day: string; policyVersion: string; overall: number | null; byClass: Record<DemandClass, number | null> } | null;
  openRisks: number;
  openRecommendations: number;
  purchaseOrders: Record<string, number>;
}

/**
 * The replenishment measures, computed from the store on each call (dashboard, /metrics). The
 * window is a reporting choice (how far back the rate looks), not a decision threshold.
 */
export async function replenishmentKpis(db: SqlExecutor, now: number, windowDays = 90): Promise<ReplenishmentKpis> {
  const since = isoDate(dayOf(now) - windowDays);
  // Sequential: callers may pass a transaction, whose single connection cannot run queries side by side.
  const outcomes = await riskOutcomes(db, since);
  const wape = await latestForecastError(db);
  const purchaseOrders = await countPurchaseOrdersByState(db);
  const counts = await db.get<{ risks: number; recs: number }>(`SELECT (SELECT COUNT(*) FROM replenishment_risks WHERE state = 'open') AS risks, (SELECT COUNT(*) FROM replenishment_recommendations WHERE state = 'open') AS recs`);
  // The check marks the day it saw a watched position at zero; that is the stock record the KPI needs.
  const zeros: StockLevelRecord[] = outcomes.filter((o) => o.reachedZeroDate !== null).map((o) => ({ sku: o.sku, locationId: o.locationId, date: o.reachedZeroDate!, onHand: 0 }));
  const kpi = stockoutPreventionRate(outcomes.map((o) => ({ sku: o.sku, locationId: o.locationId, from: o.from, to: o.to })), zeros);
  return {
    stockoutPrevention: { windowDays, detected: kpi.detected, prevented: kpi.prevented, rate: kpi.rate },
    forecastWape: wape ? { day: wape.day, policyVersion: wape.policyVersion, overall: wape.report.overall.wape, byClass: Object.fromEntries(Object.entries(wape.report.byClass).map(([k, c]) => [k, c.wape])) as Record<DemandClass, number | null> } : null,
    openRisks: Number(counts?.risks ?? 0),
    openRecommendations: Number(counts?.recs ?? 0),
    purchaseOrders,
  };
}
