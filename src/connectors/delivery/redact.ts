/**
 * Redaction for logs and API answers: secrets never leave in clear. A long secret keeps its last 4
 * characters so an operator can tell which one is configured; a short one is fully masked, since 4
 * characters of an 8-character secret is half of it.
 */
export const REDACTED = '[redacted]';

export function redactSecret(value: string | null | undefined): string {
  if (!value) return REDACTED;
  return value.length >= 16 ? `${REDACTED}…${value.slice(-4)}` : REDACTED;
}

/** Keys whose values are secrets wherever they appear (matched case-insensitively, ignoring - and _). */
export const SECRET_KEYS: readonly string[] = [
  'secret', 'secrets', 'password', 'passwd', 'apikey', 'token', 'accesstoken', 'refreshtoken',
  'authorization', 'cookie', 'setcookie', 'signingsecret', 'privatekey', 'clientsecret', 'omniopssignature',
];

const norm = (k: string) => k.toLowerCase().replace(/[-_]/g, '');

/** A deep copy with secret-named fields redacted; works on headers, configs and problem details alike. */
export function redactFields<T>(value: T, keys: readonly string[] = SECRET_KEYS): T {
  const wanted = new Set(keys.map(norm));
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > 32) return REDACTED; // cyclic or absurdly deep: do not risk printing it
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [
          k,
          wanted.has(norm(k)) ? (typeof x === 'string' ? redactSecret(x) : REDACTED) : walk(x, depth + 1),
        ]),
      );
    }
    return v;
  };
  return walk(value, 0) as T;
}

/** Removes credentials from a URL before it is logged (user:pass@ and token-like query values). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? 'redacted' : '';
      u.password = '';
    }
    for (const k of [...u.searchParams.keys()]) if (/token|key|secret|sig|password/i.test(k)) u.searchParams.set(k, 'redacted');
    return u.toString();
  } catch {
    return REDACTED;
  }
}
