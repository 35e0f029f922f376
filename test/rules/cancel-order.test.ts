import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { activateRules } from './support.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, webOrder } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { getStock } from '../../src/store/repos/stock.js';

// A rule's `set_state` to cancelled is the order's cancel (cancelOrder), not a bare state change:
// its open fulfilments stop and their stock is released, as for a customer's cancel.
const RULES = {
  rules: [{
    id: 'no_express', version: 1, name: 'Cancel every routed order (a test rule)', enabled: true,
    trigger: { kind: 'event', eventType: 'order.routed' },
    actions: [{ kind: 'set_state', object: 'order', state: 'cancelled' }],
  }],
};

for (const factory of storeFactories()) {
  describe(`a rule cancelling an order: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    it('cancels the order through its cancel: the fulfilment stops, the units are free again, the books agree', async () => {
      t = await startTestApp(factory, { config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      await activateRules(t, RULES);
      for (const l of [DC_TILBURG, STORE_AMSTERDAM]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 5 }] } }));
      await t.send(webOrder('W-1', [{ sku: 'TENT', qty: 2, unitPrice: 40 }]));
      await t.drained();
      const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'W-1')}`, t.adminKey)).body;
      expect(o.state).toBe('cancelled');
      expect(o.fulfilments.map((f: { state: string }) => f.state)).toEqual(['cancelled']);
      expect(await getStock(t.app.store.read, 'TENT', 'dc')).toMatchObject({ onHand: 5, reserved: 0 });
      const books = await t.api('GET', '/v1/checks', t.adminKey);
      expect([books.status, books.body.findings]).toEqual([200, []]);
    });
  });
}
