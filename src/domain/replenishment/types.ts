import type { PurchaseOrder } from '../procurement/purchase-order.js';
import type { RequiredPurchaseApproval } from '../procurement/approvals.js';
import type { ReceiptRecord } from '../procurement/reliability.js';
import type { DemandClass } from './classify.js';
import type { ForecastMethod } from './forecast.js';
import type { DailyQuantity } from './history.js';
import type { ProjectionDay } from './projection.js';
import type { Promotion } from './promotion.js';

/** A supplier's terms for one sku. */
export interface SupplyOption {
  supplierId: string;
  leadTimeDays: number;
  unitCost: number;
  /** Minimum order quantity. */
  moq: number;
  packSize: number;
  /** The sku's usual supplier; buying from any other is a substitution. First option when none is marked. */
  primary?: boolean;
}

export interface SkuSupply {
  sku: string;
  suppliers: readonly SupplyOption[];
}

/** One sku at one location: stock now and the order history it sold. */
export interface StockPosition {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  /** The location's own safety stock for the sku; when set it replaces the policy's computed one. */
  safetyStock?: number;
  history: readonly DailyQuantity[];
}

export interface ReplenishmentInput {
  positions: readonly StockPosition[];
  supply: readonly SkuSupply[];
  /** Purchase orders in any state: open ones are inbound supply, received ones are reliability history. */
  purchaseOrders: readonly PurchaseOrder[];
  /** Receipts older than the purchase orders kept in the input. */
  receiptHistory?: readonly ReceiptRecord[];
  promotions: readonly Promotion[];
}

export interface StockoutRisk {
  id: string;
  sku: string;
  locationId: string;
  detectedAt: number;
  detectedDate: string;
  level: 'zero' | 'safety_stock';
  /** First day the projection breaches `level`. */
  breachDate: string;
  /** Whole days on which demand is still met from stock and inbound POs. */
  daysOfCover: number;
  /** When an order placed today with the primary supplier would arrive (reliability applied). */
  nextPossibleReceiptDate: string;
  safetyStock: number;
  demandClass: DemandClass;
  forecastMethod: ForecastMethod;
  /** The day-by-day projection behind the risk, today up to the end of lead time + review. */
  projection: ProjectionDay[];
}

export type SupplierChoiceReason = 'primary' | 'primary_too_late' | 'primary_unreliable';

export interface PurchaseRecommendation {
  supplierId: string;
  quantity: number;
  unitCost: number;
  value: number;
  expectedDate: string;
  /** Lead time as planned: quoted days plus the supplier's reliability adjustment. */
  plannedLeadTimeDays: number;
  substitution: boolean;
  reason: SupplierChoiceReason;
  approvals: RequiredPurchaseApproval[];
}

export interface TransferRecommendation {
  fromLocationId: string;
  quantity: number;
  expectedDate: string;
}

export type AlternativeSource =
  | { kind: 'supplier'; supplierId: string; quantity: number; expectedDate: string; unitCost: number; reliable: boolean }
  | { kind: 'transfer'; fromLocationId: string; available: number; expectedDate: string };

export interface ReplenishmentRecommendation {
  id: string;
  sku: string;
  locationId: string;
  /** The risk this answers; null for a routine reorder (coverage runs short only after the next possible receipt). */
  riskId: string | null;
  /** Units the location must receive in total: transfer + purchase before rounding to supplier terms. */
  neededQuantity: number;
  purchase: PurchaseRecommendation | null;
  transfer: TransferRecommendation | null;
  /** Even the recommended sources arrive after the projected breach: the normal lead time is too late. */
  expedite: boolean;
  /** The sources not chosen, for a buyer who knows better. */
  alternatives: AlternativeSource[];
}

export interface SkippedPosition {
  sku: string;
  locationId: string;
  reason: 'no_supplier';
}

export interface ReplenishmentEvaluation {
  policyVersion: string;
  evaluatedAt: number;
  today: string;
  risks: StockoutRisk[];
  recommendations: ReplenishmentRecommendation[];
  skipped: SkippedPosition[];
}
