import type { SqlExecutor } from '../../src/store/port.js';
import type { StoreFactory } from '../support/stores.js';
import { insertPolicyVersion } from '../../src/store/repos/policies.js';
import { defaultOrdersPolicy } from '../../src/policy/kinds/orders.js';

/**
 * The orders policy as a database made before `promise_withdrawn` existed stored it (seeded from that
 * release's defaults), with one value the retailer had changed since, which must survive any take-up.
 */
export function olderOrdersBody(): Record<string, unknown> {
  const body = structuredClone(defaultOrdersPolicy) as any;
  delete body.notifications.templates.promise_withdrawn;
  body.fraud.holdThreshold = 0.8;
  body.version = '1';
  return body;
}

/** Writes that version 1 before the app seeds the current defaults (which then leaves the kind alone). */
export async function seedOlderOrdersPolicy(db: SqlExecutor): Promise<void> {
  const at = '2026-01-05T08:00:00.000Z';
  await insertPolicyVersion(db, { kind: 'orders', version: 1, status: 'active', doc: olderOrdersBody(), author: 'omniops-defaults', approvedBy: 'omniops-defaults', createdAt: at, activatedAt: at });
}

/** A store factory whose fresh stores hold the older orders policy, as an upgraded database does. */
export function olderDatabase(factory: StoreFactory): StoreFactory {
  return {
    name: factory.name,
    async open() {
      const opened = await factory.open();
      await opened.store.transaction((tx) => seedOlderOrdersPolicy(tx));
      return opened;
    },
  };
}
