import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { ARTIFACTS, LOCATIONS, PRODUCTS, hasChromium, launchChromium, orderPlaced, signIn } from './setup.js';

// The books check on the Audit screen (docs/checks.md, docs/console.md): "Check the books" beside
// "Verify chain" for the roles that may call GET /v1/checks. The store is written by the real engine,
// then corrupted by hand with raw SQL; the screen is checked against the API's own answer.
const ADMIN = { id: 'test', role: 'admin' };
const T0 = Date.parse('2026-11-30T09:00:00Z');
/** Stock rows beyond one page of a check's findings (the console asks for 100 per check). */
const BULK = 101;

type Finding = { check: string; severity: string; subject: string; detail: string; facts: Record<string, unknown> };
type Books = { ok: boolean; checkedAt: string; findings: Finding[]; counts: Record<string, { severity: string; found: number; shown: number }>; errors: number; warnings: number };

if (!hasChromium) console.warn('console browser tests skipped: /usr/bin/chromium is missing');

for (const factory of storeFactories()) {
  describe.skipIf(!hasChromium)(`console, the books check on the Audit screen: ${factory.name}`, () => {
    let t: TestApp;
    let browser: Browser;
    const keys: Record<string, string> = {};
    const started = Date.now();
    const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
    const sql = (text: string, params: unknown[] = []) => t.app.store.transaction((tx) => tx.run(text, params));
    const row = async <T = Record<string, any>>(text: string, params: unknown[] = []) => (await t.app.store.read.get<T>(text, params))!;
    const orderId = orderIdFor('web', 'A-1');
    /** The API's own answer, read with the same role as the page. */
    const books = async (): Promise<Books> => {
      const r = await t.api('GET', '/v1/checks?limit=100', keys.olga!);
      expect(r.status).toBe(200);
      return r.body;
    };
    /** Runs `corrupt`, then `inspect`, and undoes the corruption whatever happened. */
    async function broken(corrupt: () => Promise<unknown>, undo: () => Promise<unknown>, inspect: () => Promise<void>) {
      await corrupt();
      try {
        await inspect();
      } finally {
        await undo();
      }
    }
    /** Presses "Check the books" and waits for the answer it set off to be drawn. */
    async function check(page: Page) {
      const answered = page.waitForResponse((r) => r.url().includes('/v1/checks'));
      await page.click('button.books-check-run');
      await answered;
      await page.locator('.books .banner').waitFor();
    }
    /** Each finding's row as the screen shows it: severity, check, subject, detail. */
    const rowOf = async (page: Page, f: Finding) => {
      const tr = page.locator(`.books tr[data-key="${f.check} ${f.subject}"]`);
      expect(await tr.count(), `${f.check} ${f.subject}`).toBe(1);
      return {
        severity: (await tr.locator('td').nth(0).textContent())?.trim(),
        check: await tr.locator('td').nth(1).textContent(),
        subject: await tr.locator('td .books-subject').textContent(),
        detail: await tr.locator('td').nth(3).textContent(),
      };
    };
    /** The banner's class names as tokens ("books-check" holds the letters "ok": never match substrings). */
    const tone = (page: Page) => page.locator('.books .banner').evaluate((el) => [...el.classList].filter((c) => ['ok', 'warn', 'bad'].includes(c)));
    const stockLoc = async () => (await row<{ location_id: string }>(`SELECT location_id FROM reservations WHERE order_id = ? AND status = 'active'`, [orderId])).location_id;

    beforeAll(async () => {
      t = await startTestApp(factory, {
        clock: () => T0 + (Date.now() - started),
        config: { dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 },
      });
      for (const [name, role] of [['olga', 'operations_manager'], ['fin', 'finance']] as const) {
        keys[name] = (await addUser(t.app.store, ADMIN, name, role, `${name}-password`)).apiKey;
      }
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      for (const p of PRODUCTS) await t.send(envelope({ type: 'product.upserted', payload: p }));
      const bulk = Array.from({ length: BULK }, (_, i) => ({ sku: `BULK-${String(i).padStart(3, '0')}`, onHand: 1 }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc-tilburg', counts: [{ sku: 'LAMP-1', onHand: 40 }, ...bulk] } }));
      await t.send(orderPlaced('A-1', [{ lineId: '1', sku: 'LAMP-1', qty: 2, unitPrice: 19.95 }]));
      await t.drained();
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it('a store the engine wrote: "The books agree (N checks)", N from the API\'s own answer', async () => {
      expect((await t.api('GET', `/v1/orders/${orderId}`, keys.olga!)).body.state).toBe('allocated');
      const api = await books();
      expect(api).toMatchObject({ ok: true, errors: 0, warnings: 0, findings: [] });
      const n = Object.keys(api.counts).length;
      expect(n).toBeGreaterThan(0);

      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/audit');
      await page.locator('button.books-check-run').waitFor();
      // Beside "Verify chain", in the screen's actions.
      expect(await page.locator('header.top button').allTextContents()).toEqual(['Verify chain', 'Check the books']);
      await check(page);
      const banner = page.locator('.books .banner');
      expect(await tone(page)).toEqual(['ok']);
      expect(await banner.textContent()).toContain(`The books agree (${n} checks)`);
      expect(await page.locator('.books table').count()).toBe(0);
      await shot(page, '60-audit-books-agree');
      await ctx.close();
    });

    it('stock.reserved bumped by hand: a red banner with the counts and the finding\'s row (subject linked to the inventory screen), as the API says', async () => {
      const loc = await stockLoc();
      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/audit');
      await page.locator('button.books-check-run').waitFor();
      await broken(
        () => sql('UPDATE stock SET reserved = reserved + 2 WHERE sku = ? AND location_id = ?', ['LAMP-1', loc]),
        () => sql('UPDATE stock SET reserved = reserved - 2 WHERE sku = ? AND location_id = ?', ['LAMP-1', loc]),
        async () => {
          const api = await books();
          expect(api.findings.map((f) => [f.check, f.subject])).toEqual([['reserved_matches_reservations', `stock:${loc}:LAMP-1`]]);
          const f = api.findings[0]!;
          expect(api).toMatchObject({ ok: false, errors: 1, warnings: 0 });

          await check(page);
          const banner = page.locator('.books .banner');
          expect(await tone(page)).toEqual(['bad']);
          const text = await banner.textContent();
          expect(text).toContain(`The books disagree: ${api.errors} error, ${api.warnings} warnings`);
          expect(text).toContain(`${f.check} ${api.counts[f.check]!.found}`);
          expect(await rowOf(page, f)).toEqual({ severity: f.severity, check: f.check, subject: f.subject, detail: f.detail });
          expect(await page.locator('.books tbody tr').count()).toBe(api.findings.length);
          expect(await page.locator('.books .books-capped').count()).toBe(0);
          await shot(page, '61-audit-books-disagree');

          // The subject opens the inventory screen on that sku and location.
          const link = page.locator(`.books tr[data-key="${f.check} ${f.subject}"] a.books-subject`);
          expect(await link.getAttribute('href')).toBe(`#/inventory?sku=LAMP-1&location=${loc}`);
          await link.click();
          await expect.poll(() => page.evaluate('location.hash')).toBe(`#/inventory?sku=LAMP-1&location=${loc}`);
          await expect.poll(() => page.inputValue('input[name=sku]')).toBe('LAMP-1');
        },
      );
      await ctx.close();
    });

    it('an order marked cancelled by hand, and more findings of one check than are listed: order links and "… N more not shown"', async () => {
      await broken(
        async () => {
          await sql(`UPDATE orders SET state = 'cancelled' WHERE id = ?`, [orderId]);
          await sql(`UPDATE stock SET reserved = reserved + 1 WHERE sku LIKE 'BULK-%'`);
        },
        async () => {
          await sql(`UPDATE orders SET state = 'allocated' WHERE id = ?`, [orderId]);
          await sql(`UPDATE stock SET reserved = reserved - 1 WHERE sku LIKE 'BULK-%'`);
        },
        async () => {
          const api = await books();
          const c = api.counts.reserved_matches_reservations!;
          expect(c).toEqual({ severity: 'error', found: BULK, shown: 100 });
          const order = api.findings.find((f) => f.check === 'order_state_vs_fulfilments')!;
          const leak = api.findings.find((f) => f.check === 'reservation_of_closed_work')!;
          expect(order.subject).toBe('order:web:A-1');
          expect(leak.facts.orderId).toBe(orderId);

          const { ctx, page } = await signIn(browser, t.url, 'olga', '#/audit');
          await page.locator('button.books-check-run').waitFor();
          await check(page);
          expect(await tone(page)).toEqual(['bad']);
          expect(await page.locator('.books .banner').textContent()).toContain(`The books disagree: ${api.errors} errors, ${api.warnings} warnings`);
          expect(await page.locator('.books tbody tr').count()).toBe(api.findings.length);
          for (const f of [order, leak, api.findings[0]!]) expect(await rowOf(page, f)).toEqual({ severity: f.severity, check: f.check, subject: f.subject, detail: f.detail });
          expect(await page.locator('.books .books-capped').allTextContents()).toEqual([
            `reserved_matches_reservations: ${c.shown} of ${c.found} shown … ${c.found - c.shown} more not shown`,
          ]);
          // The order's subject opens the order screen; the leaked reservation names its order beside it.
          expect(await page.locator(`.books tr[data-key="${order.check} ${order.subject}"] a.books-subject`).getAttribute('href')).toBe(`#/orders/${orderId}`);
          expect(await page.locator(`.books tr[data-key="${leak.check} ${leak.subject}"] a`).getAttribute('href')).toBe(`#/orders/${orderId}`);
          await page.locator('.books-capped').scrollIntoViewIfNeeded();
          await shot(page, '62-audit-books-capped');
          await page.click(`.books tr[data-key="${order.check} ${order.subject}"] a.books-subject`);
          await expect.poll(() => page.textContent('header.top h1')).toBe('Order A-1');
          await ctx.close();
        },
      );
      expect((await books()).ok).toBe(true);
    });

    it('warnings only (an event dead-lettered by hand): an amber banner; an error answer is shown with its code', async () => {
      const ev = await row<{ id: string; status: string }>(`SELECT id, status FROM events WHERE status = 'processed' ORDER BY seq`);
      const { ctx, page } = await signIn(browser, t.url, 'olga', '#/audit');
      await page.locator('button.books-check-run').waitFor();
      await broken(
        () => sql(`UPDATE events SET status = 'dead' WHERE id = ?`, [ev.id]),
        () => sql('UPDATE events SET status = ? WHERE id = ?', [ev.status, ev.id]),
        async () => {
          const api = await books();
          expect(api).toMatchObject({ ok: true, errors: 0 });
          expect(api.warnings).toBeGreaterThan(0);
          await check(page);
          const banner = page.locator('.books .banner');
          expect(await tone(page)).toEqual(['warn']);
          expect(await banner.textContent()).toContain(`No errors, ${api.warnings} warning`);
          for (const f of api.findings) expect(await rowOf(page, f)).toEqual({ severity: 'warning', check: f.check, subject: f.subject, detail: f.detail });
          await shot(page, '63-audit-books-warnings');
        },
      );
      // Whatever the server answers instead is shown with its code, as other screens do.
      await page.route('**/v1/checks*', (r) => r.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ code: 'E_UNAVAILABLE', title: 'Store unavailable', detail: 'the store cannot be reached' }) }));
      await check(page);
      expect(await page.locator('.books .banner.bad.problem').textContent()).toBe('E_UNAVAILABLEthe store cannot be reached');
      await ctx.close();
    });

    it('a role that may not call the check (finance) sees no button', async () => {
      expect((await t.api('GET', '/v1/checks', keys.fin!)).status).toBe(403);
      const { ctx, page } = await signIn(browser, t.url, 'fin', '#/audit');
      await page.locator('.content').waitFor();
      await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
      expect(await page.locator('button.books-check-run').count()).toBe(0);
      expect(await page.getByText('Check the books').count()).toBe(0);
      await ctx.close();
    });

    it('the button follows the session\'s routes: an audit reader whose session lacked GET /v1/checks would see "Verify chain" alone', async () => {
      // Every role that reads the Audit screen may call the check today; the gate is still the route
      // list of GET/POST /v1/session, so that list is narrowed here (the server's answer, one route less).
      const { ctx, page } = await signIn(browser, t.url, 'olga');
      await page.route('**/v1/session', async (r) => {
        const res = await r.fetch();
        const body = await res.json();
        expect(body.routes).toContain('GET /v1/checks');
        await r.fulfill({ response: res, json: { ...body, routes: body.routes.filter((x: string) => x !== 'GET /v1/checks') } });
      });
      await page.goto(`${t.url}/#/audit`);
      // A fresh page load reads the session again (a hash change alone would not).
      const read = page.waitForResponse((r) => r.url().endsWith('/v1/session') && r.request().method() === 'GET');
      await page.reload();
      await read;
      await page.locator('header.top button', { hasText: 'Verify chain' }).waitFor();
      expect(await page.locator('header.top button').allTextContents()).toEqual(['Verify chain']);
      await ctx.close();
    });
  });
}
