import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { ARTIFACTS, LOCATIONS, PRODUCTS, hasChromium, launchChromium, orderPlaced, signIn } from './setup.js';

// The business KPIs of SPEC §7 on the overview (docs/kpis.md): each tile shows what /v1/dashboard's
// `kpis` says, and a figure with nothing to measure says why instead of 0.
const ADMIN = { id: 'test', role: 'admin' };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, business KPIs on the overview: ${factory.name}`, () => {
    let t: TestApp;
    let browser: Browser;
    let olga = '';

    beforeAll(async () => {
      t = await startTestApp(factory, { config: { dispatch: { idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      olga = (await addUser(t.app.store, ADMIN, 'olga', 'operations_manager', 'olga-password')).apiKey;
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      for (const p of PRODUCTS) await t.send(envelope({ type: 'product.upserted', payload: p }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-tilburg', counts: [{ sku: 'LAMP-1', onHand: 40 }] } }));
      for (const ext of ['K-1', 'K-2', 'K-3', 'K-4']) await t.send(orderPlaced(ext, [{ lineId: '1', sku: 'LAMP-1', qty: 1, unitPrice: 19.95 }]));
      // One person's command: a cancel by the operations manager.
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 'K-1')}/cancel`, olga, { reason: 'customer called' })).status).toBeLessThan(300);
      await t.drained();
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('each tile shows the API\'s figure: touches per 1,000 orders, nothing measured yet said as such', async () => {
      const api = (await t.api('GET', '/v1/dashboard', olga)).body.kpis;
      expect(api.manualTouches).toEqual({ commands: 1, orders: 4, perThousandOrders: 250 });
      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/overview');
      const tiles = page.locator('.kpis.business .kpi');
      await tiles.first().waitFor();
      const read = async () => Object.fromEntries(await tiles.evaluateAll((els) => els.map((el) => [el.querySelector('.label')?.textContent, {
        value: el.querySelector('.value')?.textContent, note: el.querySelector('.note')?.textContent,
      }])));
      const shown = await read();
      expect(shown['Manual touches / 1,000 orders']).toEqual({ value: '250', note: '1 command by people · 4 orders / 24 h' });
      expect(shown['Return resolution (median)']).toEqual({ value: '—', note: 'no case resolved in 24 h' });
      expect(shown['Refund approval (median)']).toEqual({ value: '—', note: 'no refund decided in 24 h' });
      expect(shown['Inventory accuracy']).toEqual({ value: '—', note: 'no reconciliation with the ERP yet' });
      expect(shown['Channel sync on time']!.note).toContain(`within ${api.channelSync.targetSeconds} s`);
      await page.screenshot({ path: `${ARTIFACTS}/70-overview-business-kpis.png`, fullPage: true });
      await ctx.close();
    });
  });
}
