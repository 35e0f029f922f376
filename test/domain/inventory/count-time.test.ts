import { describe, expect, it } from 'vitest';
import { countTiming, happenedMs, rolledForward } from '../../../src/domain/inventory/count-time.js';
import { movementSuperseded } from '../../../src/domain/inventory/movement-time.js';

describe('count time', () => {
  it('a count is taken when its sender says, but never after it arrived', () => {
    expect(happenedMs('2026-11-30T09:00:00Z', Date.parse('2026-11-30T15:00:00Z'))).toBe(Date.parse('2026-11-30T09:00:00Z'));
    expect(happenedMs('2026-11-30T23:00:00Z', 1000)).toBe(1000);
  });
  it("stale before the row's count, current after its last movement, rolled forward between when journaled, a person otherwise", () => {
    expect(countTiming(undefined, 5)).toEqual({ kind: 'current' });
    expect(countTiming({ countedMs: 10, movedMs: 20 }, 9)).toEqual({ kind: 'stale', countedMs: 10 });
    expect(countTiming({ countedMs: 10, movedMs: 20 }, 20)).toEqual({ kind: 'current' });
    expect(countTiming({ countedMs: 10, movedMs: 20 }, 15)).toEqual({ kind: 'roll_forward' });
    expect(countTiming({ countedMs: null, movedMs: 20 }, 15)).toEqual({ kind: 'unknown', movedMs: 20 });
    // The journal holds movements from 12 on: a count taken at 11 cannot be rolled forward whole.
    expect(countTiming({ countedMs: 10, movedMs: 20 }, 11, 12)).toEqual({ kind: 'unknown', movedMs: 20 });
    expect(countTiming({ countedMs: 10, movedMs: 20 }, 12, 12)).toEqual({ kind: 'roll_forward' });
    expect(rolledForward(3, -5)).toBe(0);
    // An adjustment is a movement: the same rule says whether a count already saw it.
    expect(movementSuperseded({ countedMs: 10 }, 9)).toBe(10);
    expect(movementSuperseded({ countedMs: 10 }, 10)).toBeNull();
    expect(movementSuperseded(undefined, 1)).toBeNull();
  });
});
