import { describe, expect, it } from 'vitest';
import { cutoffOnLocalDay, estimatedShipAt, fulfilmentDeadlines, isBeforeCutoff, parseCutoff } from '../../../src/domain/sourcing/index.js';
import { HOUR, loc } from './fixtures.js';

describe('cut-off in local time', () => {
  const berlin = loc('s', { cutoff: '16:00', utcOffsetMinutes: 60, timeToShipMinutes: 120, acceptSlaMinutes: 30 });

  it('places the cut-off on the local day, whatever the UTC date', () => {
    // 23:30 UTC on the 9th is already 00:30 on the 10th in Berlin.
    expect(cutoffOnLocalDay(berlin, Date.parse('2025-03-09T23:30:00Z'))).toBe(Date.parse('2025-03-10T15:00:00Z'));
    const newYork = loc('ny', { cutoff: '16:00', utcOffsetMinutes: -300 });
    expect(cutoffOnLocalDay(newYork, Date.parse('2025-03-11T02:00:00Z'))).toBe(Date.parse('2025-03-10T21:00:00Z'));
  });

  it('is before the cut-off up to the minute, not at it', () => {
    expect(isBeforeCutoff(berlin, Date.parse('2025-03-10T14:59:00Z'))).toBe(true);
    expect(isBeforeCutoff(berlin, Date.parse('2025-03-10T15:00:00Z'))).toBe(false);
  });

  it('ships after time-to-ship before the cut-off, and with the next day after it', () => {
    const morning = Date.parse('2025-03-10T09:00:00Z');
    expect(estimatedShipAt(berlin, morning)).toBe(morning + 2 * HOUR);
    expect(estimatedShipAt(berlin, Date.parse('2025-03-10T17:00:00Z'))).toBe(Date.parse('2025-03-11T15:00:00Z'));
    const slow = loc('3pl', { kind: '3pl', timeToShipMinutes: 48 * 60 });
    expect(estimatedShipAt(slow, Date.parse('2025-03-10T17:00:00Z'))).toBe(Date.parse('2025-03-12T17:00:00Z'));
  });

  it('derives accept-by and ship-by deadlines from the location settings', () => {
    const assignedAt = Date.parse('2025-03-10T09:00:00Z');
    expect(fulfilmentDeadlines(berlin, assignedAt)).toEqual({ acceptBy: assignedAt + 30 * 60_000, shipBy: assignedAt + 2 * HOUR });
  });

  it('refuses a malformed cut-off instead of guessing', () => {
    expect(parseCutoff('07:05')).toBe(425);
    expect(() => parseCutoff('7pm')).toThrow(RangeError);
    expect(() => parseCutoff('24:00')).toThrow(RangeError);
  });
});
