import { describe, expect, it } from 'vitest';
import { buildOutboundRequest } from '../../../src/connectors/delivery/outbound-request.js';
import { verifySignature } from '../../../src/domain/security/signature.js';

const base = { url: 'https://hooks.example.com/in', payload: { orderId: 'o-1', total: 146.63 }, secrets: ['s3cret'], outboxRowId: 'outbox-42', userAgent: 'omniops/0.1' };

describe('buildOutboundRequest', () => {
  it('signs the exact body with the omniops signature the receiver can verify', () => {
    const r = buildOutboundRequest({ ...base, nowUnixSeconds: 1_800_000_000 });
    expect(r.method).toBe('POST');
    expect(r.body).toBe('{"orderId":"o-1","total":146.63}');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe('omniops/0.1');
    expect(verifySignature(r.headers['omniops-signature'], r.body, ['s3cret'], 1_800_000_010, 300)).toEqual({ ok: true, secretIndex: 0 });
    expect(verifySignature(r.headers['omniops-signature'], r.body, ['other'], 1_800_000_010, 300).ok).toBe(false);
  });

  it('keeps the idempotency key across retries but re-signs with the attempt time', () => {
    const a = buildOutboundRequest({ ...base, nowUnixSeconds: 1_800_000_000 });
    const b = buildOutboundRequest({ ...base, nowUnixSeconds: 1_800_003_600 });
    expect(a.headers['idempotency-key']).toBe('outbox-42');
    expect(b.headers['idempotency-key']).toBe('outbox-42');
    expect(a.body).toBe(b.body);
    expect(a.headers['omniops-signature']).not.toBe(b.headers['omniops-signature']);
    // an hour later the first signature is stale for a 5-minute window, the fresh one is not
    expect(verifySignature(a.headers['omniops-signature'], a.body, ['s3cret'], 1_800_003_600, 300)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(b.headers['omniops-signature'], b.body, ['s3cret'], 1_800_003_600, 300).ok).toBe(true);
  });

  it('signs with both secrets during a rotation', () => {
    const r = buildOutboundRequest({ ...base, secrets: ['new', 'old'], nowUnixSeconds: 1_800_000_000 });
    expect(verifySignature(r.headers['omniops-signature'], r.body, ['old'], 1_800_000_000, 300).ok).toBe(true);
    expect(verifySignature(r.headers['omniops-signature'], r.body, ['new'], 1_800_000_000, 300).ok).toBe(true);
  });

  it('refuses to build an unsigned request', () => {
    expect(() => buildOutboundRequest({ ...base, secrets: [], nowUnixSeconds: 1 })).toThrow(/secret/);
  });
});
