import type { App } from '../app.js';
import { addSource } from '../engine/identity/sources.js';
import { getSource, listProducts } from '../store/repos/masterdata.js';
import { addUser, issueKey } from '../engine/identity/users.js';
import { userByKeyHash, userByName } from '../store/repos/identity.js';
import { hashApiKey } from '../domain/security/api-key.js';
import { DEMO_SOURCES, demoLocations, demoProducts, demoStock } from './retailer.js';
import type { IntakeResult } from '../engine/intake/intake.js';

const SEEDER = { id: 'demo-seed', role: 'admin' };
/** The demo's service agent: its API key works the service desk (service-desk.ts). */
export const DEMO_AGENT = 'agent';
/** The demo's people who move stock between locations (transfers.ts): a buyer accepts, a store manager receives. */
export const DEMO_BUYER = { name: 'buyer', role: 'procurement' } as const;
export const DEMO_RECEIVER = { name: 'receiving', role: 'store_manager' } as const;

export interface SeedResult {
  seeded: boolean;
  adminKey?: string;
  /** The service agent's (user `agent`) key for this run: the demo's service desk works through the API with it. */
  agentKey: string;
  events: string[];
}

/**
 * Seeds the demo retailer into an empty store: sources (with signing secrets), an `admin` user and a
 * service agent (`agent`, password agent),
 * then locations, products and stock as ordinary events, so the demo exercises the real spine.
 */
export async function seedDemo(app: App, knownAgentKey?: string): Promise<SeedResult> {
  for (const s of DEMO_SOURCES) {
    if (!(await getSource(app.store.read, s.id))) await addSource(app.store, app.box, SEEDER, s.id, s);
  }
  let adminKey: string | undefined;
  if (!(await userByName(app.store.read, 'admin'))) adminKey = (await addUser(app.store, SEEDER, 'admin', 'admin', 'admin')).apiKey;
  // Only a key's hash is stored: the key kept in the data directory (demo-agent.key) is used again while
  // it still opens the agent's account; otherwise a new one is issued (a revoked key, a lost file).
  const agentKey = await demoPersonKey(app, { name: DEMO_AGENT, role: 'service_agent' }, knownAgentKey);
  if ((await listProducts(app.store.read, '', 1)).length > 0) return { seeded: false, adminKey, agentKey, events: [] };

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
  return { seeded: true, adminKey, agentKey, events: results.map((r) => (r.ok ? r.eventId : '')) };
}

/**
 * A demo person's API key for this run (their password is their name): the key kept from an earlier
 * run while it still opens their account, else a new one — a restart does not pile up keys.
 */
export async function demoPersonKey(app: App, person: { name: string; role: string }, knownKey?: string): Promise<string> {
  const known = knownKey ? await userByKeyHash(app.store.read, hashApiKey(knownKey)) : undefined;
  if (known?.name === person.name && !known.revokedAt) return knownKey!;
  if (await userByName(app.store.read, person.name)) return issueKey(app.store, SEEDER, person.name);
  return (await addUser(app.store, SEEDER, person.name, person.role, person.name)).apiKey;
}
