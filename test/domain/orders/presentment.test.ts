import { describe, expect, it } from 'vitest';
import { conversionNote, inCustomerCurrency, inOrderCurrency } from '../../../src/domain/orders/presentment.js';

// A EUR order the customer paid in USD: 199.00 EUR placed at 214.93 USD.
const order = { currency: 'EUR', amount: 199, presentment: { currency: 'USD', amount: 214.93 } };

describe('money told in the customer\'s currency, weighed in the order\'s', () => {
  it('in the order\'s currency, or without one, it is taken as told', () => {
    expect(inOrderCurrency(120.5, 'EUR', order, 'in')).toEqual({ amount: 120.5 });
    expect(inOrderCurrency(120.5, undefined, order, 'out')).toEqual({ amount: 120.5 });
  });

  it('in the customer\'s currency it is taken at the order\'s rate: money in rounded down, money out rounded up', () => {
    // 107.46 × 199 / 214.93 = 99.495…: a capture counts 99.49, a refund 99.50.
    expect(inOrderCurrency(107.46, 'USD', order, 'in')).toEqual({ amount: 99.49, converted: { amount: 107.46, currency: 'USD' } });
    expect(inOrderCurrency(107.46, 'USD', order, 'out')).toEqual({ amount: 99.5, converted: { amount: 107.46, currency: 'USD' } });
    // The whole presentment amount is the whole order, exactly, either way.
    expect(inOrderCurrency(214.93, 'USD', order, 'in')).toMatchObject({ amount: 199 });
    expect(inOrderCurrency(214.93, 'USD', order, 'out')).toMatchObject({ amount: 199 });
  });

  it('a currency the order does not know, or an order placed at zero, cannot be weighed', () => {
    expect(inOrderCurrency(50000, 'JPY', order, 'in')).toEqual({ cannotWeigh: '50000 JPY is not in the order\'s currency EUR nor in the customer\'s USD' });
    expect(inOrderCurrency(10, 'USD', { currency: 'EUR', amount: 199 }, 'in')).toEqual({ cannotWeigh: '10 USD is not in the order\'s currency EUR' });
    expect(inOrderCurrency(10, 'USD', { ...order, presentment: { currency: 'USD', amount: 0 } }, 'in')).toMatchObject({ cannotWeigh: expect.stringContaining('placed at 0 USD') });
  });

  it('says what it did, for the order\'s history', () => {
    expect(conversionNote({ amount: 107.46, currency: 'USD' }, 99.49, order)).toBe('107.46 USD counted as 99.49 EUR at the order\'s rate (214.93 USD = 199 EUR)');
  });

  it('our refund in the customer\'s currency is rounded down; weighed back (money out, up) it is never below what we decided', () => {
    // 99.49 EUR × 214.93 / 199 = 107.454… USD: 107.45 asked of the channel.
    expect(inCustomerCurrency(99.49, order)).toEqual({ currency: 'USD', amount: 107.45 });
    const back = inOrderCurrency(107.45, 'USD', order, 'out');
    expect('amount' in back && back.amount).toBe(99.49);
    for (const eur of [0.01, 9.99, 10, 19.95, 120, 198.99, 199]) {
      const usd = inCustomerCurrency(eur, order)!;
      expect(usd.amount).toBeLessThanOrEqual(Math.round(eur * 214.93 / 199 * 100) / 100 + 1e-9);
      const r = inOrderCurrency(usd.amount, 'USD', order, 'out');
      expect('amount' in r && r.amount >= eur - 0.01 && r.amount <= eur).toBe(true);
    }
    expect(inCustomerCurrency(10, { currency: 'EUR', amount: 199 })).toBeUndefined();
  });
});
