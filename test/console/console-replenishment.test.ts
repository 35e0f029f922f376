import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { orderHistory, runReplenishmentCheck } from '../replenishment/support.js';
import { ARTIFACTS, LOCATIONS, hasChromium, launchChromium, signIn } from './setup.js';

// The Replenishment screen (src/console/static/replenishment.js) driven in Chromium against data the
// real replenishment check made: open recommendations with their risks, the PO and transfer an accept
// made, a transfer shipped, received and cancelled, and the server's refusals shown with their codes.
const ADMIN = { id: 'test', role: 'admin' };
const T0 = Date.parse('2026-11-30T07:00:00Z');
const DC = 'dc-tilburg';
const STORE = 'store-ams';

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console replenishment in Chromium: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let browser: Browser;
    let now = T0;
    const keys: Record<string, string> = {};
    /** The open recommendation per sku, as the API answered after the check. */
    const rec: Record<string, any> = {};

    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
    const settle = (page: Page) => page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    const api = async (method: string, path: string, key: string, body?: unknown) => t.api(method, path, key, body);
    const stock = async (sku: string, locationId: string) => {
      const r = await api('GET', `/v1/stock?sku=${sku}&location=${locationId}`, keys.ada!);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.items as Array<{ onHand: number; reserved: number }>)[0];
    };
    const transfer = async (id: string) => (await api('GET', `/v1/transfers/${id}`, keys.ada!)).body;
    const open = (name: string) => signIn(browser, t.url, name, '#/replenishment');

    beforeAll(async () => {
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      for (const [name, role] of [['ada', 'admin'], ['pam', 'procurement'], ['cora', 'category_manager'], ['wes', 'warehouse'], ['fin', 'finance']] as const) {
        keys[name] = (await addUser(t.app.store, ADMIN, name, role, `${name}-password`)).apiKey;
      }
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      // LAMP-1: the store runs short, the DC has some to spare (a transfer) but not enough (a purchase too).
      // STOVE-9: the DC has plenty (a transfer). KAYAK-7: nowhere to take it from, a dear supplier (a purchase above the value rule).
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: STORE, counts: [{ sku: 'LAMP-1', onHand: 5 }, { sku: 'STOVE-9', onHand: 3 }, { sku: 'KAYAK-7', onHand: 4 }] } }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: DC, counts: [{ sku: 'LAMP-1', onHand: 60 }, { sku: 'STOVE-9', onHand: 500 }] } }));
      const put = await api('PUT', '/v1/suppliers/S1', keys.pam!, {
        id: 'S1', name: 'Outdoor Supply', leadTimeDays: 10,
        skus: [{ sku: 'LAMP-1', unitCost: 8, primary: true }, { sku: 'STOVE-9', unitCost: 150, primary: true }, { sku: 'KAYAK-7', unitCost: 1000, primary: true }],
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      await orderHistory(t, now, 'LAMP-1', STORE, 5, 35);
      await orderHistory(t, now, 'LAMP-1', DC, 2, 35);
      await orderHistory(t, now, 'STOVE-9', STORE, 2, 35);
      await orderHistory(t, now, 'STOVE-9', DC, 1, 35);
      await orderHistory(t, now, 'KAYAK-7', STORE, 2, 35);
      now += 15 * 60_000;
      await runReplenishmentCheck(t, now);
      const recs = (await api('GET', '/v1/replenishment/recommendations?state=open', keys.ada!)).body.items as any[];
      for (const r of recs) rec[r.sku] = r;
      // The shapes the tests below rely on, as the check made them.
      expect(rec['LAMP-1']).toMatchObject({ locationId: STORE, transfer: { fromLocationId: DC }, purchase: { supplierId: 'S1' } });
      expect(rec['STOVE-9']).toMatchObject({ locationId: STORE, transfer: { fromLocationId: DC }, purchase: null });
      expect(rec['KAYAK-7']).toMatchObject({ locationId: STORE, transfer: null, purchase: { supplierId: 'S1' } });
      expect(rec['KAYAK-7'].purchase.value).toBeGreaterThan(10_000);
      browser = await launchChromium();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    const row = (page: Page, part: string, key: string) => page.locator(`.${part} tr[data-key="${key}"]`);

    it('a role that reads but may not decide sees the recommendations without Accept or Dismiss; the warehouse sees transfers only', async () => {
      // Procurement may decide: its rows carry the buttons (so their absence below means something).
      const buyer = await open('pam');
      await row(buyer.page, 'recommendations', rec['LAMP-1'].id).waitFor();
      expect(await buyer.page.locator('.recommendations button.accept').count()).toBe(3);
      expect(await buyer.page.locator('.recommendations button.dismiss').count()).toBe(3);
      await buyer.ctx.close();

      const finance = await open('fin');
      for (const sku of ['LAMP-1', 'STOVE-9', 'KAYAK-7']) await row(finance.page, 'recommendations', rec[sku].id).waitFor();
      await finance.page.locator('.transfers h2').waitFor();
      expect(await finance.page.locator('.recommendations button').count()).toBe(0);
      expect(await finance.page.textContent('.transfers')).toContain('No transfers');
      await finance.ctx.close();

      // The warehouse may not read recommendations nor purchase orders (nor accept): those parts are left out.
      const wh = await open('wes');
      expect(await wh.page.locator('nav a[data-screen="replenishment"]').count()).toBe(1);
      await wh.page.locator('.transfers h2').waitFor();
      expect(await wh.page.textContent('.transfers')).toContain('No transfers');
      await settle(wh.page);
      expect(await wh.page.locator('.recommendations').count()).toBe(0);
      expect(await wh.page.locator('.purchase-orders').count()).toBe(0);
      expect(await wh.page.locator('button.accept').count()).toBe(0);
      expect(await wh.page.textContent('header .sub')).toBe('Transfers between locations');
      await shot(wh.page, '50-replenishment-warehouse-empty');
      await wh.ctx.close();
    });

    it('procurement accepts a recommendation; the screen shows the transfer and the purchase order it became', async () => {
      const r = rec['LAMP-1'];
      const risks = (await api('GET', '/v1/replenishment/risks?state=open', keys.pam!)).body.items as any[];
      const risk = risks.find((k) => k.id === r.riskId);
      expect(risk, 'the recommendation answers an open risk').toBeDefined();
      const { ctx, page } = await open('pam');
      const line = row(page, 'recommendations', r.id);
      await line.waitFor();
      const text = (await line.textContent())!;
      expect(text).toContain(`${r.purchase.quantity} from S1`);
      expect(text).toContain(`${r.transfer.quantity} from ${DC}`);
      expect(text).toContain('expedite');
      expect(await line.locator('.breach [title]').getAttribute('title')).toBe(risk.breachDate);
      expect(await line.locator('.cover').textContent()).toBe(`${Number(risk.daysOfCover).toFixed(1)} days of cover`);
      await shot(page, '51-replenishment-recommendations');

      page.once('dialog', (d) => void d.accept('cover the weekend'));
      await line.locator('button.accept').click();
      await page.locator('.repl-result .banner.ok').waitFor();
      const after = (await api('GET', `/v1/replenishment/recommendations/${r.id}`, keys.pam!)).body;
      expect(after.state).not.toBe('open');
      expect(after.poId).toBeTruthy();
      expect(after.transferId).toBeTruthy();
      expect(await page.textContent('.repl-result .po-id')).toBe(after.poId);
      expect(await page.textContent('.repl-result .transfer-id')).toBe(after.transferId);
      // The lists are read again: the recommendation has left the open ones, its PO and transfer are there.
      await expect.poll(() => line.count()).toBe(0);
      const po = (await api('GET', `/v1/purchase-orders/${after.poId}`, keys.pam!)).body;
      const poRow = row(page, 'purchase-orders', after.poId);
      await poRow.waitFor();
      const poText = (await poRow.textContent())!;
      expect(poText).toContain(String(po.state).replace(/_/g, ' '));
      expect(poText).toContain(`LAMP-1 × ${po.lines[0].qty}`);
      const pending = (po.approvals as any[]).filter((a) => a.status === 'pending');
      expect(await poRow.locator('.approvals-pending .pill').allTextContents()).toEqual(pending.map((a) => String(a.reason).replace(/_/g, ' ')));
      const tr = await transfer(after.transferId);
      const trRow = row(page, 'transfers', after.transferId);
      await trRow.waitFor();
      const trText = (await trRow.textContent())!;
      expect(tr).toMatchObject({ state: 'in_transit', qty: r.transfer.quantity, fromLocationId: DC, toLocationId: STORE });
      expect(trText).toContain('in transit');
      expect(trText).toContain(`${DC} → ${STORE}`);
      // Procurement may cancel the transfer, not ship or receive it.
      expect(await trRow.locator('button').allTextContents()).toEqual(['Cancel']);
      await shot(page, '52-replenishment-accepted');
      await ctx.close();
    });

    it("the server's refusal is shown with its code: above the value rule procurement may not accept; a dismiss needs a reason", async () => {
      const r = rec['KAYAK-7'];
      const { ctx, page } = await open('pam');
      const line = row(page, 'recommendations', r.id);
      await line.waitFor();
      page.once('dialog', (d) => void d.accept(''));
      await line.locator('button.accept').click();
      const problem = page.locator('.repl-result .problem');
      await problem.waitFor();
      // The same refusal as the API gives this role (a refused accept changes nothing).
      const refused = await api('POST', `/v1/replenishment/recommendations/${r.id}/accept`, keys.pam!, {});
      expect([refused.status, refused.body.code]).toEqual([403, 'E_ROLE']);
      expect(await problem.locator('.code').textContent()).toBe('E_ROLE');
      expect(await problem.textContent()).toContain(refused.body.detail);
      expect((await api('GET', `/v1/replenishment/recommendations/${r.id}`, keys.pam!)).body.state).toBe('open');
      await shot(page, '53-replenishment-refused-above-value');

      // A dismiss with a blank reason sends nothing.
      const sent: string[] = [];
      page.on('request', (q) => { if (q.method() === 'POST') sent.push(q.url()); });
      page.once('dialog', (d) => void d.accept('   '));
      await line.locator('button.dismiss').click();
      await page.locator('.toast.error', { hasText: 'Nothing dismissed' }).waitFor();
      await settle(page);
      expect(sent).toEqual([]);
      expect((await api('GET', `/v1/replenishment/recommendations/${r.id}`, keys.pam!)).body.state).toBe('open');
      await ctx.close();

      // A category manager dismisses it with a reason.
      const cm = await open('cora');
      const cmLine = row(cm.page, 'recommendations', r.id);
      await cmLine.waitFor();
      cm.page.once('dialog', (d) => void d.accept('kayak season is over'));
      await cmLine.locator('button.dismiss').click();
      await cm.page.locator('.repl-result .banner.ok').waitFor();
      await expect.poll(() => cmLine.count()).toBe(0);
      expect((await api('GET', `/v1/replenishment/recommendations/${r.id}`, keys.cora!)).body).toMatchObject({ state: 'dismissed', reason: 'kayak season is over' });
      await cm.ctx.close();
    });

    it('the warehouse ships a transfer with a carrier and receives it; the stock moves; a second receipt from a stale page is refused with 409', async () => {
      const transferId = (await api('GET', `/v1/replenishment/recommendations/${rec['LAMP-1'].id}`, keys.ada!)).body.transferId as string;
      const qty = rec['LAMP-1'].transfer.quantity as number;
      expect(await stock('LAMP-1', DC)).toMatchObject({ onHand: 60, reserved: qty });
      const storeBefore = (await stock('LAMP-1', STORE))!.onHand;
      const { ctx, page } = await open('wes');
      const line = row(page, 'transfers', transferId);
      await line.waitFor();
      // The warehouse ships and receives; cancelling is the buyers'.
      expect(await line.locator('button').allTextContents()).toEqual(['Ship', 'Receive']);
      await line.locator('button.ship').click();
      const form = page.locator(`.transfer-form form[data-transfer="${transferId}"]`);
      await form.locator('input[name=carrier]').fill('dhl');
      await form.locator('input[name=tracking]').fill('JD0001');
      await form.locator('button[type=submit]').click();
      await page.locator('.repl-result .banner.ok', { hasText: `Shipped ${transferId}` }).waitFor();
      await expect.poll(async () => (await transfer(transferId)).state).toBe('shipped');
      expect((await transfer(transferId)).doc).toMatchObject({ shippedQty: qty, carrier: 'dhl', tracking: 'JD0001' });
      await expect.poll(async () => line.locator('.carrier').textContent()).toContain('dhl · JD0001');
      expect(await line.textContent()).toContain('shipped');
      expect(await line.locator('button').allTextContents()).toEqual(['Receive']);
      // The units left the DC's book.
      expect(await stock('LAMP-1', DC)).toMatchObject({ onHand: 60 - qty, reserved: 0 });

      // A second page, read now, goes stale once the first receives.
      const stale = await open('wes');
      const staleLine = row(stale.page, 'transfers', transferId);
      await staleLine.locator('button.receive').waitFor();

      await line.locator('button.receive').click();
      await form.locator('button[type=submit]').click();
      await page.locator('.repl-result .banner.ok', { hasText: `Received ${transferId}` }).waitFor();
      expect(await transfer(transferId)).toMatchObject({ state: 'received', doc: { receivedQty: qty } });
      await expect.poll(() => line.locator('button').count()).toBe(0);
      expect(await line.textContent()).toContain('received');
      expect((await stock('LAMP-1', STORE))!.onHand).toBe(storeBefore + qty);
      await shot(page, '54-replenishment-transfer-received');

      await staleLine.locator('button.receive').click();
      await stale.page.locator(`.transfer-form form[data-transfer="${transferId}"] button[type=submit]`).click();
      const problem = stale.page.locator('.repl-result .problem');
      await problem.waitFor();
      expect(await problem.locator('.code').textContent()).toBe('E_INVALID_STATE');
      expect(await problem.textContent()).toContain(`transfer ${transferId} is already received`);
      // The stale page is read again: the transfer is received, with nothing left to do.
      await expect.poll(() => staleLine.locator('button').count()).toBe(0);
      expect((await stock('LAMP-1', STORE))!.onHand).toBe(storeBefore + qty);
      await shot(stale.page, '55-replenishment-stale-receive-409');
      await stale.ctx.close();
      await ctx.close();
    });

    it('a buyer cancels a transfer before it ships; the source is free again', async () => {
      const accepted = await api('POST', `/v1/replenishment/recommendations/${rec['STOVE-9'].id}/accept`, keys.pam!, {});
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      const transferId = accepted.body.transferId as string;
      const qty = rec['STOVE-9'].transfer.quantity as number;
      expect(await stock('STOVE-9', DC)).toMatchObject({ onHand: 500, reserved: qty });
      const { ctx, page } = await open('pam');
      const line = row(page, 'transfers', transferId);
      await line.waitFor();
      page.once('dialog', (d) => void d.accept('the DC needs them for a promotion'));
      await line.locator('button.cancel-transfer').click();
      await page.locator('.repl-result .banner.ok', { hasText: `Cancelled ${transferId}` }).waitFor();
      expect(await transfer(transferId)).toMatchObject({ state: 'cancelled', doc: { reason: 'the DC needs them for a promotion' } });
      await expect.poll(() => line.locator('button').count()).toBe(0);
      expect(await line.textContent()).toContain('the DC needs them for a promotion');
      expect(await stock('STOVE-9', DC)).toMatchObject({ onHand: 500, reserved: 0 });
      await ctx.close();
    });

    it('a buyer cancels a purchase order; the same cancel from a stale page is refused with 409', async () => {
      const poId = (await api('GET', `/v1/replenishment/recommendations/${rec['LAMP-1'].id}`, keys.ada!)).body.poId as string;
      const first = await open('pam');
      const stale = await open('cora');
      const line = row(first.page, 'purchase-orders', poId);
      await line.locator('button.cancel-po').waitFor();
      await row(stale.page, 'purchase-orders', poId).locator('button.cancel-po').waitFor();
      first.page.once('dialog', (d) => void d.accept('the lamps come from the DC'));
      await line.locator('button.cancel-po').click();
      await first.page.locator('.repl-result .banner.ok').waitFor();
      expect((await api('GET', `/v1/purchase-orders/${poId}`, keys.pam!)).body.state).toBe('cancelled');
      await expect.poll(() => line.locator('button').count()).toBe(0);
      expect(await line.textContent()).toContain('cancelled');

      stale.page.once('dialog', (d) => void d.accept('double check'));
      await row(stale.page, 'purchase-orders', poId).locator('button.cancel-po').click();
      const problem = stale.page.locator('.repl-result .problem');
      await problem.waitFor();
      expect(await problem.locator('.code').textContent()).toBe('E_INVALID_STATE');
      expect(await problem.textContent()).toContain(`purchase order ${poId} is already cancelled`);
      await shot(stale.page, '56-replenishment-po-cancel-409');
      await first.ctx.close();
      await stale.ctx.close();
    });
  });
}
