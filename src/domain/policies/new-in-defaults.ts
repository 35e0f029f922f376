import { canonicalJson } from '../canonical-json.js';
import { childKey, isPlainObject } from './diff.js';
import type { DeclinedEntry } from './versions.js';

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
 * key by key (record-like maps such as `templates` too, so a new trigger shows as its own key), and
 * scalars are values. A list is a value too, unless the caller names it as a list of identified items
 * (`lists`: automation rules, approval rules, whose schemas require a unique `id`): there an item of
 * the defaults whose identity the stored list lacks is new (`rules[id=refund.over_5000]`), while an
 * item the stored list has is the retailer's, however it differs. A key — or a list item, by identity
 * — the retailer once had (in a version that was live) and no longer has was taken out on purpose (a
 * template removed so that a message is not sent) and is not new: pass those versions' bodies as
 * `hadBefore`. Paths the retailer declined (`declined`) are not listed either — while the defaults give
 * them the value they had when declined: a decline answers "not this value", so a release that changes
 * a declined default lists the path again, with the value it was declined at (`declinedValue`).
 */
export interface NewInDefaults {
  /** In `diffPolicies`' notation: `notifications.templates.promise_withdrawn`, `templates["on_hold:payment"]`. */
  path: string;
  /** The same path as keys, to take the default up. */
  keys: string[];
  /** The default's value (the whole object when a whole object is missing; the whole item of a list). */
  value: unknown;
  /**
   * Set when the entry is an item of an identified list (`keys` then lead to the list): its identity
   * field and value, and the identities of the defaults' list in order, to place it among its neighbours.
   */
  item?: { by: string; id: string; defaultsOrder: string[] };
  /**
   * Set when the path was declined while the defaults gave it another value: the reviewer sees it was
   * turned down before, and what it was then. (Present even when that value was null.)
   */
  declinedValue?: unknown;
}

/** A list whose items carry a stable identity: where it is (keys from the root) and the identity field. */
export interface IdentifiedList {
  keys: readonly string[];
  by: string;
}

export interface NewInDefaultsOptions {
  /** Bodies of the versions that were live: what they had and the body lacks was dropped on purpose. */
  hadBefore?: readonly unknown[];
  /** Lists compared item by item, by identity; every other list is a value. */
  lists?: readonly IdentifiedList[];
  /**
   * What the retailer declined: not listed while the defaults still give the value it was declined at
   * (deep-equal on canonical JSON); listed again, with `declinedValue`, once they give another.
   */
  declined?: Iterable<DeclinedEntry>;
}

export function newInDefaults(defaults: unknown, body: unknown, options: NewInDefaultsOptions = {}): NewInDefaults[] {
  const out: NewInDefaults[] = [];
  if (!isPlainObject(defaults) || !isPlainObject(body)) return out;
  const lists = options.lists ?? [];
  walk(defaults, body, (options.hadBefore ?? []).filter(isPlainObject), '', [], lists, out);
  const declined = new Map([...(options.declined ?? [])].map((d) => [d.path, d.value]));
  if (declined.size === 0) return out;
  const listed: NewInDefaults[] = [];
  for (const f of out) {
    if (!declined.has(f.path)) listed.push(f);
    else if (canonicalJson(declined.get(f.path)) !== canonicalJson(f.value)) listed.push({ ...f, declinedValue: structuredClone(declined.get(f.path)) });
  }
  return listed;
}

function walk(
  defaults: Record<string, unknown>, body: Record<string, unknown>, earlier: Record<string, unknown>[],
  path: string, keys: string[], lists: readonly IdentifiedList[], out: NewInDefaults[],
): void {
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
    const here = [...keys, key];
    const list = lists.find((l) => sameKeys(l.keys, here));
    if (list && Array.isArray(value) && Array.isArray(stored)) {
      newItems(value, stored, earlier.map((e) => e[key]).filter(Array.isArray), list.by, p, here, out);
    } else if (isPlainObject(value) && isPlainObject(stored)) {
      walk(value, stored, earlier.map((e) => e[key]).filter(isPlainObject), p, here, lists, out);
    }
  }
}

/**
 * Items of the defaults' list whose identity neither the stored list nor any earlier live one has. An
 * item the stored list has is never looked into: a changed rule is the retailer's edit.
 */
function newItems(defaults: unknown[], stored: unknown[], earlier: unknown[][], by: string, path: string, keys: string[], out: NewInDefaults[]): void {
  const known = new Set([stored, ...earlier].flatMap((l) => l.map((x) => identityOf(x, by))));
  const order = defaults.map((x) => identityOf(x, by)).filter((id): id is string => id !== undefined);
  for (const item of defaults) {
    const id = identityOf(item, by);
    if (id === undefined || known.has(id)) continue;
    out.push({ path: `${path}[${by}=${id}]`, keys, value: structuredClone(item), item: { by, id, defaultsOrder: order } });
  }
}

function identityOf(item: unknown, by: string): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const id = item[by];
  return typeof id === 'string' ? id : undefined;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * The body with what `newInDefaults` found merged in: each key is added only where it is absent, so
 * nothing the retailer set is overwritten; a list item only where the list has none of its identity.
 * The body given is not changed.
 *
 * A list item goes between the neighbours the defaults give it: after the nearest item before it in
 * the defaults that the list has, else before the nearest one after it. Order can decide (approval
 * rules: the first matching rule wins, so a stricter tier sits before a looser one). When the list
 * has both neighbours the other way round (the retailer reordered them), or has none of the defaults'
 * items, no place keeps the defaults' order, and the item goes at the end: there it takes no case
 * away from a rule the retailer has, and the draft is reviewed before it is live.
 */
export function withNewDefaults<B extends Record<string, unknown>>(body: B, found: readonly NewInDefaults[]): B {
  const out = structuredClone(body);
  for (const f of found) {
    let at: Record<string, unknown> | null = out;
    for (const key of f.keys.slice(0, -1)) {
      if (!Object.hasOwn(at, key)) {
        // A list item needs the retailer's list where it was found; a key may bring its objects.
        if (f.item) {
          at = null;
          break;
        }
        at[key] = {};
      }
      const next: unknown = at[key];
      // A value where the defaults have an object is the retailer's: nothing goes inside it.
      if (!isPlainObject(next)) {
        at = null;
        break;
      }
      at = next;
    }
    if (at === null) continue;
    const last = f.keys[f.keys.length - 1]!;
    if (f.item) {
      const list = at[last];
      if (Array.isArray(list)) placeItem(list, f.item, f.value);
    } else if (!Object.hasOwn(at, last)) {
      at[last] = structuredClone(f.value);
    }
  }
  return out;
}

function placeItem(list: unknown[], item: NonNullable<NewInDefaults['item']>, value: unknown): void {
  const ids = list.map((x) => identityOf(x, item.by));
  if (ids.includes(item.id)) return;
  const at = item.defaultsOrder.indexOf(item.id);
  const inList = (id: string) => ids.indexOf(id);
  const nearest = (candidates: string[]) => candidates.map(inList).find((i) => i >= 0);
  const before = at < 0 ? undefined : nearest(item.defaultsOrder.slice(0, at).reverse());
  const after = at < 0 ? undefined : nearest(item.defaultsOrder.slice(at + 1));
  let index = list.length;
  if (before !== undefined && (after === undefined || before < after)) index = before + 1;
  else if (before === undefined && after !== undefined) index = after;
  list.splice(index, 0, structuredClone(value));
}
