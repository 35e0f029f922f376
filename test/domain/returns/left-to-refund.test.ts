import { describe, expect, it } from 'vitest';
import { refundRoom } from '../../../src/domain/returns/left-to-refund.js';
import { limitRefund } from '../../../src/domain/returns/refund-limit.js';

const paid = (amount: number, status = 'captured') => ({ amount, currency: 'EUR', status });
const ours = (id: string, amount: number, state: string, channelRefundId?: string, currency = 'EUR') => ({ id, amount, currency, state, ...(channelRefundId ? { channelRefundId } : {}) });
const told = (refundId: string, amount: number, currency = 'EUR') => ({ refundId, amount, currency });

describe('refundRoom: what is left to refund of an order, and what it counts', () => {
  it('ours and the channel\'s own count; ours paid out at the channel counts once with its echo; a refund turned down counts nothing', () => {
    const settled = ours('rfd-1', 10, 'settled', '9001');
    const rejected = ours('rfd-2', 50, 'rejected');
    const r = refundRoom(paid(125), [settled, rejected], [told('own-1', 15), told('9001', 10)]);
    expect(r).toMatchObject({ paidCents: 12500, refundedCents: 2500, atChannelCents: 1500, leftCents: 10000, matchedAtChannel: ['9001'], currencyDiffers: false, paymentFailed: false });
    expect(r.ours).toEqual([{ refund: settled, counts: true, paidOutAtChannel: '9001' }, { refund: rejected, counts: false }]);
    expect(r.atChannel).toEqual([{ refund: told('own-1', 15), countsCents: 1500 }, { refund: told('9001', 10), countsCents: 0, echoOf: [settled] }]);
  });

  it('an echo told larger counts its excess as the channel\'s; a failed payment leaves nothing; another currency cannot be weighed', () => {
    expect(refundRoom(paid(130), [ours('rfd-1', 10, 'settled', '9002')], [told('9002', 12)])).toMatchObject({ refundedCents: 1200, atChannelCents: 200, leftCents: 11800 });
    expect(refundRoom(paid(130, 'failed'), [], [])).toMatchObject({ paidCents: 0, leftCents: 0, paymentFailed: true });
    expect(refundRoom(paid(130), [], [told('usd-1', 5, 'USD')])).toMatchObject({ currencyDiffers: true, refundedCents: 0 });
    // A rejected refund in another currency counts nothing, so it does not stop the weighing.
    expect(refundRoom(paid(130), [ours('rfd-9', 5, 'rejected', undefined, 'USD')], [])).toMatchObject({ currencyDiffers: false, leftCents: 13000 });
  });

  it('is the figure a refund is limited by: asked more, the refund is cut to exactly what is left', () => {
    const earlier = [ours('rfd-1', 10, 'settled', '9001'), ours('rfd-2', 7.5, 'awaiting_approval')];
    const atChannel = [told('9001', 10), told('own-1', 15.25)];
    const room = refundRoom(paid(125), earlier, atChannel);
    expect(limitRefund([{ lineId: '1', qty: 1, amount: 120 }], 'EUR', paid(125), earlier, atChannel)).toMatchObject({ outcome: 'cut', amount: room.leftCents / 100 });
    expect(room.leftCents).toBe(9225);
  });
});

describe('refundRoom: what finance was told cases are owed on top is held for them', () => {
  it('counts as refunded, paid by hand or not: a later return is weighed without it, and says so', () => {
    const earlier = [ours('r1', 40, 'settled')];
    const room = refundRoom(paid(100), earlier, [], [{ caseId: 'c-1', amount: 25 }]);
    expect(room).toMatchObject({ refundedCents: 6500, heldCents: 2500, leftCents: 3500, held: [{ caseId: 'c-1', amount: 25 }] });
    // Without the hold the next return would get 60: 25 more than is left once finance pays the top-up by hand.
    const limit = limitRefund([{ lineId: '1', qty: 1, amount: 60 }], 'EUR', paid(100), earlier, [], [{ caseId: 'c-1', amount: 25 }]);
    expect(limit).toMatchObject({ outcome: 'cut', amount: 35, limitedBy: { alreadyRefunded: 65, owedToCases: 25 } });
    expect(limitRefund([{ lineId: '1', qty: 1, amount: 60 }], 'EUR', paid(100), earlier)).toMatchObject({ outcome: 'full', amount: 60 });
  });
});
