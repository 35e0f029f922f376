import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { ARTIFACTS, LOCATIONS, PRODUCTS, hasChromium, launchChromium, orderPlaced, signIn } from './setup.js';

// "Hold" and "Release" on the order screen (docs/orders.md, "Holding an order"): shown to the roles
// whose routes allow them; Hold asks why; the hold's note, who and when are shown; Release routes it again.
const ADMIN = { id: 'test', role: 'admin' };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, holding and releasing an order: ${factory.name}`, () => {
    let t: TestApp;
    let browser: Browser;
    const id = orderIdFor('web', 'HOLD-1');
    const getOrder = async () => (await t.api('GET', `/v1/orders/${id}`, t.adminKey)).body;

    beforeAll(async () => {
      t = await startTestApp(factory, { config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      for (const [name, role] of [['sam', 'service_agent'], ['wes', 'warehouse']] as const) await addUser(t.app.store, ADMIN, name, role, `${name}-password`);
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      for (const p of PRODUCTS) await t.send(envelope({ type: 'product.upserted', payload: p }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-tilburg', counts: [{ sku: 'LAMP-1', onHand: 10 }] } }));
      await t.send(orderPlaced('HOLD-1', [{ lineId: '1', sku: 'LAMP-1', qty: 2, unitPrice: 19.95 }]));
      expect((await getOrder()).state).toBe('allocated');
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('the warehouse sees no Hold; the service agent holds the order saying why, sees who held it, and releases it', async () => {
      const wes = await signIn(browser, t.url, 'wes', `#/orders/${encodeURIComponent(id)}`);
      await wes.page.locator('h2', { hasText: 'Fulfilments' }).waitFor();
      expect(await wes.page.locator('button.hold-order').count()).toBe(0);
      await wes.ctx.close();

      const { ctx, page } = await signIn(browser, t.url, 'sam', `#/orders/${encodeURIComponent(id)}`);
      const hold = page.locator('button.hold-order');
      await hold.waitFor();
      expect(await page.locator('button.release-order').count()).toBe(0);
      page.once('dialog', (d) => d.accept('customer called to change the address'));
      await hold.click();
      await expect.poll(async () => (await getOrder()).holdReason).toBe('manual');
      // The screen reads the order again: held, by whom and why; Release instead of Hold.
      const shown = page.locator('.order-hold');
      await shown.waitFor();
      expect(await shown.textContent()).toContain('customer called to change the address — sam');
      expect(await page.locator('button.hold-order').count()).toBe(0);
      await page.screenshot({ path: `${ARTIFACTS}/72-order-held-by-hand.png`, fullPage: true });

      page.once('dialog', (d) => d.accept('address fixed'));
      await page.locator('button.release-order').click();
      await expect.poll(async () => (await getOrder()).state).toBe('allocated');
      await page.locator('button.hold-order').waitFor();
      expect(await page.locator('.order-hold').count()).toBe(0);
      await ctx.close();
    });
  });
}
