import type { Product } from '../domain/masterdata/product.js';
import type { Location } from '../domain/masterdata/location.js';
import type { Source } from '../domain/masterdata/source.js';
import { intBetween, pick, seededRandom } from './random.js';

/**
 * "Northwind Outfitters": a mid-size outdoor and home retailer in the Netherlands — a web store,
 * two marketplaces, store tills, 6 stores, 2 dark stores and a distribution centre, ~500 SKUs.
 */
export const DEMO_SOURCES: Array<Source> = [
  { id: 'web', name: 'Web store', kind: 'web', statusMap: { pending: 'received', paid: 'validated', fulfilled: 'shipped', cancelled: 'cancelled' } },
  { id: 'mkt-amazon', name: 'Amazon marketplace', kind: 'marketplace', statusMap: { Pending: 'received', Unshipped: 'validated', Shipped: 'shipped', Canceled: 'cancelled' } },
  { id: 'mkt-bol', name: 'bol.com marketplace', kind: 'marketplace', statusMap: { OPEN: 'received', SHIPPED: 'shipped', CANCELLED: 'cancelled' } },
  { id: 'pos', name: 'Store tills', kind: 'pos', statusMap: {} },
  { id: 'wms', name: 'Warehouse system', kind: 'system', statusMap: {} },
  { id: 'carrier-postnl', name: 'PostNL tracking', kind: 'carrier', statusMap: {} },
  // Scoped to its one job (README, "What a source may send"): it answers claims of every demo supplier, so no supplierId.
  { id: 'supplier-portal', name: 'Supplier portal (claim answers)', kind: 'supplier', statusMap: {}, eventTypes: ['supplier.claim_answered'] },
];

const CITIES: Array<[string, number, number]> = [
  ['Amsterdam', 52.3676, 4.9041], ['Rotterdam', 51.9244, 4.4777], ['Utrecht', 52.0907, 5.1214],
  ['Den Haag', 52.0705, 4.3007], ['Eindhoven', 51.4416, 5.4697], ['Groningen', 53.2194, 6.5665],
];

export function demoLocations(): Location[] {
  const base = { utcOffsetMinutes: 60, active: true };
  const stores: Location[] = CITIES.map(([city, lat, lon], i) => ({
    ...base, id: `store-${city.toLowerCase().replace(/\s/g, '-')}`, name: `Store ${city}`, kind: 'store', lat, lon,
    capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 150 + i * 20, cutoff: '16:00', acceptSlaMinutes: 30, shipSlaMinutes: 480,
  }));
  return [
    ...stores,
    { ...base, id: 'dark-amsterdam', name: 'Dark store Amsterdam-West', kind: 'dark_store', lat: 52.378, lon: 4.84, capabilities: ['ship', 'same_day'], dailyCapacity: 600, cutoff: '20:00', acceptSlaMinutes: 10, shipSlaMinutes: 120 },
    { ...base, id: 'dark-rotterdam', name: 'Dark store Rotterdam-Zuid', kind: 'dark_store', lat: 51.89, lon: 4.5, capabilities: ['ship', 'same_day'], dailyCapacity: 500, cutoff: '20:00', acceptSlaMinutes: 10, shipSlaMinutes: 120 },
    { ...base, id: 'dc-tilburg', name: 'Distribution centre Tilburg', kind: 'dc', lat: 51.5555, lon: 5.0913, capabilities: ['ship'], dailyCapacity: 5000, cutoff: '22:00', acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  ];
}

const CATEGORIES: Array<[string, string[], [number, number]]> = [
  ['outdoor', ['Tent', 'Sleeping bag', 'Headlamp', 'Camping stove', 'Trekking pole', 'Rain jacket', 'Backpack'], [19, 349]],
  ['home', ['Cushion', 'Throw blanket', 'Table lamp', 'Storage basket', 'Vase', 'Candle set', 'Doormat'], [9, 129]],
  ['kitchen', ['Chef knife', 'Frying pan', 'Coffee grinder', 'Cutting board', 'Water bottle', 'Lunch box'], [7, 189]],
  ['apparel', ['Wool socks', 'Fleece vest', 'Beanie', 'Base layer', 'Hiking boots', 'Gloves'], [12, 219]],
  ['electronics', ['Power bank', 'Solar charger', 'Bluetooth speaker', 'GPS watch', 'Action camera'], [25, 449]],
];
const VARIANTS = ['Black', 'Olive', 'Sand', 'Navy', 'Red', 'Grey', 'S', 'M', 'L', 'XL'];

export function demoProducts(count = 500): Product[] {
  const rand = seededRandom(42);
  const products: Product[] = [];
  for (let i = 1; i <= count; i++) {
    const [category, names, [lo, hi]] = pick(rand, CATEGORIES);
    const price = Math.round((lo + rand() * (hi - lo)) * 100) / 100 - 0.01;
    products.push({
      sku: `NW-${String(i).padStart(5, '0')}`,
      name: `${pick(rand, names)} ${pick(rand, VARIANTS)}`,
      category,
      price: Math.max(0.99, Math.round(price * 100) / 100),
      cost: Math.round(price * (0.35 + rand() * 0.3) * 100) / 100,
      weightKg: Math.round((0.1 + rand() * 6) * 100) / 100,
      returnable: rand() > 0.05,
      supplierIds: [`sup-${intBetween(rand, 1, 12)}`],
    });
  }
  return products;
}

/** Stock counts: the DC carries nearly everything, dark stores fast movers, stores a selection. */
export function demoStock(products: Product[], locations: Location[]): Array<{ locationId: string; counts: Array<{ sku: string; onHand: number; protected?: number; safetyStock?: number }> }> {
  const rand = seededRandom(7);
  return locations.map((l) => {
    const share = l.kind === 'dc' ? 0.95 : l.kind === 'dark_store' ? 0.4 : 0.3;
    const counts = products
      .filter(() => rand() < share)
      .map((p) => {
        const onHand = l.kind === 'dc' ? intBetween(rand, 20, 400) : intBetween(rand, 0, 25);
        return { sku: p.sku, onHand, protected: l.kind === 'store' ? Math.min(onHand, intBetween(rand, 0, 3)) : 0, safetyStock: l.kind === 'dc' ? 10 : 2 };
      });
    return { locationId: l.id, counts };
  });
}
