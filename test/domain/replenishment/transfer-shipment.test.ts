import { describe, expect, it } from 'vitest';
import { checkShippedAt, countMayHaveMissedShipment, impliedShipmentMs, recountOwner } from '../../../src/domain/replenishment/transfer-shipment.js';

// When an unreported transfer shipment is booked (src/domain/replenishment/transfer-shipment.ts).
const at = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);
const iso = (ms: number) => new Date(ms).toISOString();
const made = at('07:15');
const receipt = at('11:00');

describe('a transfer shipment implied by its receipt', () => {
  it('is booked at the given departure, within the receipt and the transfer\'s making; else at the receipt', () => {
    expect(impliedShipmentMs(undefined, receipt, made)).toEqual({ ms: receipt, clamped: false });
    expect(impliedShipmentMs(iso(at('08:30')), receipt, made)).toEqual({ ms: at('08:30'), clamped: false });
    expect(impliedShipmentMs(iso(at('11:30')), receipt, made)).toEqual({ ms: receipt, clamped: true });
    expect(impliedShipmentMs(iso(at('06:00')), receipt, made)).toEqual({ ms: made, clamped: true });
    expect(impliedShipmentMs('2026-11-30T09:30:00+01:00', receipt, made)).toEqual({ ms: at('08:30'), clamped: false });
  });

  it('a departure out of those bounds is told apart for the API', () => {
    expect(checkShippedAt(iso(at('08:30')), receipt, made)).toEqual({ ok: true, ms: at('08:30') });
    expect(checkShippedAt(iso(receipt), receipt, made)).toEqual({ ok: true, ms: receipt });
    expect(checkShippedAt(iso(made), receipt, made)).toEqual({ ok: true, ms: made });
    expect(checkShippedAt(iso(receipt + 1), receipt, made)).toEqual({ ok: false, reason: 'after_receipt', boundMs: receipt });
    expect(checkShippedAt(iso(made - 1), receipt, made)).toEqual({ ok: false, reason: 'before_transfer', boundMs: made });
  });

  it('only a count after the making and not after the booked shipment is in doubt', () => {
    expect(countMayHaveMissedShipment(null, made, receipt)).toBe(false);
    expect(countMayHaveMissedShipment(made, made, receipt)).toBe(false);
    expect(countMayHaveMissedShipment(at('09:00'), made, receipt)).toBe(true);
    expect(countMayHaveMissedShipment(receipt, made, receipt)).toBe(true);
    expect(countMayHaveMissedShipment(receipt + 1, made, receipt)).toBe(false);
  });

  it('a DC or 3PL recounts on its floor, a store by its staff', () => {
    expect([recountOwner('dc'), recountOwner('3pl'), recountOwner('store'), recountOwner('dark_store'), recountOwner(undefined)]).toEqual(['warehouse', 'warehouse', 'store_manager', 'store_manager', 'store_manager']);
  });
});
