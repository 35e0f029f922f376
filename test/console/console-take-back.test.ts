import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { ordersPolicyWithoutTemplates } from '../policies/older-database.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { defaultOrdersPolicy } from '../../src/policy/kinds/orders.js';
import { ARTIFACTS, hasChromium, launchChromium, signIn } from './setup.js';

// The policies screen's way back from a decline of new defaults ("Take back"), and an entry declined at
// a default value a later release changed: new again, saying what was declined (docs/console.md).
const ADMIN = { id: 'test', role: 'admin' };
const T0 = Date.parse('2026-11-30T09:00:00Z');
/** A key the older release lacked: the retailer declines it, then takes the decline back. */
const KEY = 'notifications.templates.delivered';
const DECLINE = '/v1/policies/orders/new-defaults/decline';
const TAKE_BACK = '/v1/policies/orders/new-defaults/undecline';

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, taking back a decline of new defaults: ${factory.name}`, () => {
    let t: TestApp;
    let browser: Browser;
    const keys: Record<string, string> = {};
    const started = Date.now();
    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
    const declinedNow = async () => (await t.api('GET', '/v1/policies/orders/versions', keys.olga!)).body.declinedNewDefaults as Array<{ path: string; reason: string }>;

    beforeAll(async () => {
      t = await startTestApp(ordersPolicyWithoutTemplates(factory, ['delivered']), {
        clock: () => T0 + (Date.now() - started),
        config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 },
      });
      for (const [name, role] of [['olga', 'operations_manager'], ['fin', 'finance']] as const) {
        keys[name] = (await addUser(t.app.store, ADMIN, name, role, `${name}-password`)).apiKey;
      }
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('"Take back" beside a declined entry (reason required) lists it as new again, to decline again; a refusal is shown; readers get no button', async () => {
      // The route exists (an empty body is 422): the steps below must run, never be skipped.
      expect((await t.api('POST', TAKE_BACK, keys.olga!, {})).status).toBe(422);
      expect((await t.api('POST', DECLINE, keys.olga!, { paths: [KEY], reason: 'the carrier mails on delivery' })).status).toBe(200);

      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/policies/orders');
      const declinedRow = page.locator(`.declined-new-defaults tr[data-key="${KEY}"]`);
      await declinedRow.waitFor();
      expect(await page.locator(`.new-defaults tr[data-key="${KEY}"]`).count()).toBe(0);
      expect(await page.textContent('.declined-defaults')).toContain('Take a decline back to list the setting as new again.');
      const posted: string[] = [];
      page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/v1/policies/')) posted.push(r.url()); });

      // A reason is required: none (or Cancel) sends nothing.
      page.once('dialog', (d) => d.accept('  '));
      await declinedRow.locator('button.take-back-decline').click();
      await expect.poll(() => page.textContent('#toasts')).toContain('A reason is needed to take a decline back.');
      const dismissed = new Promise<void>((res) => page.once('dialog', (d) => { void d.dismiss().then(res); }));
      await declinedRow.locator('button.take-back-decline').click();
      await dismissed;
      await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
      expect(posted).toEqual([]);
      expect((await declinedNow()).map((d) => d.path)).toEqual([KEY]);
      await page.evaluate("document.getElementById('toasts').replaceChildren()");
      await shot(page, '34-policy-declined-take-back');

      page.once('dialog', (d) => d.accept('customers asked for the delivery mail'));
      await declinedRow.locator('button.take-back-decline').click();
      await expect.poll(() => page.textContent('#toasts')).toContain(`Took back the decline of ${KEY}`);
      expect(posted).toEqual([`${t.url}${TAKE_BACK}`]);
      // New in defaults again, with its Decline; nothing declined any more.
      const fresh = page.locator(`.new-defaults tr[data-key="${KEY}"]`);
      await fresh.waitFor();
      expect(await fresh.locator('td').allTextContents()).toEqual([KEY, JSON.stringify(defaultOrdersPolicy.notifications.templates.delivered), 'Decline']);
      expect(await page.locator('.declined-defaults').count()).toBe(0);
      expect(await declinedNow()).toEqual([]);
      const audit = await t.app.store.read.all<{ actor: string; detail: string }>(
        `SELECT actor, detail FROM audit WHERE subject = 'policy:orders' AND action = 'policy.new_defaults_undeclined'`);
      expect(audit.map((a) => [a.actor, JSON.parse(a.detail).reason])).toEqual([['olga', 'customers asked for the delivery mail']]);

      // Declined again from the screen: back in the declined list, by the new decline.
      page.once('dialog', (d) => d.accept('the carrier mails after all'));
      await fresh.locator('button.decline-new-default').click();
      await expect.poll(() => page.textContent('#toasts')).toContain(`Declined ${KEY}`);
      await declinedRow.waitFor();
      expect(await declinedRow.textContent()).toContain('the carrier mails after all');

      // Taken back elsewhere meanwhile: the click is refused by the server, and the screen says why.
      expect((await t.api('POST', TAKE_BACK, keys.olga!, { paths: [KEY], reason: 'from the API' })).status).toBe(200);
      page.once('dialog', (d) => d.accept('too late'));
      await declinedRow.locator('button.take-back-decline').click();
      await expect.poll(() => page.locator('.content .problem').textContent()).toContain('E_NOT_DECLINED');
      expect(await page.textContent('#toasts')).toContain('Take back refused');
      await ctx.close();

      // A reader sees what was declined, not the way back.
      expect((await t.api('POST', DECLINE, keys.olga!, { paths: [KEY], reason: 'declined for the reader' })).status).toBe(200);
      const reader = await signIn(browser, t.url, 'fin', '#/policies/orders');
      await reader.page.locator(`.declined-new-defaults tr[data-key="${KEY}"]`).waitFor();
      expect(await reader.page.locator('button.take-back-decline').count()).toBe(0);
      expect(await reader.page.textContent('.declined-defaults')).not.toContain('Take a decline back');
      await reader.ctx.close();
    });

    it('an entry declined at a default a later release changed: new again, saying what was declined, and marked in the declined list', async () => {
      // Declined (by the test before or here) at today's value.
      if (!(await declinedNow()).some((d) => d.path === KEY)) {
        expect((await t.api('POST', DECLINE, keys.olga!, { paths: [KEY], reason: 'the carrier mails on delivery' })).status).toBe(200);
      }
      const templates = defaultOrdersPolicy.notifications.templates as Record<string, string>;
      const then = templates.delivered!;
      templates.delivered = `${then}_v2`;
      try {
        const { ctx, page } = await signIn(browser, t.url, 'olga', '#/policies/orders');
        const fresh = page.locator(`.new-defaults tr[data-key="${KEY}"]`);
        await fresh.waitFor();
        expect(await fresh.locator('.declined-before').textContent()).toBe(`declined before, when the default was: ${JSON.stringify(then)}`);
        expect(await fresh.textContent()).toContain(JSON.stringify(`${then}_v2`));
        const declinedRow = page.locator(`.declined-new-defaults tr[data-key="${KEY}"]`);
        expect(await declinedRow.locator('.pill').textContent()).toBe('default changed since: new again');
        await page.evaluate("document.getElementById('toasts').replaceChildren()");
        await shot(page, '35-policy-declined-default-changed');

        // Declined again, at the new value: no longer listed, no longer marked.
        page.once('dialog', (d) => d.accept('not this one either'));
        await fresh.locator('button.decline-new-default').click();
        await expect.poll(() => page.textContent('#toasts')).toContain(`Declined ${KEY}`);
        await expect.poll(() => page.locator(`.new-defaults tr[data-key="${KEY}"]`).count()).toBe(0);
        expect(await declinedRow.locator('.pill').count()).toBe(0);
        expect((await declinedNow()).find((d) => d.path === KEY)).toMatchObject({ value: `${then}_v2`, reason: 'not this one either' });
        await ctx.close();
      } finally {
        templates.delivered = then;
      }
    });
  });
}
