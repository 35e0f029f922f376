import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { EXCEPTION_CATEGORIES, EXCEPTION_QUEUES, assignException, resolveException, retryException, type ExceptionResult } from '../../domain/exceptions/index.js';
import { exceptionById, exceptionCounts, queryExceptions, type StoredException } from '../../store/repos/exceptions.js';
import { userByName } from '../../store/repos/identity.js';
import { eventById } from '../../store/repos/events.js';
import { repeatedCommand, runCommand } from '../command.js';

/** Roles that see every queue; everyone else sees the queues (and routed items) their role owns. */
const SEE_ALL: Role[] = ['admin', 'operations_manager', 'auditor'];
/**
 * Any role may be given an item, not only the queues' owners: a rule's `open_exception` names any role,
 * and an over-delivery goes to procurement. So every role reads and works the list — each sees (and
 * may act on) only the items owned by its role; who may act on an item is judged on the item.
 */
const READERS: Role[] = [...ROLES];
const WORKERS: Role[] = [...ROLES];

export function exceptionView(x: StoredException, now: number) {
  return {
    id: x.id, queue: x.category, ownerRole: x.ownerRole, subjectRef: x.subjectRef, summary: x.summary, detail: x.detail, state: x.state,
    assignee: x.assignee, openedAt: new Date(x.openedAt).toISOString(), ageSeconds: Math.max(0, Math.round((now - x.openedAt) / 1000)),
    retryable: EXCEPTION_QUEUES[x.category]?.retryable ?? false, retries: x.retries, lastRetryAt: x.lastRetryAt === null ? null : new Date(x.lastRetryAt).toISOString(),
    resolution: x.resolution ? { ...x.resolution, at: new Date(x.resolution.at).toISOString() } : null,
    history: x.history.map((h) => ({ ...h, at: new Date(h.at).toISOString() })),
  };
}

// The time is at most 16 digits (a ms time; a longer one overflowed to 1e+23, which PostgreSQL refused as a bigint: a 500).
const cursor = z.string().max(200).regex(/^\d{1,16}\.[A-Za-z0-9-]+$/).optional();

export function exceptionRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET', url: '/v1/exceptions', tag: 'exceptions', summary: 'Exception items, oldest first, by queue and state (owners see their queues; operations managers all).',
      access: READERS,
      query: z.object({
        queue: z.enum(EXCEPTION_CATEGORIES).optional(), state: z.enum(['open', 'assigned', 'resolved']).default('open'),
        after: cursor, limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      async handler({ query, principal }) {
        const me = principal!;
        const after = query.after ? { ms: Number(query.after.slice(0, query.after.indexOf('.'))), id: query.after.slice(query.after.indexOf('.') + 1) } : undefined;
        const rows = await queryExceptions(app.store.read, {
          queues: query.queue ? [query.queue] : undefined, state: query.state,
          ownerRoles: SEE_ALL.includes(me.role) ? undefined : [me.role], after, limit: query.limit,
        });
        const now = app.clock();
        const last = rows[rows.length - 1];
        return { items: rows.map((x) => exceptionView(x, now)), next: rows.length === query.limit && last ? `${last.openedAt}.${last.id}` : null };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/exceptions/counts', tag: 'exceptions',
      summary: 'Items per queue in each state (open, assigned, resolved) of the queues the caller sees: the same filters as the list.',
      access: READERS,
      async handler({ principal }) {
        const me = principal!;
        return { items: await exceptionCounts(app.store.read, SEE_ALL.includes(me.role) ? undefined : [me.role]) };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/exceptions/{id}/{action}', tag: 'exceptions', summary: 'Resolve (with a reason), retry or assign an exception item (audited).',
      access: WORKERS,
      params: z.object({ id: z.string().min(1).max(100), action: z.enum(['resolve', 'retry', 'assign']) }),
      body: z.object({ reason: z.string().max(2000).optional(), assignee: z.string().min(1).max(200).optional() }).strict(),
      responses: { 200: 'the item after the action', 403: 'E_ROLE', 404: 'E_NOT_FOUND (no item; no active user to assign to)', 409: 'E_INVALID_STATE (resolved, or taken by someone else meanwhile) / E_CONFLICT', 422: 'E_SCHEMA (no reason)' },
      async handler({ params, body, principal, req }) {
        const me = principal!;
        const item = await exceptionById(app.store.read, params.id);
        if (!item) throw new DomainError('E_NOT_FOUND', `no exception ${params.id}`);
        const actor = { actorId: me.name, actorRoles: [me.role] };
        const who = body.assignee ?? me.name;
        let assignee: { id: string; roles: Role[] } | undefined;
        if (params.action === 'assign') {
          const user = who === me.name ? { role: me.role, revokedAt: null } : await userByName(app.store.read, who);
          // Someone whose access was revoked has left: an item given to them would wait for nobody.
          if (!user || user.revokedAt !== null) throw new DomainError('E_NOT_FOUND', `no active user ${who}`);
          assignee = { id: who, roles: ROLES.includes(user.role) ? [user.role] : [] };
        }
        const judge = (x: StoredException): void => {
          const ctx = { now: app.clock(), newId: () => 'precheck' };
          let check: ExceptionResult;
          if (params.action === 'resolve') check = resolveException(x, actor, body.reason ?? '', ctx);
          else if (params.action === 'retry') check = retryException(x, actor, ctx);
          else check = assignException(x, actor, assignee!, ctx);
          if (!check.ok) throw new DomainError(check.refusal.code, check.refusal.message);
        };
        // Not for a retry with the same Idempotency-Key: judged on the item its first try resolved, it was
        // refused 409 E_INVALID_STATE instead of answered as the first time.
        if (!(await repeatedCommand(app, req, me))) judge(item);
        const r = await runCommand(app, req, me, 'exception.action_requested', { exceptionId: item.id, action: params.action, ...(body.reason ? { reason: body.reason } : {}), ...(body.assignee ? { assignee: body.assignee } : {}) });
        const after = (await exceptionById(app.store.read, item.id))!;
        // The handler judges again on the item as it is then: of two people resolving or taking one item
        // at once only one gets it, and the other must hear so, not a 200 showing someone else's work.
        const command = await eventById(app.store.read, r.eventId);
        const recorded = command !== undefined && after.history.some((e) => e.at === command.receivedMs && e.action === params.action && e.by === me.name);
        if (!recorded) {
          if (r.status === 'pending') throw new DomainError('E_UNAVAILABLE', 'the action was accepted but not processed yet; read the item again', { detail: { eventId: r.eventId } });
          judge(after);
          throw new DomainError('E_CONFLICT', 'the action was not recorded', { detail: { eventId: r.eventId } });
        }
        return { ...exceptionView(after, app.clock()), eventId: r.eventId };
      },
    }),
  ];
}
