import { describe, expect, it } from 'vitest';
import { channelStatusMapSchema, externalStatus, normalizeStatus, type ChannelStatusMap } from '../../../src/domain/orders/index.js';

const marketplace: ChannelStatusMap = channelStatusMapSchema.parse({
  source: 'mkt-1',
  toState: { NEW: 'received', ACCEPTED: 'validated', SENT: 'shipped', DISPATCHED: 'shipped', CANCELED: 'cancelled' },
  toLabel: { shipped: 'SENT' },
});

describe('channel status maps', () => {
  it('normalizes a known label', () => {
    expect(normalizeStatus(marketplace, 'DISPATCHED')).toEqual({ ok: true, value: 'shipped' });
  });

  it('returns E_UNKNOWN_STATUS for a label with no mapping, never a guess', () => {
    for (const label of ['sent', 'SENT ', 'REFUNDED', 'toString', '']) {
      expect(normalizeStatus(marketplace, label)).toMatchObject({ ok: false, code: 'E_UNKNOWN_STATUS', source: 'mkt-1' });
    }
  });

  it('maps back through the explicit label or the single reverse label', () => {
    expect(externalStatus(marketplace, 'shipped')).toEqual({ ok: true, value: 'SENT' });
    expect(externalStatus(marketplace, 'cancelled')).toEqual({ ok: true, value: 'CANCELED' });
  });

  it('refuses to map back a state with no label, or with several and no choice made', () => {
    expect(externalStatus(marketplace, 'delivered')).toMatchObject({ ok: false, code: 'E_UNKNOWN_STATUS' });
    const ambiguous = { source: 'x', toState: { A: 'shipped', B: 'shipped' } } satisfies ChannelStatusMap;
    expect(externalStatus(ambiguous, 'shipped')).toMatchObject({ ok: false, code: 'E_UNKNOWN_STATUS' });
  });

  it('rejects a map that points at a state omniops does not have', () => {
    expect(channelStatusMapSchema.safeParse({ source: 'x', toState: { DONE: 'finished' } }).success).toBe(false);
  });
});
