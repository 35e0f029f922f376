import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import type { ScheduledControl } from '../orders/scheduled.js';
import { DAY_MS, dayOf, isoDate, evaluateReplenishment, backtestWape, promotionsBySku, windowsAt, type ReplenishmentInput, type StockPosition, type ReplenishmentEvaluation } from '../../domain/replenishment/index.js';
import type { PurchaseOrder } from '../../domain/procurement/purchase-order.js';
import { skuSupplyOf } from '../../domain/procurement/supplier.js';
import type { ReplenishmentPolicy } from '../../domain/replenishment/policy.js';
import type { SqlExecutor } from '../../store/port.js';
import {
  allSupplierTerms, blockedPositions, forecastErrorSeries, putForecastError, dailyDemand, insertRecommendation, markReachedZero, openRisks, planningPurchaseOrders, positionKey,
  moveRecommendation, promotionsSince, queryRecommendations, transfersInTransit, transferQtyOnItsWay, upsertRisk, watchedRisks, type RiskRecord,
} from '../../store/repos/replenishment.js';

/** Everything the evaluation reads, gathered from the store in a handful of set-based queries. */
export async function replenishmentInput(db: SqlExecutor, now: number, policy: ReplenishmentPolicy): Promise<{ input: ReplenishmentInput; onHand: Map<string, number> }> {
  const today = dayOf(now);
  const historyStart = today - policy.forecast.historyDays;
  // One after the other: inside a transaction they share one connection (PostgreSQL cannot pipeline them).
  const stock = await db.all<{ sku: string; location_id: string; on_hand: number; reserved: number; safety_stock: number }>('SELECT sku, location_id, on_hand, reserved, safety_stock FROM stock ORDER BY sku, location_id');
  const demand = await dailyDemand(db, new Date(historyStart * DAY_MS).toISOString());
  const terms = await allSupplierTerms(db);
  const pos = await planningPurchaseOrders(db, isoDate(today - 365));
  const transfers = await transfersInTransit(db);
  const promotions = await promotionsSince(db, isoDate(historyStart));
  const onHand = new Map<string, number>();
  const positions: StockPosition[] = stock.map((s) => {
    const k = positionKey(s.sku, s.location_id);
    onHand.set(k, Number(s.on_hand));
    const safety = Number(s.safety_stock);
    return {
      sku: s.sku, locationId: s.location_id, onHand: Number(s.on_hand), reserved: Number(s.reserved),
      // 0 is the column default, not a decision: only a location's own positive level replaces the policy's.
      ...(safety > 0 ? { safetyStock: safety } : {}),
      history: demand.get(k) ?? [],
    };
  });
  // A transfer on its way is supply for its destination like an open PO (its source already holds it reserved).
  const inTransit: PurchaseOrder[] = transfers.map((t) => ({
    id: `transfer:${t.id}`, supplierId: `transfer:${t.fromLocationId}`, locationId: t.toLocationId, state: 'placed',
    lines: [{ sku: t.sku, qty: transferQtyOnItsWay(t), receivedQty: 0 }], expectedDate: t.expectedDate, plannedDate: t.expectedDate, promisedDate: t.expectedDate, receivedDate: null, expedite: false,
  }));
  const purchaseOrders: PurchaseOrder[] = pos.map((p) => ({
    id: p.id, supplierId: p.supplierId, locationId: p.locationId, state: p.state, lines: p.lines, expectedDate: p.expectedDate,
    plannedDate: p.plannedDate, promisedDate: p.promisedDate, receivedDate: p.receivedDate, expedite: p.expedite,
  }));
  return { input: { positions, supply: skuSupplyOf(terms), purchaseOrders: [...purchaseOrders, ...inTransit], promotions }, onHand };
}

/**
 * The scheduled replenishment check (SPEC §6): evaluates every sku × location, keeps one open risk
 * per position (re-announced only when its breach date or cover moves; resolved when the projection
 * no longer breaches) and records a recommendation only for positions without an open one or an
 * unplaced PO draft. Ids come from the tick event, so a replay gives the same ids; the partial unique
 * indexes make a second open risk or recommendation for one position impossible anyway.
 */
export function replenishmentCheck(policies: PolicyBook): ScheduledControl {
  return async (h) => {
    const policy = await policies.get('replenishment', h.tx);
    const { input, onHand } = await replenishmentInput(h.tx, h.decision.now, policy);
    const evaluation = evaluateReplenishment(input, policy, h.decision);
    await record(h, evaluation, onHand);
    // Forecast error once a day (the history it backtests changes only when a day closes) — again
    // when the day's first run had nothing to backtest (a fresh store, history imported since).
    const covered = await forecastErrorSeries(h.tx, evaluation.today);
    if (covered === undefined || (covered === 0 && input.positions.some((p) => p.history.length > 0))) {
      const promotions = promotionsBySku(input.promotions);
      const report = backtestWape(input.positions.map((p) => ({ history: p.history, promotions: windowsAt(promotions.get(p.sku), p.locationId) })), dayOf(h.decision.now), policy.forecast);
      await putForecastError(h.tx, evaluation.today, h.decision.now, policy.version, report);
      h.audit({ action: 'replenishment.forecast_error', subject: 'replenishment:forecast', after: { overall: report.overall.wape }, detail: { day: evaluation.today, policyVersion: policy.version, byClass: Object.fromEntries(Object.entries(report.byClass).map(([k, c]) => [k, c.wape])) } });
    }
  };
}

