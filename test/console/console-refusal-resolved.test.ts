import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../returns/support.js';
import { ARTIFACTS, hasChromium, launchChromium, signIn } from './setup.js';

// A refused refund's case that finance ended by resolving its item in the reconciliation queue
// (closing reason `refusal_resolved`, docs/console.md): the closed case's banner says so in words,
// with who resolved it and their note, and that the item's resolution closed the case. The case is
// made as test/returns/refusal-item-closes-case.test.ts makes it: real events, the real API.
const ADMIN = { id: 'test', role: 'admin' };
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });
const TENT_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, a refused refund's case closed by finance resolving its item: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    let browser: Browser;
    let caseId = '';
    let itemId = '';

    beforeAll(async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      const fay = (await addUser(w.t.app.store, ADMIN, 'fay', 'finance', 'fay-password')).apiKey;
      // 130 on the lines, 120 captured: the tent takes it all, the mug's refund is refused (nothing left).
      await w.deliveredOrder('RR-1', TENT_MUG, T0 + 3_600_000, 'c-RR-1', 130);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'RR-1', amount: 120, captureId: 'tx-1' } }));
      w.now = T0 + 2 * DAY;
      await w.requestReturn({ externalOrderId: 'RR-1', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      w.now = T0 + 3 * DAY;
      const mug = await w.caseOf((await w.requestReturn({ externalOrderId: 'RR-1', lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' })).id);
      expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund' }, refusalItem: { state: 'open' } });
      caseId = mug.id;
      itemId = mug.refusalItem.id;
      // Finance answers the refusal itself, in the reconciliation queue.
      const r = await w.t.api('POST', `/v1/exceptions/${itemId}/resolve`, fay, { reason: 'refunded by bank transfer BT-7' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await w.drained();
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      useApprovalEngine(null);
      await browser?.close();
      await w.t?.close();
    });

    it('the banner says finance resolved its item, with who and their note, and that this closed the case', async () => {
      const closed = await w.caseOf(caseId);
      expect(closed.closing).toMatchObject({ reason: 'refusal_resolved', from: 'refunded' });
      const why = `refund refused (nothing_left_to_refund), the goods were never sent back (refund without return); its finance item ${itemId} resolved by fay: refunded by bank transfer BT-7`;
      expect(closed.closing.why).toBe(why);

      const { ctx, page } = await signIn(browser, w.t.url, 'fay', `#/returns/${encodeURIComponent(caseId)}`);
      const banner = page.locator('.refund-panel .refused-closed');
      await banner.waitFor();
      const at = (await page.evaluate(`import('/console/lib.js').then((lib) => lib.fmt.time(${JSON.stringify(closed.closing.at)}))`)) as string;
      expect(await banner.locator('strong').textContent()).toBe(`Closed ${at} (finance resolved its item): `);
      expect(await banner.locator('.refused-closing-why').textContent()).toBe(why);
      expect(await banner.locator('.faint').textContent()).toBe(`Its finance item ${itemId} in the reconciliation queue was resolved by finance: that closed the case.`);
      // Finance may open the queue: the item links to the resolved items.
      expect(await banner.locator('a.refusal-item').getAttribute('href')).toBe('#/exceptions?queue=reconciliation_discrepancy&state=resolved');
      // Nothing is left to end it: no "stays open", no Close case.
      expect(await page.locator('.refund-panel .refused-open').count()).toBe(0);
      expect(await page.locator('.top .close-case').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}/41c-return-refusal-resolved.png`, fullPage: true });
      await ctx.close();
    });
  });
}
