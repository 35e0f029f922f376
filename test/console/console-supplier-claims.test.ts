import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { insertSupplierClaim } from '../../src/store/repos/returns.js';
import { T0, DAY, PRODUCTS } from '../returns/support.js';
import { ARTIFACTS, hasChromium } from './setup.js';
import { returnsConsole } from './returns-console.js';

// The Supplier claims screen (src/console/static/claims.js): the buyers' worklist. Procurement and
// category managers answer claims but cannot read return cases, so before this screen they had the API
// only. Claims here are opened by the engine from real returns (a tent from sup-tents, a stove from
// sup-stoves); the older ones that make a second page are written through the repository the engine
// opens claims with, for a supplier of their own.
const STOVE = { sku: 'STOVE', name: 'Stove', category: 'outdoor', price: 80, cost: 40, returnable: true, supplierIds: ['sup-stoves'] };
/** Older claims than the screen's first page (50) holds, for one supplier. */
const OLD = 53;

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, the supplier claims screen: ${factory.name}`, { timeout: 120_000 }, () => {
    const claims: Record<string, { caseId: string; claimId: string }> = {};
    const { w, signIn } = returnsConsole(factory, { ai: { reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }, staff: [['pia', 'procurement'], ['fay', 'finance'], ['ivy', 'inventory_control']] }, async () => {
      await w.send(envelope({ type: 'product.upserted', payload: STOVE }));
      await w.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [...PRODUCTS, STOVE].map((p) => ({ sku: p.sku, onHand: 50 })) } }));
      await claimed('CL-1', 'TENT', 120, 'the pole snapped on first use', 0);
      await claimed('CL-2', 'STOVE', 80, 'the burner does not light', 1);
      await claimed('CL-3', 'TENT', 120, 'the zipper came off', 2);
      const rejected = await w.t.api('POST', `/v1/supplier-claims/${claims['CL-3']!.claimId}/answer`, w.t.adminKey, { outcome: 'rejected', reason: 'damage by misuse' });
      expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
      await w.drained();
      await w.t.app.store.transaction(async (tx) => {
        for (let i = 0; i < OLD; i++) {
          await insertSupplierClaim(tx, { id: `clm_old-${String(i).padStart(3, '0')}`, caseId: `ret_old-${i}`, supplierId: 'sup-old', amount: 10 + i, createdMs: T0 - (i + 1) * DAY, doc: { lines: [{ lineId: '1', sku: 'MUG', qty: 1, unitPrice: 10 + i }], reason: 'cracked' } });
        }
      });
    });
    const rows = (page: Page) => page.locator('.claims tbody tr');
    const shownIds = (page: Page) => rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    const claim = async (id: string) => (await w.t.api('GET', `/v1/supplier-claims/${id}`, w.t.adminKey)).body;
    const filter = async (page: Page, state: string, supplier: string) => {
      await page.selectOption('.claims-filter select[name=state]', state);
      await page.fill('.claims-filter input[name=supplier]', supplier);
      await page.click('.claims-filter button[type=submit]');
    };

    /** A delivered order of one unit, returned as broken: the engine claims it from the sku's supplier. */
    async function claimed(ext: string, sku: string, unitPrice: number, reason: string, hour: number) {
      await w.deliveredOrder(ext, [{ lineId: '1', sku, qty: 1, unitPrice }]);
      // Each claim an hour after the one before: newest first is then the order they were opened in.
      w.now = T0 + 2 * DAY + hour * 3_600_000;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason })).id);
      expect(c.state).toBe('claimed');
      claims[ext] = { caseId: c.id, claimId: c.supplierClaim.id };
    }

    it('procurement sees the screen, filters it, pages to older claims; a 422 is shown on the form; the claim is accepted with a credit', async () => {
      const { ctx, page } = await signIn('pia');
      const nav = await page.$$eval('nav a', (as) => as.map((a) => a.getAttribute('data-screen')));
      expect(nav).toContain('supplier-claims');
      expect(nav).not.toContain('returns');
      await page.click('nav a[data-screen=supplier-claims]');

      // Newest first, the first page (50) of 56, and "Older claims" reads the rest with the API's cursor.
      const c1 = claims['CL-1']!, c2 = claims['CL-2']!, c3 = claims['CL-3']!;
      await expect.poll(() => rows(page).count()).toBe(50);
      const firstPage = await shownIds(page);
      expect(firstPage.slice(0, 3)).toEqual([c3.claimId, c2.claimId, c1.claimId]);
      expect(await page.textContent('.claims h2')).toBe('Claims · 50+');
      await page.click('.claims button.load-more', { timeout: 5000 });
      await expect.poll(() => rows(page).count()).toBe(3 + OLD);
      expect(await page.textContent('.claims h2')).toBe(`Claims · ${3 + OLD}`);
      expect((await shownIds(page)).slice(-1)).toEqual([`clm_old-${String(OLD - 1).padStart(3, '0')}`]);

      // Each row: supplier, case (named, not linked: procurement cannot read cases), amount in the case's currency, state, answer.
      const row3 = rows(page).filter({ has: page.locator(`a.claim-id:has-text("${c3.claimId}")`) });
      const text3 = await row3.textContent();
      for (const s of ['sup-tents', c3.caseId, '€120.00', 'rejected', 'rejected: damage by misuse']) expect(text3).toContain(s);
      expect(await page.locator('.claims a.claim-case').count()).toBe(0);

      // The filters are the API's: by state, and by supplier.
      await filter(page, 'rejected', '');
      await expect.poll(() => shownIds(page)).toEqual([c3.claimId]);
      await filter(page, 'open', 'sup-stoves');
      await expect.poll(() => shownIds(page)).toEqual([c2.claimId]);
      expect(await rows(page).first().textContent()).toContain('€80.00');
      await filter(page, 'open', 'sup-tents');
      await expect.poll(() => shownIds(page)).toEqual([c1.claimId]);
      expect(page.url()).toContain('#/supplier-claims?state=open&supplier=sup-tents');
      await page.screenshot({ path: `${ARTIFACTS}/73-supplier-claims.png`, fullPage: true });

      // The claim: what a buyer judges the answer by.
      await rows(page).first().click();
      await page.locator('.claim-reason', { hasText: 'the pole snapped on first use' }).waitFor();
      expect(await page.textContent('.claim-lines')).toContain('TENT');
      expect(await page.textContent('.claim-amount')).toBe('€120.00');

      // A credit above the claim: the API's 422 stays on the form, with the field it is about.
      const answers = ['130', 'CN-9'];
      page.on('dialog', (d) => d.accept(answers.shift()));
      await page.click('button.claim-accepted');
      const refusal = page.locator('.claim-refusal');
      await refusal.waitFor();
      const said = await refusal.textContent();
      expect(said).toContain('E_SCHEMA');
      expect(said).toContain('creditAmount: at most 120');
      expect((await claim(c1.claimId)).state).toBe('open');
      await page.screenshot({ path: `${ARTIFACTS}/74-supplier-claim-refused.png`, fullPage: true });

      answers.push('90', 'CN-2031');
      await page.click('button.claim-accepted');
      await page.locator('header.top .claim-state', { hasText: 'accepted' }).waitFor();
      expect(await page.textContent('.claim-answer-text')).toBe('accepted: credit €90.00 (CN-2031)');
      expect(await page.locator('button.claim-accepted').count()).toBe(0);
      expect(await claim(c1.claimId)).toMatchObject({ state: 'accepted', answer: { outcome: 'accepted', creditAmount: 90, creditNoteRef: 'CN-2031', by: 'pia' } });
      await expect.poll(async () => (await w.caseOf(c1.caseId)).state).toBe('closed');
      await page.screenshot({ path: `${ARTIFACTS}/75-supplier-claim-accepted.png`, fullPage: true });
      await ctx.close();
    });

    it('an answer recorded meanwhile: after the 409 the claim is read again and shows the answer that won, no buttons', async () => {
      const c2 = claims['CL-2']!;
      const { ctx, page } = await signIn('pia', `#/supplier-claims/${c2.claimId}`);
      await page.locator('button.claim-rejected').waitFor();
      const other = await w.t.api('POST', `/v1/supplier-claims/${c2.claimId}/answer`, w.t.adminKey, { outcome: 'accepted', creditAmount: 80, creditNoteRef: 'CN-77' });
      expect(other.status).toBe(200);
      const won = await claim(c2.claimId);
      expect(won).toMatchObject({ state: 'accepted', answer: { outcome: 'accepted', creditAmount: 80, creditNoteRef: 'CN-77', by: expect.any(String) } });
      const fmtTime = (x: string) => page.evaluate(`import('/console/lib.js').then((lib) => lib.fmt.time(${JSON.stringify(x)}))`) as Promise<string>;
      page.on('dialog', (d) => d.accept('not our fault'));
      await page.click('button.claim-rejected');
      // Without reopening the claim: the screen read it again, the answer that won is on the form and in the panel.
      const meanwhile = page.locator('.claim-answered-meanwhile');
      await meanwhile.waitFor();
      expect(await meanwhile.textContent()).toBe(
        `E_INVALID_STATEAnswered meanwhile: yours was not recorded. accepted: credit €80.00 (CN-77) — told ${await fmtTime(won.answer.answeredAt)}, recorded ${await fmtTime(won.answer.recordedAt)} by ${won.answer.by}`
        + 'You tried: rejected: not our fault. To change the answer, sort it out with the supplier: an answered claim takes no other.');
      expect(await page.locator('.claim-winning-answer').textContent()).toBe('accepted: credit €80.00 (CN-77)');
      expect(await page.locator('header.top .claim-state').textContent()).toBe('accepted');
      expect(await page.locator('.claim-answer-text').textContent()).toBe('accepted: credit €80.00 (CN-77)');
      expect(await page.locator('button.claim-rejected, button.claim-accepted').count()).toBe(0);
      expect(await page.locator('.claim-refusal').count()).toBe(0);
      expect((await claim(c2.claimId)).answer).toEqual(won.answer);
      await page.screenshot({ path: `${ARTIFACTS}/76-supplier-claim-answered-meanwhile.png`, fullPage: true });
      // Shown once: the claim read again later is the plain answered claim.
      await page.reload();
      await page.locator('.claim-answer-text', { hasText: 'accepted' }).waitFor();
      expect(await page.locator('.claim-answered-meanwhile').count()).toBe(0);
      await ctx.close();
    });

    it('finance goes from the return case to its claim and back; a role that may not read claims has no nav entry', async () => {
      const c3 = claims['CL-3']!;
      const fay = await signIn('fay', `#/returns/${c3.caseId}`);
      await fay.page.click('a.claim-link');
      await fay.page.locator('header.top h1', { hasText: `Claim ${c3.claimId}` }).waitFor();
      await fay.page.click('.content a.claim-case');
      await fay.page.locator('section.panel h2', { hasText: 'Supplier claim' }).waitFor();
      expect(fay.page.url()).toContain(`#/returns/${c3.caseId}`);
      await fay.ctx.close();

      const ivy = await signIn('ivy');
      const nav = await ivy.page.$$eval('nav a', (as) => as.map((a) => a.getAttribute('data-screen')));
      expect(nav.length).toBeGreaterThan(0);
      expect(nav).not.toContain('supplier-claims');
      await ivy.ctx.close();
    });
  });
}
