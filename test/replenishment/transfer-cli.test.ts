import { describe, expect, it } from 'vitest';
import { jsonOf, withDb } from '../support/cli.js';
import { cleanUpCliRuns, migratedDataDir, ok } from './support.js';

cleanUpCliRuns();

// `omniops transfers receive <id> --shipped-at` (docs/replenishment.md, "Transfers"): a receipt that
// says when the goods left books the unreported shipment then, judged as the API judges it.
describe('omniops transfers receive (CLI)', { timeout: 120_000 }, () => {
  it('books the shipment when the goods left, so a count at the source after it is not cut again; refuses a time out of bounds', async () => {
    const { data, cli } = await migratedDataDir();
    const H = 3_600_000;
    const now = Date.now();
    withDb(data, (db) => {
      const at = new Date(now).toISOString();
      const transfer = db.prepare(`INSERT INTO transfers (id, recommendation_id, sku, from_location_id, to_location_id, qty, state, expected_date, created_ms, doc, updated_at) VALUES (?, NULL, 'TENT', 'dc', 'store-ams', 4, 'in_transit', '2026-12-31', ?, '{}', ?)`);
      transfer.run('T1', now - 3 * H, at);
      transfer.run('T2', now - 3 * H, at);
      // The DC holds both transfers' units; its floor was counted an hour ago, after T1 left.
      db.prepare(`INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at, counted_ms) VALUES ('TENT', 'dc', 16, 8, 0, 0, ?, ?)`).run(at, now - H);
    });
    const late = await cli('transfers', 'receive', 'T1', '--shipped-at', new Date(now + H).toISOString(), '--json');
    expect([late.code, JSON.parse(late.stderr).code]).toEqual([2, 'E_SCHEMA']);
    expect(JSON.parse(late.stderr).errors).toEqual([{ path: '--shipped-at', message: expect.stringMatching(/^not after the receipt/) }]);
    const early = await cli('transfers', 'receive', 'T1', '--shipped-at', new Date(now - 4 * H).toISOString(), '--json');
    expect([early.code, JSON.parse(early.stderr).errors[0].message]).toEqual([2, expect.stringMatching(/^not before the transfer was made/)]);
    const garbled = await cli('transfers', 'receive', 'T1', '--shipped-at', 'this morning', '--json');
    expect([garbled.code, JSON.parse(garbled.stderr).code]).toEqual([2, 'E_SCHEMA']);

    const received = jsonOf<any>(ok(await cli('transfers', 'receive', 'T1', '--shipped-at', new Date(now - 2 * H).toISOString(), '--json')));
    expect(received).toMatchObject({ id: 'T1', state: 'received', doc: { receivedQty: 4, shippedMs: Date.parse(new Date(now - 2 * H).toISOString()) } });
    const stock = () => withDb(data, (db) => db.prepare(`SELECT location_id, on_hand, reserved FROM stock WHERE sku = 'TENT' ORDER BY location_id`).all());
    // The count already saw T1's units gone: only its reservation ends.
    expect(stock()).toEqual([{ location_id: 'dc', on_hand: 16, reserved: 4 }, { location_id: 'store-ams', on_hand: 4, reserved: 0 }]);
    const again = await cli('transfers', 'receive', 'T1', '--json');
    expect([again.code, JSON.parse(again.stderr).code]).toEqual([2, 'E_INVALID_STATE']);
  });
});
