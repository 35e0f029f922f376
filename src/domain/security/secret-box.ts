import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets we must be able to read back (HMAC secrets of sources, destination secrets and ERP keys)
 * are sealed with AES-256-GCM under a key that never sits in the database. Format:
 * `v1.<iv>.<tag>.<data>` in base64url, so a sealed value is self-describing and a key rotation can
 * add v2 later. `aad` binds a sealed value to its owner (a destination id): copied to another row,
 * it will not open. The one implementation for the whole code base (sources and destinations).
 */
const VERSION = 'v1';

export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
  constructor(readonly code: 'E_KEY' | 'E_FORMAT' | 'E_TAMPERED', message: string) {
    super(message);
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== 32) throw new SecretBoxError('E_KEY', `secret-box key must be 32 bytes, got ${key.length}`);
}

export function seal(plaintext: string, key: Uint8Array, aad = ''): string {
  checkKey(key);
  const iv = randomBytes(12); // 96-bit random nonce: safe for far more seals than we will ever make per key
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return [VERSION, iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function unseal(sealed: string, key: Uint8Array, aad = ''): string {
  checkKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('E_FORMAT', 'not a sealed secret');
  const [, iv, tag, ct] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer, Buffer];
  if (iv.length !== 12 || tag.length !== 16) throw new SecretBoxError('E_FORMAT', 'not a sealed secret');
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
  } catch {
    // Wrong key, wrong aad and modified bytes are indistinguishable by design.
    throw new SecretBoxError('E_TAMPERED', 'sealed secret failed authentication');
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${VERSION}.`) && value.split('.').length === 4;
}

/** The sealing key held by the process (from config or the data directory), with seal/open bound to it. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    checkKey(key);
    this.key = key;
  }

  seal(plain: string, aad = ''): string {
    return seal(plain, this.key, aad);
  }

  open(sealed: string, aad = ''): string {
    return unseal(sealed, this.key, aad);
  }
}

/** Show enough of a secret to recognise it, never enough to use it. */
export function redact(secret: string): string {
  return secret.length <= 8 ? '****' : `${secret.slice(0, 4)}…${secret.slice(-2)}`;
}
