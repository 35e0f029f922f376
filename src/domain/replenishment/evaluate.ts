import type { DecisionContext } from '../decision-context.js';
import { requiredPurchaseApprovals } from '../procurement/approvals.js';
import { inboundSupply } from '../procurement/inbound.js';
import { receiptRecordsOf, supplierReliability } from '../procurement/reliability.js';
import { dayOf, isoDate } from './days.js';
import { orderUpToQuantity, roundToSupplierTerms } from './order-quantity.js';
import { planPosition, plannedSuppliers, safetyFor, type PlannedSupplier, type PositionPlan } from './position-plan.js';
import type { ReplenishmentPolicy } from './policy.js';
import { daysOfCover, firstBreach, projectionDays, projectStock, type Projection } from './projection.js';
import { promotionsBySku, windowsAt } from './promotion.js';
import { chooseSupplier } from './supplier-choice.js';
import { transferSources } from './transfer.js';
import type {
  AlternativeSource,
  PurchaseRecommendation,
  ReplenishmentEvaluation,
  ReplenishmentInput,
  ReplenishmentRecommendation,
  SkippedPosition,
  StockoutRisk,
  TransferRecommendation,
} from './types.js';

/**
 * The replenishment check over every sku × location (SPEC §5, §6). Two passes: first each position
 * is forecast and projected on its own (which also tells what it could spare); then positions that
 * need stock choose sources, most urgent first, so scarce spare stock goes where the stockout is
 * nearest. Pure: time is ctx.now, ids come from ctx.newId in that fixed order.
 */
export function evaluateReplenishment(input: ReplenishmentInput, policy: ReplenishmentPolicy, ctx: DecisionContext): ReplenishmentEvaluation {
  const today = dayOf(ctx.now);
  const reliability = supplierReliability([...receiptRecordsOf(input.purchaseOrders), ...(input.receiptHistory ?? [])], policy.reliability);

  const inboundByPosition = new Map<string, Array<{ day: number; qty: number }>>();
  for (const line of inboundSupply(input.purchaseOrders, reliability)) {
    const k = key(line.sku, line.locationId);
    const list = inboundByPosition.get(k);
    if (list) list.push({ day: line.plannedDay, qty: line.qty });
    else inboundByPosition.set(k, [{ day: line.plannedDay, qty: line.qty }]);
  }
  const promotions = promotionsBySku(input.promotions);
  const suppliersBySku = new Map<string, PlannedSupplier[]>();
  for (const s of input.supply) if (s.suppliers.length > 0) suppliersBySku.set(s.sku, plannedSuppliers(s.suppliers, reliability));

  const skipped: SkippedPosition[] = [];
  const plans: PositionPlan[] = [];
  const bySku = new Map<string, PositionPlan[]>();
  for (const position of input.positions) {
    const suppliers = suppliersBySku.get(position.sku);
    if (!suppliers) {
      skipped.push({ sku: position.sku, locationId: position.locationId, reason: 'no_supplier' });
      continue;
    }
    const inbound = inboundByPosition.get(key(position.sku, position.locationId)) ?? [];
    const plan = planPosition(position, suppliers, inbound, windowsAt(promotions.get(position.sku), position.locationId), today, policy);
    plans.push(plan);
    const list = bySku.get(position.sku);
    if (list) list.push(plan);
    else bySku.set(position.sku, [plan]);
  }

  const due = plans.filter((p) => p.needsOrder || p.riskDay >= 0).sort(byUrgency);
  const remaining = new Map<PositionPlan, number>();
  const risks: StockoutRisk[] = [];
  const recommendations: ReplenishmentRecommendation[] = [];
  for (const plan of due) {
    const risk = plan.riskDay >= 0 ? riskOf(plan, today, policy, ctx) : null;
    if (risk) risks.push(risk);
    const rec = recommend(plan, risk, bySku.get(plan.position.sku) ?? [], remaining, today, policy, ctx);
    if (rec) recommendations.push(rec);
  }
  return { policyVersion: policy.version, evaluatedAt: ctx.now, today: isoDate(today), risks, recommendations, skipped };
}

function riskOf(plan: PositionPlan, today: number, policy: ReplenishmentPolicy, ctx: DecisionContext): StockoutRisk {
  const { position, projection, forecast } = plan;
  return {
    id: ctx.newId('replenishment_risk'),
    sku: position.sku,
    locationId: position.locationId,
    detectedAt: ctx.now,
    detectedDate: isoDate(today),
    level: policy.riskLevel,
    breachDate: isoDate(today + plan.riskDay),
    daysOfCover: daysOfCover(projection),
    nextPossibleReceiptDate: isoDate(today + plan.primary.arrival),
    safetyStock: round2(plan.safety),
    demandClass: forecast.demandClass,
    forecastMethod: forecast.method,
    projection: projectionDays(projection, today, plan.horizon),
  };
}

