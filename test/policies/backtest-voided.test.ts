import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, startShop, webOrder } from '../support/shop.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const TENT = { sku: 'TENT', qty: 1, unitPrice: 40 };

for (const factory of storeFactories()) {
  describe(`backtest replays voided payments as they were decided: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    it('a voided authorization holds the order in the replay too; voids after a capture, and voided captures, decide nothing', async () => {
      now = T0;
      t = await startShop(factory, () => now, [DC_TILBURG], { dc: [{ sku: 'TENT', onHand: 5 }] });
      const from = now;
      now += 60_000;
      await t.send(webOrder('V-1', [TENT]));
      await t.send(webOrder('V-2', [TENT], 'captured'));
      now += 60_000;
      await t.send(envelope({ type: 'payment.voided', payload: { externalOrderId: 'V-1' } })); // nothing captured: held
      await t.send(envelope({ type: 'payment.voided', payload: { externalOrderId: 'V-2' } })); // captured: stands
      await t.send(envelope({ type: 'payment.voided', payload: { externalOrderId: 'V-2', captureId: 'tx-1' } }));
      await t.send(envelope({ type: 'payment.refunded', payload: { externalOrderId: 'V-2', amount: 5, refundId: 'rf-1' } }));
      await t.drained();

      const manager = await t.keyFor('operations_manager');
      const same = await t.api('POST', '/v1/policies/orders/versions/1/simulate', manager, { from, to: new Date(now).toISOString() });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      expect(same.body.reproduced.mismatches).toEqual([]);
      // Two orders placed and three voids (the channel refund is money only: not a decision to replay).
      // Before, voids were not replayed at all: 2 of 2.
      expect(same.body.reproduced).toMatchObject({ matched: 5, total: 5 });
    }, 60_000);
  });
}
