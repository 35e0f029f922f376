import { childKey, isPlainObject } from './diff.js';

/**
 * What a release's defaults have that a stored policy version lacks ("new in defaults").
 *
 * Stored versions are never changed in place (replaying the log through a version must decide as it
 * did), and the deciders read a stored body as it is: a key a later release added to the defaults is
 * simply absent for a database created before — an orders policy without
 * `notifications.templates.promise_withdrawn` never sends that message. This lists such keys so that
 * an operator can take them up through change control like any other change.
 *
 * Only keys absent from the stored body count, never values the retailer changed: objects are walked
 * key by key (record-like maps such as `templates` too, so a new trigger shows as its own key), while
 * arrays and scalars are values — a stored list is the retailer's list, whatever the defaults' list
 * holds now. A key the retailer once had (in a version that was live) and no longer has was taken out
 * on purpose — a template removed so that a message is not sent — and is not new: pass those
 * versions' bodies as `hadBefore`.
 */
export interface NewInDefaults {
  /** In `diffPolicies`' notation: `notifications.templates.promise_withdrawn`, `templates["on_hold:payment"]`. */
  path: string;
  /** The same path as keys, to take the default up. */
  keys: string[];
  /** The default's value (the whole object when a whole object is missing). */
  value: unknown;
}

export function newInDefaults(defaults: unknown, body: unknown, options: { hadBefore?: readonly unknown[] } = {}): NewInDefaults[] {
  const out: NewInDefaults[] = [];
  if (!isPlainObject(defaults) || !isPlainObject(body)) return out;
  walk(defaults, body, (options.hadBefore ?? []).filter(isPlainObject), '', [], out);
  return out;
}

function walk(defaults: Record<string, unknown>, body: Record<string, unknown>, earlier: Record<string, unknown>[], path: string, keys: string[], out: NewInDefaults[]): void {
  for (const [key, value] of Object.entries(defaults)) {
    // The root's `version` is not a setting: change control sets it to the stored version number.
    if (keys.length === 0 && key === 'version') continue;
    if (value === undefined) continue;
    const p = childKey(path, key);
    if (!Object.hasOwn(body, key)) {
      if (!earlier.some((e) => Object.hasOwn(e, key))) out.push({ path: p, keys: [...keys, key], value: structuredClone(value) });
      continue;
    }
    const stored = body[key];
    if (isPlainObject(value) && isPlainObject(stored)) {
      walk(value, stored, earlier.map((e) => e[key]).filter(isPlainObject), p, [...keys, key], out);
    }
  }
}

/**
 * The body with what `newInDefaults` found merged in: each key is added only where it is absent, so
 * nothing the retailer set is overwritten. The body given is not changed.
 */
export function withNewDefaults<B extends Record<string, unknown>>(body: B, found: readonly NewInDefaults[]): B {
  const out = structuredClone(body);
  for (const f of found) {
    let at: Record<string, unknown> | null = out;
    for (const key of f.keys.slice(0, -1)) {
      if (!Object.hasOwn(at, key)) at[key] = {};
      const next: unknown = at[key];
      // A value where the defaults have an object is the retailer's: nothing goes inside it.
      if (!isPlainObject(next)) {
        at = null;
        break;
      }
      at = next;
    }
    const last = f.keys[f.keys.length - 1]!;
    if (at !== null && !Object.hasOwn(at, last)) at[last] = structuredClone(f.value);
  }
  return out;
}
