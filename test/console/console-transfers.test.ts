import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { insertTransfer, type TransferRecord } from '../../src/store/repos/replenishment.js';
import { ARTIFACTS, LOCATIONS, hasChromium, launchChromium, signIn } from './setup.js';

// The transfers part of the Replenishment screen: the API's location and sku filters and its
// `before` cursor, driven in Chromium over more transfers than one page. The transfers are written
// through the repository the replenishment engine writes with; each list is checked against the
// API's own answer for the same filter.
const ADMIN = { id: 'test', role: 'admin' };
const T0 = Date.parse('2026-11-30T09:00:00Z');
const MIN = 60_000;
const DC = 'dc-tilburg';
const AMS = 'store-ams';
const UTR = 'store-utr';
/** The screen's page (src/console/static/replenishment.js, TRANSFERS_PAGE). */
const PAGE = 50;
const TO_AMS = 70;
const TO_UTR = 5;

type Transfer = { id: string; sku: string; fromLocationId: string; toLocationId: string };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console transfers, filtered and paged: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let browser: Browser;
    const keys: Record<string, string> = {};
    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
    /** Every transfer the API lists for a filter, newest first, read page by page as the screen does. */
    const listed = async (query: string): Promise<string[]> => {
      const ids: string[] = [];
      let before: string | null = null;
      do {
        const r = await t.api('GET', `/v1/transfers?limit=${PAGE}${query}${before ? `&before=${encodeURIComponent(before)}` : ''}`, keys.ada!);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        ids.push(...(r.body.items as Transfer[]).map((x) => x.id));
        before = r.body.next;
      } while (before);
      return ids;
    };
    const shown = (page: Page) => page.locator('.transfers tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    const older = (page: Page) => page.locator('.transfers button.load-more');
    const filter = async (page: Page, location: string, sku: string) => {
      await page.selectOption('select[name=transfer-location]', location);
      await page.fill('input[name=transfer-sku]', sku);
      const answered = page.waitForResponse((r) => r.url().includes('/v1/transfers?'));
      await page.click('.transfer-filter button[type=submit]');
      await answered;
    };

    beforeAll(async () => {
      t = await startTestApp(factory, { clock: () => T0, config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      for (const [name, role] of [['ada', 'admin'], ['wes', 'warehouse']] as const) {
        keys[name] = (await addUser(t.app.store, ADMIN, name, role, `${name}-password`)).apiKey;
      }
      for (const l of [...LOCATIONS, { ...LOCATIONS[1]!, id: UTR, name: 'Store Utrecht', lat: 52.09, lon: 5.12 }]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      // Seventy to Amsterdam (LAMP-1 and STOVE-9 by turns), one a minute; five to Utrecht among the oldest.
      const rows: TransferRecord[] = [];
      for (let i = 0; i < TO_AMS; i++) {
        rows.push({ id: `tr-ams-${String(i).padStart(3, '0')}`, recommendationId: null, sku: i % 2 ? 'STOVE-9' : 'LAMP-1', fromLocationId: DC, toLocationId: AMS, qty: 1 + (i % 4), state: 'received', expectedDate: '2026-12-02', createdMs: T0 - (i + 1) * MIN, doc: { shippedQty: 1 + (i % 4), receivedQty: 1 + (i % 4) } });
      }
      for (let i = 0; i < TO_UTR; i++) {
        rows.push({ id: `tr-utr-${i}`, recommendationId: null, sku: 'LAMP-1', fromLocationId: DC, toLocationId: UTR, qty: 2, state: 'in_transit', expectedDate: '2026-12-03', createdMs: T0 - (TO_AMS + 10 + i) * MIN, doc: {} });
      }
      await t.app.store.transaction(async (tx) => {
        for (const r of rows) expect(await insertTransfer(tx, r, new Date(T0).toISOString())).toBe(true);
      });
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('every location: the newest page, then "Older transfers" pages on with before until none are left', async () => {
      const all = await listed('');
      expect(all.length).toBe(TO_AMS + TO_UTR);
      const { ctx, page } = await signIn(browser, t.url, 'ada', '#/replenishment');
      await page.locator('.transfers tbody tr').first().waitFor();
      expect(await shown(page)).toEqual(all.slice(0, PAGE));
      expect(await page.textContent('.transfers h2')).toBe(`Transfers · ${PAGE}+ · newest first`);
      expect(await older(page).textContent()).toBe('Older transfers');
      const paged = page.waitForResponse((r) => r.url().includes('/v1/transfers?') && r.url().includes('before='));
      await older(page).click();
      await paged;
      await expect.poll(() => shown(page)).toEqual(all);
      expect(await page.textContent('.transfers h2')).toBe(`Transfers · ${all.length} · newest first`);
      expect(await older(page).count()).toBe(0);
      await ctx.close();
    });

    it('a location at either end, and a sku: the API\'s filter, paged the same way', async () => {
      const { ctx, page } = await signIn(browser, t.url, 'ada', '#/replenishment');
      await page.locator('.transfers tbody tr').first().waitFor();
      await page.locator(`select[name=transfer-location] option[value="${UTR}"]`).waitFor({ state: 'attached' });

      // Utrecht: its five, the oldest of all (beyond the first page of every location).
      await filter(page, UTR, '');
      const utr = await listed(`&location=${UTR}`);
      expect(utr).toEqual(Array.from({ length: TO_UTR }, (_, i) => `tr-utr-${i}`));
      await expect.poll(() => shown(page)).toEqual(utr);
      expect(await page.textContent('.transfers h2')).toBe(`Transfers · ${TO_UTR} · newest first`);
      expect(await older(page).count()).toBe(0);
      await shot(page, '72-replenishment-transfers-filtered');

      // The DC sends every one of them: seventy-five, two pages.
      await filter(page, DC, '');
      const dc = await listed(`&location=${DC}`);
      expect(dc.length).toBe(TO_AMS + TO_UTR);
      await expect.poll(() => shown(page)).toEqual(dc.slice(0, PAGE));
      await older(page).click();
      await expect.poll(() => shown(page)).toEqual(dc);

      // Amsterdam's stoves: thirty-five, one page.
      await filter(page, AMS, 'STOVE-9');
      const stoves = await listed(`&location=${AMS}&sku=STOVE-9`);
      expect(stoves.length).toBe(TO_AMS / 2);
      await expect.poll(() => shown(page)).toEqual(stoves);
      expect(await older(page).count()).toBe(0);

      // Nothing matches: said so.
      await filter(page, UTR, 'STOVE-9');
      await expect.poll(() => page.textContent('.transfers')).toContain('No transfers match');
      expect(await page.locator('.transfers tbody tr').count()).toBe(0);
      await ctx.close();
    });

    it('an action reads the list again with the filter kept; the warehouse filters too', async () => {
      const { ctx, page } = await signIn(browser, t.url, 'wes', '#/replenishment');
      await page.locator('.transfers tbody tr').first().waitFor();
      await page.locator(`select[name=transfer-location] option[value="${UTR}"]`).waitFor({ state: 'attached' });
      await filter(page, UTR, 'LAMP-1');
      await expect.poll(() => shown(page)).toEqual(Array.from({ length: TO_UTR }, (_, i) => `tr-utr-${i}`));
      const line = page.locator('.transfers tr[data-key="tr-utr-0"]');
      await line.locator('button.ship').click();
      const form = page.locator('.transfer-form form[data-transfer="tr-utr-0"]');
      await form.locator('input[name=carrier]').fill('postnl');
      await form.locator('button[type=submit]').click();
      await page.locator('.repl-result .banner.ok', { hasText: 'Shipped tr-utr-0' }).waitFor();
      // The list read after it keeps Utrecht's filter, with the transfer now on the road.
      await expect.poll(() => line.textContent()).toContain('shipped');
      expect(await shown(page)).toEqual(Array.from({ length: TO_UTR }, (_, i) => `tr-utr-${i}`));
      expect(await page.inputValue('select[name=transfer-location]')).toBe(UTR);
      expect(await page.inputValue('input[name=transfer-sku]')).toBe('LAMP-1');
      await ctx.close();
    });

    it('a transfer never reported as shipped is received with when it left the source; a shipped one is not asked', async () => {
      const { ctx, page } = await signIn(browser, t.url, 'wes', '#/replenishment');
      await page.locator('.transfers tbody tr').first().waitFor();
      await page.locator(`select[name=transfer-location] option[value="${UTR}"]`).waitFor({ state: 'attached' });
      await filter(page, UTR, 'LAMP-1');
      await expect.poll(() => shown(page)).toEqual(Array.from({ length: TO_UTR }, (_, i) => `tr-utr-${i}`));
      // Shipped by the test before: its departure is on record, the form does not ask for it.
      if ((await t.api('GET', '/v1/transfers/tr-utr-0', keys.ada!)).body.state === 'shipped') {
        await page.locator('.transfers tr[data-key="tr-utr-0"] button.receive').click();
        await page.locator('.transfer-form form[data-transfer="tr-utr-0"] input[name=qty]').waitFor();
        expect(await page.locator('.transfer-form form[data-transfer="tr-utr-0"] input[name=shipped-at]').count()).toBe(0);
      }
      await page.locator('.transfers tr[data-key="tr-utr-1"] button.receive').click();
      const form = page.locator('.transfer-form form[data-transfer="tr-utr-1"]');
      // 08:30 UTC, as the browser's local time (the field has no zone).
      const left = T0 - 30 * MIN;
      const local = await page.evaluate((ms) => { const d = new Date(ms); const p = (n: number) => String(n).padStart(2, '0'); return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; }, left);
      await form.locator('input[name=shipped-at]').fill(local);
      await form.locator('button[type=submit]').click();
      await page.locator('.repl-result .banner.ok', { hasText: 'Received tr-utr-1' }).waitFor();
      expect((await t.api('GET', '/v1/transfers/tr-utr-1', keys.ada!)).body).toMatchObject({ state: 'received', doc: { receivedQty: 2, shippedMs: left } });
      await ctx.close();
    });
  });
}
