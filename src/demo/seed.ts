import type { App } from '../app.js';
import { addSource } from '../engine/identity/sources.js';
import { getSource, listProducts } from '../store/repos/masterdata.js';
import { addUser } from '../engine/identity/users.js';
import { userByName } from '../store/repos/identity.js';
import { DEMO_SOURCES, demoLocations, demoProducts, demoStock } from './retailer.js';
import type { IntakeResult } from '../engine/intake/intake.js';

const SEEDER = { id: 'demo-seed', role: 'admin' };

export interface SeedResult {
  seeded: boolean;
  adminKey?: string;
  events: string[];
}

/**
 * Seeds the demo retailer into an empty store: sources (with signing secrets), an `admin` user,
 * then locations, products and stock as ordinary events, so the demo exercises the real spine.
 */
export async function seedDemo(app: App): Promise<SeedResult> {
  for (const s of DEMO_SOURCES) {
    if (!(await getSource(app.store.read, s.id))) await addSource(app.store, app.box, SEEDER, s.id, s);
  }
  let adminKey: string | undefined;
  if (!(await userByName(app.store.read, 'admin'))) adminKey = (await addUser(app.store, SEEDER, 'admin', 'admin', 'admin')).apiKey;
  if ((await listProducts(app.store.read, '', 1)).length > 0) return { seeded: false, adminKey, events: [] };

  const at = new Date(app.clock()).toISOString();
  const locations = demoLocations();
  const products = demoProducts();
  const envelopes = [
    ...locations.map((l) => ({ type: 'location.upserted', key: `location:${l.id}`, payload: l })),
    ...products.map((p) => ({ type: 'product.upserted', key: `product:${p.sku}`, payload: p })),
    ...demoStock(products, locations).map((s) => ({ type: 'inventory.snapshot', key: `stock:${s.locationId}`, payload: s })),
  ];
  const results: IntakeResult[] = await Promise.all(
    envelopes.map((e) =>
      app.intake.submit({ source: 'demo-seed', sourceEventId: e.key, type: e.type, occurredAt: at, payload: e.payload as unknown as Record<string, unknown> }, { actor: SEEDER.id, actorRole: SEEDER.role }),
    ),
  );
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`demo seed rejected ${failed.length} events: ${failed.map((f) => (f.ok ? '' : f.error.message)).slice(0, 3).join('; ')}`);
  return { seeded: true, adminKey, events: results.map((r) => (r.ok ? r.eventId : '')) };
}
