import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DEMO_BUYER, DEMO_RECEIVER, demoPersonKey, seedDemo } from '../../src/demo/seed.js';
import { seedProcurementDemo } from '../../src/demo/procurement-scenarios.js';
import { TransferDesk } from '../../src/demo/transfers.js';
import { queryRecommendations, queryTransfers } from '../../src/store/repos/replenishment.js';
import { queryExceptions } from '../../src/store/repos/exceptions.js';

// The demo's transfers (src/demo/transfers.ts) over the demo retailer itself: its seed and first
// replenishment check must propose transfers, and the desk, round by round on a clock the test moves,
// must accept, ship, receive and recount them through the API and signed events like a person would.
const T0 = Date.parse('2026-12-03T09:00:30Z');

/** A test app with the demo retailer and its procurement seeded, its follow-ups processed. */
async function demoApp(factory: Parameters<typeof startTestApp>[0], clock: () => number): Promise<TestApp> {
  const app = await startTestApp(factory, { clock });
  await seedDemo(app.app);
  await app.drained(120_000);
  await seedProcurementDemo(app.app);
  await app.drained(120_000);
  return app;
}

for (const factory of storeFactories()) {
  describe(`the demo's transfers: ${factory.name}`, { timeout: 240_000 }, () => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('accepts proposed transfers, ships most (some short), receives them — unreported ones with or without when they left — and recounts what a count on the way put in doubt', async () => {
      let now = T0;
      t = await demoApp(factory, () => now);
      const proposed = (await queryRecommendations(t.app.store.read, { state: 'open', limit: 1000 })).filter((r) => r.doc.transfer && !r.doc.purchase);
      expect(proposed.length).toBeGreaterThan(12);

      const buyerKey = await demoPersonKey(t.app, DEMO_BUYER);
      const receiverKey = await demoPersonKey(t.app, DEMO_RECEIVER);
      // A restarted demo keeps the people's keys it wrote down.
      expect(await demoPersonKey(t.app, DEMO_BUYER, buyerKey)).toBe(buyerKey);
      // Every unreported one without a departure time is counted on the way, so each turn shows among twelve.
      const desk = new TransferDesk(t.app, t.url, { buyerKey, receiverKey }, { acceptPerRound: 4, acceptAtMost: 12, shares: { unreported: 0.5, withShippedAt: 0.5, countedOnTheWay: 1, short: 0.4 } });
      const recounts = async () => queryExceptions(t!.app.store.read, { queues: ['transfer_recount'], limit: 100 });
      for (let round = 0; round < 40; round++) {
        now += 10_000;
        await desk.work(now);
        await t.drained(60_000);
        const live = [...(await queryTransfers(t.app.store.read, { state: 'in_transit', limit: 100 })), ...(await queryTransfers(t.app.store.read, { state: 'shipped', limit: 100 }))];
        if (round > 3 && live.length === 0 && (await recounts()).every((x) => x.state === 'resolved')) break;
      }

      expect(desk.stats.failed).toBe(0);
      expect(desk.stats.accepted).toBe(12);
      const transfers = await queryTransfers(t.app.store.read, { limit: 100 });
      expect(transfers).toHaveLength(desk.stats.made);
      expect(desk.stats.made).toBeGreaterThan(8);
      expect(transfers.map((x) => x.state)).toEqual(transfers.map(() => 'received'));
      expect(transfers.map((x) => x.doc.requestedBy)).toEqual(transfers.map(() => DEMO_BUYER.name));

      // Shipped by the source's own system, some short; received as they left.
      const shipped = transfers.filter((x) => typeof x.doc.shippedBy === 'string');
      expect(shipped.length).toBe(desk.stats.shipped);
      expect(desk.stats.shipped).toBeGreaterThan(0);
      expect(desk.stats.short).toBeGreaterThan(0);
      expect(shipped.every((x) => String(x.doc.shippedBy).startsWith('source:') && x.doc.receivedQty === x.doc.shippedQty)).toBe(true);
      expect(shipped.filter((x) => (x.doc.shippedQty as number) < x.qty)).toHaveLength(desk.stats.short);

      // Unreported, received with when it left: booked at exactly that time, before the receipt.
      expect(desk.stats.receivedWithShippedAt).toBeGreaterThan(0);
      const receipts = await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = 'transfer.received'`);
      const withTime = receipts.map((r) => JSON.parse(r.payload) as { transferId: string; shippedAt?: string }).filter((p) => p.shippedAt);
      expect(withTime).toHaveLength(desk.stats.receivedWithShippedAt);
      for (const p of withTime) {
        const tr = transfers.find((x) => x.id === p.transferId)!;
        expect(tr.doc.shippedMs).toBe(Date.parse(p.shippedAt!));
        expect(tr.doc.shippedMs as number).toBeLessThan(tr.doc.receivedMs as number);
      }

      // Unreported and received without it after a count at the source: a recount opened, and the floor's next count closed it.
      const items = await recounts();
      expect(items.length).toBeGreaterThan(0);
      expect(desk.stats.receivedWithoutShippedAt).toBeGreaterThan(0);
      expect(desk.stats.countedOnTheWay).toBe(desk.stats.receivedWithoutShippedAt);
      expect(desk.stats.recounted).toBeGreaterThanOrEqual(items.length);
      for (const item of items) expect(item).toMatchObject({ state: 'resolved', resolution: { by: 'omniops' } });

      // Nothing of it left the books out of step.
      const checks = await t.api('GET', '/v1/checks', t.adminKey);
      expect([checks.status, checks.body.findings]).toEqual([200, []]);
    });

    it('as `npm start` runs it (one accept per 10-s round, the demo\'s shares), shows every turn within the first five minutes', async () => {
      let now = T0;
      t = await demoApp(factory, () => now);
      const desk = new TransferDesk(t.app, t.url, { buyerKey: await demoPersonKey(t.app, DEMO_BUYER), receiverKey: await demoPersonKey(t.app, DEMO_RECEIVER) });
      for (let round = 0; round < 30; round++) {
        now += 10_000;
        await desk.work(now);
        await t.drained(60_000);
      }
      expect(desk.stats).toMatchObject({ failed: 0, raced: 0 });
      for (const turn of ['made', 'shipped', 'short', 'received', 'receivedWithShippedAt', 'receivedWithoutShippedAt', 'countedOnTheWay', 'recounted'] as const) expect(desk.stats[turn], turn).toBeGreaterThan(0);
      const items = await queryExceptions(t.app.store.read, { queues: ['transfer_recount'], limit: 100 });
      expect(items.filter((x) => x.state === 'resolved' && x.resolution?.by === 'omniops').length).toBeGreaterThan(0);
    });
  });
}
