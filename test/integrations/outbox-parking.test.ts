import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { startReceiver } from './receiver.js';
import { until } from '../support/until.js';

const DELIVERY = { allowList: ['127.0.0.1'], pollMs: 10, timeoutMs: 400, maxAttempts: 50, backoffBaseMs: 5, backoffMaxMs: 40, breakerFailureThreshold: 3, breakerCooldownMs: 60 };
const DC = { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '23:59', utcOffsetMinutes: 0, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };

for (const factory of storeFactories()) {
  describe(`outbox rows nobody takes are written parked: ${factory.name}`, () => {
    let t: TestApp;
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
    afterEach(async () => {
      await t?.close();
      await receiver?.close();
      receiver = undefined;
    });

    it('a decided row without a destination is unrouted from its first commit; one with a destination is pending; registering one delivers the parked rows', async () => {
      t = await startTestApp(factory, { config: { environment: 'test', delivery: DELIVERY } });
      receiver = await startReceiver();
      // The delivery worker is stopped: whatever is parked was parked by the deciding transaction.
      await t.app.delivery.stop();
      const stores = await t.api('PUT', '/v1/destinations/stores', t.adminKey, { url: receiver.url, kind: 'webhook', environment: 'test', routes: [{ destination: 'location:*' }] });
      expect(stores.status, JSON.stringify(stores.body)).toBe(201);
      await t.send(envelope({ type: 'location.upserted', payload: DC }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      await t.send(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'W-1', customer: { id: 'c-1', email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR',
          shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 },
        },
      }));
      await t.drained();
      const rows = async () => t.app.store.read.all<{ id: string; destination: string; kind: string; status: string; last_error: string | null }>(
        `SELECT id, destination, kind, status, last_error FROM outbox WHERE destination IN ('location:dc', 'notify:email') ORDER BY destination`,
      );
      expect(await rows()).toEqual([
        { id: expect.any(String), destination: 'location:dc', kind: 'fulfilment.assigned', status: 'pending', last_error: null },
        { id: expect.any(String), destination: 'notify:email', kind: 'notification', status: 'unrouted', last_error: 'no registered destination takes this row' },
      ]);

      await t.app.delivery.start();
      const mail = await t.api('PUT', '/v1/destinations/mail', t.adminKey, { url: receiver.url, kind: 'notification', environment: 'test', routes: [{ destination: 'notify:*' }] });
      expect(mail.status, JSON.stringify(mail.body)).toBe(201);
      await until('both delivered', async () => (await rows()).every((r) => r.status === 'delivered'));
      expect(receiver.effects.map((e) => e.subject).sort()).toEqual(['customer:c-1', 'order:web:W-1']);
    }, 60_000);
  });
}
