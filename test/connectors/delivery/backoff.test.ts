import { describe, expect, it } from 'vitest';
import { backoffDelay, nextRetryDelay, parseRetryAfter, type BackoffPolicy } from '../../../src/connectors/delivery/backoff.js';

const policy: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, maxRetryAfterMs: 3_600_000 };
const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('backoff with full jitter', () => {
  it('draws uniformly below an exponentially growing cap', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, policy, top))).toEqual([999, 1999, 3999, 7999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(2000);
  });

  it('never exceeds the max, however many attempts', () => {
    expect(backoffDelay(50, policy, () => 0.999999)).toBeLessThan(60_000);
    expect(backoffDelay(50, policy, () => 0.5)).toBe(30_000);
  });

  it('honours a custom factor', () => {
    expect(backoffDelay(3, { ...policy, factor: 3 }, () => 0.5)).toBe(4500);
  });

  it('treats Retry-After as a floor, capped by maxRetryAfterMs', () => {
    expect(nextRetryDelay(1, policy, () => 0.5, 120_000)).toBe(120_000);
    expect(nextRetryDelay(5, policy, () => 0.99, 1000)).toBe(15_840); // jitter larger than the ask wins
    expect(nextRetryDelay(1, policy, () => 0.5, 10 * 3_600_000)).toBe(3_600_000);
    expect(nextRetryDelay(1, policy, () => 0.5, null)).toBe(500);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    [' 5 ', 5000],
    ['Mon, 30 Nov 2026 12:00:30 GMT', 30_000],
    ['Mon, 30 Nov 2026 11:00:00 GMT', 0], // a date in the past means "now"
    ['-5', null],
    ['1.5', null],
    ['soon', null],
    ['', null],
  ])('%j → %s', (v, ms) => {
    expect(parseRetryAfter(v, NOW)).toBe(ms);
  });

  it('absent header → null', () => {
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter(undefined, NOW)).toBeNull();
  });
});
