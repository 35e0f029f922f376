import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The omniops webhook signature, used both ways (channels → omniops, omniops → destinations):
 *   omniops-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]
 * Several v1 entries let a sender sign with both the old and the new secret during a rotation.
 */
export const SIGNATURE_HEADER = 'omniops-signature';

export function signBody(secret: string, rawBody: string | Buffer, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, rawBody)}`;
}

export function signatureHeader(secrets: string[], rawBody: string | Buffer, unixSeconds: number): string {
  return [`t=${unixSeconds}`, ...secrets.map((s) => `v1=${hmacHex(s, unixSeconds, rawBody)}`)].join(',');
}

function hmacHex(secret: string, t: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

export type SignatureCheck =
  | { ok: true; secretIndex: number }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Verifies a header against any of the candidate secrets, in constant time per comparison.
 * `toleranceSeconds` bounds clock skew both ways (a replayed old request and a forged future one).
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer | string,
  secrets: readonly string[],
  nowUnixSeconds: number,
  toleranceSeconds: number,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  let t: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'malformed' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return { ok: false, reason: 'malformed' };
      t = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return { ok: false, reason: 'malformed' };
      candidates.push(Buffer.from(value, 'hex'));
    }
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowUnixSeconds - t) > toleranceSeconds) return { ok: false, reason: 'stale' };
  for (let i = 0; i < secrets.length; i++) {
    const expected = Buffer.from(hmacHex(secrets[i]!, t, rawBody), 'hex');
    for (const c of candidates) {
      if (timingSafeEqual(expected, c)) return { ok: true, secretIndex: i };
    }
  }
  return { ok: false, reason: 'mismatch' };
}
