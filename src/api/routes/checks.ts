import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { verifyAuditChain } from '../../engine/audit/verify.js';
import { readBooks } from '../../store/repos/checks.js';
import { longReads } from '../../store/long-reads.js';
import { checkBooks } from '../../domain/checks/index.js';

/** The books check (docs/checks.md): the same read and rules as `omniops check`. */
export function checkRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', url: '/v1/checks', tag: 'checks',
      summary: 'Check that stock, reservations, fulfilments, orders and the audit chain agree: findings (at most `limit` per check, with counts of all), ok when no error finding.',
      // Those who answer for the books: stock (inventory control), orders (operations), the trail (auditors).
      access: ['admin', 'operations_manager', 'inventory_control', 'auditor'],
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      async handler({ query }) {
        // All the books and the whole audit chain: no statement deadline (src/store/long-reads.ts).
        const [rows, audit] = await Promise.all([readBooks(longReads(app.store), query.limit), verifyAuditChain(longReads(app.store))]);
        return checkBooks({ ...rows, audit }, app.clock());
      },
    }),
  ];
}
