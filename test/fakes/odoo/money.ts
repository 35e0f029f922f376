/** Odoo rounds monetary amounts half-up at the currency precision (float_round), not banker's rounding. */
export function roundCents(x: number): number {
  return Math.round((x + Math.sign(x) * 1e-9) * 100) / 100;
}

/** The demo company's default 15% sales/purchase tax: it is why 3 × 42.50 confirms as 146.63 in the captures. */
export const DEMO_TAX_RATE = 0.15;

export function totalsOf(subtotals: number[]): { untaxed: number; tax: number; total: number } {
  const untaxed = roundCents(subtotals.reduce((a, b) => a + b, 0));
  const tax = roundCents(untaxed * DEMO_TAX_RATE);
  return { untaxed, tax, total: roundCents(untaxed + tax) };
}

export const pad5 = (n: number) => String(n).padStart(5, '0');
