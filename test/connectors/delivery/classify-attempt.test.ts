import { describe, expect, it } from 'vitest';
import { classifyAttempt } from '../../../src/connectors/delivery/classify-attempt.js';
import { onRedirect } from '../../../src/connectors/delivery/redirect-policy.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('classifyAttempt', () => {
  it.each([200, 201, 202, 204, 299])('%s is success', (status) => {
    expect(classifyAttempt({ kind: 'response', status }, NOW)).toEqual({ class: 'success' });
  });

  it.each([408, 500, 502, 503, 504, 599])('%s is transient and counts against the destination', (status) => {
    expect(classifyAttempt({ kind: 'response', status }, NOW)).toMatchObject({ class: 'transient', countsAgainstDestination: true });
  });

  it.each([400, 401, 403, 404, 409, 410, 413, 422])('%s is permanent', (status) => {
    expect(classifyAttempt({ kind: 'response', status }, NOW)).toEqual({ class: 'permanent', reason: `http:${status}` });
  });

  it('429 is transient with the peer’s delay, and does not trip the breaker', () => {
    expect(classifyAttempt({ kind: 'response', status: 429, retryAfter: '30' }, NOW)).toEqual({
      class: 'transient', reason: 'http:429', retryAfterMs: 30_000, countsAgainstDestination: false,
    });
    expect(classifyAttempt({ kind: 'response', status: 429, retryAfter: 'Mon, 30 Nov 2026 12:01:00 GMT' }, NOW)).toMatchObject({ retryAfterMs: 60_000 });
  });

  it('503 with Retry-After carries it too', () => {
    expect(classifyAttempt({ kind: 'response', status: 503, retryAfter: '7' }, NOW)).toMatchObject({ class: 'transient', retryAfterMs: 7000 });
  });

  it('network errors and timeouts are transient', () => {
    expect(classifyAttempt({ kind: 'network', code: 'ECONNRESET' }, NOW)).toEqual({ class: 'transient', reason: 'network:ECONNRESET', countsAgainstDestination: true });
    expect(classifyAttempt({ kind: 'timeout' }, NOW)).toMatchObject({ class: 'transient', reason: 'timeout' });
  });

  it('redirects are permanent because they are not followed', () => {
    expect(classifyAttempt({ kind: 'response', status: 302 }, NOW)).toEqual({ class: 'permanent', reason: 'redirect_not_followed:302' });
    expect(onRedirect(307, 'http://169.254.169.254/')).toEqual({ follow: false, reason: 'redirect_not_followed', status: 307, location: 'http://169.254.169.254/' });
    expect(onRedirect(200, null)).toBeNull();
  });
});
