import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import type { Role } from '../../domain/roles.js';
import { destinationIdSchema } from '../../domain/integrations/destination.js';
import { getDestination, listDestinations } from '../../store/repos/destinations.js';
import { DELIVERY_STATUSES, deliveryById, queryDeliveries, type DeliveryRow } from '../../store/repos/deliveries.js';
import { destinationView, rotateDestinationSecret, upsertDestination } from '../../engine/delivery/destinations.js';
import { replayDelivery, replayDestination } from '../../engine/delivery/replay.js';
import { issueSourceToken } from '../../engine/identity/source-tokens.js';
import { sourceTokens } from '../source-token-auth.js';

const INTEGRATORS: Role[] = ['admin', 'integrator'];
const READERS: Role[] = ['admin', 'integrator', 'operations_manager', 'auditor'];
const REPLAYERS: Role[] = ['admin', 'integrator', 'operations_manager'];

export function deliveryView(d: DeliveryRow): Record<string, unknown> {
  return {
    id: d.id, status: d.status, destination: d.destination, target: d.target, kind: d.kind, subject: d.subject, eventId: d.eventId, attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' && d.nextAttemptAt > 0 ? new Date(d.nextAttemptAt).toISOString() : null,
    lastError: d.lastError, lastStatus: d.lastStatus, createdAt: d.createdAt, deliveredAt: d.deliveredAt, deadAt: d.deadAt,
    sendBy: d.expiresAt > 0 ? new Date(d.expiresAt).toISOString() : null,
  };
}

const actorOf = (p: { name: string; role: string } | null) => ({ id: p!.name, role: p!.role });

