/**
 * Where a value holds U+0000: the dotted path of the first string or key that does ('' for a string
 * given itself; a key shown with it escaped), null when none does. PostgreSQL text cannot hold U+0000
 * (error 22021), so the API and the intake refuse it on both stores alike, naming the field. Values
 * reach here parsed from bodies at most intake.maxDepth deep, so the recursion is bounded.
 */
export function nulPath(value: unknown): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? '' : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const key = String(k);
    if (key.includes('\u0000')) return key.replace(/\u0000/g, '\\u0000');
    const inner = nulPath(v);
    if (inner !== null) return inner ? `${key}.${inner}` : key;
  }
  return null;
}
