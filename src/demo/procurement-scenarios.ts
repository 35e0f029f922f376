import type { App } from '../app.js';
import type { Supplier } from '../domain/procurement/supplier.js';
import { listSuppliers } from '../store/repos/replenishment.js';
import { demoLocations, demoProducts, demoStock } from './retailer.js';
import { intBetween, pick, seededRandom } from './random.js';
import type { Scenario } from './simulator.js';

const DAY = 86_400_000;
const SOURCE = 'wms';
const SEEDER = { id: 'demo-seed', role: 'admin' };
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The demo's twelve suppliers: each product's own (primary) and the next one as an alternate, 15 % dearer and faster. */
export function demoSuppliers(): Supplier[] {
  const products = demoProducts();
  const rand = seededRandom(11);
  return Array.from({ length: 12 }, (_, i) => {
    const id = `sup-${i + 1}`;
    const alternateFor = `sup-${((i + 11) % 12) + 1}`;
    return {
      id,
      name: `Supplier ${i + 1}`,
      leadTimeDays: intBetween(rand, 4, 14),
      skus: products
        .filter((p) => p.supplierIds[0] === id || p.supplierIds[0] === alternateFor)
        .map((p) => (p.supplierIds[0] === id
          ? { sku: p.sku, unitCost: p.cost, moq: pick(rand, [1, 6, 12]), packSize: pick(rand, [1, 6]), primary: true }
          : { sku: p.sku, unitCost: Math.round(p.cost * 115) / 100, leadTimeDays: intBetween(rand, 2, 4), moq: 1, packSize: 1, primary: false })),
    };
  });
}

/**
 * Sales history of the stocked positions before the demo started (what a retailer imports from its
 * ERP on day one), so forecasts — and therefore risks — exist from the first replenishment check.
 */
export function demoDemandHistory(now: number, days = 42): Array<{ sku: string; locationId: string; days: Array<{ date: string; quantity: number }> }> {
  const rand = seededRandom(23);
  const locations = demoLocations();
  const out: Array<{ sku: string; locationId: string; days: Array<{ date: string; quantity: number }> }> = [];
  for (const s of demoStock(demoProducts(), locations)) {
    const kind = locations.find((l) => l.id === s.locationId)!.kind;
    for (const c of s.counts) {
      const intermittent = rand() < 0.35;
      const mean = kind === 'dc' ? 1 + rand() * 10 : 0.2 + rand() * 2.5;
      const series: Array<{ date: string; quantity: number }> = [];
      for (let d = days; d >= 1; d--) {
        const q = intermittent ? (rand() < 0.15 ? intBetween(rand, 1, 4) : 0) : Math.max(0, Math.round(mean * (0.5 + rand())));
        if (q > 0) series.push({ date: isoDay(now - d * DAY), quantity: q });
      }
      if (series.length > 0) out.push({ sku: c.sku, locationId: s.locationId, days: series });
    }
  }
  return out;
}

/**
 * Seeds suppliers and imported sales history once (when no supplier exists), then asks for a
 * replenishment check right away so risks and recommendations show without waiting for the slot.
 */
export async function seedProcurementDemo(app: App): Promise<{ seeded: boolean }> {
  if ((await listSuppliers(app.store.read, '', 1)).length > 0) return { seeded: false };
  const now = app.clock();
  const at = new Date(now).toISOString();
  const envelopes = [
    ...demoSuppliers().map((s) => ({ type: 'supplier.upserted', key: `supplier:${s.id}`, payload: s as unknown as Record<string, unknown> })),
    ...demoDemandHistory(now).map((h) => ({ type: 'demand.history_imported', key: `history:${h.locationId}:${h.sku}`, payload: h as unknown as Record<string, unknown> })),
  ];
  const results = await Promise.all(envelopes.map((e) => app.intake.submit({ source: 'demo-seed', sourceEventId: e.key, type: e.type, occurredAt: at, payload: e.payload }, { actor: SEEDER.id, actorRole: SEEDER.role })));
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`procurement demo seed rejected ${failed.length} events: ${failed.map((f) => (f.ok ? '' : f.error.message)).slice(0, 3).join('; ')}`);
  await app.intake.submit(
    { source: 'scheduler', sourceEventId: `replenishment-check@demo-seed-${at}`, type: 'schedule.tick', occurredAt: at, payload: { job: 'replenishment-check', slotMs: now } },
    { internal: true, actor: 'scheduler', actorRole: 'system' },
  );
  return { seeded: true };
}

/**
 * Suppliers at work: purchase orders confirmed for a delivery date, some delayed (with a reason),
 * most received (raising stock), and promotions scheduled a few days ahead.
 */
export function procurementScenarios(): Scenario[] {
  const products = demoProducts();
  const locations = demoLocations();
  const open: Array<{ poId: string; locationId: string; sku: string; qty: number; expectedMs: number }> = [];
  let seq = 0;
  let promo = 0;
  const stamp = Date.now().toString(36);
  return [
    {
      name: 'po-confirmed',
      weight: 0.4,
      next: (rand, now) => {
        const p = pick(rand, products);
        const po = { poId: `SIM-${stamp}-${++seq}`, locationId: pick(rand, locations).id, sku: p.sku, qty: intBetween(rand, 12, 120), expectedMs: now + intBetween(rand, 2, 10) * DAY };
        open.push(po);
        return { source: SOURCE, type: 'po.confirmed', payload: { poId: po.poId, supplierId: p.supplierIds[0], locationId: po.locationId, lines: [{ sku: po.sku, qty: po.qty }], expectedDate: isoDay(po.expectedMs) } };
      },
    },
    {
      name: 'po-delayed',
      weight: 0.1,
      next: (rand) => {
        if (open.length === 0) return null;
        const po = pick(rand, open);
        po.expectedMs += intBetween(rand, 2, 9) * DAY;
        return { source: SOURCE, type: 'po.delayed', payload: { poId: po.poId, newExpectedDate: isoDay(po.expectedMs), reason: pick(rand, ['supplier capacity', 'port congestion', 'quality hold', 'carrier strike']) } };
      },
    },
    {
      name: 'po-received',
      weight: 0.3,
      next: (rand) => {
        if (open.length < 5) return null;
        // The oldest few arrive (a demo compresses days into minutes), sometimes short.
        const po = open.splice(Math.floor(rand() * Math.min(3, open.length)), 1)[0]!;
        const qty = rand() < 0.15 ? Math.max(1, Math.floor(po.qty * 0.8)) : po.qty;
        return { source: SOURCE, type: 'po.received', payload: { poId: po.poId, locationId: po.locationId, receivedDate: isoDay(po.expectedMs), lines: [{ sku: po.sku, qty }], final: true } };
      },
    },
    {
      name: 'promotion',
      weight: 0.05,
      next: (rand, now) => {
        const from = now + intBetween(rand, 1, 5) * DAY;
        const skus = [...new Set(Array.from({ length: intBetween(rand, 3, 12) }, () => pick(rand, products).sku))];
        return { source: SOURCE, type: 'promotion.scheduled', payload: { promotionId: `SIM-PROMO-${stamp}-${++promo}`, skus, uplift: pick(rand, [1.3, 1.5, 2]), from: isoDay(from), to: isoDay(from + intBetween(rand, 3, 10) * DAY) } };
      },
    },
  ];
}
