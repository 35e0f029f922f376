import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { insertReturnCase, returnCaseById } from '../../src/store/repos/returns.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// The hourly return-closing sweep looks at a window of 200 cases per state a tick. Cases that never
// close (replacements that never ship, claims a supplier rejected) must not hide the others: each tick
// takes the next window after where the last stopped, wrapping, so every case is looked at in turn.
// Before, each tick read the 200 newest, and a closable case behind them was never closed.
const REPLACE = scriptedAi({ reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.9] });

for (const factory of storeFactories()) {
  describe(`the closing sweep works through every waiting case: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    /** A replaced case whose replacement order has gone out: closable by the sweep. */
    async function shippedReplacement(ext: string, at: number): Promise<string> {
      await w.deliveredOrder(ext, [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = at;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason: 'you sent me the wrong shoe' })).id);
      expect(c.state).toBe('replaced');
      const replacement = await w.order(`RPL-${c.id}`, 'omniops');
      for (const f of replacement.fulfilments) {
        for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped']) {
          await w.send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S-${ext}` } : {}) } }));
        }
      }
      await w.drained();
      return c.id;
    }

    /** `n` replaced cases whose replacement never ships, created from `from` on, one ms apart (written directly: only their state and age matter to the sweep). */
    async function stuckReplacements(templateId: string, n: number, from: number): Promise<void> {
      const template = (await returnCaseById(w.t.app.store.read, templateId))!;
      await w.t.app.store.transaction(async (tx) => {
        for (let i = 0; i < n; i++) {
          const id = `ret_stuck${String(from + i)}`;
          await insertReturnCase(tx, { ...template, id, createdMs: from + i, doc: { ...template.doc, replacementOrderId: `ord_never_${i}` } }, new Date(from + i).toISOString());
        }
      });
    }

    it('a closable case behind 200 that never close is closed, and so is the newest after the window wraps', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REPLACE });
      // Only the test's ticks move the sweep's place (the app's own hourly slot would add windows).
      w.t.app.scheduler.stop();
      const older = await shippedReplacement('SW-1', T0 + 2 * DAY);
      // 50 stuck cases older than it and 210 newer: the 200 newest are all stuck ones.
      await stuckReplacements(older, 50, T0 + DAY);
      await stuckReplacements(older, 210, T0 + 2 * DAY + 1);
      const newest = await shippedReplacement('SW-2', T0 + 3 * DAY);

      w.now = T0 + 4 * DAY;
      await w.tick('return-closing', 'first');
      expect((await w.caseOf(older)).state).toBe('closed');
      // The newest is past the first window (the 200 oldest): not looked at yet.
      expect((await w.caseOf(newest)).state).toBe('replaced');

      await w.tick('return-closing', 'second');
      expect((await w.caseOf(newest)).state).toBe('closed');
      const open = await w.t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM return_cases WHERE state = 'replaced'`);
      expect(Number(open?.n)).toBe(260);
    });
  });
}
