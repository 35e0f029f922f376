/**
 * What changed between two policy bodies, for review before approval (four eyes need something to look
 * at) and for the audit trail. Deep and deterministic: object keys in sorted order, arrays by index,
 * except arrays of objects that all carry a unique string `id` (rules), which are matched by id so that
 * inserting one rule does not show every later rule as changed. Because rule order can matter
 * (first matching rule wins), a change of order is reported on its own.
 */
export interface PolicyChange {
  /** `rules[id=refund.over_200].when.value`, `subjectOwners.refund`, `levels[0]`. */
  path: string;
  kind: 'added' | 'removed' | 'changed' | 'reordered';
  /** Absent (undefined) when added. */
  before?: unknown;
  /** Absent (undefined) when removed. */
  after?: unknown;
}

export function diffPolicies(before: unknown, after: unknown): PolicyChange[] {
  const out: PolicyChange[] = [];
  walk('', before, after, out);
  return out;
}

function walk(path: string, a: unknown, b: unknown, out: PolicyChange[]): void {
  if (a === b) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const p = childKey(path, k);
      const inA = Object.hasOwn(a, k);
      const inB = Object.hasOwn(b, k);
      if (inA && !inB) out.push({ path: p, kind: 'removed', before: a[k] });
      else if (!inA && inB) out.push({ path: p, kind: 'added', after: b[k] });
      else walk(p, a[k], b[k], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isKeyedList(a) && isKeyedList(b)) return walkKeyed(path, a, b, out);
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= b.length) out.push({ path: p, kind: 'removed', before: a[i] });
      else if (i >= a.length) out.push({ path: p, kind: 'added', after: b[i] });
      else walk(p, a[i], b[i], out);
    }
    return;
  }
  out.push({ path: path || '(root)', kind: 'changed', before: a, after: b });
}

type Keyed = Record<string, unknown> & { id: string };

function walkKeyed(path: string, a: Keyed[], b: Keyed[], out: PolicyChange[]): void {
  const aIds = a.map((x) => x.id);
  const bIds = b.map((x) => x.id);
  const common = aIds.filter((id) => bIds.includes(id));
  const commonInB = bIds.filter((id) => aIds.includes(id));
  if (common.some((id, i) => commonInB[i] !== id)) {
    out.push({ path: path || '(root)', kind: 'reordered', before: aIds, after: bIds });
  }
  const byIdB = new Map(b.map((x) => [x.id, x]));
  for (const item of a) {
    const p = `${path}[id=${item.id}]`;
    const other = byIdB.get(item.id);
    if (other === undefined) out.push({ path: p, kind: 'removed', before: item });
    else walk(p, item, other, out);
  }
  const idsA = new Set(aIds);
  for (const item of b) {
    if (!idsA.has(item.id)) out.push({ path: `${path}[id=${item.id}]`, kind: 'added', after: item });
  }
}

function isKeyedList(list: unknown[]): list is Keyed[] {
  if (list.length === 0) return false;
  const ids = new Set<string>();
  for (const x of list) {
    if (!isPlainObject(x) || typeof x.id !== 'string' || ids.has(x.id)) return false;
    ids.add(x.id);
  }
  return true;
}

/** One step of a policy path, in the notation every policy path here uses (`a.b`, `a["on_hold:payment"]`). */
export function childKey(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
