import type { OrderLine } from './events.js';

/** Round to cents at the edge, as money is kept in the currency's major unit. */
export function roundMoney(amount: number): number {
  return Math.round(amount * 100) / 100;
}

/** What the customer pays for the goods: Σ qty × unitPrice − the line discount, never below 0 per line. */
export function orderValue(lines: readonly Pick<OrderLine, 'qty' | 'unitPrice' | 'discount'>[]): number {
  const total = lines.reduce((sum, line) => sum + Math.max(0, line.qty * line.unitPrice - (line.discount ?? 0)), 0);
  return roundMoney(total);
}
