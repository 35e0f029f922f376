import { describe, expect, it } from 'vitest';
import { CLOSING_REASONS, whenCaseCloses } from '../../../src/domain/returns/case-closing.js';
import { defaultReturnsPolicy } from '../../../src/policy/kinds/returns.js';

// A refused refund's case closes when finance resolves the refusal's own item (reconciliation queue),
// unless top-ups it was told to pay are still open: resolving the refusal does not drop those.
const NOW = Date.parse('2026-11-02T09:00:00Z');
const refused = { code: 'nothing_left_to_refund', asked: 80, goodsBack: true };
const item = (exceptionId: string, payable: number, settledAs?: 'paid' | 'not_paid' | 'withdrawn') => ({
  at: NOW, eventId: 'e', exceptionId, payable, owed: payable, ...(settledAs ? { settledAs, settledBy: 'fin', settledAt: NOW, settledEventId: `s-${exceptionId}` } : {}),
});
const resolved = { id: 'x0', state: 'resolved', resolvedBy: 'fin-1', note: 'paid by bank transfer BT-7' };
const judge = (f: Partial<Parameters<typeof whenCaseCloses>[0]>) => whenCaseCloses({ state: 'refunded', refused, now: NOW, ...f }, defaultReturnsPolicy);

describe('a refused refund case and its finance item', () => {
  it('closes when the item is resolved and nothing told is open: refusal_resolved, with who resolved it and their note', () => {
    expect(judge({ refusalItem: resolved })).toEqual({
      close: true, from: 'refunded', reason: 'refusal_resolved',
      why: 'refund refused (nothing_left_to_refund), the goods came back; its finance item x0 resolved by fin-1: paid by bank transfer BT-7',
    });
    // A currency refusal (never told an amount) ends the same way.
    expect(judge({ refused: { code: 'currency_differs', asked: 80, goodsBack: false }, refusalItem: resolved })).toMatchObject({ close: true, reason: 'refusal_resolved', why: expect.stringMatching(/^refund refused \(currency_differs\), the goods were never sent back/) });
    // What finance answered on top before is said with it.
    expect(judge({ refusalItem: resolved, owed: { told: 30, items: [item('x1', 30, 'paid')] } })).toMatchObject({ close: true, reason: 'refusal_resolved', why: expect.stringMatching(/: paid by bank transfer BT-7 \(30 paid by hand, 0 not paid of the 80 asked\)$/) });
    expect(CLOSING_REASONS).toContain('refusal_resolved');
  });

  it('waits while a top-up finance was told is open, and says so', () => {
    expect(judge({ refusalItem: resolved, owed: { told: 30, items: [item('x1', 30)] } })).toEqual({
      close: false, waitingFor: 'its finance item x0 resolved by fin-1, but finance has not answered x1 (owed on top; answered by settling it on the case, POST /v1/returns/{id}/owed/{exceptionId}/settle, not by resolving the item in the queue)',
    });
    // Answered there, it no longer holds the case.
    expect(judge({ refusalItem: resolved, owed: { told: 30, items: [item('x1', 30, 'not_paid')] } })).toMatchObject({ close: true, reason: 'refusal_resolved' });
  });

  it('waits as before while the item is open or taken, or there is none', () => {
    const before = { close: false, waitingFor: 'the refund was refused and is 80 short of what was asked and finance has not settled it' };
    expect(judge({})).toEqual(before);
    expect(judge({ refusalItem: { id: 'x0', state: 'open' } })).toEqual(before);
    expect(judge({ refusalItem: { id: 'x0', state: 'assigned' } })).toEqual(before);
  });

  it('finance having answered all it asked still closes as refused_refund_answered, item resolved or not', () => {
    const all = { told: 80, items: [item('x1', 80, 'paid')] };
    expect(judge({ owed: all, refusalItem: resolved })).toMatchObject({ close: true, reason: 'refused_refund_answered' });
    expect(judge({ owed: all })).toMatchObject({ close: true, reason: 'refused_refund_answered' });
  });
});
