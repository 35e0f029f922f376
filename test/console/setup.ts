// Shared by the console's browser tests: the catalogue they seed, the browser they drive.
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { envelope } from '../support/app.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = 'test-artifacts/console';
export const hasChromium = existsSync(CHROMIUM);

export const LOCATIONS = [
  { id: 'dc-tilburg', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

export const PRODUCTS = [
  { sku: 'LAMP-1', name: 'Camp lamp', category: 'outdoor', price: 19.95, cost: 8, returnable: true, supplierIds: [] },
  { sku: 'STOVE-9', name: 'Expedition stove', category: 'outdoor', price: 260, cost: 150, returnable: true, supplierIds: [] },
];

/** An order.placed envelope; each order has its own customer and address (no fraud velocity between them). */
export function orderPlaced(ext: string, lines: Array<{ lineId: string; sku: string; qty: number; unitPrice: number }>, payment = 'authorized') {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext,
      customer: { id: `c-${ext}`, email: `${ext.toLowerCase()}@example.com`, createdAt: '2020-01-01T00:00:00Z' },
      lines,
      currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } },
      payment: { status: payment, amount: lines.reduce((a, l) => a + l.qty * l.unitPrice, 0) },
    },
  });
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** A signed-in page (password `<name>-password`). */
export async function signIn(browser: Browser, url: string, name: string, hash = ''): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${url}/`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', `${name}-password`);
  await page.click('button[type=submit]');
  await page.waitForSelector('.user-name');
  if (hash) await page.goto(`${url}/${hash}`);
  return { ctx, page };
}
