import { describe, expect, it } from 'vitest';
import { newInDefaults, withNewDefaults } from '../../../src/domain/policies/new-in-defaults.js';
import { decidePromiseWithdrawn } from '../../../src/domain/orders/notifications.js';
import { defaultOrdersPolicy, ordersPolicySchema } from '../../../src/policy/kinds/orders.js';
import { POLICY_KINDS } from '../../../src/policy/registry.js';

const paths = (found: Array<{ path: string }>) => found.map((f) => f.path);

/** An orders body as a database made before `promise_withdrawn` existed stored it, with one value the retailer changed. */
function olderOrdersBody(): Record<string, unknown> {
  const body = structuredClone(defaultOrdersPolicy) as any;
  delete body.notifications.templates.promise_withdrawn;
  body.version = '1';
  body.fraud.holdThreshold = 0.8;
  return body;
}

describe('newInDefaults', () => {
  it('lists nested keys the body lacks, with the default value; values the retailer changed are not listed', () => {
    const defaults = { a: { b: 1, c: { d: 2, e: { deep: true } } }, f: 4, g: 'same' };
    const body = { a: { b: 9, c: { d: 7 } }, g: 'other', own: 'the retailer may have keys the defaults do not' };
    expect(newInDefaults(defaults, body)).toEqual([
      { path: 'a.c.e', keys: ['a', 'c', 'e'], value: { deep: true } },
      { path: 'f', keys: ['f'], value: 4 },
    ]);
  });

  it('a whole object missing is one entry, not one per leaf', () => {
    const body = olderOrdersBody() as any;
    delete body.collection;
    expect(newInDefaults(defaultOrdersPolicy, body)).toContainEqual({ path: 'collection', keys: ['collection'], value: { holdDays: 7 } });
    expect(paths(newInDefaults(defaultOrdersPolicy, body)).filter((p) => p.startsWith('collection'))).toEqual(['collection']);
  });

  it('compares record-like maps (templates) by key, in the path notation of policy diffs', () => {
    const defaults = { templates: { validated: 'order_confirmed', 'on_hold:payment': 'payment_action_needed', promise_withdrawn: 'promise_date_withdrawn' } };
    const body = { templates: { validated: 'our_own_confirmation' } };
    expect(paths(newInDefaults(defaults, body))).toEqual(['templates["on_hold:payment"]', 'templates.promise_withdrawn']);
  });

  it('arrays are values: a stored list is the retailer\'s, however the defaults\' list grew', () => {
    const defaults = { statuses: ['authorized', 'captured'], rules: [{ id: 'a', x: 1 }, { id: 'b', x: 2 }] };
    const body = { statuses: ['captured'], rules: [{ id: 'a' }] };
    expect(newInDefaults(defaults, body)).toEqual([]);
  });

  it('a value where the defaults have an object is the retailer\'s (null included); the root version is not a setting', () => {
    const defaults = { version: 'default', section: { a: 1 }, other: { b: 2 }, nested: { version: 1 } };
    const body = { section: 'off', other: null, nested: {} };
    expect(paths(newInDefaults(defaults, body))).toEqual(['nested.version']);
  });

  it('a key the retailer had in a version that was live, and dropped, is not new', () => {
    const defaults = { templates: { shipped: 'order_shipped', promise_withdrawn: 'promise_date_withdrawn' }, sendWithinMinutes: 1440 };
    const dropped = { templates: {}, sendWithinMinutes: 60 };
    const earlier = [{ templates: { shipped: 'order_shipped' } }];
    expect(paths(newInDefaults(defaults, dropped))).toEqual(['templates.shipped', 'templates.promise_withdrawn']);
    expect(paths(newInDefaults(defaults, dropped, { hadBefore: earlier }))).toEqual(['templates.promise_withdrawn']);
    // A whole object the retailer had and dropped is theirs too.
    expect(paths(newInDefaults({ collection: { holdDays: 7 } }, {}, { hadBefore: [{ collection: { holdDays: 3 } }] }))).toEqual([]);
  });

  it('the orders body of an older database lacks promise_withdrawn, and only that', () => {
    expect(newInDefaults(defaultOrdersPolicy, olderOrdersBody())).toEqual([
      { path: 'notifications.templates.promise_withdrawn', keys: ['notifications', 'templates', 'promise_withdrawn'], value: 'promise_date_withdrawn' },
    ]);
  });

  it('every kind\'s defaults have nothing new against themselves', () => {
    for (const [kind, { defaults }] of Object.entries(POLICY_KINDS)) expect(newInDefaults(defaults, structuredClone(defaults)), kind).toEqual([]);
  });
});

describe('withNewDefaults', () => {
  it('merges only the absent keys, keeps what the retailer set, and leaves the stored body as it was', () => {
    const stored = olderOrdersBody();
    const before = structuredClone(stored);
    const merged = withNewDefaults(stored, newInDefaults(defaultOrdersPolicy, stored)) as any;
    expect(stored).toEqual(before);
    expect(merged.notifications.templates.promise_withdrawn).toBe('promise_date_withdrawn');
    expect(merged.fraud.holdThreshold).toBe(0.8);
    expect(newInDefaults(defaultOrdersPolicy, merged)).toEqual([]);
    expect(ordersPolicySchema.safeParse(merged).success).toBe(true);
  });

  it('never overwrites a key present by then, nor writes inside a value where the defaults have an object', () => {
    const found = newInDefaults({ a: { b: 1 }, c: 2 }, {});
    expect(withNewDefaults({ a: 'off', c: 5 }, found)).toEqual({ a: 'off', c: 5 });
    expect(withNewDefaults({ x: 1 }, [{ path: 'a.b', keys: ['a', 'b'], value: 1 }])).toEqual({ x: 1, a: { b: 1 } });
  });

  it('the missing template is why nothing is sent, and taking it up is what sends it', () => {
    const order = { orderId: 'o-1', externalOrderId: 'X-1', customer: { id: 'c-1', email: 'kim@example.com' }, promiseBeforeMs: 0, why: 'po cancelled' };
    const stored = olderOrdersBody();
    const notifications = (body: Record<string, unknown>) => (body as unknown as typeof defaultOrdersPolicy).notifications;
    expect(decidePromiseWithdrawn(order, notifications(stored))).toEqual([]);
    const taken = withNewDefaults(stored, newInDefaults(defaultOrdersPolicy, stored));
    expect(decidePromiseWithdrawn(order, notifications(taken)).map((m) => m.templateId)).toEqual(['promise_date_withdrawn']);
  });
});
