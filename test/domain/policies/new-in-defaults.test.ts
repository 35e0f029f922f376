import { describe, expect, it } from 'vitest';
import { newInDefaults, withNewDefaults } from '../../../src/domain/policies/new-in-defaults.js';
import { decidePromiseWithdrawn } from '../../../src/domain/orders/notifications.js';
import { defaultOrdersPolicy, ordersPolicySchema } from '../../../src/policy/kinds/orders.js';
import { POLICY_KINDS } from '../../../src/policy/registry.js';
import { approvalsPolicySchema, defaultApprovalsPolicy } from '../../../src/policy/kinds/approvals.js';
import { defaultRulesPolicy } from '../../../src/policy/kinds/rules.js';
import { IDENTIFIED_LISTS } from '../../../src/engine/policies/identified-lists.js';

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

describe('newInDefaults: lists of identified items', () => {
  const lists = [{ keys: ['rules'], by: 'id' }];
  const defaults = { rules: [{ id: 'a', x: 1 }, { id: 'n', x: 2 }, { id: 'b', x: 3 }], tags: ['one', 'two'] };

  it('a default item whose identity the stored list lacks is new, as the whole item, in the diff\'s notation', () => {
    const body = { rules: [{ id: 'a', x: 1 }, { id: 'b', x: 3 }], tags: ['one'] };
    expect(newInDefaults(defaults, body, { lists })).toEqual([
      { path: 'rules[id=n]', keys: ['rules'], value: { id: 'n', x: 2 }, item: { by: 'id', id: 'n', defaultsOrder: ['a', 'n', 'b'] } },
    ]);
  });

  it('an item the retailer has is theirs however it differs (never looked into); the retailer\'s own items and lists not named stay values', () => {
    const body = { rules: [{ id: 'b', x: 99, extra: true }, { id: 'mine' }, { id: 'a' }, { id: 'n', x: 0 }], tags: [] };
    expect(newInDefaults(defaults, body, { lists })).toEqual([]);
    // Without naming the list, a list is a value, as before.
    expect(newInDefaults(defaults, { rules: [], tags: [] })).toEqual([]);
    // A list of plain values named as identified has no identities: nothing is new.
    expect(newInDefaults(defaults, { rules: [{ id: 'a' }, { id: 'n' }, { id: 'b' }], tags: [] }, { lists: [...lists, { keys: ['tags'], by: 'id' }] })).toEqual([]);
  });

  it('an item a live version had and a later one dropped was dropped on purpose, by identity', () => {
    const body = { rules: [{ id: 'a', x: 1 }], tags: [] };
    expect(paths(newInDefaults(defaults, body, { lists }))).toEqual(['rules[id=n]', 'rules[id=b]']);
    expect(paths(newInDefaults(defaults, body, { lists, hadBefore: [{ rules: [{ id: 'b', x: 7 }] }] }))).toEqual(['rules[id=n]']);
  });

  it('a declined path is not listed; what else is new still is', () => {
    const body = { rules: [{ id: 'a', x: 1 }] };
    const declined = [{ path: 'rules[id=n]', value: { id: 'n', x: 2 } }, { path: 'tags', value: ['one', 'two'] }];
    expect(paths(newInDefaults({ ...defaults, more: 1 }, body, { lists, declined }))).toEqual(['rules[id=b]', 'more']);
  });

  it('a decline holds for the value declined (deep-equal, key order aside): a changed default is new again, with the value it was declined at', () => {
    const body = { rules: [{ id: 'a', x: 1 }], tags: [] };
    // The same rule with its keys in another order (as JSON read back from the log may have it) is the same value.
    const sameRule = { path: 'rules[id=n]', value: { x: 2, id: 'n' } };
    expect(paths(newInDefaults(defaults, body, { lists, declined: [sameRule] }))).toEqual(['rules[id=b]']);
    // A later release changes the rule: listed again, saying what was declined.
    const changed = { ...defaults, rules: [{ id: 'a', x: 1 }, { id: 'n', x: 5 }, { id: 'b', x: 3 }] };
    expect(newInDefaults(changed, body, { lists, declined: [sameRule] })).toEqual([
      { path: 'rules[id=n]', keys: ['rules'], value: { id: 'n', x: 5 }, item: { by: 'id', id: 'n', defaultsOrder: ['a', 'n', 'b'] }, declinedValue: { x: 2, id: 'n' } },
      { path: 'rules[id=b]', keys: ['rules'], value: { id: 'b', x: 3 }, item: { by: 'id', id: 'b', defaultsOrder: ['a', 'n', 'b'] } },
    ]);
    // Scalars and whole objects alike; a key declined while its default was null and now has a value too.
    const settings = { retryAfterHours: 4, collection: { holdDays: 7, remindDays: 2 } };
    const declined = [{ path: 'retryAfterHours', value: null }, { path: 'collection', value: { holdDays: 7 } }];
    expect(newInDefaults(settings, {}, { declined })).toEqual([
      { path: 'retryAfterHours', keys: ['retryAfterHours'], value: 4, declinedValue: null },
      { path: 'collection', keys: ['collection'], value: { holdDays: 7, remindDays: 2 }, declinedValue: { holdDays: 7 } },
    ]);
    expect(newInDefaults({ retryAfterHours: null, collection: { holdDays: 7 } }, {}, { declined })).toEqual([]);
  });

  it('the approvals and rules kinds: a default rule the stored list lacks is listed, a changed one is not', () => {
    const approvals = structuredClone(defaultApprovalsPolicy) as any;
    approvals.rules = approvals.rules.filter((r: any) => r.id !== 'refund.over_1000');
    approvals.rules.find((r: any) => r.id === 'refund.over_200').when.value = 250;
    expect(paths(newInDefaults(defaultApprovalsPolicy, approvals, { lists: IDENTIFIED_LISTS.approvals }))).toEqual(['rules[id=refund.over_1000]']);
    const rules = structuredClone(defaultRulesPolicy) as any;
    rules.rules = rules.rules.filter((r: any) => r.id !== 'anomaly_scan');
    rules.rules[0].enabled = false;
    expect(newInDefaults(defaultRulesPolicy, rules, { lists: IDENTIFIED_LISTS.rules })).toMatchObject([{ path: 'rules[id=anomaly_scan]', value: { id: 'anomaly_scan' } }]);
  });
});

