import { describe, expect, it } from 'vitest';
import { movementMs, movementSuperseded } from '../../../src/domain/inventory/movement-time.js';

const at = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);

describe('movementMs: when an on-hand movement happened', () => {
  it('is the sender\'s time when it is before the arrival', () => {
    expect(movementMs('2026-11-30T10:00:00Z', at('20:00'))).toBe(at('10:00'));
  });
  it('is never after the arrival (a sender clock running ahead)', () => {
    expect(movementMs('2026-11-30T23:00:00Z', at('20:00'))).toBe(at('20:00'));
  });
  it('is the arrival when the sender\'s time is no time', () => {
    expect(movementMs('not a time', at('20:00'))).toBe(at('20:00'));
  });
  it('is never before the latest floor (a sender clock far in the past)', () => {
    expect(movementMs('2001-01-01T00:00:00Z', at('20:00'), at('08:00'), at('09:00'), undefined)).toBe(at('09:00'));
    expect(movementMs('2026-11-30T10:00:00Z', at('20:00'), at('08:00'))).toBe(at('10:00'));
  });
  it('a floor after the arrival counts as the arrival', () => {
    expect(movementMs('2026-11-30T10:00:00Z', at('20:00'), at('21:00'))).toBe(at('20:00'));
  });
});

describe('movementSuperseded: a count taken after the movement already saw it', () => {
  it('names the count when it was taken strictly after the movement', () => {
    expect(movementSuperseded({ countedMs: at('12:00') }, at('10:00'))).toBe(at('12:00'));
  });
  it('a tie counts as after the count (arrival order): not superseded', () => {
    expect(movementSuperseded({ countedMs: at('12:00') }, at('12:00'))).toBeNull();
  });
  it('a movement after the count, a row never counted, or no row: not superseded', () => {
    expect(movementSuperseded({ countedMs: at('12:00') }, at('13:00'))).toBeNull();
    expect(movementSuperseded({ countedMs: null }, at('10:00'))).toBeNull();
    expect(movementSuperseded(undefined, at('10:00'))).toBeNull();
  });
});
