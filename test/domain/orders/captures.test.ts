import { describe, expect, it } from 'vitest';
import { recordCapture, type CapturesSoFar } from '../../../src/domain/orders/captures.js';
import { paymentCapturedPayloadSchema } from '../../../src/domain/orders/events.js';

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
