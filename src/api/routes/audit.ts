import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { verifyAuditChain } from '../../engine/audit/verify.js';
import { longReads } from '../../store/long-reads.js';
import { searchAudit } from '../../store/repos/audit.js';

export function auditRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', url: '/v1/audit/verify', tag: 'audit', summary: 'Verify the audit chain: ok with the count, or the first entry whose chain breaks.',
      access: ['admin', 'auditor', 'operations_manager'],
      async handler() {
        return verifyAuditChain(longReads(app.store)); // reads the whole chain: no statement deadline
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/audit', tag: 'audit', summary: 'Search audit entries by subject, actor or action, paged by ?after=<seq>.',
      access: ['admin', 'auditor', 'operations_manager'],
      query: z.object({
        subject: z.string().max(200).optional(), actor: z.string().max(200).optional(), action: z.string().max(100).optional(),
        after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      async handler({ query }) {
        const items = await searchAudit(app.store.read, { subject: query.subject, actor: query.actor, action: query.action, afterSeq: query.after, limit: query.limit });
        return { items, next: items.length === query.limit ? items[items.length - 1]!.seq : null };
      },
    }),
  ];
}
