import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import type { ReplenishmentPolicy } from '../../domain/replenishment/policy.js';

/**
 * Replenishment and procurement (SPEC §5 Replenishment, §6 replenishment check). What each field does
 * to the projection is in src/domain/replenishment/README.md.
 */
const days = z.number().int().min(0).max(365);
const share = z.number().min(0).max(1);
const role = z.enum(ROLES);

export const replenishmentPolicySchema = z
  .object({
    version: z.string().min(1),
    reviewPeriodDays: z.number().int().min(1).max(365),
    safetyStock: z.discriminatedUnion('method', [
      z.object({ method: z.literal('service_level'), z: z.number().min(0).max(5) }).strict(),
      z.object({ method: z.literal('days'), days: z.number().min(0).max(365) }).strict(),
    ]),
    riskLevel: z.enum(['zero', 'safety_stock']),
    forecast: z
      .object({
        historyDays: z.number().int().min(7).max(3650),
        smoothingAlpha: z.number().gt(0).max(1),
        croston: z.object({ alpha: z.number().gt(0).max(1), variant: z.enum(['croston', 'sba']) }).strict(),
        classification: z.object({ adiCutoff: z.number().min(1), cv2Cutoff: z.number().min(0) }).strict(),
        seasonality: z.object({ enabled: z.boolean(), minHistoryDays: z.number().int().min(7).max(3650) }).strict(),
        discountPastPromotions: z.boolean(),
        backtestDays: z.number().int().min(1).max(365),
      })
      .strict(),
    reliability: z
      .object({
        minReceipts: z.number().int().min(0),
        lateToleranceDays: days,
        unreliableLateShare: share,
        adjustExpectedDates: z.boolean(),
      })
      .strict(),
    alternateSupplier: z.object({ whenPrimaryUnreliable: z.boolean(), whenPrimaryTooLate: z.boolean() }).strict(),
    transfer: z.object({ enabled: z.boolean(), leadTimeDays: days, minQuantity: z.number().int().min(1) }).strict(),
    purchaseApprovals: z
      .object({
        expedited: z.object({ role }).strict(),
        aboveValue: z.object({ amount: z.number().nonnegative(), role }).strict(),
        substitution: z.object({ role }).strict(),
      })
      .strict(),
    receiving: z.object({ overDeliveryTolerancePercent: z.number().min(0).max(1000) }).strict().optional(),
  })
  .strict();

export type { ReplenishmentPolicy };

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesDomain: Same<z.infer<typeof replenishmentPolicySchema>, ReplenishmentPolicy> = true;
void schemaMatchesDomain;

/**
 * Defaults: a weekly review; 95 % service level (z 1.65); a risk is demand going unmet before the
 * next possible receipt; Syntetos–Boylan cut-offs (ADI 1.32, CV² 0.49) with SBA for intermittent
 * sellers; weekday rhythm from 4 weeks of history; a supplier late on more than 20 % of at least 5
 * receipts is planned with its mean delay; emergency buys → procurement, substitutions and buys above
 * 10,000 → category manager (SPEC §1, §5); a receipt more than 5 % above a line's order (or of a sku
 * not ordered) is put to procurement.
 */
export const defaultReplenishmentPolicy: ReplenishmentPolicy = {
  version: 'default',
  reviewPeriodDays: 7,
  safetyStock: { method: 'service_level', z: 1.65 },
  riskLevel: 'zero',
  forecast: {
    historyDays: 90,
    smoothingAlpha: 0.2,
    croston: { alpha: 0.1, variant: 'sba' },
    classification: { adiCutoff: 1.32, cv2Cutoff: 0.49 },
    seasonality: { enabled: true, minHistoryDays: 28 },
    discountPastPromotions: true,
    backtestDays: 14,
  },
  reliability: { minReceipts: 5, lateToleranceDays: 0, unreliableLateShare: 0.2, adjustExpectedDates: true },
  alternateSupplier: { whenPrimaryUnreliable: true, whenPrimaryTooLate: true },
  transfer: { enabled: true, leadTimeDays: 2, minQuantity: 1 },
  purchaseApprovals: {
    expedited: { role: 'procurement' },
    aboveValue: { amount: 10_000, role: 'category_manager' },
    substitution: { role: 'category_manager' },
  },
  receiving: { overDeliveryTolerancePercent: 5 },
};
