import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';

export const ANOMALY_KINDS = ['demand', 'customer_velocity', 'address_velocity', 'value_outlier', 'return_rate'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const anomalyDetected = defineEvent({
  type: 'anomaly.detected',
  schemaVersion: 1,
  origin: 'decided',
  description: 'The anomaly scan found something unusual in demand, order patterns or return rates.',
  payload: z.object({
    anomalyId: z.string(),
    kind: z.enum(ANOMALY_KINDS),
    key: z.string(),
    day: z.string(),
    score: z.number(),
    explanation: z.string(),
    detail: z.record(z.string(), z.unknown()),
    policyVersion: z.string(),
  }),
  subject: (p) => `anomaly:${p.kind}:${p.key}`,
});
