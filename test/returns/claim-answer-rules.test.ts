import { describe, expect, it } from 'vitest';
import { whenCaseCloses } from '../../src/domain/returns/case-closing.js';
import { creditAboveClaim, sameAnswer, supplierClaimAnswered } from '../../src/domain/returns/claim-answer.js';
import { defaultReturnsPolicy } from '../../src/policy/kinds/returns.js';

const DAY = 86_400_000;
const NOW = Date.parse('2027-01-10T00:00:00Z');

describe('a claimed case and the supplier\'s answer (case-closing.ts, claim-answer.ts)', () => {
  it('accepted closes at once, whatever the period; rejected never closes by the period; open (or not read) waits for the period', () => {
    const recent = NOW - DAY;
    const long = NOW - 90 * DAY;
    expect(whenCaseCloses({ state: 'claimed', claimedAt: recent, claimState: 'accepted', now: NOW }, defaultReturnsPolicy)).toEqual({ close: true, from: 'claimed', reason: 'claim_accepted', why: 'the supplier accepted the claim' });
    expect(whenCaseCloses({ state: 'claimed', claimedAt: long, claimState: 'rejected', now: NOW }, defaultReturnsPolicy)).toEqual({ close: false, waitingFor: 'the supplier rejected the claim: a person decides what the customer gets' });
    expect(whenCaseCloses({ state: 'claimed', claimedAt: long, claimState: 'open', now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: true, reason: 'claim_period_over' });
    expect(whenCaseCloses({ state: 'claimed', claimedAt: recent, claimState: 'open', now: NOW }, defaultReturnsPolicy).close).toBe(false);
    expect(whenCaseCloses({ state: 'claimed', claimedAt: long, now: NOW }, defaultReturnsPolicy)).toMatchObject({ close: true, reason: 'claim_period_over' });
  });

  it('the same answer is compared on what the supplier said, to the cent; a credit above the claim is refused', () => {
    expect(sameAnswer({ outcome: 'accepted', creditAmount: 10.1 }, { outcome: 'accepted', creditAmount: 10.100000001 })).toBe(true);
    expect(sameAnswer({ outcome: 'accepted', creditAmount: 10 }, { outcome: 'accepted', creditAmount: 10, creditNoteRef: 'CN-1' })).toBe(false);
    expect(sameAnswer({ outcome: 'rejected', reason: 'misuse' }, { outcome: 'rejected', reason: 'misuse' })).toBe(true);
    expect(sameAnswer({ outcome: 'rejected', reason: 'misuse' }, { outcome: 'accepted', creditAmount: 1 })).toBe(false);
    expect(creditAboveClaim(120, 120)).toBe(false);
    expect(creditAboveClaim(120.01, 120)).toBe(true);
  });

  it('the event: a credit when accepted, a reason when rejected', () => {
    const parse = (p: unknown) => supplierClaimAnswered.payload.safeParse(p).success;
    expect(parse({ claimId: 'c', outcome: 'accepted', creditAmount: 5 })).toBe(true);
    expect(parse({ claimId: 'c', outcome: 'accepted' })).toBe(false);
    expect(parse({ claimId: 'c', outcome: 'accepted', creditAmount: -1 })).toBe(false);
    expect(parse({ claimId: 'c', outcome: 'rejected', reason: 'misuse' })).toBe(true);
    expect(parse({ claimId: 'c', outcome: 'rejected', reason: ' ' })).toBe(false);
  });
});