describe('IDENTIFIED_LISTS', () => {
  /** Every list of objects reached through objects (items of a list are never looked into). */
  function listsOfObjects(v: unknown, keys: string[] = []): string[][] {
    if (Array.isArray(v)) return v.some((x) => typeof x === 'object' && x !== null) ? [keys] : [];
    if (typeof v !== 'object' || v === null) return [];
    return Object.entries(v).flatMap(([k, x]) => listsOfObjects(x, [...keys, k]));
  }

  it('names every list of objects in the defaults of every kind, and only those', () => {
    for (const [kind, { defaults }] of Object.entries(POLICY_KINDS)) {
      expect(IDENTIFIED_LISTS[kind as keyof typeof IDENTIFIED_LISTS].map((l) => l.keys), kind).toEqual(listsOfObjects(defaults));
    }
  });

  it('each identity is one the kind\'s schema holds unique: a duplicate is refused', () => {
    for (const [kind, lists] of Object.entries(IDENTIFIED_LISTS)) {
      const { defaults, schema } = POLICY_KINDS[kind as keyof typeof POLICY_KINDS];
      for (const list of lists) {
        const body = structuredClone(defaults) as any;
        const items = list.keys.reduce((at, k) => at[k], body) as any[];
        expect(typeof items[0][list.by], kind).toBe('string');
        items.push(structuredClone(items[0]));
        const parsed = schema.safeParse(body);
        expect(parsed.success, kind).toBe(false);
        expect(JSON.stringify(parsed.error!.issues), kind).toContain('duplicate');
      }
    }
  });
});

