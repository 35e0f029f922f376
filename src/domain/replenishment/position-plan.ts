import type { SupplierReliability } from '../procurement/reliability.js';
import { unknownSupplier } from '../procurement/reliability.js';
import { forecastDemand, type DemandForecast } from './forecast.js';
import { denseHistory } from './history.js';
import type { ReplenishmentPolicy } from './policy.js';
import { firstBreach, projectStock, type Projection } from './projection.js';
import type { PromotionWindow } from './promotion.js';
import { safetyStock } from './safety-stock.js';
import type { StockPosition, SupplyOption } from './types.js';

/** A supplier's terms as planning sees them: arrival of an order placed today, reliability applied. */
export interface PlannedSupplier extends SupplyOption {
  /** Days from today until an order placed today arrives: quoted lead time + reliability adjustment. */
  arrival: number;
  reliable: boolean;
  adjustmentDays: number;
}

/** Everything the evaluation knows about one sku × location before choosing sources. */
export interface PositionPlan {
  position: StockPosition;
  suppliers: PlannedSupplier[];
  primary: PlannedSupplier;
  forecast: DemandForecast;
  receipts: Float64Array;
  projection: Projection;
  /** Safety stock for the primary supplier's cover (lead time + review). */
  safety: number;
  /** primary.arrival + review period: the receipt after the next review's order. */
  horizon: number;
  /** First day the projection breaches the risk level before the primary's next possible receipt; -1 if none. */
  riskDay: number;
  /** Stock falls below safety (or demand goes unmet) before `horizon`: an order is due now. */
  needsOrder: boolean;
  /** Units it can give away and still keep its own lead time + review + safety cover. */
  excess: number;
}

export function plannedSuppliers(options: readonly SupplyOption[], reliability: ReadonlyMap<string, SupplierReliability>): PlannedSupplier[] {
  return options.map((o) => {
    const r = reliability.get(o.supplierId) ?? unknownSupplier(o.supplierId);
    return { ...o, arrival: o.leadTimeDays + r.adjustmentDays, reliable: r.reliable, adjustmentDays: r.adjustmentDays };
  });
}

export function planPosition(
  position: StockPosition,
  suppliers: PlannedSupplier[],
  inbound: ReadonlyArray<{ day: number; qty: number }>,
  promotions: readonly PromotionWindow[],
  today: number,
  policy: ReplenishmentPolicy,
): PositionPlan {
  const primary = suppliers.find((s) => s.primary === true) ?? suppliers[0]!;
  const R = policy.reviewPeriodDays;
  let longest = 0;
  for (const s of suppliers) longest = Math.max(longest, s.arrival);
  // Long enough for any supplier's cover and for a transfer's, so later choices never re-forecast.
  const length = Math.max(longest, policy.transfer.leadTimeDays) + R;

  const history = denseHistory(position.history, today, policy.forecast.historyDays);
  const forecast = forecastDemand(history, today, length, promotions, policy.forecast);
  const receipts = new Float64Array(length);
  for (const r of inbound) {
    // An overdue PO has not arrived: the earliest it can still come is today.
    const d = Math.max(0, r.day - today);
    if (d < length) receipts[d] += r.qty;
  }
  const projection = projectStock(position.onHand - position.reserved, forecast.daily, receipts);
  const horizon = primary.arrival + R;
  const safety = safetyFor(position, forecast, horizon, policy);
  const riskDay = firstBreach(projection, policy.riskLevel, safety, primary.arrival);
  const needsOrder = firstBreach(projection, 'safety_stock', safety, horizon) >= 0 || firstBreach(projection, 'zero', 0, horizon) >= 0;

  let lowest = Infinity;
  for (let d = 0; d < horizon && d < length; d++) lowest = Math.min(lowest, projection.closing[d]!);
  const excess = needsOrder || !Number.isFinite(lowest) ? 0 : Math.max(0, Math.floor(lowest - safety));

  return { position, suppliers, primary, forecast, receipts, projection, safety, horizon, riskDay, needsOrder, excess };
}

/** The location's own safety stock wins over the policy's: it knows its shelf and display minimum. */
export function safetyFor(position: StockPosition, forecast: DemandForecast, coverDays: number, policy: ReplenishmentPolicy): number {
  if (position.safetyStock !== undefined) return position.safetyStock;
  return safetyStock(policy.safetyStock, forecast.errorStdDev, forecast.daily, coverDays);
}
