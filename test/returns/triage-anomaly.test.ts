import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { ticketIdFor } from '../../src/engine/triage/handlers.js';
import { insertOrder } from '../../src/store/repos/orders.js';
import { DAY, ReturnsWorld, T0, fakeApprovals } from './support.js';

for (const factory of storeFactories()) {
  describe(`ticket triage and anomaly scan: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    it('a ticket is categorised, prioritised, linked to the order named in it and its return case, with a draft reply', async () => {
      fakeApprovals();
      await w.start(factory);
      const orderId = await w.deliveredOrder('W-10001', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'W-10001', lines: [{ lineId: '1', qty: 1 }], reason: 'too small, need a bigger size' });
      await w.send(envelope({ type: 'ticket.opened', payload: { ticketId: 'T-1', text: 'My parcel for order W-10001 says delivered but I never received it. Where is it?' } }));
      await w.drained();
      const agent = await w.t.keyFor('service_agent');
      const t = (await w.t.api('GET', `/v1/tickets/${ticketIdFor('web', 'T-1')}`, agent)).body;
      expect(t).toMatchObject({ state: 'triaged', category: 'delivery_problem', priority: 'high', orderId, caseId: c.id, customerId: 'c-W-10001' });
      expect(t.triage.priorityReasons).toContain('high:not_received');
      expect(t.link).toEqual({ orderId, how: 'order number W-10001 in the text' });
      expect(t.suggestedReply.text).toContain('W-10001');
      expect(t.triage.model.id).toBe('omniops-builtin/ticket-category');

      // No number in the text: the customer's latest order. A reply promising money is never sent as is.
      await w.send(envelope({ type: 'ticket.opened', payload: { ticketId: 'T-2', customerId: 'c-W-10001', text: 'I sent the shoes back, when will I get my refund for the return?' } }));
      await w.drained();
      const t2 = (await w.t.api('GET', `/v1/tickets/${ticketIdFor('web', 'T-2')}`, agent)).body;
      expect(t2).toMatchObject({ orderId, caseId: c.id, category: 'return_refund' });
      expect(t2.link.how).toBe('latest order of customer c-W-10001');
      const list = (await w.t.api('GET', '/v1/tickets?category=delivery_problem&priority=high', agent)).body.items;
      expect(list.map((x: { id: string }) => x.id)).toEqual([t.id]);
      expect((await w.t.api('GET', '/v1/tickets', await w.t.keyFor('warehouse'))).status).toBe(403);
    });

    it('the scheduled anomaly scan flags a demand spike and a burst of orders, once', async () => {
      await w.start(factory);
      // 60 days of ordinary demand for KETTLE (2 a day), then 30 on the last complete day; one customer orders 8 times that day.
      const today = Math.floor(T0 / DAY) * DAY;
      await w.t.app.store.transaction(async (tx) => {
        let n = 0;
        for (let d = 60; d >= 1; d--) {
          const orders = d === 1 ? 15 : 1;
          for (let i = 0; i < orders; i++) {
            const id = `ord-h-${n++}`;
            const customerId = d === 1 && i < 8 ? 'c-burst' : `c-${n}`;
            const placedMs = today - d * DAY + 3_600_000 + i * 60_000;
            await insertOrder(tx, {
              id, source: 'web', externalOrderId: id, state: 'delivered', holdReason: null, customerId, addressKey: `addr-${n}`, total: 40, currency: 'EUR', placedMs, promisedByMs: null,
              doc: { placed: { lines: [{ lineId: '1', sku: 'KETTLE', qty: 2, unitPrice: 20 }] }, paymentStatus: 'captured', routing: [], excludedLocationIds: [], history: [] },
            }, new Date(placedMs).toISOString());
          }
        }
      });
      w.now = T0 + 3_600_000; // the next hourly slot of the scan
      await w.t.app.scheduler.tick();
      await w.drained();
      const ops = await w.t.keyFor('operations_manager');
      const found = (await w.t.api('GET', '/v1/anomalies', ops)).body.items;
      const yesterday = new Date(today - DAY).toISOString().slice(0, 10);
      expect(found).toEqual(expect.arrayContaining([
        expect.objectContaining({ kind: 'demand', key: 'KETTLE', day: yesterday, detail: expect.objectContaining({ observed: 30, direction: 'spike' }) }),
        expect.objectContaining({ kind: 'customer_velocity', day: yesterday }),
      ]));
      const spike = found.find((a: { kind: string }) => a.kind === 'demand');
      expect(spike.score).toBeGreaterThanOrEqual(1);
      expect(spike.explanation).toContain('KETTLE sold 30');
      const events = await w.t.app.store.read.all(`SELECT id FROM events WHERE type = 'anomaly.detected'`);
      expect(events.length).toBe(found.length);
      // The next scan sees the same history: nothing new is reported.
      w.now += 3_600_000;
      await w.t.app.scheduler.tick();
      await w.drained();
      expect((await w.t.api('GET', '/v1/anomalies', ops)).body.items).toHaveLength(found.length);
      expect((await w.t.api('GET', '/v1/anomalies?kind=demand', ops)).body.items).toHaveLength(1);
      expect((await w.t.api('GET', '/v1/anomalies', await w.t.keyFor('warehouse'))).status).toBe(403);
    });
  });
}
