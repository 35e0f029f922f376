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
