import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { defaultAnomalyPolicy } from '../../src/policy/kinds/anomaly.js';
import { insertPolicyVersion, setPolicyStatus } from '../../src/store/repos/policies.js';

/**
 * `anomaly.detected` → an item in the anomaly exception queue, owned by the role the anomaly policy
 * names for the kind; one open item per kind and subject, repeats counted on it. The findings are
 * handed to intake directly (as the scan's decided events would be), not produced by a scan.
 */
type Item = { id: string; queue: string; ownerRole: string; subjectRef: string; summary: string; detail: Record<string, any>; state: string };

let n = 0;
function finding(kind: string, key: string, score: number, detail: Record<string, unknown> = {}, day = '2026-11-29') {
  n++;
  return envelope({
    type: 'anomaly.detected',
    sourceEventId: `anomaly-${n}`,
    payload: { anomalyId: `an-${n}`, kind, key, day, score, explanation: `${kind} ${key} looks unusual (${n})`, detail, policyVersion: '1' },
  });
}

for (const factory of storeFactories()) {
  describe(`anomaly findings open exception items: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(factory);
    });
    afterAll(async () => t?.close());

    const detect = async (e: Record<string, unknown>) => {
      const r = await t.app.intake.submit(e, { internal: true, actor: 'scheduler', actorRole: 'system' });
      if (!r.ok) throw r.error;
      await t.settled(r.eventId);
    };
    const items = async (key = t.adminKey, state = 'open'): Promise<Item[]> => {
      const res = await t.api('GET', `/v1/exceptions?queue=anomaly&state=${state}`, key);
      expect(res.status).toBe(200);
      return res.body.items;
    };
    const itemFor = async (subjectRef: string) => (await items()).filter((i) => i.subjectRef === subjectRef);

    it('a value outlier opens one item for the fraud team, linked to the anomaly and the order', async () => {
      await detect(finding('value_outlier', 'ord-1', 1.4, { orderId: 'ord-1', customerId: 'cust-9', baseline: 'customer' }));
      const [item, ...more] = await itemFor('anomaly:value_outlier:ord-1');
      expect(more).toEqual([]);
      expect(item).toMatchObject({ queue: 'anomaly', ownerRole: 'fraud_review', state: 'open' });
      expect(item!.detail).toMatchObject({ anomalyId: `an-${n}`, kind: 'value_outlier', key: 'ord-1', orderId: 'ord-1', customerId: 'cust-9', baseline: 'customer', score: 1.4, occurrences: 1 });
      expect(item!.summary).toContain('Unusual order value');
      // The owner sees it in their queue; another role's queue does not hold it.
      expect((await items(await t.keyFor('fraud_review'))).map((i) => i.subjectRef)).toContain('anomaly:value_outlier:ord-1');
      expect((await items(await t.keyFor('inventory_control'))).map((i) => i.subjectRef)).not.toContain('anomaly:value_outlier:ord-1');
    });

    it('each kind goes to the role the policy names: demand to inventory control, return rates to service', async () => {
      await detect(finding('demand', 'TENT', 2.1, { observed: 90, expected: 20, direction: 'spike' }));
      await detect(finding('return_rate', 'MAT', 1.2, { sku: 'MAT', rate: 0.3, baselineRate: 0.05 }));
      const [demand] = await itemFor('anomaly:demand:TENT');
      const [returns] = await itemFor('anomaly:return_rate:MAT');
      expect(demand).toMatchObject({ ownerRole: 'inventory_control', detail: { sku: 'TENT', direction: 'spike' } });
      expect(returns).toMatchObject({ ownerRole: 'service_agent', detail: { sku: 'MAT' } });
    });

    it('a new finding for the same kind and subject while the item is open counts on it', async () => {
      await detect(finding('demand', 'TENT', 3.0, { direction: 'spike' }, '2026-11-30'));
      const before = n;
      await detect(finding('demand', 'TENT', 1.1, { direction: 'drop' }, '2026-12-01'));
      const [item, ...more] = await itemFor('anomaly:demand:TENT');
      expect(more).toEqual([]);
      expect(item!.detail).toMatchObject({ occurrences: 3, anomalyId: expect.any(String), last: { anomalyId: `an-${before + 1}`, day: '2026-12-01', direction: 'drop' } });
    });

    it('the orders of one burst count on one item for the customer', async () => {
      for (const o of ['b-5', 'b-6', 'b-7']) await detect(finding('customer_velocity', o, 1.2, { orderId: o, customerId: 'bot' }));
      const [item, ...more] = await itemFor('anomaly:customer_velocity:bot');
      expect(more).toEqual([]);
      expect(item).toMatchObject({ ownerRole: 'fraud_review', detail: { orderId: 'b-5', customerId: 'bot', occurrences: 3, last: { orderId: 'b-7' } } });
    });

    it('after the item is resolved, the next finding opens a new one', async () => {
      const [item] = await itemFor('anomaly:value_outlier:ord-1');
      // The owner may work it: the fraud team resolves its own item.
      const res = await t.api('POST', `/v1/exceptions/${item!.id}/resolve`, await t.keyFor('fraud_review'), { reason: 'customer confirmed the order' });
      expect(res.status).toBe(200);
      await t.drained();
      await detect(finding('value_outlier', 'ord-1', 1.6, { orderId: 'ord-1' }));
      const open = await itemFor('anomaly:value_outlier:ord-1');
      expect(open).toHaveLength(1);
      expect(open[0]!.id).not.toBe(item!.id);
      expect(open[0]!.detail.occurrences).toBe(1);
    });

    it('a kind switched off, a score under the minimum, or a kind the policy does not name opens nothing', async () => {
      const policy = structuredClone(defaultAnomalyPolicy) as any;
      policy.queue.address_velocity = { ...policy.queue.address_velocity, open: false };
      policy.queue.value_outlier = { ...policy.queue.value_outlier, minScore: 2, ownerRole: 'operations_manager' };
      delete policy.queue.return_rate;
      const at = new Date().toISOString();
      await t.app.store.transaction(async (tx) => {
        await setPolicyStatus(tx, 'anomaly', 1, 'retired');
        await insertPolicyVersion(tx, { kind: 'anomaly', version: 2, status: 'active', doc: policy, author: 'test', approvedBy: 'test-2', createdAt: at, activatedAt: at });
      });
      t.app.policies.invalidate();

      await detect(finding('address_velocity', 'o-20', 5, { orderId: 'o-20', addressKey: 'drop-1' }));
      await detect(finding('value_outlier', 'ord-2', 1.9, { orderId: 'ord-2' }));
      await detect(finding('return_rate', 'SOCK', 3, { sku: 'SOCK' }));
      await detect(finding('value_outlier', 'ord-3', 2.5, { orderId: 'ord-3' }));
      const subjects = (await items()).map((i) => i.subjectRef);
      expect(subjects).not.toContain('anomaly:address_velocity:drop-1');
      expect(subjects).not.toContain('anomaly:value_outlier:ord-2');
      expect(subjects).not.toContain('anomaly:return_rate:SOCK');
      // The owner is the policy's, read when the item opens.
      expect((await itemFor('anomaly:value_outlier:ord-3'))[0]).toMatchObject({ ownerRole: 'operations_manager' });
    });
  });
}
