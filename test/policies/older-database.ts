import type { SqlExecutor } from '../../src/store/port.js';
import type { StoreFactory } from '../support/stores.js';
import { insertPolicyVersion } from '../../src/store/repos/policies.js';
import { defaultOrdersPolicy } from '../../src/policy/kinds/orders.js';
import { defaultApprovalsPolicy } from '../../src/policy/kinds/approvals.js';

/**
 * The orders policy as a database made before `promise_withdrawn` existed stored it (seeded from that
 * release's defaults), with one value the retailer had changed since, which must survive any take-up.
 */
export function olderOrdersBody(opts: { withoutPromiseMoved?: boolean } = {}): Record<string, unknown> {
  const body = structuredClone(defaultOrdersPolicy) as any;
  delete body.notifications.templates.promise_withdrawn;
  // A setting the schema requires, as if a release had added it: the older version still runs without it.
  if (opts.withoutPromiseMoved) delete body.notifications.promiseMoved;
  body.fraud.holdThreshold = 0.8;
  body.version = '1';
  return body;
}

/** Writes that version 1 before the app seeds the current defaults (which then leaves the kind alone). */
export async function seedOlderOrdersPolicy(db: SqlExecutor, opts: { withoutPromiseMoved?: boolean } = {}): Promise<void> {
  const at = '2026-01-05T08:00:00.000Z';
  await insertPolicyVersion(db, { kind: 'orders', version: 1, status: 'active', doc: olderOrdersBody(opts), author: 'omniops-defaults', approvedBy: 'omniops-defaults', createdAt: at, activatedAt: at });
}

/** The rule a later release added to the approvals defaults: a stricter credit tier, before `credit.over_200`. */
export const NEW_APPROVAL_RULE = 'credit.over_1000';

/**
 * The approvals policy as a database made before that tier existed stored it, with a threshold the
 * retailer changed since on a rule that is in the defaults (their edit, never "new").
 */
export function olderApprovalsBody(): Record<string, unknown> {
  const body = structuredClone(defaultApprovalsPolicy) as any;
  body.rules = body.rules.filter((r: { id: string }) => r.id !== NEW_APPROVAL_RULE);
  body.rules.find((r: { id: string }) => r.id === 'refund.over_200').when.value = 250;
  body.version = '1';
  return body;
}

export async function seedOlderApprovalsPolicy(db: SqlExecutor): Promise<void> {
  const at = '2026-01-05T08:00:00.000Z';
  await insertPolicyVersion(db, { kind: 'approvals', version: 1, status: 'active', doc: olderApprovalsBody(), author: 'omniops-defaults', approvedBy: 'omniops-defaults', createdAt: at, activatedAt: at });
}

/** A store factory whose fresh stores hold the older orders policy (and approvals, when asked), as an upgraded database does. */
export function olderDatabase(factory: StoreFactory, opts: { approvals?: boolean; withoutPromiseMoved?: boolean } = {}): StoreFactory {
  return {
    name: factory.name,
    async open() {
      const opened = await factory.open();
      await opened.store.transaction(async (tx) => {
        await seedOlderOrdersPolicy(tx, { withoutPromiseMoved: opts.withoutPromiseMoved });
        if (opts.approvals) await seedOlderApprovalsPolicy(tx);
      });
      return opened;
    },
  };
}

/**
 * A store factory whose fresh stores hold the orders policy of a release before these message
 * templates existed (version 1, seeded as that release did), so "new in defaults" lists them.
 */
export function ordersPolicyWithoutTemplates(factory: StoreFactory, templates: readonly string[]): StoreFactory {
  return {
    name: factory.name,
    async open() {
      const opened = await factory.open();
      const body = structuredClone(defaultOrdersPolicy) as any;
      for (const t of templates) delete body.notifications.templates[t];
      body.version = '1';
      const at = '2026-01-05T08:00:00.000Z';
      await opened.store.transaction((tx) => insertPolicyVersion(tx, { kind: 'orders', version: 1, status: 'active', doc: body, author: 'omniops-defaults', approvedBy: 'omniops-defaults', createdAt: at, activatedAt: at }));
      return opened;
    },
  };
}
