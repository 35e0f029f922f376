import { describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { ARTIFACTS, hasChromium } from './setup.js';
import { returnedCase, returnsConsole } from './returns-console.js';

// "Close case" on a return case (docs/ai.md, "Closing a case by hand"): shown for a refunded, replaced
// or claimed case to the roles that may close it; asks why; the case then reads closed, with the reason.
if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, closing a return case by hand: ${factory.name}`, () => {
    let caseId = '';
    const { w, signIn } = returnsConsole(factory, { ai: { reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.9] }, staff: [['sam', 'service_agent'], ['wes', 'warehouse']] }, async (w) => {
      caseId = await returnedCase(w, 'CC-1', { sku: 'SHOE', unitPrice: 80 }, 'you sent me the wrong shoe', 'replaced');
    });

    it('the warehouse sees no button; the service agent closes the replaced case, saying why', async () => {
      const wes = await signIn('wes', `#/returns/${caseId}`);
      await wes.page.locator('h2', { hasText: 'History' }).waitFor();
      expect(await wes.page.locator('button.close-case').count()).toBe(0);
      await wes.ctx.close();

      const { ctx, page } = await signIn('sam', `#/returns/${caseId}`);
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
