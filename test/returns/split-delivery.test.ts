import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { DAY, LOCATION, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

const STORE = { ...LOCATION, id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12 };

for (const factory of storeFactories()) {
  describe(`a split order with a lost parcel: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    it('the delivered parcel can be returned; the lost parcel\'s units cannot (quantity_exceeds)', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] }) });
      // Mugs only at the store, tents only at the DC: the order is split over two parcels.
      await w.send(envelope({ type: 'location.upserted', payload: STORE }));
      await w.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'MUG', onHand: 0 }] } }));
      await w.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-utr', counts: [{ sku: 'MUG', onHand: 20 }] } }));
      w.now = T0;
      await w.send(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'S-1', customer: { id: 'c-S-1', email: 'kim@example.com', createdAt: '2020-01-01T00:00:00Z' },
          lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 2, unitPrice: 10 }], currency: 'EUR',
          shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'captured', amount: 140 },
        },
      }));
      await w.drained();
      const order = await w.order('S-1');
      expect(order.fulfilments.map((f: { locationId: string }) => f.locationId).sort()).toEqual(['dc', 'store-utr']);
      const tentParcel = order.fulfilments.find((f: { locationId: string }) => f.locationId === 'dc');
      const mugParcel = order.fulfilments.find((f: { locationId: string }) => f.locationId === 'store-utr');
      for (const f of [tentParcel, mugParcel]) {
        for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped']) await w.send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S-${f.id}` } : {}) } }));
      }
      w.now = T0 + 3_600_000;
      await w.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: tentParcel.id } }));
      await w.send(envelope({ type: 'shipment.exception', payload: { fulfilmentId: mugParcel.id, carrier: 'postnl', trackingNumber: `3S-${mugParcel.id}`, reason: 'lost' } }));
      await w.drained();
      expect((await w.order('S-1')).state).not.toBe('delivered');

      w.now = T0 + 2 * DAY;
      const tent = await w.requestReturn({ externalOrderId: 'S-1', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      const c = await w.caseOf(tent.id);
      expect(c.problems).toEqual([]);
      expect(c.state, JSON.stringify(c.history)).not.toBe('rejected');
      // The window runs from the delivery of what did arrive.
      expect(c.deliveredAt).toBe(new Date(T0 + 3_600_000).toISOString());
      expect(c.refund).toMatchObject({ state: 'sent', amount: 120 });

      const mugs = await w.requestReturn({ externalOrderId: 'S-1', lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' });
      expect(mugs.state).toBe('rejected');
      expect(mugs.problems).toEqual([{ code: 'quantity_exceeds', lineId: '2', sku: 'MUG', requested: 1, returnable: 0 }]);
      expect(orderIdFor('web', 'S-1')).toBe(c.orderId);

      // Refunded, the order follows its return although it never was delivered as a whole.
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: c.refund.id } }));
      await w.drained();
      const followed = await w.order('S-1');
      expect([followed.state, followed.history.at(-1).note]).toEqual(['partially_returned', `1 of 1 delivered units refunded (return case ${c.id})`]);
      // The lost parcel turns up after all: recorded on its fulfilment, the order stays with its returns.
      await w.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: mugParcel.id } }));
      await w.drained();
      const found = await w.order('S-1');
      expect(found.state).toBe('partially_returned');
      expect(found.fulfilments.find((f: { id: string }) => f.id === mugParcel.id).state).toBe('delivered');
    });
  });
}