export function integrationRoutes(app: App): RouteSpec[] {
  const circuit = (id: string) => app.delivery.breakerState(id).status;
  return [
    defineRoute({
      method: 'PUT', url: '/v1/destinations/{id}', tag: 'integrations',
      summary: 'Register or change a destination (url, kind, environment, routes, concurrency). Secrets are sealed and never shown again; a generated secret is returned once.',
      access: INTEGRATORS, params: z.object({ id: destinationIdSchema }), body: z.unknown(),
      responses: { 200: 'updated', 201: 'created (with `secret` when one was generated)', 422: 'E_SCHEMA' },
      async handler({ params, body, principal, reply }) {
        const r = await upsertDestination(app.store, app.box, actorOf(principal), params.id, body);
        app.wake.delivery();
        return reply.code(r.created ? 201 : 200).send({ ...destinationView(r.destination, app.box), ...(r.secret ? { secret: r.secret } : {}), circuit: circuit(params.id) });
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/destinations/{id}', tag: 'integrations', summary: 'One destination, secrets redacted, with its circuit state.',
      access: READERS, params: z.object({ id: destinationIdSchema }), responses: { 200: 'destination', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        const d = await getDestination(app.store.read, params.id);
        if (!d) throw new DomainError('E_NOT_FOUND', `no destination ${params.id}`);
        return { ...destinationView(d, app.box), circuit: circuit(d.id) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/destinations', tag: 'integrations', summary: 'Every destination, secrets redacted.', access: READERS,
      async handler() {
        return { items: (await listDestinations(app.store.read)).map((d) => ({ ...destinationView(d, app.box), circuit: circuit(d.id) })) };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/destinations/{id}/rotate', tag: 'integrations',
      summary: 'New signing secret (returned once); the previous one keeps signing alongside it for the grace period.',
      access: INTEGRATORS, params: z.object({ id: destinationIdSchema }), body: z.object({ graceSeconds: z.number().int().min(0).max(30 * 86400).optional() }).strict().optional(),
      async handler({ params, body, principal }) {
        const grace = (body as { graceSeconds?: number } | undefined)?.graceSeconds ?? app.config.delivery.secretGraceSeconds;
        const r = await rotateDestinationSecret(app.store, app.box, actorOf(principal), params.id, grace, app.clock());
        return { id: params.id, secret: r.secret, previousValidUntil: r.previousValidUntil };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/deliveries', tag: 'integrations', summary: 'Outbox deliveries by status (dead, pending, delivered, unrouted, expired, superseded) and destination, oldest first; paged by ?after=<seq>.',
      access: READERS,
      query: z.object({
        status: z.enum(DELIVERY_STATUSES).optional(), destination: z.string().max(200).optional(),
        after: z.coerce.number().int().min(-1).default(-1), limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      async handler({ query }) {
        const rows = await queryDeliveries(app.store.read, { status: query.status, destination: query.destination, afterSeq: query.after, limit: query.limit });
        return { items: rows.map(deliveryView), next: rows.length === query.limit ? rows[rows.length - 1]!.seq : null };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/deliveries/{id}', tag: 'integrations', summary: 'One delivery with its payload.', access: READERS,
      params: z.object({ id: z.string().min(1).max(100) }),
      async handler({ params }) {
        const d = await deliveryById(app.store.read, params.id);
        if (!d) throw new DomainError('E_NOT_FOUND', `no delivery ${params.id}`);
        return { ...deliveryView(d), payload: d.payload };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/deliveries/{id}/replay', tag: 'integrations',
      summary: 'Send a dead or expired delivery again (same idempotency key: the receiver sees a duplicate, never a second effect; an expired one without its send-by time).',
      access: REPLAYERS, params: z.object({ id: z.string().min(1).max(100) }), responses: { 202: 'requeued', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (not dead or expired)' },
      async handler({ params, principal, reply }) {
        await replayDelivery(app.store, actorOf(principal), params.id);
        app.wake.delivery();
        return reply.code(202).send({ id: params.id, status: 'pending' });
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/deliveries/replay', tag: 'integrations', summary: 'Send every dead delivery of one destination again.',
      access: REPLAYERS, body: z.object({ destination: z.string().min(1).max(200) }).strict(),
      responses: { 202: '{replayed, ids}', 404: 'E_NOT_FOUND (no registered destination and no delivery has that destination)' },
      async handler({ body, principal, reply }) {
        const ids = await replayDestination(app.store, actorOf(principal), body.destination);
        app.wake.delivery();
        return reply.code(202).send({ replayed: ids.length, ids });
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/sources/{id}/tokens', tag: 'integrations',
      summary: "Issue a source token, shown once: `bearer` (n8n posts events with it instead of a signature) or `hook` (the secret of Odoo's webhook URL). Older tokens of that purpose are revoked unless keepOld.",
      access: INTEGRATORS, params: z.object({ id: z.string().min(1).max(64) }),
      body: z.object({ purpose: z.enum(['bearer', 'hook']), keepOld: z.boolean().default(false) }).strict(),
      async handler({ params, body, principal, reply }) {
        const token = await issueSourceToken(app.store, actorOf(principal), params.id, body.purpose, { keepOld: body.keepOld });
        return reply.code(201).send({ source: params.id, purpose: body.purpose, token, ...(body.purpose === 'hook' ? { url: `/v1/hooks/odoo/${token}` } : {}) });
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/hooks/odoo/{secret}', tag: 'integrations',
      summary: "Odoo automation-rule webhook (unsigned; the URL's secret names the source). Taken as a hint: omniops fetches the record's current state.",
      access: 'public', params: z.object({ secret: z.string().min(1).max(200) }),
      body: z.object({ _model: z.string().min(1).max(100).regex(/^[a-z0-9_.]+$/), _id: z.coerce.number().int().positive(), _action: z.string().max(300).optional() }).passthrough(),
      responses: { 200: '{status:"ok"}', 404: 'unknown secret', 422: 'E_SCHEMA (no _model/_id)' },
      async handler({ params, body, req }) {
        const sourceId = await sourceTokens(app).sourceOf(params.secret, 'hook');
        if (!sourceId) throw new DomainError('E_NOT_FOUND', 'no such hook');
        const raw = (req as FastifyRequest & { rawBody?: Buffer }).rawBody ?? Buffer.from(JSON.stringify(body));
        const digest = createHash('sha256').update(raw).digest('hex').slice(0, 32);
        const r = await app.intake.submit(
          { source: sourceId, sourceEventId: `hint:${body._model}:${body._id}:${digest}`, type: 'erp.record_hinted', occurredAt: new Date(app.clock()).toISOString(), payload: { sourceId, model: body._model, recordId: body._id, action: body._action } },
          { internal: true, actor: `source:${sourceId}`, actorRole: 'source' },
        );
        if (!r.ok) throw r.error;
        app.metrics.received.inc({ source: sourceId, type: 'erp.record_hinted', result: r.status });
        return { status: 'ok' };
      },
    }),
  ];
}
