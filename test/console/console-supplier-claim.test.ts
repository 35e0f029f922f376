import { describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { ARTIFACTS, hasChromium } from './setup.js';
import { returnedCase, returnsConsole } from './returns-console.js';

// "Record supplier answer" on a claimed return case (docs/ai.md, "The supplier answers a claim"): the
// claim's panel shows supplier, amount and state; finance records the answer (procurement and category managers answer too, on the Supplier claims screen: they do not read return cases), the case then reads closed.
if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, a supplier's answer to a claim: ${factory.name}`, () => {
    let caseId = '';
    const { w, signIn } = returnsConsole(factory, { ai: { reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }, staff: [['fay', 'finance'], ['sam', 'service_agent']] }, async (w) => {
      caseId = await returnedCase(w, 'CS-1', { sku: 'TENT', unitPrice: 120 }, 'the pole snapped on first use', 'claimed');
    });

    it('a service agent sees the claim but no answer buttons; finance records an accepted answer and the case closes', async () => {
      const sam = await signIn('sam', `#/returns/${caseId}`);
      const samPanel = sam.page.locator('section.panel', { has: sam.page.locator('h2', { hasText: 'Supplier claim' }) });
      await samPanel.waitFor();
      expect(await samPanel.textContent()).toContain('sup-tents');
      expect(await sam.page.locator('button.claim-accepted').count()).toBe(0);
      await sam.ctx.close();

      const { ctx, page } = await signIn('fay', `#/returns/${caseId}`);
      const panel = page.locator('section.panel', { has: page.locator('h2', { hasText: 'Supplier claim' }) });
      await panel.waitFor();
      expect(await panel.textContent()).toContain('none yet');
      const answers = ['90', 'CN-2031'];
      page.on('dialog', (d) => d.accept(answers.shift()));
      await page.locator('button.claim-accepted').click();
      await expect.poll(async () => (await w.caseOf(caseId)).state).toBe('closed');
      const c = await w.caseOf(caseId);
      expect(c.supplierClaim).toMatchObject({ state: 'accepted', answer: { creditAmount: 90, creditNoteRef: 'CN-2031', by: 'fay' } });
      // The screen reads the case again: closed, the answer shown, no buttons any more.
      await page.locator('header.top .pill', { hasText: 'closed' }).waitFor();
      await panel.locator('text=CN-2031').waitFor();
      expect(await page.locator('button.claim-accepted').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}/72-return-claim-accepted.png`, fullPage: true });
      await ctx.close();
    });
  });
}
