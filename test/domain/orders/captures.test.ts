import { describe, expect, it } from 'vitest';
import { recordCapture, recordVoid, type CapturesSoFar } from '../../../src/domain/orders/captures.js';
import { paymentCapturedPayloadSchema, paymentVoidedPayloadSchema } from '../../../src/domain/orders/events.js';

/** Folds reports one after another, as the payment handler does. */
function fold(reports: Array<{ captureId?: string; amount?: number }>, start: CapturesSoFar = {}) {
  let doc: CapturesSoFar & { note?: string } = start;
  reports.forEach((r, i) => {
    const now = recordCapture(doc, r, { at: 1000 + i, eventId: `e${i}` });
    if (now) doc = now;
  });
  return doc;
}

describe('what was captured for an order', () => {
  it('captures by id add up, each id once', () => {
    const d = fold([{ captureId: 'tx-1', amount: 120.1 }, { captureId: 'tx-2', amount: 10.2 }, { captureId: 'tx-1', amount: 120.1 }]);
    expect(d.capturedAmount).toBe(130.3);
    expect(d.captures).toEqual([{ captureId: 'tx-1', amount: 120.1, at: 1000, eventId: 'e0' }, { captureId: 'tx-2', amount: 10.2, at: 1001, eventId: 'e1' }]);
    expect(d.note).toMatch(/capture tx-1 already counted/);
  });

  it('a capture reported again with another amount counts at its last report', () => {
    const d = fold([{ captureId: 'tx-1', amount: 60 }, { captureId: 'tx-2', amount: 10 }, { captureId: 'tx-1', amount: 50 }]);
    expect(d.capturedAmount).toBe(60);
    expect(d.captures!.map((c) => [c.captureId, c.amount])).toEqual([['tx-2', 10], ['tx-1', 50]]);
    expect(d.note).toMatch(/reported again with 50 \(was 60\)/);
  });

  it('without an id the last running total counts, also when it comes down (as before)', () => {
    expect(fold([{ amount: 60 }, { amount: 130 }])).toEqual({ capturedTotal: 130, capturedAmount: 130 });
    expect(fold([{ amount: 130 }, { amount: 100 }]).capturedAmount).toBe(100);
  });

  it('a report without an amount changes nothing', () => {
    expect(recordCapture({ capturedAmount: 50 }, {}, { at: 1, eventId: 'e' })).toBeNull();
  });

  it('mixed: the larger of the captures by id and the last running total counts', () => {
    // A stale total (sent before the second parcel's capture, arriving after it) undoes nothing.
    const stale = fold([{ captureId: 'tx-1', amount: 100 }, { captureId: 'tx-2', amount: 30 }, { amount: 100 }]);
    expect(stale.capturedAmount).toBe(130);
    expect(stale.capturedTotal).toBe(100);
    expect(stale.note).toMatch(/running total 100 below the 130 captured by id/);
    // A total above the captures by id: money came in that no id reported.
    expect(fold([{ captureId: 'tx-1', amount: 100 }, { amount: 150 }]).capturedAmount).toBe(150);
    // A total first, then captures by id: not added (the total may already hold them).
    expect(fold([{ amount: 100 }, { captureId: 'tx-1', amount: 60 }]).capturedAmount).toBe(100);
    expect(fold([{ amount: 100 }, { captureId: 'tx-1', amount: 60 }, { captureId: 'tx-2', amount: 70 }]).capturedAmount).toBe(130);
  });

  it('an order stored before captures were kept apart: its capturedAmount was the running total', () => {
    expect(fold([{ captureId: 'tx-1', amount: 60 }], { capturedAmount: 100 })).toMatchObject({ capturedAmount: 100, capturedTotal: 100 });
  });

  it('the payload: a capture id needs the amount it captured', () => {
    expect(paymentCapturedPayloadSchema.safeParse({ externalOrderId: 'W1', amount: 10, captureId: 'tx-1' }).success).toBe(true);
    expect(paymentCapturedPayloadSchema.safeParse({ externalOrderId: 'W1', amount: 10 }).success).toBe(true);
    const noAmount = paymentCapturedPayloadSchema.safeParse({ externalOrderId: 'W1', captureId: 'tx-1' });
    expect(noAmount.success).toBe(false);
    expect(noAmount.error!.issues[0]!.path).toEqual(['amount']);
    expect(paymentCapturedPayloadSchema.safeParse({ externalOrderId: 'W1', amount: 10, captureId: '' }).success).toBe(false);
  });
});

