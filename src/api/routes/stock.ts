import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { queryStock } from '../../store/repos/stock.js';
import { sellable } from '../../domain/inventory/stock.js';

export function stockRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', url: '/v1/stock', tag: 'inventory', summary: 'Stock per sku × location with sellable quantity; filter by sku and/or location.',
      access: 'authenticated',
      query: z.object({
        sku: z.string().max(64).optional(),
        location: z.string().max(64).optional(),
        limit: z.coerce.number().int().min(1).max(5000).default(500),
        afterSku: z.string().max(64).optional(),
        afterLocation: z.string().max(64).optional(),
      }),
      async handler({ query }) {
        const after = query.afterSku !== undefined ? { sku: query.afterSku, locationId: query.afterLocation ?? '' } : undefined;
        const rows = await queryStock(app.store.read, { sku: query.sku, locationId: query.location, limit: query.limit, after });
        const last = rows[rows.length - 1];
        return {
          items: rows.map((s) => ({ locationId: s.locationId, sku: s.sku, onHand: s.onHand, reserved: s.reserved, protected: s.protected, safetyStock: s.safetyStock, sellable: sellable(s) })),
          next: rows.length === query.limit && last ? { afterSku: last.sku, afterLocation: last.locationId } : null,
        };
      },
    }),
  ];
}
