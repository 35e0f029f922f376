import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { insertAnomaly } from '../../src/store/repos/returns.js';
import { ARTIFACTS, LOCATIONS, PRODUCTS, hasChromium, launchChromium, orderPlaced, signIn } from './setup.js';

// The Anomalies screen (src/console/static/anomalies.js) and the books check on the Inventory screen
// for inventory control, who may run the check (GET /v1/checks) but not read the audit trail. The
// findings are written through the repository the anomaly scan writes with; the orders they name are
// real orders the engine placed, so the links open real timelines.
const ADMIN = { id: 'test', role: 'admin' };
const T0 = Date.parse('2026-11-30T09:00:00Z');
const MIN = 60_000;
/** Older demand findings beyond the first 100 the screen asks for. */
const BULK = 104;
const POLICY = 'anomaly@3';

type Anomaly = { id: string; kind: string; key: string; day: string; score: number; explanation: string; detectedAt: string; detail: Record<string, unknown> };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console anomalies, and the books check for inventory control: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let browser: Browser;
    const keys: Record<string, string> = {};
    const started = Date.now();
    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
    const settle = (page: Page) => page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    const sql = (text: string, params: unknown[] = []) => t.app.store.transaction((tx) => tx.run(text, params));
    const orderA1 = orderIdFor('web', 'A-1');
    const orderA2 = orderIdFor('web', 'A-2');
    /** The API's own list, read with the page's role. */
    const listed = async (key: string, query = ''): Promise<Anomaly[]> => {
      const r = await t.api('GET', `/v1/anomalies?limit=1000${query}`, key);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.items;
    };
    const rows = (page: Page) => page.locator('.anomalies tbody tr');
    const keysShown = (page: Page) => rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));

    beforeAll(async () => {
      t = await startTestApp(factory, {
        clock: () => T0 + (Date.now() - started),
        config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 },
      });
      for (const [name, role] of [['olga', 'operations_manager'], ['ivy', 'inventory_control'], ['wes', 'warehouse'], ['fin', 'finance']] as const) {
        keys[name] = (await addUser(t.app.store, ADMIN, name, role, `${name}-password`)).apiKey;
      }
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      for (const p of PRODUCTS) await t.send(envelope({ type: 'product.upserted', payload: p }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-tilburg', counts: [{ sku: 'LAMP-1', onHand: 40 }, { sku: 'STOVE-9', onHand: 10 }] } }));
      await t.send(orderPlaced('A-1', [{ lineId: '1', sku: 'STOVE-9', qty: 1, unitPrice: 260 }]));
      await t.send(orderPlaced('A-2', [{ lineId: '1', sku: 'LAMP-1', qty: 1, unitPrice: 19.95 }]));
      await t.drained();
      // Newest first: A-2's velocity, A-1's value, the stove's drop, the lamp's spike, then the bulk.
      const seeded = [
        { id: 'an-lamp-spike', kind: 'demand', key: 'LAMP-1', day: '2026-11-29', score: 6.2, explanation: 'LAMP-1 sold 40 on 2026-11-29, expected about 4 (spread 1.5): robust z 6.2, a spike past the threshold of 4.', detectedMs: T0 - 120 * MIN, doc: { observed: 40, expected: 4, direction: 'spike', policyVersion: POLICY } },
        { id: 'an-stove-drop', kind: 'demand', key: 'STOVE-9', day: '2026-11-29', score: -4.5, explanation: 'STOVE-9 sold 0 on 2026-11-29, expected about 6 (spread 1.3): robust z -4.5, a drop past the threshold of 4.', detectedMs: T0 - 60 * MIN, doc: { observed: 0, expected: 6, direction: 'drop', policyVersion: POLICY } },
        { id: 'an-a1-value', kind: 'value_outlier', key: orderA1, day: '2026-11-30', score: 5.1, explanation: 'Order value 260 is 13× the usual 20 (robust z 5.1 on log value, threshold 4).', detectedMs: T0 - 30 * MIN, doc: { orderId: orderA1, policyVersion: POLICY } },
        { id: 'an-a2-velocity', kind: 'customer_velocity', key: orderA2, day: '2026-11-30', score: 7, explanation: '7 orders from customer c-A-2 within 1 h (limit 5).', detectedMs: T0 - 10 * MIN, doc: { orderId: orderA2, customerId: 'c-A-2', policyVersion: POLICY } },
        ...Array.from({ length: BULK }, (_, i) => ({
          id: `an-bulk-${String(i).padStart(3, '0')}`, kind: 'demand', key: `BULK-${String(i).padStart(3, '0')}`, day: '2026-11-20', score: 4.1,
          explanation: 'an older spike', detectedMs: T0 - 10 * 24 * 60 * MIN - i * MIN, doc: { observed: 9, expected: 2, direction: 'spike', policyVersion: POLICY },
        })),
      ];
      await t.app.store.transaction(async (tx) => {
        for (const a of seeded) expect(await insertAnomaly(tx, a)).toBe(true);
      });
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('lists the findings newest first, 100 and then more, with kind, subject, score, why and policy version', async () => {
      const api = await listed(keys.olga!);
      expect(api.length).toBe(BULK + 4);
      expect(api.slice(0, 4).map((a) => a.id)).toEqual(['an-a2-velocity', 'an-a1-value', 'an-stove-drop', 'an-lamp-spike']);

      const { ctx, page } = await signIn(browser, t.url, 'olga');
      await page.click('nav a[data-screen=anomalies]');
      await rows(page).first().waitFor();
      expect(await page.textContent('header.top h1')).toBe('Anomalies');
      expect(await keysShown(page)).toEqual(api.slice(0, 100).map((a) => a.id));
      expect(await page.textContent('.anomalies h2')).toBe('Findings · 100+');

      const velocity = page.locator('.anomalies tr[data-key="an-a2-velocity"]');
      const text = (await velocity.textContent())!;
      expect(text).toContain('customer ordering fast');
      expect(text).toContain('7.0');
      expect(text).toContain('7 orders from customer c-A-2 within 1 h (limit 5).');
      expect(text).toContain(POLICY);
      // A field of the finding's record the row has no column for is shown by its name.
      expect(await velocity.locator('.anomaly-measured').textContent()).toBe('customerId: c-A-2');
      const spike = (await page.locator('.anomalies tr[data-key="an-lamp-spike"]').textContent())!;
      expect(spike).toContain('demand spike');
      expect(spike).toContain('40 sold, ~4 expected');
      expect(await page.locator('.anomalies tr[data-key="an-stove-drop"]').textContent()).toContain('demand drop');
      await shot(page, '70-anomalies');

      // "Older findings" pages on with the API's cursor; once all are in, no button.
      await page.click('.anomalies button.load-more');
      await expect.poll(() => rows(page).count()).toBe(BULK + 4);
      expect(await keysShown(page)).toEqual(api.map((a) => a.id));
      expect(await page.textContent('.anomalies h2')).toBe(`Findings · ${BULK + 4}`);
      expect(await page.locator('.anomalies button.load-more').count()).toBe(0);
      await ctx.close();
    });

    it('the kind filter is the API\'s; a sku links to its stock, an order to its timeline', async () => {
      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/anomalies');
      await rows(page).first().waitFor();
      await page.selectOption('select[name=kind]', 'value_outlier');
      await page.click('.anomaly-filter button[type=submit]');
      await expect.poll(() => keysShown(page)).toEqual((await listed(keys.olga!, '&kind=value_outlier')).map((a) => a.id));
      expect(await keysShown(page)).toEqual(['an-a1-value']);
      expect(await page.textContent('.anomalies h2')).toBe('Findings · 1');

      await page.selectOption('select[name=kind]', 'demand');
      await page.fill('input[name=key]', 'LAMP-1');
      await page.click('.anomaly-filter button[type=submit]');
      await expect.poll(() => keysShown(page)).toEqual(['an-lamp-spike']);
      const sku = page.locator('.anomalies tr[data-key="an-lamp-spike"] a.anomaly-subject');
      expect(await sku.getAttribute('href')).toBe('#/inventory?sku=LAMP-1');
      await sku.click();
      await expect.poll(() => page.textContent('header.top h1')).toBe('Inventory');
      expect(await page.inputValue('input[name=sku]')).toBe('LAMP-1');
      await expect.poll(() => page.textContent('.content')).toContain('dc-tilburg');

      // A deep link carries the filter; the order finding opens the order's timeline.
      await page.goto(`${t.url}/#/anomalies?kind=customer_velocity`);
      await expect.poll(() => keysShown(page)).toEqual(['an-a2-velocity']);
      const order = page.locator('.anomalies tr[data-key="an-a2-velocity"] a.anomaly-subject');
      expect(await order.getAttribute('href')).toBe(`#/orders/${orderA2}`);
      // Named by the channel's order number, as the shop's back office knows it.
      expect(await order.textContent()).toBe('order A-2 · web');
      await order.click();
      await expect.poll(() => page.textContent('header.top h1')).toBe('Order A-2');
      await ctx.close();
    });

    it('inventory control reads the findings; an order it may not open is named, not linked', async () => {
      expect((await t.api('GET', `/v1/orders/${orderA1}`, keys.ivy!)).status).toBe(403);
      const { ctx, page } = await signIn(browser, t.url, 'ivy');
      expect(await page.locator('nav a[data-screen=anomalies]').count()).toBe(1);
      await page.click('nav a[data-screen=anomalies]');
      await page.locator('.anomalies tr[data-key="an-a1-value"]').waitFor();
      expect(await page.locator('.anomalies tr[data-key="an-a1-value"] a').count()).toBe(0);
      expect(await page.locator('.anomalies tr[data-key="an-a1-value"] .anomaly-subject').textContent()).toBe('order A-1 · web');
      expect(await page.locator('.anomalies tr[data-key="an-lamp-spike"] a.anomaly-subject').getAttribute('href')).toBe('#/inventory?sku=LAMP-1');
      await ctx.close();
    });

    it('a role the API refuses (the warehouse) has no Anomalies entry; the screen by its address says so', async () => {
      expect((await t.api('GET', '/v1/anomalies', keys.wes!)).status).toBe(403);
      const { ctx, page } = await signIn(browser, t.url, 'wes');
      await page.locator('nav a').first().waitFor();
      expect(await page.locator('nav a[data-screen=anomalies]').count()).toBe(0);
      await page.goto(`${t.url}/#/anomalies`);
      await expect.poll(() => page.textContent('.content')).toContain('Your role cannot see anomalies');
      expect(await rows(page).count()).toBe(0);
      await ctx.close();
    });

    it('a refusal is shown with its problem+json code', async () => {
      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/anomalies');
      await rows(page).first().waitFor();
      await page.route('**/v1/anomalies*', (r) => r.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ code: 'E_UNAVAILABLE', title: 'Store unavailable', detail: 'the store cannot be reached' }) }));
      await page.click('.anomaly-filter button[type=submit]');
      await expect.poll(() => page.locator('.anomalies .banner.bad.problem').textContent()).toBe('E_UNAVAILABLEthe store cannot be reached');
      await ctx.close();
    });

    it('inventory control runs the books check from the Inventory screen (it has no Audit screen)', async () => {
      expect((await t.api('GET', '/v1/audit', keys.ivy!)).status).toBe(403);
      const api = (await t.api('GET', '/v1/checks?limit=100', keys.ivy!)).body;
      expect(api).toMatchObject({ ok: true, errors: 0, warnings: 0, findings: [] });
      const n = Object.keys(api.counts).length;

      const { ctx, page } = await signIn(browser, t.url, 'ivy', '#/inventory');
      expect(await page.locator('nav a[data-screen=audit]').count()).toBe(0);
      const run = async () => {
        const answered = page.waitForResponse((r) => r.url().includes('/v1/checks'));
        await page.click('header.top button.books-check-run');
        await answered;
        await page.locator('.books .banner').waitFor();
      };
      await page.locator('header.top button.books-check-run').waitFor();
      await run();
      expect(await page.textContent('.books .banner')).toContain(`The books agree (${n} checks)`);

      // Stock the books do not agree with: the finding's row, its subject linked to the stock row.
      const loc = 'dc-tilburg';
      await sql('UPDATE stock SET reserved = reserved + 3 WHERE sku = ? AND location_id = ?', ['STOVE-9', loc]);
      try {
        const broken = (await t.api('GET', '/v1/checks?limit=100', keys.ivy!)).body;
        const f = broken.findings.find((x: { subject: string }) => x.subject === `stock:${loc}:STOVE-9`);
        expect(f, JSON.stringify(broken.findings)).toBeDefined();
        await run();
        expect(await page.locator('.books .banner').first().textContent()).toContain(`The books disagree: ${broken.errors} error`);
        const tr = page.locator(`.books tr[data-key="${f.check} ${f.subject}"]`);
        expect(await tr.locator('td').nth(3).textContent()).toBe(f.detail);
        expect(await tr.locator('a.books-subject').getAttribute('href')).toBe(`#/inventory?sku=STOVE-9&location=${loc}`);
        await shot(page, '71-inventory-books-check');
      } finally {
        await sql('UPDATE stock SET reserved = reserved - 3 WHERE sku = ? AND location_id = ?', ['STOVE-9', loc]);
      }
      await ctx.close();
    });

    it('roles with the Audit screen run the check there, not twice; a role the API refuses sees no button', async () => {
      const olga = await signIn(browser, t.url, 'olga', '#/inventory');
      await expect.poll(() => olga.page.textContent('.content')).toContain('LAMP-1');
      await settle(olga.page);
      expect(await olga.page.locator('button.books-check-run').count()).toBe(0);
      await olga.ctx.close();

      expect((await t.api('GET', '/v1/checks', keys.fin!)).status).toBe(403);
      const fin = await signIn(browser, t.url, 'fin', '#/inventory');
      await expect.poll(() => fin.page.textContent('.content')).toContain('LAMP-1');
      await settle(fin.page);
      expect(await fin.page.locator('button.books-check-run').count()).toBe(0);
      expect(await fin.page.getByText('Check the books').count()).toBe(0);
      await fin.ctx.close();
    });
  });
}