async function record(h: HandlerContext, ev: ReplenishmentEvaluation, onHand: Map<string, number>): Promise<void> {
  const at = new Date(h.decision.now).toISOString();
  const today = ev.today;

  // KPI first: a watched risk whose location now has nothing on hand did reach zero.
  for (const w of await watchedRisks(h.tx, today)) {
    if ((onHand.get(positionKey(w.sku, w.locationId)) ?? 0) <= 0) await markReachedZero(h.tx, w.id, today);
  }

  const open = await openRisks(h.tx);
  const riskIdByNew = new Map<string, string>();
  const changes = {
    detected: [] as Array<{ riskId: string; sku: string; locationId: string; breachDate: string; daysOfCover: number }>,
    moved: [] as Array<{ riskId: string; sku: string; locationId: string; from: string; breachDate: string; daysOfCover: number }>,
    resolved: [] as Array<{ riskId: string; sku: string; locationId: string }>,
    recommended: [] as Array<Record<string, unknown>>,
    withdrawn: [] as Array<{ recommendationId: string; sku: string; locationId: string }>,
  };
  for (const r of ev.risks) {
    const k = positionKey(r.sku, r.locationId);
    const before = open.get(k);
    open.delete(k);
    const watchTo = r.projection.length > 0 ? r.projection[r.projection.length - 1]!.date : r.breachDate;
    const doc = { level: r.level, nextPossibleReceiptDate: r.nextPossibleReceiptDate, safetyStock: r.safetyStock, demandClass: r.demandClass, forecastMethod: r.forecastMethod, projection: r.projection, policyVersion: ev.policyVersion, lastCheckedMs: h.decision.now };
    if (before) {
      riskIdByNew.set(r.id, before.id);
      // Re-announced only when what a buyer acts on moved: the breach, the cover or the inbound receipts behind it.
      if (before.breachDate === r.breachDate && before.daysOfCover === r.daysOfCover && receiptDays(before.doc.projection) === receiptDays(r.projection)) continue;
      const next: RiskRecord = { ...before, breachDate: r.breachDate, daysOfCover: r.daysOfCover, watchTo: watchTo > before.watchTo ? watchTo : before.watchTo, revision: before.revision + 1, doc };
      await upsertRisk(h.tx, next, at);
      announceRisk(h, next, r, ev.policyVersion);
      changes.moved.push({ riskId: before.id, sku: r.sku, locationId: r.locationId, from: before.breachDate, breachDate: r.breachDate, daysOfCover: r.daysOfCover });
      continue;
    }
    const rec: RiskRecord = { id: r.id, sku: r.sku, locationId: r.locationId, state: 'open', detectedMs: h.decision.now, detectedDate: r.detectedDate, breachDate: r.breachDate, daysOfCover: r.daysOfCover, watchTo, reachedZeroDate: null, revision: 1, doc };
    await upsertRisk(h.tx, rec, at);
    announceRisk(h, rec, r, ev.policyVersion);
    changes.detected.push({ riskId: r.id, sku: r.sku, locationId: r.locationId, breachDate: r.breachDate, daysOfCover: r.daysOfCover });
  }
  // Open risks the projection no longer shows are resolved (a receipt, a PO or a transfer covers them).
  for (const gone of open.values()) {
    await upsertRisk(h.tx, { ...gone, state: 'resolved', doc: { ...gone.doc, resolvedMs: h.decision.now } }, at);
    h.emit({ type: 'replenishment.risk_resolved', payload: { riskId: gone.id, sku: gone.sku, locationId: gone.locationId, policyVersion: ev.policyVersion } });
    changes.resolved.push({ riskId: gone.id, sku: gone.sku, locationId: gone.locationId });
  }

  // An open recommendation the position no longer needs (a receipt, a PO placed in the ERP, a
  // transfer covers it) is withdrawn: accepted later, it would buy the same units a second time.
  const needed = new Set(ev.recommendations.map((r) => positionKey(r.sku, r.locationId)));
  const unsupplied = new Set(ev.skipped.map((s) => positionKey(s.sku, s.locationId)));
  for (const rec of await queryRecommendations(h.tx, { state: 'open', limit: Number.MAX_SAFE_INTEGER })) {
    const k = positionKey(rec.sku, rec.locationId);
    if (needed.has(k)) continue;
    const reason = unsupplied.has(k) ? 'withdrawn: no supplier has terms for the sku any more' : 'withdrawn: the check found the position covered';
    if (!(await moveRecommendation(h.tx, rec.id, 'open', 'dismissed', { decidedBy: WITHDRAWN_BY, doc: { ...rec.doc, dismissedMs: h.decision.now, reason } }, at))) continue;
    h.emit({ type: 'replenishment.recommendation_decided', subject: `recommendation:${rec.id}`, payload: { recommendationId: rec.id, outcome: 'dismissed', by: WITHDRAWN_BY, poId: null, transferId: null, reason } });
    changes.withdrawn.push({ recommendationId: rec.id, sku: rec.sku, locationId: rec.locationId });
  }

  const blocked = await blockedPositions(h.tx);
  for (const r of ev.recommendations) {
    const k = positionKey(r.sku, r.locationId);
    if (blocked.has(k)) continue;
    const riskId = r.riskId ? (riskIdByNew.get(r.riskId) ?? r.riskId) : null;
    const doc = { neededQuantity: r.neededQuantity, purchase: r.purchase, transfer: r.transfer, alternatives: r.alternatives, policyVersion: ev.policyVersion };
    const inserted = await insertRecommendation(h.tx, { id: r.id, sku: r.sku, locationId: r.locationId, riskId, state: 'open', expedite: r.expedite, createdMs: h.decision.now, decidedBy: null, poId: null, transferId: null, doc }, at);
    if (!inserted) continue;
    blocked.add(k);
    h.emit({
      type: 'replenishment.recommended',
      payload: {
        recommendationId: r.id, sku: r.sku, locationId: r.locationId, riskId, neededQuantity: r.neededQuantity,
        purchase: r.purchase as unknown as Record<string, unknown> | null, transfer: r.transfer as unknown as Record<string, unknown> | null,
        expedite: r.expedite, alternatives: r.alternatives as unknown as Array<Record<string, unknown>>, policyVersion: ev.policyVersion,
      },
    });
    changes.recommended.push({
      recommendationId: r.id, sku: r.sku, locationId: r.locationId, expedite: r.expedite,
      purchase: r.purchase ? { supplierId: r.purchase.supplierId, quantity: r.purchase.quantity, expectedDate: r.purchase.expectedDate } : null,
      transfer: r.transfer ? { fromLocationId: r.transfer.fromLocationId, quantity: r.transfer.quantity } : null,
    });
  }

  const summary = { today, policyVersion: ev.policyVersion, positionsAtRisk: ev.risks.length, detected: changes.detected.length, moved: changes.moved.length, resolved: changes.resolved.length, recommended: changes.recommended.length, withdrawn: changes.withdrawn.length, skipped: ev.skipped.length };
  // One audit entry per check that changed something (like a stock count): the ids of everything it
  // opened, moved or resolved, the full lists behind the digest. Each item is also its own decided event.
  const changed = changes.detected.length + changes.moved.length + changes.resolved.length + changes.recommended.length + changes.withdrawn.length > 0;
  if (changed) h.audit({
    action: 'replenishment.checked', subject: 'replenishment:check',
    after: changes,
    detail: { ...summary, riskIds: changes.detected.map((x) => x.riskId), movedRiskIds: changes.moved.map((x) => x.riskId), resolvedRiskIds: changes.resolved.map((x) => x.riskId), recommendationIds: changes.recommended.map((x) => x.recommendationId), withdrawnRecommendationIds: changes.withdrawn.map((x) => x.recommendationId) },
  });
  // Category managers get one digest per check that changed something, most urgent first, not a message per position.
  if (changes.detected.length + changes.moved.length + changes.recommended.length > 0) {
    const urgent = [...changes.detected, ...changes.moved].sort((a, b) => (a.breachDate < b.breachDate ? -1 : a.breachDate > b.breachDate ? 1 : 0));
    h.outbox({
      destination: 'notify:category_manager', kind: 'replenishment.digest', subject: 'replenishment:check',
      payload: { ...summary, risks: urgent.slice(0, DIGEST_ITEMS), recommendations: changes.recommended.slice(0, DIGEST_ITEMS), truncated: urgent.length > DIGEST_ITEMS || changes.recommended.length > DIGEST_ITEMS },
    });
  }
}

/** Who withdraws a recommendation the check no longer makes (`decidedBy`). */
const WITHDRAWN_BY = 'omniops';

/** How many items one digest lists (the rest is in the API); a message size, not a business threshold. */
const DIGEST_ITEMS = 200;

function announceRisk(h: HandlerContext, rec: RiskRecord, r: ReplenishmentEvaluation['risks'][number], policyVersion: string): void {
  h.emit({
    type: 'replenishment.risk_detected',
    payload: {
      riskId: rec.id, revision: rec.revision, sku: r.sku, locationId: r.locationId, level: r.level, breachDate: r.breachDate, daysOfCover: r.daysOfCover,
      nextPossibleReceiptDate: r.nextPossibleReceiptDate, safetyStock: r.safetyStock, demandClass: r.demandClass, forecastMethod: r.forecastMethod,
      projection: r.projection as unknown as Array<Record<string, number | string>>, policyVersion,
    },
  });
}

function receiptDays(projection: unknown): string {
  if (!Array.isArray(projection)) return '';
  return (projection as Array<{ date: string; receipts: number }>).filter((d) => d.receipts > 0).map((d) => `${d.date}:${d.receipts}`).join(',');
}