describe('withNewDefaults: list items', () => {
  const lists = [{ keys: ['rules'], by: 'id' }];
  const take = (defaults: Record<string, unknown>, body: Record<string, unknown>) => withNewDefaults(body, newInDefaults(defaults, body, { lists })) as { rules: Array<{ id: string }> };
  const ids = (b: { rules: Array<{ id: string }> }) => b.rules.map((r) => r.id);
  const d = (...xs: string[]) => ({ rules: xs.map((id) => ({ id, from: 'defaults' })) });

  it('between the neighbours the defaults give it; adjacent new items in the defaults\' order', () => {
    expect(ids(take(d('a', 'n', 'b'), { rules: [{ id: 'a' }, { id: 'b' }] }))).toEqual(['a', 'n', 'b']);
    expect(ids(take(d('a', 'n1', 'n2', 'b'), { rules: [{ id: 'a' }, { id: 'b' }] }))).toEqual(['a', 'n1', 'n2', 'b']);
    // After the nearest earlier neighbour the list has, even past the retailer's own rules after it.
    expect(ids(take(d('a', 'n', 'b'), { rules: [{ id: 'mine' }, { id: 'a' }, { id: 'own' }, { id: 'b' }] }))).toEqual(['mine', 'a', 'n', 'own', 'b']);
    // A neighbour the retailer dropped is skipped: the nearest one the list has counts.
    const dropped = { rules: [{ id: 'a' }, { id: 'b' }] };
    const found = newInDefaults(d('a', 'gone', 'n', 'b'), dropped, { lists, hadBefore: [{ rules: [{ id: 'gone' }] }] });
    expect(ids(withNewDefaults(dropped, found) as any)).toEqual(['a', 'n', 'b']);
    // First in the defaults: before the nearest later neighbour.
    expect(ids(take(d('n', 'a', 'b'), { rules: [{ id: 'mine' }, { id: 'a' }, { id: 'b' }] }))).toEqual(['mine', 'n', 'a', 'b']);
  });

  it('at the end when the retailer\'s order contradicts the defaults\' around it, or the list has none of the defaults\' items', () => {
    expect(ids(take(d('a', 'n', 'b'), { rules: [{ id: 'b' }, { id: 'a' }] }))).toEqual(['b', 'a', 'n']);
    expect(ids(take(d('a', 'n'), { rules: [{ id: 'x' }, { id: 'y' }] }))).toEqual(['x', 'y', 'a', 'n']);
  });

  it('the whole default item, once: nothing the retailer has is changed, the stored body is not', () => {
    const body = { rules: [{ id: 'a', mine: true }] };
    const found = newInDefaults(d('a', 'n'), body, { lists });
    const merged = withNewDefaults(body, [...found, ...found]) as any;
    expect(merged.rules).toEqual([{ id: 'a', mine: true }, { id: 'n', from: 'defaults' }]);
    expect(body.rules).toHaveLength(1);
    // A list the retailer replaced by a value is theirs.
    expect(withNewDefaults({ rules: 'off' }, found)).toEqual({ rules: 'off' });
  });

  it('approvals: a new stricter tier goes before the looser one it must win over, and the draft is valid', () => {
    const stored = structuredClone(defaultApprovalsPolicy) as any;
    stored.rules = stored.rules.filter((r: any) => r.id !== 'credit.over_1000');
    const merged = withNewDefaults(stored, newInDefaults(defaultApprovalsPolicy, stored, { lists: IDENTIFIED_LISTS.approvals })) as any;
    expect(merged.rules.map((r: any) => r.id)).toEqual(defaultApprovalsPolicy.rules.map((r) => r.id));
    expect(approvalsPolicySchema.safeParse(merged).success).toBe(true);
  });
});
