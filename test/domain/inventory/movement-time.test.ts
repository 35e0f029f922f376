import { describe, expect, it } from 'vitest';
import { adjustmentMs, journaled, movementMs, movementSuperseded, receiptMs, shipmentMs, supersededSkus, tillSaleMs } from '../../../src/domain/inventory/movement-time.js';
import { journalFromMs } from '../../../src/domain/inventory/journal-horizon.js';

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

describe('each movement\'s floors', () => {
  const DAY = 86_400_000;
  const sent = (hhmm: string, arrived: string) => ({ occurredAt: `2026-11-30T${hhmm}:00Z`, receivedMs: at(arrived) });
  const horizon = journalFromMs({ journalDays: 1 }, at('20:00'));
  it('the journal\'s horizon is now less journalDays; without a setting, none', () => {
    expect(horizon).toBe(at('20:00') - DAY);
    expect(journalFromMs(undefined, at('20:00'))).toBe(Number.NEGATIVE_INFINITY);
  });
  it('a shipment: never before its fulfilment existed nor behind the horizon', () => {
    expect(shipmentMs(sent('10:00', '20:00'), at('08:00'), horizon)).toBe(at('10:00'));
    expect(shipmentMs(sent('07:00', '20:00'), at('08:00'), horizon)).toBe(at('08:00'));
    expect(shipmentMs({ occurredAt: '2001-01-01T00:00:00Z', receivedMs: at('20:00') }, at('08:00') - 3 * DAY, horizon)).toBe(horizon);
  });
  it('a till sale and an adjustment: never behind the horizon, their own time within it', () => {
    expect(tillSaleMs('2026-11-28T10:00:00Z', at('20:00'), horizon)).toBe(horizon);
    expect(tillSaleMs('2026-11-30T10:00:00Z', at('20:00'), horizon)).toBe(at('10:00'));
    expect(adjustmentMs({ occurredAt: '2026-11-28T10:00:00Z', receivedMs: at('20:00') }, horizon)).toBe(horizon);
    expect(adjustmentMs(sent('10:00', '20:00'), horizon)).toBe(at('10:00'));
    expect(adjustmentMs({ occurredAt: '2026-11-28T10:00:00Z', receivedMs: at('20:00') }, Number.NEGATIVE_INFINITY)).toBe(at('10:00') - 2 * DAY);
  });
  it('goods in: never before what ordered them existed (no horizon)', () => {
    expect(receiptMs(sent('10:00', '20:00'), at('08:00'))).toBe(at('10:00'));
    expect(receiptMs({ occurredAt: '2026-11-28T10:00:00Z', receivedMs: at('20:00') }, at('08:00') - 5 * DAY)).toBe(at('10:00') - 2 * DAY);
  });
});

describe('journaled: what the row\'s journal keeps', () => {
  it('a movement strictly after the row\'s count; nothing on a row never counted, nor at a tie', () => {
    expect(journaled({ countedMs: at('12:00') }, at('13:00'))).toBe(true);
    expect(journaled({ countedMs: at('12:00') }, at('12:00'))).toBe(false);
    expect(journaled({ countedMs: at('12:00') }, at('11:00'))).toBe(false);
    expect(journaled({ countedMs: null }, at('13:00'))).toBe(false);
  });
});

describe('supersededSkus', () => {
  it('names the skus whose count was taken after the movement, with that count', () => {
    const rows = new Map([['TENT', { countedMs: at('12:00') }], ['MAT', { countedMs: at('09:00') }], ['CUP', { countedMs: null }]]);
    expect([...supersededSkus(rows, at('10:00'))]).toEqual([['TENT', at('12:00')]]);
  });
});
