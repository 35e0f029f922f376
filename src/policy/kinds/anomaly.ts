import { z } from 'zod';
import type { AnomalyRules } from '../../domain/anomaly/rules.js';
import { ROLES } from '../../domain/roles.js';

/**
 * Anomaly detection policy: how much history a robust baseline (median / MAD) needs, and how far
 * from it (in robust z-scores) an observation must be to be reported. `minScale` floors the MAD so
 * that a perfectly flat history does not turn every small wobble into an anomaly.
 */
const robustThreshold = {
  /** Robust z-score (|x − median| / (1.4826·MAD)) at which an observation is reported. */
  threshold: z.number().positive(),
  minScale: z.number().positive(),
};

const queueRule = z
  .object({
    /** Whether findings of this kind open an item at all (false: listed by GET /v1/anomalies only). */
    open: z.boolean(),
    /** Lowest score that opens an item (1 = just at the detector's threshold). */
    minScore: z.number().positive(),
    /** Who works the item. */
    ownerRole: z.enum(ROLES),
  })
  .strict();

export const anomalyPolicySchema = z
  .object({
    /** The stored version number, set by change control (every kind's drafts carry it; decisions record it). */
    version: z.string().min(1).optional(),
    demand: z
      .object({
        ...robustThreshold,
        /** Trailing days the baseline is taken from (no look-ahead). */
        baselineDays: z.number().int().positive(),
        /** Days of history before a day is scored at all. */
        minBaselinePoints: z.number().int().positive(),
        /** Compare with the same weekday (retail demand has a weekly rhythm) when there are enough of them. */
        byWeekday: z.boolean(),
        minWeekdayPoints: z.number().int().positive(),
      })
      .strict(),
    orders: z
      .object({
        velocityWindowHours: z.number().positive(),
        /** More orders than this from one customer within the window is reported. */
        maxOrdersPerCustomer: z.number().int().positive(),
        /** More orders than this to one shipping address within the window is reported. */
        maxOrdersPerAddress: z.number().int().positive(),
        /** Robust z-score of log(order value) against earlier orders at which a value is reported. */
        valueThreshold: z.number().positive(),
        /** Earlier orders needed before order values are scored. */
        valueMinHistory: z.number().int().positive(),
        /**
         * Order values against the customer's own earlier orders once there are `minHistory` of them
         * (a regular who always spends 600 is not an outlier; one who always spends 20 and now 400 is);
         * fewer, or absent (versions stored before it): against every earlier order. `minScale` floors
         * the spread of the customer's log values: a handful of similar orders would otherwise make a
         * modest change look extreme (0.3 → an order is unusual for them from about 3.3× their usual on).
         */
        customerBaseline: z.object({ minHistory: z.number().int().positive(), minScale: z.number().positive() }).strict().optional(),
      })
      .strict(),
    returnRate: z
      .object({
        ...robustThreshold,
        /** Returns / orders are summed over this many days to smooth daily noise. */
        windowDays: z.number().int().positive(),
        baselineDays: z.number().int().positive(),
        /** Windows with fewer orders than this are not scored: their rate is mostly noise. */
        minOrdersInWindow: z.number().int().positive(),
      })
      .strict(),
    /**
     * Which findings open an item in the anomaly exception queue, and whose it is. Per kind; a kind
     * absent here (or the whole map, in versions stored before it) opens nothing.
     */
    queue: z
      .object({
        demand: queueRule,
        customer_velocity: queueRule,
        address_velocity: queueRule,
        value_outlier: queueRule,
        return_rate: queueRule,
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

export type AnomalyPolicy = z.infer<typeof anomalyPolicySchema>;

export const defaultAnomalyPolicy: AnomalyPolicy = {
  demand: { threshold: 4, minScale: 1, baselineDays: 56, minBaselinePoints: 28, byWeekday: true, minWeekdayPoints: 4 },
  orders: { velocityWindowHours: 24, maxOrdersPerCustomer: 5, maxOrdersPerAddress: 8, valueThreshold: 4, valueMinHistory: 30, customerBaseline: { minHistory: 8, minScale: 0.3 } },
  returnRate: { threshold: 4, minScale: 0.01, windowDays: 7, baselineDays: 56, minOrdersInWindow: 30 },
  queue: {
    // A spike or drop is first a stock question (a count gone wrong, a listing gone dark, stock to
    // move or buy); inventory control hands a buying question to procurement.
    demand: { open: true, minScore: 1, ownerRole: 'inventory_control' },
    // Bursts and far-off order values are the fraud team's: card testing, bots, reshipping.
    customer_velocity: { open: true, minScore: 1, ownerRole: 'fraud_review' },
    address_velocity: { open: true, minScore: 1, ownerRole: 'fraud_review' },
    value_outlier: { open: true, minScore: 1, ownerRole: 'fraud_review' },
    // A sku suddenly coming back (a bad batch, a misleading listing) is seen first by service.
    return_rate: { open: true, minScore: 1, ownerRole: 'service_agent' },
  },
};

/** A policy document is what the domain detectors read; a schema change that breaks them fails to compile here. */
export function anomalyRulesOf(policy: AnomalyPolicy): AnomalyRules {
  return policy;
}
