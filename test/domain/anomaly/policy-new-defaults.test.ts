import { describe, expect, it } from 'vitest';
import { newInDefaults, withNewDefaults } from '../../../src/domain/policies/new-in-defaults.js';
import { anomalyPolicySchema, defaultAnomalyPolicy } from '../../../src/policy/kinds/anomaly.js';
import { IDENTIFIED_LISTS } from '../../../src/engine/policies/identified-lists.js';

/** An anomaly policy as a database made before the queue and per-customer baselines stored it, with one value changed. */
function olderAnomalyBody(): Record<string, unknown> {
  const body = structuredClone(defaultAnomalyPolicy) as any;
  delete body.queue;
  delete body.orders.customerBaseline;
  body.orders.valueThreshold = 5;
  body.version = '1';
  return body;
}

describe('anomaly policy: what this release adds to stored versions', () => {
  it('an older version still validates and lists the queue and the per-customer minimum as new in defaults', () => {
    const stored = olderAnomalyBody();
    expect(anomalyPolicySchema.safeParse(stored).success).toBe(true);
    const found = newInDefaults(defaultAnomalyPolicy, stored, { lists: IDENTIFIED_LISTS.anomaly });
    expect(found.map((f) => [f.path, f.value])).toEqual([
      ['orders.customerBaseline', defaultAnomalyPolicy.orders.customerBaseline],
      ['queue', defaultAnomalyPolicy.queue],
    ]);
    const merged = withNewDefaults(stored, found) as any;
    expect(anomalyPolicySchema.parse(merged)).toMatchObject({ queue: defaultAnomalyPolicy.queue, orders: { valueThreshold: 5, customerBaseline: { minHistory: 8, minScale: 0.3 } } });
  });

  it('a queue without a kind lists that kind alone; a kind switched off is the retailer’s value', () => {
    const stored = structuredClone(defaultAnomalyPolicy) as any;
    delete stored.queue.return_rate;
    stored.queue.demand.open = false;
    expect(newInDefaults(defaultAnomalyPolicy, stored, { lists: IDENTIFIED_LISTS.anomaly }).map((f) => f.path)).toEqual(['queue.return_rate']);
  });
});
