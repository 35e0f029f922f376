/**
 * Money a channel reports in the customer's currency, weighed in the order's.
 *
 * A shop selling in several currencies keeps an order in its own currency (the shop's: what the ERP,
 * finance and every policy threshold are in) but charges and refunds the customer in theirs (the
 * *presentment* currency): Shopify's transactions and refunds carry that currency, while the order's
 * prices and totals stay in the shop's. Counted as if in the order's currency, a capture of JPY 15,000
 * on a EUR 100 order made EUR 15,000 refundable; kept apart, every refund the shop made sent the
 * order's returns to a person.
 *
 * The order says how the two compare: what it was placed at in both currencies (`presentment`). A
 * report in that currency is taken at that rate, rounded so the refund bound stays a lower bound —
 * money in (a capture) rounded down to the cent, money out (a refund at the channel) rounded up. The
 * rate the payment provider settled at may differ a little (its own exchange at capture time); the
 * order's rate keeps what a return may refund within what the customer paid, as placed. A report in a
 * currency the order does not know cannot be weighed: it is not counted as money in.
 */

/** What the order was placed at in the customer's currency, when that is not the order's. */
export interface PresentmentMoney {
  readonly currency: string;
  readonly amount: number;
}

export interface OrderMoney {
  readonly currency: string;
  /** The amount the order was placed with, in its own currency. */
  readonly amount: number;
  readonly presentment?: PresentmentMoney;
}

/** Money in (a capture: rounded down) or out (a refund: rounded up). */
export type MoneyWay = 'in' | 'out';

export type InOrderCurrency =
  | { readonly amount: number; readonly converted?: { readonly amount: number; readonly currency: string } }
  | { readonly cannotWeigh: string };

const cents = (x: number) => Math.round(x * 100);

/**
 * `amount` told in `currency` (absent: the order's), as the order's currency. Integer cents
 * throughout: amounts up to millions stay exact far below 2^53.
 */
export function inOrderCurrency(amount: number, currency: string | undefined, order: OrderMoney, way: MoneyWay): InOrderCurrency {
  if (currency === undefined || currency === order.currency) return { amount };
  const p = order.presentment;
  if (!p || p.currency !== currency) {
    return { cannotWeigh: `${amount} ${currency} is not in the order's currency ${order.currency}${p ? ` nor in the customer's ${p.currency}` : ''}` };
  }
  const presentmentCents = cents(p.amount);
  if (presentmentCents === 0) return { cannotWeigh: `${amount} ${currency}: the order was placed at 0 ${currency}, so no rate to ${order.currency}` };
  const product = cents(amount) * cents(order.amount);
  const inCents = way === 'in' ? Math.floor(product / presentmentCents) : Math.ceil(product / presentmentCents);
  return { amount: inCents / 100, converted: { amount, currency } };
}

/** For the order's history: "USD 107.00 counted as 100.00 EUR at the order's rate (107.00 USD = 100.00 EUR)". */
export function conversionNote(told: { amount: number; currency: string }, amount: number, order: OrderMoney): string {
  const p = order.presentment!;
  return `${told.amount} ${told.currency} counted as ${amount} ${order.currency} at the order's rate (${p.amount} ${p.currency} = ${order.amount} ${order.currency})`;
}

/**
 * Money going out to the customer (our refund, decided in the order's currency) in the customer's
 * currency at the order's rate, rounded down to the cent: what a payment side refunding through the
 * channel sends (Shopify refunds in the presentment currency). Down, so it never asks the channel for
 * more than the customer paid; the channel's echo of it, weighed back (`inOrderCurrency`, 'out': up),
 * comes to our refund or a cent below it, so the two, once tied, count as ours. Undefined when the
 * order has no other currency (or was placed at 0).
 */
export function inCustomerCurrency(amount: number, order: OrderMoney): PresentmentMoney | undefined {
  const p = order.presentment;
  if (!p || p.currency === order.currency || cents(order.amount) === 0) return undefined;
  return { currency: p.currency, amount: Math.floor((cents(amount) * cents(p.amount)) / cents(order.amount)) / 100 };
}
