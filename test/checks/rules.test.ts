import { describe, expect, it } from 'vitest';
import {
  checkBooks, openFulfilmentsWithoutReservations, orderStatesVsFulfilments, reservationsOfClosedWork, reservedAboveOnHand, reservedMatchesReservations, stockNegative,
  type BooksRows,
} from '../../src/domain/checks/index.js';

/** The pure rules on rows a healthy store can hold (nothing found) and rows it cannot (found). */

const none = { rows: [], total: 0 };
const clean: BooksRows = {
  reserved: none, reservationsOfClosedWork: none, openFulfilments: none, orderWork: none, negativeStock: none, reservedAboveOnHand: none,
  audit: { ok: true, count: 12 }, deadEvents: 0, deadDeliveries: 0,
};
const reservation = { reservationId: 'r1', orderId: 'o1', fulfilmentId: 'f1', sku: 'TENT', locationId: 'dc', qty: 1 };

describe('books check rules', () => {
  it('reserved against active reservations: equal is fine; more, fewer, or no stock row are found', () => {
    expect(reservedMatchesReservations([{ sku: 'TENT', locationId: 'dc', reserved: 3, activeReservations: 3, transfersToShip: 0 }])).toEqual([]);
    // A transfer not shipped yet holds units at its source too.
    expect(reservedMatchesReservations([{ sku: 'TENT', locationId: 'dc', reserved: 7, activeReservations: 3, transfersToShip: 4 }])).toEqual([]);
    expect(reservedMatchesReservations([{ sku: 'TENT', locationId: 'dc', reserved: 3, activeReservations: 3, transfersToShip: 4 }]).map((f) => f.facts.transfersToShip)).toEqual([4]);
    const found = reservedMatchesReservations([
      { sku: 'TENT', locationId: 'dc', reserved: 5, activeReservations: 3, transfersToShip: 0 },
      { sku: 'MAT', locationId: 'dc', reserved: 1, activeReservations: 2, transfersToShip: 0 },
      { sku: 'BAG', locationId: 'ams', reserved: null, activeReservations: 2, transfersToShip: 0 },
    ]);
    expect(found.map((f) => [f.subject, f.facts.reserved, f.facts.activeReservations, f.facts.stockRow])).toEqual([
      ['stock:dc:TENT', 5, 3, true], ['stock:dc:MAT', 1, 2, true], ['stock:ams:BAG', 0, 2, false],
    ]);
    expect(found[0]!.detail).toMatch(/held for no order or transfer/);
    expect(found[1]!.detail).toMatch(/can be sold again/);
  });

  it('an active reservation may sit on an open fulfilment or one in exception; not on one that is over, missing, or of an order that is over', () => {
    const holding = ['assigned', 'accepted', 'picked', 'exception'].map((s) => ({ ...reservation, fulfilmentState: s, orderState: 'in_fulfilment' }));
    expect(reservationsOfClosedWork([...holding, { ...reservation, fulfilmentState: 'assigned', orderState: 'backordered' }])).toEqual([]);
    const leaked = reservationsOfClosedWork([
      ...['shipped', 'delivered', 'rejected', 'expired', 'cancelled'].map((s) => ({ ...reservation, reservationId: `r-${s}`, fulfilmentState: s, orderState: 'in_fulfilment' })),
      { ...reservation, reservationId: 'r-gone', fulfilmentState: null, orderState: null },
      { ...reservation, reservationId: 'r-order', fulfilmentState: 'assigned', orderState: 'cancelled' },
    ]);
    expect(leaked.map((f) => f.subject)).toEqual(['reservation:r-shipped', 'reservation:r-delivered', 'reservation:r-rejected', 'reservation:r-expired', 'reservation:r-cancelled', 'reservation:r-gone', 'reservation:r-order']);
    expect(leaked[5]!.detail).toMatch(/fulfilment f1 does not exist and its order o1 does not exist/);
    expect(leaked.every((f) => f.severity === 'error')).toBe(true);
  });

  it('an open fulfilment needs one active reservation per line; a gone-out one needs none', () => {
    const f = { fulfilmentId: 'f1', orderId: 'o1', locationId: 'dc', lines: 2 };
    expect(openFulfilmentsWithoutReservations([{ ...f, state: 'picked', activeReservations: 2 }, { ...f, state: 'shipped', activeReservations: 0 }, { ...f, state: 'exception', activeReservations: 0 }])).toEqual([]);
    expect(openFulfilmentsWithoutReservations([{ ...f, state: 'assigned', activeReservations: 1 }]).map((x) => [x.subject, x.facts.lines, x.facts.activeReservations])).toEqual([['fulfilment:f1', 2, 1]]);
  });

  it('order state against open fulfilments: only what the engine guarantees', () => {
    const o = { orderId: 'o1', source: 'web', externalOrderId: 'W-1' };
    // Held and backordered orders may have an open part; an allocated one has one.
    expect(orderStatesVsFulfilments([
      { ...o, state: 'backordered', openFulfilments: 1 }, { ...o, state: 'on_hold', openFulfilments: 2 }, { ...o, state: 'backordered', openFulfilments: 0 },
      { ...o, state: 'allocated', openFulfilments: 1 }, { ...o, state: 'shipped', openFulfilments: 0 }, { ...o, state: 'exception', openFulfilments: 0 },
    ])).toEqual([]);
    const found = orderStatesVsFulfilments(['allocated', 'in_fulfilment'].map((state) => ({ ...o, state, openFulfilments: 0 }))
      .concat(['cancelled', 'shipped', 'delivered', 'partially_returned', 'returned'].map((state) => ({ ...o, state, openFulfilments: 1 }))));
    expect(found.map((f) => f.facts.state)).toEqual(['allocated', 'in_fulfilment', 'cancelled', 'shipped', 'delivered', 'partially_returned', 'returned']);
    expect(new Set(found.map((f) => f.subject))).toEqual(new Set(['order:web:W-1']));
  });

  it('a negative figure is an error; reserved above on hand a warning that names the short count — never both for one negative on-hand', () => {
    const row = { sku: 'TENT', locationId: 'dc', onHand: 2, reserved: 0, protected: 0 };
    expect(stockNegative([row])).toEqual([]);
    expect(stockNegative([{ ...row, protected: -1 }])[0]!.detail).toMatch(/protected -1/);
    expect(reservedAboveOnHand([{ ...row, onHand: -1, reserved: 1 }])).toEqual([]);
    expect(reservedAboveOnHand([{ ...row, reserved: 2 }])).toEqual([]);
    const short = reservedAboveOnHand([{ ...row, onHand: 1, reserved: 3 }]);
    expect(short).toMatchObject([{ check: 'reserved_above_on_hand', severity: 'warning', facts: { short: 2 } }]);
    expect(short[0]!.detail).toMatch(/count/);
  });

  it('checkBooks: ok without errors, warnings alone keep it ok, rows past the page are counted', () => {
    expect(checkBooks(clean, 0)).toMatchObject({ ok: true, findings: [], errors: 0, warnings: 0, checkedAt: '1970-01-01T00:00:00.000Z' });
    const warned = checkBooks({ ...clean, deadEvents: 4, deadDeliveries: 1 }, 0);
    expect(warned).toMatchObject({ ok: true, errors: 0, warnings: 2 });
    expect(warned.findings.map((f) => [f.check, f.facts.count])).toEqual([['dead_letters', 4], ['dead_deliveries', 1]]);
    const broken = checkBooks({
      ...clean,
      reserved: { rows: [{ sku: 'TENT', locationId: 'dc', reserved: 5, activeReservations: 3, transfersToShip: 0 }], total: 250 },
      audit: { ok: false, count: 6, firstBadSeq: 7, reason: 'gap' },
    }, 0);
    expect(broken).toMatchObject({ ok: false, errors: 251 });
    expect(broken.counts.reserved_matches_reservations).toEqual({ severity: 'error', found: 250, shown: 1 });
    expect(broken.counts.audit_chain).toEqual({ severity: 'error', found: 1, shown: 1 });
    expect(broken.findings.find((f) => f.check === 'audit_chain')!.subject).toBe('audit:7');
  });
});
