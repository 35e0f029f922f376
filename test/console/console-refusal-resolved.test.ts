import { describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { DAY, ReturnsWorld, T0 } from '../returns/support.js';
import { ARTIFACTS, hasChromium } from './setup.js';
import { returnsConsole } from './returns-console.js';

// A refused refund's case in the console. Open, waiting for finance: the header says why it is still
// open ("Open because: …", `waitingFor` of GET /v1/returns/{id}, the closing rule's words). Ended by
// finance resolving its item in the reconciliation queue (closing reason `refusal_resolved`,
// docs/console.md): the closed case's banner says so in words, with who resolved it and their note,
// and that the item's resolution closed the case; nothing says it is open. The cases are made as
// test/returns/refusal-item-closes-case.test.ts makes them: real events, the real API.
const TENT_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];

/** The mug's case of an order whose tent took all 120 captured of the 130 on the lines: its refund refused. */
async function refusedMug(w: ReturnsWorld, ext: string) {
  await w.deliveredOrder(ext, TENT_MUG, T0 + 3_600_000, `c-${ext}`, 130);
  await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: ext, amount: 120, captureId: `tx-${ext}` } }));
  w.now = T0 + 2 * DAY;
  await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
  w.now = T0 + 3 * DAY;
  const mug = await w.caseOf((await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' })).id);
  expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund' }, refusalItem: { state: 'open' } });
  return mug;
}

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, a refused refund's case: open for finance, and closed by finance resolving its item: ${factory.name}`, () => {
    let caseId = '';
    let itemId = '';
    let openId = '';
    const { w, signIn } = returnsConsole(factory, { ai: { reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] }, staff: [['fay', 'finance']] }, async (w, keyOf) => {
      // Still waiting for finance: nobody answers its item.
      openId = (await refusedMug(w, 'RR-2')).id;
      const mug = await refusedMug(w, 'RR-1');
      caseId = mug.id;
      itemId = mug.refusalItem.id;
      // Finance answers the refusal itself, in the reconciliation queue.
      const r = await w.t.api('POST', `/v1/exceptions/${itemId}/resolve`, keyOf('fay'), { reason: 'refunded by bank transfer BT-7' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await w.drained();
    });

    it('open, waiting for finance: the header says "Open because:" in the closing rule\'s words; closed, it says nothing of the kind', async () => {
      const open = await w.caseOf(openId);
      const because = 'the refund was refused and is 10 short of what was asked and finance has not settled it';
      expect(open).toMatchObject({ state: 'refunded', waitingFor: because });

      const { ctx, page } = await signIn('fay', `#/returns/${encodeURIComponent(openId)}`);
      // The case is drawn (header and refund panel are filled together) before the line is looked for.
      await page.locator('.refund-panel .refused-open').waitFor();
      const line = page.locator('header.top .open-because');
      expect(await line.count()).toBe(1);
      expect(await line.textContent()).toBe(`Open because: ${because}`);
      await page.screenshot({ path: `${ARTIFACTS}/41d-return-open-because.png`, fullPage: true });

      // The closed case has nothing to wait for: no such line.
      expect((await w.caseOf(caseId)).waitingFor).toBeNull();
      await page.goto(`${w.t.url}/#/returns/${encodeURIComponent(caseId)}`);
      await page.locator('.refund-panel .refused-closed').waitFor();
      await page.locator('header.top .pill', { hasText: 'closed' }).waitFor();
      expect(await page.locator('.open-because').count()).toBe(0);
      await ctx.close();
    });

    it('closed: the banner says finance resolved its item, with who and their note, and that this closed the case', async () => {
      const closed = await w.caseOf(caseId);
      expect(closed.closing).toMatchObject({ reason: 'refusal_resolved', from: 'refunded' });
      const why = `refund refused (nothing_left_to_refund), the goods were never sent back (refund without return); its finance item ${itemId} resolved by fay: refunded by bank transfer BT-7`;
      expect(closed.closing.why).toBe(why);

      const { ctx, page } = await signIn('fay', `#/returns/${encodeURIComponent(caseId)}`);
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
