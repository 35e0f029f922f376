import { expect } from 'vitest';
import type { TestApp } from '../support/app.js';

const DAY = 86_400_000;

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
