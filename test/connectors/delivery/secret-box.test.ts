import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSealed, seal, SecretBoxError, unseal } from '../../../src/domain/security/secret-box.js';
import { redactFields, redactSecret, redactUrl } from '../../../src/connectors/delivery/redact.js';

const key = randomBytes(32);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof SecretBoxError ? e.code : 'other';
  }
  return undefined;
}

describe('secret box', () => {
  it('round-trips, and never shows the plaintext', () => {
    const s = seal('whsec_abcdefghijklmnop', key, 'dest-1');
    expect(isSealed(s)).toBe(true);
    expect(s).not.toContain('whsec');
    expect(unseal(s, key, 'dest-1')).toBe('whsec_abcdefghijklmnop');
  });

  it('uses a fresh nonce each time', () => {
    expect(seal('x', key)).not.toBe(seal('x', key));
  });

  it('refuses a wrong key, a wrong owner (aad) and any modified byte', () => {
    const s = seal('secret', key, 'dest-1');
    expect(code(() => unseal(s, randomBytes(32), 'dest-1'))).toBe('E_TAMPERED');
    expect(code(() => unseal(s, key, 'dest-2'))).toBe('E_TAMPERED');
    const parts = s.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    expect(code(() => unseal([...parts.slice(0, 3), ct.toString('base64url')].join('.'), key, 'dest-1'))).toBe('E_TAMPERED');
  });

  it('rejects keys that are not 32 bytes and strings that are not sealed', () => {
    expect(code(() => seal('x', randomBytes(16)))).toBe('E_KEY');
    expect(code(() => unseal('plain-text', key))).toBe('E_FORMAT');
  });
});

describe('redaction', () => {
  it('shows the last 4 characters of a long secret only', () => {
    expect(redactSecret('whsec_abcdefghijklmnop')).toBe('[redacted]…mnop');
    expect(redactSecret('short')).toBe('[redacted]');
    expect(redactSecret(undefined)).toBe('[redacted]');
  });

  it('redacts secret-named fields at any depth, leaving the rest', () => {
    const out = redactFields({
      url: 'https://x', headers: { Authorization: 'bearer abcdefghijklmnopqrstuvwxyz', 'content-type': 'application/json' },
      destinations: [{ id: 'd1', signing_secret: 'abcdefghijklmnopqrst', apiKey: { nested: true } }],
    });
    expect(out).toEqual({
      url: 'https://x', headers: { Authorization: '[redacted]…wxyz', 'content-type': 'application/json' },
      destinations: [{ id: 'd1', signing_secret: '[redacted]…qrst', apiKey: '[redacted]' }],
    });
  });

  it('strips credentials from URLs', () => {
    expect(redactUrl('https://u:p@x.example.com/h?token=abc&id=1')).toBe('https://redacted@x.example.com/h?token=redacted&id=1');
  });
});
