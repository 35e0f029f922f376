import { describe, expect, it } from 'vitest';
import { anomalyItemFor, type DetectedAnomaly } from '../../../src/domain/anomaly/queue.js';
import { defaultAnomalyPolicy, anomalyPolicySchema } from '../../../src/policy/kinds/anomaly.js';

const base: DetectedAnomaly = { anomalyId: 'an-1', kind: 'demand', key: 'TENT', day: '2026-11-29', score: 1.5, explanation: 'TENT sold 90, usually 20', detail: { direction: 'spike' }, policyVersion: '3' };
const queue = defaultAnomalyPolicy.queue;

describe('which anomalies open an exception item, and whose', () => {
  it('defaults: demand → inventory control, bursts and values → fraud review, return rates → service', () => {
    const owner = (kind: DetectedAnomaly['kind']) => {
      const d = anomalyItemFor({ ...base, kind }, queue);
      return d.open ? d.ownerRole : d.why;
    };
    expect(['demand', 'customer_velocity', 'address_velocity', 'value_outlier', 'return_rate'].map((k) => owner(k as DetectedAnomaly['kind']))).toEqual([
      'inventory_control', 'fraud_review', 'fraud_review', 'fraud_review', 'service_agent',
    ]);
  });

  it('links the item to the anomaly and the sku or order, under one subject per kind and key', () => {
    expect(anomalyItemFor(base, queue)).toMatchObject({ open: true, subjectRef: 'anomaly:demand:TENT', detail: { anomalyId: 'an-1', sku: 'TENT', direction: 'spike', policyVersion: '3' } });
    const value = anomalyItemFor({ ...base, kind: 'value_outlier', key: 'ord-7', detail: { orderId: 'ord-7', customerId: 'c-1', baseline: 'customer' } }, queue);
    expect(value).toMatchObject({ open: true, subjectRef: 'anomaly:value_outlier:ord-7', detail: { orderId: 'ord-7', customerId: 'c-1', baseline: 'customer' } });
  });

  it('a burst is one subject: the customer or address the finding names, else the order', () => {
    expect(anomalyItemFor({ ...base, kind: 'customer_velocity', key: 'o-9', detail: { orderId: 'o-9', customerId: 'bot' } }, queue)).toMatchObject({ subjectRef: 'anomaly:customer_velocity:bot' });
    expect(anomalyItemFor({ ...base, kind: 'address_velocity', key: 'o-9', detail: { orderId: 'o-9', addressKey: 'drop' } }, queue)).toMatchObject({ subjectRef: 'anomaly:address_velocity:drop' });
    expect(anomalyItemFor({ ...base, kind: 'address_velocity', key: 'o-9', detail: { orderId: 'o-9' } }, queue)).toMatchObject({ subjectRef: 'anomaly:address_velocity:o-9' });
  });

  it('opens nothing for a kind switched off, under its minimum score, not named, or with no queue at all', () => {
    expect(anomalyItemFor(base, { ...queue, demand: { ...queue!.demand!, open: false } })).toEqual({ open: false, why: 'kind_off' });
    expect(anomalyItemFor(base, { ...queue, demand: { ...queue!.demand!, minScore: 2 } })).toEqual({ open: false, why: 'below_min_score' });
    const { demand: _, ...withoutDemand } = queue!;
    expect(anomalyItemFor(base, withoutDemand)).toEqual({ open: false, why: 'kind_not_queued' });
    expect(anomalyItemFor(base, undefined)).toEqual({ open: false, why: 'kind_not_queued' });
  });

  it('the policy refuses an owner that is not a role and an unknown kind', () => {
    expect(anomalyPolicySchema.safeParse({ ...defaultAnomalyPolicy, queue: { ...queue, demand: { open: true, minScore: 1, ownerRole: 'buyer' } } }).success).toBe(false);
    expect(anomalyPolicySchema.safeParse({ ...defaultAnomalyPolicy, queue: { ...queue, weather: { open: true, minScore: 1, ownerRole: 'procurement' } } }).success).toBe(false);
    const { queue: _q, ...older } = defaultAnomalyPolicy;
    expect(anomalyPolicySchema.safeParse(older).success).toBe(true);
  });
});
