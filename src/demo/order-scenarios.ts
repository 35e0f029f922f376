import { demoLocations, demoProducts, demoStock } from './retailer.js';
import { intBetween, pick } from './random.js';
import type { Scenario, SimulatedEvent } from './simulator.js';

const CHANNELS = [
  { id: 'web', weight: 6 },
  { id: 'mkt-amazon', weight: 3 },
  { id: 'mkt-bol', weight: 2 },
];
const METHODS: Array<[string, number]> = [['standard', 60], ['express', 15], ['same_day', 15], ['pickup', 10]];

function weighted<T>(rand: () => number, items: Array<[T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1]![0];
}

/**
 * Orders across every channel and shipping method; some payments arrive late (pending, captured a
 * little later) and some fail, so holds and their release show up in the demo; the stores' tills
 * sell to walk-in customers.
 */
export function orderScenarios(): Scenario[] {
  const products = demoProducts();
  const locations = demoLocations();
  const stores = locations.filter((l) => l.kind === 'store');
  // A till sells what its store has on the shelf (as seeded); the shelf empties as the demo runs, so
  // now and then a till sells past the record and inventory control gets a count to do.
  const price = new Map(products.map((p) => [p.sku, p.price]));
  const shelves = new Map(demoStock(products, locations).map((s) => [s.locationId, s.counts.filter((c) => c.onHand > 0).map((c) => c.sku)]));
  const pendingPayments: Array<{ source: string; externalOrderId: string; dueAt: number; amount: number }> = [];
  let seq = 0;
  return [
    {
      name: 'order',
      weight: 6,
      next(rand, now): SimulatedEvent {
        const source = weighted(rand, CHANNELS.map((c) => [c.id, c.weight]));
        const method = weighted(rand, METHODS);
        const city = pick(rand, stores);
        const lines = Array.from({ length: intBetween(rand, 1, 3) }, (_, i) => {
          const p = pick(rand, products);
          return { lineId: String(i + 1), sku: p.sku, qty: rand() < 0.85 ? 1 : intBetween(rand, 2, 3), unitPrice: p.price };
        }).filter((l, i, a) => a.findIndex((x) => x.sku === l.sku) === i);
        const amount = Math.round(lines.reduce((s, l) => s + l.qty * l.unitPrice, 0) * 100) / 100;
        const roll = rand();
        const status = roll < 0.85 ? 'authorized' : roll < 0.95 ? 'pending' : 'failed';
        const externalOrderId = `${source.toUpperCase()}-${now.toString(36)}-${++seq}`;
        if (status === 'pending') pendingPayments.push({ source, externalOrderId, dueAt: now + intBetween(rand, 3_000, 30_000), amount });
        const customer = intBetween(rand, 1, 400);
        return {
          source,
          type: 'order.placed',
          payload: {
            externalOrderId,
            customer: { id: `cust-${customer}`, email: `customer${customer}@example.com` },
            lines,
            currency: 'EUR',
            shipping: {
              method,
              address: { country: 'NL', postcode: `${intBetween(rand, 1000, 9999)}AB`, lat: city.lat + (rand() - 0.5) * 0.2, lon: city.lon + (rand() - 0.5) * 0.2 },
              ...(method === 'pickup' ? { pickupLocationId: city.id } : {}),
            },
            payment: { status, method: pick(rand, ['card', 'ideal', 'paypal']), amount },
            promisedBy: new Date(now + (method === 'same_day' ? 8 : method === 'express' ? 24 : 72) * 3_600_000).toISOString(),
          },
        };
      },
    },
    {
      // A store's till: walk-in sales, paid and carried out there (as the POS adapter maps them).
      name: 'till-sale',
      weight: 2,
      next(rand, now): SimulatedEvent {
        const store = pick(rand, stores);
        const shelf = shelves.get(store.id) ?? [];
        const lines = Array.from({ length: intBetween(rand, 1, 2) }, (_, i) => {
          const sku = pick(rand, shelf);
          return { lineId: String(i + 1), sku, qty: 1, unitPrice: price.get(sku) ?? 0 };
        }).filter((l, i, a) => a.findIndex((x) => x.sku === l.sku) === i);
        const amount = Math.round(lines.reduce((s, l) => s + l.qty * l.unitPrice, 0) * 100) / 100;
        const at = new Date(now).toISOString();
        return {
          source: 'pos',
          type: 'order.placed',
          payload: {
            externalOrderId: `${store.id}-${now.toString(36)}-${++seq}`,
            customer: { id: `walk-in:${store.id}` },
            lines,
            currency: 'EUR',
            shipping: { method: 'pickup', pickupLocationId: store.id, address: { country: 'NL' } },
            payment: { status: 'captured', method: pick(rand, ['card', 'cash']), amount },
            handedOverAt: at,
          },
        };
      },
    },
    {
      name: 'late-payment',
      weight: 2,
      next(rand, now): SimulatedEvent | null {
        const i = pendingPayments.findIndex((p) => p.dueAt <= now);
        if (i < 0) return null;
        const [p] = pendingPayments.splice(i, 1);
        return { source: p!.source, type: rand() < 0.9 ? 'payment.captured' : 'payment.failed', payload: { externalOrderId: p!.externalOrderId, amount: p!.amount } };
      },
    },
  ];
}
