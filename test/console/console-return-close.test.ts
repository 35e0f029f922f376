import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { addUser } from '../../src/engine/identity/users.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { ReturnsWorld, T0, DAY, fakeApprovals, scriptedAi } from '../returns/support.js';
import { ARTIFACTS, hasChromium, launchChromium, signIn } from './setup.js';

// "Close case" on a return case (docs/ai.md, "Closing a case by hand"): shown for a refunded, replaced
// or claimed case to the roles that may close it; asks why; the case then reads closed, with the reason.
const ADMIN = { id: 'test', role: 'admin' };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, closing a return case by hand: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    let browser: Browser;
    let caseId = '';

    beforeAll(async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.9] }) });
      for (const [name, role] of [['sam', 'service_agent'], ['wes', 'warehouse']] as const) await addUser(w.t.app.store, ADMIN, name, role, `${name}-password`);
      await w.deliveredOrder('CC-1', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      caseId = (await w.requestReturn({ externalOrderId: 'CC-1', lines: [{ lineId: '1', qty: 1 }], reason: 'you sent me the wrong shoe' })).id;
      expect((await w.caseOf(caseId)).state).toBe('replaced');
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      useApprovalEngine(null);
      await browser?.close();
      await w.t?.close();
    });

    it('the warehouse sees no button; the service agent closes the replaced case, saying why', async () => {
      const wes = await signIn(browser, w.t.url, 'wes', `#/returns/${caseId}`);
      await wes.page.locator('h2', { hasText: 'History' }).waitFor();
      expect(await wes.page.locator('button.close-case').count()).toBe(0);
      await wes.ctx.close();

      const { ctx, page } = await signIn(browser, w.t.url, 'sam', `#/returns/${caseId}`);
      const button = page.locator('button.close-case');
      await button.waitFor();
      page.once('dialog', (d) => d.accept('the customer kept the shoe; the store refunded him'));
      await button.click();
      await expect.poll(async () => (await w.caseOf(caseId)).state).toBe('closed');
      const c = await w.caseOf(caseId);
      expect(c.history.at(-1).note).toBe('closed by hand by sam: the customer kept the shoe; the store refunded him');
      // The screen reads the case again: closed, no button any more.
      await page.locator('header.top .pill', { hasText: 'closed' }).waitFor();
      expect(await page.locator('button.close-case').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}/71-return-closed-by-hand.png`, fullPage: true });
      await ctx.close();
    });
  });
}