/** Folds capture reports and voids in order, as the payment handlers do. */
function foldWithVoids(steps: Array<{ captureId?: string; amount?: number } | { void: string }>, start: CapturesSoFar = {}) {
  let doc: CapturesSoFar & { note?: string } = start;
  steps.forEach((s, i) => {
    const seen = { at: 1000 + i, eventId: `e${i}` };
    const now = 'void' in s ? recordVoid(doc, { captureId: s.void }, seen) : recordCapture(doc, s, seen);
    if (now) doc = { ...doc, ...now };
  });
  return doc;
}

describe('a voided capture comes out of what was captured', () => {
  it('a capture by id voided counts nothing; a second void of it changes nothing', () => {
    const d = foldWithVoids([{ captureId: 'tx-1', amount: 100 }, { captureId: 'tx-2', amount: 30 }, { void: 'tx-1' }]);
    expect(d.capturedAmount).toBe(30);
    expect(d.voids).toEqual([{ captureId: 'tx-1', at: 1002, eventId: 'e2' }]);
    expect(d.note).toMatch(/capture tx-1 \(100\) voided/);
    const twice = foldWithVoids([{ captureId: 'tx-1', amount: 100 }, { captureId: 'tx-2', amount: 30 }, { void: 'tx-1' }, { void: 'tx-1' }]);
    expect(twice.capturedAmount).toBe(30);
    expect(twice.voids).toHaveLength(1);
    expect(twice.note).toMatch(/capture tx-1 already voided/);
  });

  it('a void that arrives before its capture is kept: the capture then counts nothing, and nothing goes negative', () => {
    const first = foldWithVoids([{ void: 'tx-2' }]);
    expect(first.capturedAmount).toBeUndefined(); // nothing captured reported yet: the placed amount stands in
    expect(first.voids).toEqual([{ captureId: 'tx-2', at: 1000, eventId: 'e0' }]);
    const d = foldWithVoids([{ void: 'tx-2' }, { captureId: 'tx-1', amount: 100 }, { captureId: 'tx-2', amount: 20 }]);
    expect(d.capturedAmount).toBe(100);
    expect(d.note).toMatch(/capture tx-2 was voided: it counts nothing/);
    expect(foldWithVoids([{ void: 'tx-1' }, { captureId: 'tx-1', amount: 20 }]).capturedAmount).toBe(0);
  });

  it('a running total may hold the voided capture: only what is left of it after every void counts', () => {
    // Sent before the void (or after it: nothing says which), the total of 130 may hold tx-1's 100.
    expect(foldWithVoids([{ captureId: 'tx-1', amount: 100 }, { captureId: 'tx-2', amount: 30 }, { amount: 130 }, { void: 'tx-1' }]).capturedAmount).toBe(30);
    expect(foldWithVoids([{ captureId: 'tx-1', amount: 100 }, { captureId: 'tx-2', amount: 30 }, { void: 'tx-1' }, { amount: 130 }]).capturedAmount).toBe(30);
    // A total above every capture by id keeps what no id reported, less the voided capture.
    expect(foldWithVoids([{ captureId: 'tx-1', amount: 100 }, { amount: 150 }, { void: 'tx-1' }]).capturedAmount).toBe(50);
    // Never below zero.
    expect(foldWithVoids([{ amount: 20 }, { captureId: 'tx-1', amount: 100 }, { void: 'tx-1' }]).capturedAmount).toBe(0);
  });

  it('a void of an id no capture carries (an authorization) changes no figure', () => {
    expect(foldWithVoids([{ amount: 130 }, { void: 'auth-1' }])).toMatchObject({ capturedAmount: 130, capturedTotal: 130 });
    expect(foldWithVoids([{ void: 'auth-1' }], { capturedAmount: 90 })).toMatchObject({ capturedAmount: 90, capturedTotal: 90 });
  });

  it('the payload: a void names the capture it voids, or none (the authorization)', () => {
    expect(paymentVoidedPayloadSchema.safeParse({ externalOrderId: 'W1', captureId: 'tx-1' }).success).toBe(true);
    expect(paymentVoidedPayloadSchema.safeParse({ externalOrderId: 'W1' }).success).toBe(true);
    expect(paymentVoidedPayloadSchema.safeParse({ externalOrderId: 'W1', captureId: '' }).success).toBe(false);
  });
});
