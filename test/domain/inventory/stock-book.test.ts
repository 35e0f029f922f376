import { describe, expect, it } from 'vitest';
import { bookAdjustment, bookCount, bookReceived, bookShipped, bookTakenOff, bookedRow, pruneJournals, type BookedRow } from '../../../src/domain/inventory/stock-book.js';

// The backtest's stock rows, booked as the store books them: times decide as live (count-time.ts, movement-time.ts).
const at = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);
const NONE = Number.NEGATIVE_INFINITY;

function counted(onHand: number, takenMs: number): BookedRow {
  const rows = new Map<string, BookedRow>();
  bookCount((sku) => rows.get(sku), (sku) => { const r = bookedRow(sku, 'store'); rows.set(sku, r); return r; }, [{ sku: 'TENT', onHand }], takenMs, NONE);
  return rows.get('TENT')!;
}
const count = (row: BookedRow, onHand: number, takenMs: number, journalFrom = NONE) => bookCount(() => row, () => row, [{ sku: 'TENT', onHand }], takenMs, journalFrom);

describe('stock book', () => {
  it('a new row takes the count as it stands, with its count time', () => {
    expect(counted(10, at('07:00'))).toMatchObject({ onHand: 10, countedMs: at('07:00'), journal: [] });
  });

  it('a shipment after the count is taken off and journaled; one before it only ends the reservation', () => {
    const row = counted(10, at('07:00'));
    row.reserved = 5;
    expect(bookShipped(row, 2, at('08:00'))).toBeNull();
    expect(row).toMatchObject({ onHand: 8, reserved: 3, movedMs: at('08:00'), journal: [{ ms: at('08:00'), delta: -2 }] });
    count(row, 8, at('09:00'));
    expect(row.journal).toEqual([]);
    expect(bookShipped(row, 3, at('08:30'))).toBe(at('09:00'));
    expect(row).toMatchObject({ onHand: 8, reserved: 0, journal: [] });
  });

  it('a late count is rolled forward by the journal since it was taken; an older one is stale; one behind the horizon is left to a person', () => {
    const row = counted(10, at('07:00'));
    bookTakenOff(row, 3, at('10:00'));
    expect(count(row, 9, at('09:00')).rolled).toEqual([{ sku: 'TENT', counted: 9, movedSince: -3 }]);
    expect(row).toMatchObject({ onHand: 6, countedMs: at('09:00'), journal: [{ ms: at('10:00'), delta: -3 }] });
    expect(count(row, 1, at('08:00')).stale).toEqual([{ sku: 'TENT', counted: 1, countedMs: at('09:00') }]);
    expect(row.onHand).toBe(6);
    expect(count(row, 1, at('09:30'), at('09:45')).unknown).toEqual([{ sku: 'TENT', counted: 1, onHand: 6, reserved: 0, movedMs: at('10:00') }]);
    expect(row).toMatchObject({ onHand: 6, countedMs: at('09:00') });
  });

  it('goods in: added unless the count holds them; booked in either way', () => {
    const row = counted(3, at('11:00'));
    expect(bookReceived(row, 100, at('10:00'), at('14:00'))).toBe(at('11:00'));
    expect(row).toMatchObject({ onHand: 3, receivedMs: at('14:00'), journal: [] });
    expect(bookReceived(row, 2, at('12:00'), at('14:30'))).toBeNull();
    expect(row).toMatchObject({ onHand: 5, receivedMs: at('14:30'), journal: [{ ms: at('12:00'), delta: 2 }] });
  });

  it('an adjustment: not applied when the count saw it; otherwise clamped at zero, and units put back count as received', () => {
    const row = counted(3, at('11:00'));
    expect(bookAdjustment(row, -2, at('10:00'))).toBe(at('11:00'));
    expect(row.onHand).toBe(3);
    expect(bookAdjustment(row, -5, at('12:00'))).toBeNull();
    expect(row).toMatchObject({ onHand: 0, journal: [{ ms: at('12:00'), delta: -3 }], receivedMs: null });
    expect(bookAdjustment(row, 4, at('13:00'))).toBeNull();
    expect(row).toMatchObject({ onHand: 4, receivedMs: at('13:00') });
  });

  it('a till sale keeps protected stock within what is left unreserved', () => {
    const row = counted(10, at('07:00'));
    Object.assign(row, { reserved: 4, protected: 5 });
    bookTakenOff(row, 3, at('08:00'));
    expect(row).toMatchObject({ onHand: 7, protected: 3 });
  });

  it('the journal drops what is behind the horizon, in whatever order the movements came; a later count still rolls forward by the rest', () => {
    const row = counted(10, at('07:00'));
    bookTakenOff(row, 1, at('09:00'));
    bookTakenOff(row, 2, at('08:00'));
    bookTakenOff(row, 3, at('10:00'));
    pruneJournals([row], at('08:30'));
    expect(row.journal).toEqual([{ ms: at('09:00'), delta: -1 }, { ms: at('10:00'), delta: -3 }]);
    pruneJournals([row], NONE);
    expect(row.journal).toHaveLength(2);
    // A count taken at 09:30 (within the horizon) is rolled forward by the 10:00 sale only.
    count(row, 6, at('09:30'), at('08:30'));
    expect(row.onHand).toBe(3);
  });
});
