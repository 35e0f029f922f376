export type { ReplenishmentPolicy, SafetyStockRule } from './policy.js';
export { DAY_MS, dayNumber, dayOf, isoDate, weekdayOf } from './days.js';
export { denseHistory, type DailyQuantity, type DenseHistory } from './history.js';
export { promotionsBySku, upliftOn, windowsAt, type Promotion, type PromotionWindow } from './promotion.js';
export { classifyDemand, isRegular, DEMAND_CLASSES, type DemandClass, type DemandClassification } from './classify.js';
export { smoothExponentially, type SmoothingFit } from './smoothing.js';
export { crostonRate, type CrostonFit } from './croston.js';
export { weekdayIndices } from './seasonality.js';
export { forecastDemand, type DemandForecast, type ForecastMethod } from './forecast.js';
export { backtestWape, wape, type BacktestSeries, type WapeCell, type WapeReport } from './wape.js';
export { safetyStock } from './safety-stock.js';
export { daysOfCover, firstBreach, projectionDays, projectStock, stockBefore, type Projection, type ProjectionDay } from './projection.js';
export { orderUpToQuantity, roundToSupplierTerms } from './order-quantity.js';
export { planPosition, plannedSuppliers, type PlannedSupplier, type PositionPlan } from './position-plan.js';
export { chooseSupplier, type SupplierChoice } from './supplier-choice.js';
export { evaluateReplenishment } from './evaluate.js';
export { riskWatchOf, stockoutPreventionRate, type RiskWatch, type StockLevelRecord, type StockoutPreventionKpi } from './kpi.js';
export type {
  AlternativeSource,
  PurchaseRecommendation,
  ReplenishmentEvaluation,
  ReplenishmentInput,
  ReplenishmentRecommendation,
  SkippedPosition,
  SkuSupply,
  StockoutRisk,
  StockPosition,
  SupplierChoiceReason,
  SupplyOption,
  TransferRecommendation,
} from './types.js';
