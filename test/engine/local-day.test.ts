import { describe, expect, it } from 'vitest';
import { localDay } from '../../src/engine/orders/snapshot.js';

describe('localDay', () => {
  it('is the calendar day at the location, across midnight and offsets either side of UTC', () => {
    const plain = (ms: number, offset: number) => new Date(ms + offset * 60_000).toISOString().slice(0, 10);
    const midnight = Date.UTC(2026, 11, 1);
    for (const offset of [-720, -300, -1, 0, 1, 60, 330, 840]) {
      for (const ms of [midnight - 1, midnight, midnight + 1, midnight - offset * 60_000 - 1, midnight - offset * 60_000, Date.UTC(1969, 11, 31, 23, 59), 0]) {
        expect(localDay(ms, offset)).toBe(plain(ms, offset));
      }
    }
    expect(localDay(midnight - 60_000, 60)).toBe('2026-12-01');
    expect(localDay(midnight + 60_000, -60)).toBe('2026-11-30');
  });
});