function recommend(
  plan: PositionPlan,
  risk: StockoutRisk | null,
  sameSku: readonly PositionPlan[],
  remaining: Map<PositionPlan, number>,
  today: number,
  policy: ReplenishmentPolicy,
  ctx: DecisionContext,
): ReplenishmentRecommendation | null {
  const R = policy.reviewPeriodDays;
  const primaryTooLate = plan.riskDay >= 0;
  const choice = chooseSupplier(plan.suppliers, plan.primary, primaryTooLate, policy.alternateSupplier);
  const supplier = choice.supplier;
  const coverEnd = supplier.arrival + R;
  const safety = supplier === plan.primary ? plan.safety : safetyFor(plan.position, plan.forecast, coverEnd, policy);

  // A transfer bridges a gap the purchase cannot: only for a risk, and only if it is faster.
  let projection: Projection = plan.projection;
  let transfer: TransferRecommendation | null = null;
  let neededQuantity = 0;
  const alternatives: AlternativeSource[] = [];
  const T = policy.transfer.leadTimeDays;
  if (policy.transfer.enabled && primaryTooLate && T < supplier.arrival) {
    const sources = transferSources(plan, sameSku, remaining, policy.transfer.minQuantity);
    const need = orderUpToQuantity(projection, T, coverEnd, safety);
    const best = sources[0];
    const qty = best ? Math.min(best.available, Math.ceil(need - 1e-9)) : 0;
    if (best && qty >= policy.transfer.minQuantity && qty > 0) {
      transfer = { fromLocationId: best.plan.position.locationId, quantity: qty, expectedDate: isoDate(today + T) };
      remaining.set(best.plan, best.available - qty);
      neededQuantity = Math.ceil(need - 1e-9);
      projection = withReceipt(plan, projection, T, qty);
    }
    for (const s of sources) {
      if (transfer && s === best) continue;
      alternatives.push({ kind: 'transfer', fromLocationId: s.plan.position.locationId, available: s.available, expectedDate: isoDate(today + T) });
    }
  }

  const need = orderUpToQuantity(projection, supplier.arrival, coverEnd, safety);
  if (!transfer) neededQuantity = Math.ceil(need - 1e-9);
  const qty = roundToSupplierTerms(need, supplier.moq, supplier.packSize);
  const lastArrival = qty > 0 ? supplier.arrival : T;
  if (qty > 0) projection = withReceipt(plan, projection, supplier.arrival, qty);
  if (qty === 0 && !transfer) return null;
  const expedite = firstBreach(projection, policy.riskLevel, safety, lastArrival) >= 0;

  let purchase: PurchaseRecommendation | null = null;
  if (qty > 0) {
    const substitution = supplier !== plan.primary;
    const gate = requiredPurchaseApprovals(
      { supplierId: supplier.supplierId, primarySupplierId: plan.primary.supplierId, lines: [{ sku: plan.position.sku, qty, unitCost: supplier.unitCost }], expedite },
      policy.purchaseApprovals,
    );
    purchase = {
      supplierId: supplier.supplierId,
      quantity: qty,
      unitCost: supplier.unitCost,
      value: gate.value,
      expectedDate: isoDate(today + supplier.arrival),
      plannedLeadTimeDays: supplier.arrival,
      substitution,
      reason: choice.reason,
      approvals: gate.approvals,
    };
  }
  for (const s of plan.suppliers) {
    if (s === supplier) continue;
    const sSafety = s === plan.primary ? plan.safety : safetyFor(plan.position, plan.forecast, s.arrival + R, policy);
    alternatives.push({
      kind: 'supplier',
      supplierId: s.supplierId,
      quantity: roundToSupplierTerms(orderUpToQuantity(plan.projection, s.arrival, s.arrival + R, sSafety), s.moq, s.packSize),
      expectedDate: isoDate(today + s.arrival),
      unitCost: s.unitCost,
      reliable: s.reliable,
    });
  }

  return {
    id: ctx.newId('replenishment_recommendation'),
    sku: plan.position.sku,
    locationId: plan.position.locationId,
    riskId: risk?.id ?? null,
    neededQuantity,
    purchase,
    transfer,
    expedite,
    alternatives,
  };
}

function withReceipt(plan: PositionPlan, p: Projection, day: number, qty: number): Projection {
  const receipts = Float64Array.from(p.receipts);
  if (day < receipts.length) receipts[day] += qty;
  return projectStock(plan.position.onHand - plan.position.reserved, p.demand, receipts);
}

/** Risks first, nearest breach first; then routine reorders; ties by sku and location for stable ids. */
function byUrgency(a: PositionPlan, b: PositionPlan): number {
  const ra = a.riskDay >= 0 ? a.riskDay : Infinity;
  const rb = b.riskDay >= 0 ? b.riskDay : Infinity;
  if (ra !== rb) return ra < rb ? -1 : 1;
  return cmp(a.position.sku, b.position.sku) || cmp(a.position.locationId, b.position.locationId);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function key(sku: string, locationId: string): string {
  return `${sku}\u0000${locationId}`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
