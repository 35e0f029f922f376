import { describe, expect, it } from 'vitest';
import { echoesOfOurRefunds } from '../../../src/domain/returns/refund-echoes.js';

describe('echoesOfOurRefunds: which channel refunds paid out ours', () => {
  it('by the channel refund id our settlement names, in one currency; ours without one, or another currency, tie nothing', () => {
    const ours = [
      { id: 'rfd-1', amount: 10, currency: 'EUR', channelRefundId: '9001' },
      { id: 'rfd-2', amount: 20, currency: 'EUR', channelRefundId: '9001' },
      { id: 'rfd-3', amount: 5, currency: 'EUR' },
      { id: 'rfd-4', amount: 5, currency: 'USD', channelRefundId: '9003' },
    ];
    const echoes = echoesOfOurRefunds(ours, [{ refundId: '9001', amount: 30, currency: 'EUR' }, { refundId: '9002', amount: 5, currency: 'EUR' }, { refundId: '9003', amount: 5, currency: 'EUR' }]);
    expect([...echoes].map(([id, paidOut]) => [id, paidOut.map((o) => o.id)])).toEqual([['9001', ['rfd-1', 'rfd-2']]]);
  });
});
