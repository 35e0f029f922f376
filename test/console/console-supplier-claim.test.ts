import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { addUser } from '../../src/engine/identity/users.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { ReturnsWorld, T0, DAY, fakeApprovals, scriptedAi } from '../returns/support.js';
import { ARTIFACTS, hasChromium, launchChromium, signIn } from './setup.js';

// "Record supplier answer" on a claimed return case (docs/ai.md, "The supplier answers a claim"): the
// claim's panel shows supplier, amount and state; finance records the answer (procurement and category managers answer too, on the Supplier claims screen: they do not read return cases), the case then reads closed.
const ADMIN = { id: 'test', role: 'admin' };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, a supplier's answer to a claim: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    let browser: Browser;
    let caseId = '';

    beforeAll(async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }) });
      for (const [name, role] of [['fay', 'finance'], ['sam', 'service_agent']] as const) await addUser(w.t.app.store, ADMIN, name, role, `${name}-password`);
      await w.deliveredOrder('CS-1', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      caseId = (await w.requestReturn({ externalOrderId: 'CS-1', lines: [{ lineId: '1', qty: 1 }], reason: 'the pole snapped on first use' })).id;
      expect((await w.caseOf(caseId)).state).toBe('claimed');
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      useApprovalEngine(null);
      await browser?.close();
      await w.t?.close();
    });

    it('a service agent sees the claim but no answer buttons; finance records an accepted answer and the case closes', async () => {
      const sam = await signIn(browser, w.t.url, 'sam', `#/returns/${caseId}`);
      const samPanel = sam.page.locator('section.panel', { has: sam.page.locator('h2', { hasText: 'Supplier claim' }) });
      await samPanel.waitFor();
      expect(await samPanel.textContent()).toContain('sup-tents');
      expect(await sam.page.locator('button.claim-accepted').count()).toBe(0);
      await sam.ctx.close();

      const { ctx, page } = await signIn(browser, w.t.url, 'fay', `#/returns/${caseId}`);
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
