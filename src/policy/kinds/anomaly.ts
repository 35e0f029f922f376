import { z } from 'zod';
import type { AnomalyRules } from '../../domain/anomaly/rules.js';

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
  })
  .strict();

export type AnomalyPolicy = z.infer<typeof anomalyPolicySchema>;

export const defaultAnomalyPolicy: AnomalyPolicy = {
  demand: { threshold: 4, minScale: 1, baselineDays: 56, minBaselinePoints: 28, byWeekday: true, minWeekdayPoints: 4 },
  orders: { velocityWindowHours: 24, maxOrdersPerCustomer: 5, maxOrdersPerAddress: 8, valueThreshold: 4, valueMinHistory: 30 },
  returnRate: { threshold: 4, minScale: 0.01, windowDays: 7, baselineDays: 56, minOrdersInWindow: 30 },
};

/** A policy document is what the domain detectors read; a schema change that breaks them fails to compile here. */
export function anomalyRulesOf(policy: AnomalyPolicy): AnomalyRules {
  return policy;
}
