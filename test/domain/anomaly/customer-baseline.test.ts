import { describe, expect, it } from 'vitest';
import { detectOrderAnomalies, type OrderFact } from '../../../src/domain/anomaly/orders.js';
import { seededRandom } from '../../../src/domain/anomaly/synthetic.js';
import { defaultAnomalyPolicy as policy } from '../../../src/policy/kinds/anomaly.js';

/**
 * Order values against the customer's own earlier orders once there are `customerBaseline.minHistory` of
 * them, against every earlier order before that (and always, for a policy stored without the field).
 */
const H = 3_600_000;
const rand = seededRandom(11);
// The shop: 60 one-off customers around 40–80.
const shop: OrderFact[] = Array.from({ length: 60 }, (_, i) => ({ orderId: `n${i}`, customerId: `c${i}`, addressKey: `a${i}`, placedAt: i * H, value: 40 + Math.round(rand() * 40) }));
/** A regular's orders, one a day from hour 100 on, around `value`. */
const regular = (who: string, value: number, count: number): OrderFact[] =>
  Array.from({ length: count }, (_, i) => ({ orderId: `${who}-${i}`, customerId: who, addressKey: `addr-${who}`, placedAt: 100 * H + i * 24 * H, value: value * (0.9 + 0.2 * rand()) }));
const valueFindings = (orders: OrderFact[], rules = policy.orders) => detectOrderAnomalies(orders, rules).filter((f) => f.kind === 'value_outlier');
const min = policy.orders.customerBaseline!.minHistory;

describe('per-customer order-value baselines', () => {
  it('a regular big spender is not an outlier once their own history is the baseline', () => {
    const trade = regular('trade', 900, min + 3);
    const found = valueFindings([...shop, ...trade]);
    // Their first orders are far above the shop's usual; from the minimum history on they are their own usual.
    expect(found.map((f) => f.orderId)).toEqual(trade.slice(0, min).map((o) => o.orderId));
    expect(found.every((f) => f.detail.baseline === 'all_orders')).toBe(true);
    expect(found[0]!.explanation).toContain('over all earlier orders');
  });

  it('a small spender ordering ten times their usual is found, though it is ordinary for the shop', () => {
    const small = regular('small', 8, min);
    const jump: OrderFact = { orderId: 'small-jump', customerId: 'small', addressKey: 'addr-small', placedAt: 100 * H + min * 24 * H, value: 80 };
    const found = valueFindings([...shop, ...small, jump]);
    const hit = found.find((f) => f.orderId === 'small-jump');
    expect(hit).toBeDefined();
    expect(hit!.detail).toMatchObject({ baseline: 'customer', customerId: 'small', baselineOrders: min });
    expect(hit!.explanation).toContain(`customer small's usual`);
    // Against every order the same value is nothing special.
    const { customerBaseline: _, ...older } = policy.orders;
    expect(valueFindings([...shop, ...small, jump], older).some((f) => f.orderId === 'small-jump')).toBe(false);
  });

  it('with fewer earlier orders than the minimum, the customer is compared with all orders', () => {
    const few = regular('few', 8, min - 1);
    const jump: OrderFact = { orderId: 'few-jump', customerId: 'few', addressKey: 'addr-few', placedAt: 100 * H + min * 24 * H, value: 80 };
    expect(valueFindings([...shop, ...few, jump]).some((f) => f.orderId === 'few-jump')).toBe(false);
  });

  it('a policy stored before the field compares every order with all orders, as before', () => {
    const { customerBaseline: _, ...older } = policy.orders;
    const trade = regular('trade', 900, min + 3);
    const found = valueFindings([...shop, ...trade], older);
    expect(found.map((f) => f.orderId)).toEqual(trade.map((o) => o.orderId));
    expect(found.every((f) => f.detail.baseline === 'all_orders')).toBe(true);
  });
});
