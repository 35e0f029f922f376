import { afterEach, expect } from 'vitest';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import type { StoreFactory } from '../support/stores.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop } from '../support/shop.js';
import { killChildren, newDataDir, newSecretKey, removeDataDirs, runCli, type CliResult } from '../support/cli.js';

export const DAY = 86_400_000;

/** Order history as the order flow records it: reservations (consumed) per location and day, the `days` days before `today`. */
export async function orderHistory(t: TestApp, today: number, sku: string, locationId: string, perDay: number, days: number): Promise<void> {
  await t.app.store.transaction(async (tx) => {
    for (let d = 1; d <= days; d++) {
      const at = new Date(today - d * DAY + 3_600_000).toISOString();
      await tx.run(
        `INSERT INTO reservations (id, order_id, line_id, fulfilment_id, sku, location_id, qty, status, created_at, updated_at) VALUES (?, ?, '1', ?, ?, ?, ?, 'consumed', ?, ?)`,
        [`r-${sku}-${locationId}-${d}`, `o-${sku}-${locationId}-${d}`, `f-${sku}-${locationId}-${d}`, sku, locationId, perDay, at, at],
      );
    }
  });
}

/**
 * One run of the scheduled replenishment check in the 15-minute slot of `now` (the caller moved its
 * clock there): the scheduler fires it (the app's own scheduler may fire it first; the slot fires
 * once either way), and the run must end processed.
 */
export async function runReplenishmentCheck(t: TestApp, now: number): Promise<void> {
  const slot = new Date(Math.floor(now / 900_000) * 900_000).toISOString();
  await t.app.scheduler.tick();
  for (let i = 0; i < 3000; i++) {
    const e = await t.app.store.read.get<{ status: string; last_error: string | null }>(`SELECT status, last_error FROM events WHERE source = 'scheduler' AND source_event_id = ?`, [`replenishment-check@${slot}`]);
    if (e && e.status !== 'pending') {
      expect(e.status, e.last_error ?? '').toBe('processed');
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await t.drained();
}

/** The tents' supplier of the transfer scenarios. */
export const TENT_SUPPLIER = { id: 'S1', name: 'Tents & Co', leadTimeDays: 10, skus: [{ sku: 'TENT', unitCost: 20, primary: true }] };

/**
 * The transfer scenario (the store short of tents, the DC with plenty; locations and stock already
 * there): procurement's supplier, 35 days of history at both up to `today`, and the check run at
 * `checkAt` (the caller's clock moved there by `moveClock`) proposing a transfer from the DC. Answers
 * that recommendation and procurement's key; `acceptTransfer` turns it into the transfer order.
 */
export async function transferProposed(t: TestApp, today: number, checkAt: number, moveClock: (ms: number) => void): Promise<{ rec: any; buyer: string }> {
  const buyer = await t.keyFor('procurement');
  expect((await t.api('PUT', '/v1/suppliers/S1', buyer, TENT_SUPPLIER)).status).toBe(200);
  await orderHistory(t, today, 'TENT', 'store-ams', 5, 35);
  await orderHistory(t, today, 'TENT', 'dc', 2, 35);
  moveClock(checkAt);
  await runReplenishmentCheck(t, checkAt);
  const [rec] = (await t.api('GET', '/v1/replenishment/recommendations', t.adminKey)).body.items;
  expect(rec.transfer).toMatchObject({ fromLocationId: 'dc' });
  return { rec, buyer };
}

/** Accepts a proposed transfer as procurement: the transfer order's id and quantity. */
export async function acceptTransfer(t: TestApp, proposed: { rec: any; buyer: string }): Promise<{ transferId: string; qty: number }> {
  const accepted = await t.api('POST', `/v1/replenishment/recommendations/${proposed.rec.id}/accept`, proposed.buyer, {});
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return { transferId: accepted.body.transferId as string, qty: proposed.rec.transfer.quantity as number };
}

/** Monday 2026-11-30 06:00 UTC: day 0 of the procurement scenarios. */
export const DAY_0 = Date.parse('2026-11-30T06:00:00Z');
/** Day `d` of the procurement scenarios (counted from DAY_0) as a date. */
export const dateOfDay = (d: number) => new Date(DAY_0 + d * DAY).toISOString().slice(0, 10);

/** The procurement scenarios' DC and store (the store ships and hands out pickups, no same-day). */
export const PROCUREMENT_LOCATIONS = [
  { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

/**
 * The procurement scenarios' app on the caller's clock: its locations, the stock counted, and the
 * suppliers with their terms, put by procurement (the REST route, not a web channel). Quick retries,
 * `maxAttempts` of them; availability published every 50 ms.
 */
export async function startProcurementShop(
  factory: StoreFactory, clock: () => number, stock: Record<string, Array<{ sku: string; onHand: number }>>, suppliers: Array<Record<string, unknown>>, maxAttempts: number,
): Promise<TestApp> {
  const t = await startTestApp(factory, { clock, config: { dispatch: { batchSize: 256, maxAttempts, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 50 } });
  try {
    for (const l of PROCUREMENT_LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
    for (const [locationId, counts] of Object.entries(stock)) await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId, counts } }));
    const buyer = await t.keyFor('procurement');
    for (const s of suppliers) {
      const put = await t.api('PUT', `/v1/suppliers/${String(s.id)}`, buyer, s);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
    }
    return t;
  } catch (e) {
    await t.close();
    throw e;
  }
}

/** 2026-11-30 at `hhmm` UTC: the transfer scenarios' day. */
export const transferDayAt = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);

/** A count of the tents at a location, taken at `takenMs` (the snapshot's occurredAt). */
export const tentsCountedAt = (locationId: string, takenMs: number, onHand: number) =>
  envelope({ type: 'inventory.snapshot', occurredAt: new Date(takenMs).toISOString(), payload: { locationId, counts: [{ sku: 'TENT', onHand }] } });

/** The transfer scenarios' shop at 07:00 on the caller's clock: the DC and the Amsterdam store, the store counted 5 tents, the DC 500. */
export async function startTransferShop(factory: StoreFactory, clock: () => number): Promise<TestApp> {
  const t = await startShop(factory, clock, [DC_TILBURG, STORE_AMSTERDAM]);
  try {
    await t.send(tentsCountedAt('store-ams', transferDayAt('07:00'), 5));
    await t.send(tentsCountedAt('dc', transferDayAt('07:00'), 500));
    return t;
  } catch (e) {
    await t.close();
    throw e;
  }
}

/** Kills the CLI runs' children and removes their data directories after each test of the calling file. */
export function cleanUpCliRuns(): void {
  afterEach(async () => {
    await killChildren();
    removeDataDirs();
  });
}

/** A CLI run that must succeed: a failed one throws with its output. */
export function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A fresh data directory with a secret key of its own, migrated; `cli` runs the CLI on it. */
export async function migratedDataDir(): Promise<{ data: string; cli: (...args: string[]) => Promise<CliResult> }> {
  const data = newDataDir();
  const env = { OMNIOPS_SECRET_KEY: newSecretKey() };
  const cli = (...args: string[]) => runCli([...args, '--data', data], { env });
  ok(await cli('migrate', '--json'));
  return { data, cli };
}
