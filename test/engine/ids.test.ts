import { describe, expect, it } from 'vitest';
import { derivedId, newEventId } from '../../src/engine/ids.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('event ids', () => {
  it('new ids are UUIDv7: the arrival time in the first 48 bits, so later ids sort after earlier ones', () => {
    const a = newEventId(Date.parse('2026-11-30T10:00:00.000Z'));
    const b = newEventId(Date.parse('2026-11-30T10:00:00.001Z'));
    expect(a).toMatch(UUID);
    expect(a[14]).toBe('7');
    expect(parseInt(a.slice(0, 8) + a.slice(9, 13), 16)).toBe(Date.parse('2026-11-30T10:00:00.000Z'));
    expect(a < b).toBe(true);
    expect(newEventId(0)).not.toBe(newEventId(0));
  });

  it('derived ids are deterministic; a v7 seed passes its time prefix on, other seeds give a hash-only id', () => {
    const seed = newEventId(Date.parse('2026-11-30T10:00:00.000Z'));
    const d = derivedId(seed, 'order', 1);
    expect(d).toBe(derivedId(seed, 'order', 1));
    expect(d).not.toBe(derivedId(seed, 'order', 2));
    expect(d).toMatch(UUID);
    expect(d.slice(0, 13)).toBe(seed.slice(0, 13));
    expect(derivedId(d, 'event', 1).slice(0, 13)).toBe(seed.slice(0, 13));
    const legacy = derivedId('not-a-uuid', 'order', 1);
    expect(legacy).toMatch(UUID);
    expect(legacy[14]).toBe('5');
  });
});
