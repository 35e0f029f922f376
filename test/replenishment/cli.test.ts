import { describe, expect, it } from 'vitest';
import { jsonOf, withDb } from '../support/cli.js';
import { cleanUpCliRuns, migratedDataDir, ok } from './support.js';

cleanUpCliRuns();

describe('omniops replenishment (CLI)', { timeout: 120_000 }, () => {
  it('runs the check, lists the risk and the recommendation, accepts it once', async () => {
    const { data, cli } = await migratedDataDir();
    const DAY = 86_400_000;
    withDb(data, (db) => {
      const at = new Date().toISOString();
      db.prepare(`INSERT INTO stock (sku, location_id, on_hand, reserved, protected, safety_stock, updated_at) VALUES ('TENT', 'dc', 10, 0, 0, 0, ?)`).run(at);
      db.prepare(`INSERT INTO supplier_terms (supplier_id, sku, lead_time_days, unit_cost, moq, pack_size, is_primary) VALUES ('S1', 'TENT', 10, 50, 1, 1, 1)`).run();
      const ins = db.prepare(`INSERT INTO reservations (id, order_id, line_id, fulfilment_id, sku, location_id, qty, status, created_at, updated_at) VALUES (?, ?, '1', ?, 'TENT', 'dc', 5, 'consumed', ?, ?)`);
      for (let d = 1; d <= 30; d++) {
        const when = new Date(Date.now() - d * DAY).toISOString();
        ins.run(`r${d}`, `o${d}`, `f${d}`, when, when);
      }
    });
    const check = jsonOf(ok(await cli('replenishment', 'check', '--json')));
    expect(check).toMatchObject({ openRisks: 1, openRecommendations: 1 });
    const [risk] = jsonOf<any[]>(ok(await cli('replenishment', 'risks', '--json')));
    expect(risk).toMatchObject({ sku: 'TENT', locationId: 'dc', daysOfCover: 2 });
    const [rec] = jsonOf<any[]>(ok(await cli('replenishment', 'recommendations', '--json')));
    expect(rec.doc.purchase).toMatchObject({ supplierId: 'S1' });
    const accepted = jsonOf(ok(await cli('replenishment', 'accept', rec.id, '--json')));
    // Expedited: the purchase order waits for procurement's approval.
    expect(accepted).toMatchObject({ state: 'accepted', poId: expect.any(String) });
    const pos = jsonOf<any[]>(ok(await cli('replenishment', 'purchase-orders', '--json')));
    expect(pos.map((p) => p.state)).toEqual(['awaiting_approval']);
    const again = await cli('replenishment', 'accept', rec.id, '--json');
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stderr).code).toBe('E_INVALID_STATE');
  });
});
