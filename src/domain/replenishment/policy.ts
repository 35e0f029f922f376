import type { PurchaseApprovalRules } from '../procurement/approval-rules.js';
import type { ReliabilityRules } from '../procurement/reliability-rules.js';

/** How much stock is kept beyond the forecast to absorb forecast error. */
export type SafetyStockRule =
  /** z × σ(one-step forecast error) × √(lead time + review days): a service level, e.g. z 1.65 ≈ 95 %. */
  | { method: 'service_level'; z: number }
  /** A number of days of average forecast demand: simple to explain, no error model needed. */
  | { method: 'days'; days: number };

/**
 * What the replenishment deciders read from policy (no threshold lives in code). The zod schema
 * and SPEC defaults are in src/policy/kinds/replenishment.ts, checked against this shape at compile
 * time. README.md in this folder explains each field's role in the projection.
 */
export interface ReplenishmentPolicy {
  version: string;
  /** Days between two replenishment checks: an order placed now must last until the next one arrives. */
  reviewPeriodDays: number;
  safetyStock: SafetyStockRule;
  /** The level whose projected crossing before the next possible receipt is a stockout risk. */
  riskLevel: 'zero' | 'safety_stock';
  forecast: {
    /** Only the most recent days of history are used: older demand describes another assortment. */
    historyDays: number;
    /** Simple exponential smoothing weight of the newest day, for regular sellers. */
    smoothingAlpha: number;
    /** Croston smoothing for intermittent sellers; SBA removes Croston's known upward bias. */
    croston: { alpha: number; variant: 'croston' | 'sba' };
    /** Syntetos–Boylan classification: ADI ≥ adiCutoff is intermittent; CV² ≥ cv2Cutoff is erratic/lumpy. */
    classification: { adiCutoff: number; cv2Cutoff: number };
    /** Day-of-week indices only with enough history for every weekday to repeat. */
    seasonality: { enabled: boolean; minHistoryDays: number };
    /** Divide history inside past promotion windows by their uplift so promotions do not inflate the baseline. */
    discountPastPromotions: boolean;
    /** Length of the hold-out at the end of history used for the WAPE backtest. */
    backtestDays: number;
  };
  reliability: ReliabilityRules;
  /** When to buy from another supplier than the primary one. */
  alternateSupplier: {
    whenPrimaryUnreliable: boolean;
    /** The primary's (reliability-adjusted) arrival is after the projected breach. */
    whenPrimaryTooLate: boolean;
  };
  /** Moving stock from a location with excess, which keeps its own lead time + review + safety cover. */
  transfer: { enabled: boolean; leadTimeDays: number; minQuantity: number };
  purchaseApprovals: PurchaseApprovalRules;
  /**
   * Goods in above what a purchase order asked for: beyond `overDeliveryTolerancePercent` of a line's
   * ordered quantity (and any sku not on the order) procurement gets an item to answer. Absent (a
   * version written before this setting existed): nothing is asked, as before.
   */
  receiving?: { overDeliveryTolerancePercent: number };
}
