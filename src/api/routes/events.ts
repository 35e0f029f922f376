import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { DomainError } from '../../domain/errors.js';
import { SIGNATURE_HEADER, verifySignature } from '../../domain/security/signature.js';
import { eventById, causedBy, deadEvents } from '../../store/repos/events.js';
import type { IntakeResult } from '../../engine/intake/intake.js';
import { replayDead } from '../../engine/dispatch/replay.js';
import { problemOf } from '../problem.js';
import { bearerSource } from '../source-token-auth.js';
import { scopeOf, sourceRefusal, type SourceScope } from '../../engine/intake/source-scope.js';

export const MAX_BATCH_EVENTS = 500;
const OPS: RouteSpec['access'] = ['admin', 'operations_manager', 'integrator', 'auditor'];

/**
 * Identifies the signing source: the `omniops-source` header when given, else the envelope's (or
 * the batch's first envelope's) `source`. Every event of the request must name that same source.
 */
function claimedSource(req: FastifyRequest): string | undefined {
  const header = req.headers['omniops-source'];
  if (typeof header === 'string' && header) return header;
  const body = req.body as { source?: unknown; events?: Array<{ source?: unknown }> } | null;
  const s = Array.isArray(body?.events) ? body.events[0]?.source : body?.source;
  return typeof s === 'string' ? s : undefined;
}

async function authenticateSource(app: App, req: FastifyRequest): Promise<string> {
  const viaToken = await bearerSource(app, req); // n8n: a per-source bearer token instead of a signature
  if (viaToken) return viaToken;
  const header = req.headers[SIGNATURE_HEADER];
  const reason = (r: string, msg: string) => new DomainError('E_SIGNATURE', msg, { detail: { reason: r } });
  if (typeof header !== 'string' || !header) throw reason('missing', `missing ${SIGNATURE_HEADER} header`);
  const source = claimedSource(req);
  if (!source) throw reason('unknown_source', 'cannot tell which source signed this request');
  const secrets = await app.sourceSecrets.secretsFor(source);
  if (secrets.length === 0) throw reason('unknown_source', `no live secret for source '${source}'`);
  const raw = (req as FastifyRequest & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
  const check = verifySignature(header, raw, secrets, Math.floor(app.clock() / 1000), app.config.intake.signatureToleranceSeconds);
  if (!check.ok) {
    const text = { missing: 'missing signature', malformed: 'malformed signature header', stale: 'signature timestamp outside the allowed window', mismatch: 'signature does not match the body' }[check.reason];
    throw reason(check.reason, text);
  }
  return source;
}

function countResult(app: App, source: string, raw: unknown, r: IntakeResult): void {
  const type = typeof (raw as { type?: unknown })?.type === 'string' && app.catalog.get((raw as { type: string }).type) ? (raw as { type: string }).type : 'unknown';
  app.metrics.received.inc({ source, type, result: r.ok ? r.status : 'rejected' });
}

function itemResult(r: IntakeResult): Record<string, unknown> {
  return r.ok ? { eventId: r.eventId, status: r.status } : { status: 'rejected', error: problemOf(r.error) };
}

export function eventRoutes(app: App): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/events',
      tag: 'events',
      summary: 'Take in one event envelope, or {events:[…]} with up to 500. Signed with omniops-signature.',
      access: 'public',
      responses: {
        202: 'accepted: {eventId, status:"accepted"} (a batch: {results:[…]} one per event)',
        200: 'duplicate: {eventId, status:"duplicate"}',
        401: 'E_SIGNATURE',
        403: 'E_SOURCE_MISMATCH / E_SOURCE_NOT_ALLOWED (the source may not send this type, or a supplier event of another supplier; in a batch: that event rejected, the others taken in)',
        409: 'E_IDEMPOTENCY_MISMATCH',
        413: 'E_TOO_LARGE',
        415: 'E_UNSUPPORTED_MEDIA_TYPE',
        422: 'E_SCHEMA / E_UNKNOWN_TYPE',
      },
      async handler({ req, reply, body }) {
        const source = await authenticateSource(app, req);
        // The record came into the cache with the source's secrets: reading it here costs no statement.
        const record = await app.sourceSecrets.sourceFor(source);
        const scope = record ? scopeOf(record, app.catalog) : undefined;
        const b = body as { events?: unknown } | null;
        if (b && typeof b === 'object' && !Array.isArray(b) && 'events' in b) {
          if (!Array.isArray(b.events) || b.events.length === 0) throw new DomainError('E_SCHEMA', 'events must be a non-empty array', { issues: [{ path: 'events', message: 'expected a non-empty array' }] });
          if (b.events.length > MAX_BATCH_EVENTS) throw new DomainError('E_TOO_LARGE', `at most ${MAX_BATCH_EVENTS} events per batch (got ${b.events.length})`);
          const results = await Promise.all(
            b.events.map(async (raw: unknown) => {
              const r = await takeIn(app, source, scope, raw);
              countResult(app, source, raw, r);
              return itemResult(r);
            }),
          );
          const accepted = results.some((r) => r.status === 'accepted');
          return reply.code(accepted ? 202 : 200).send({ results });
        }
        const r = await takeIn(app, source, scope, b);
        countResult(app, source, b, r);
        if (!r.ok) throw r.error;
        return reply.code(r.status === 'accepted' ? 202 : 200).send({ eventId: r.eventId, status: r.status });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/events/{id}',
      tag: 'events',
      summary: 'Processing status of an event; ?wait=<ms> long-polls (≤ 10 s) while it is pending.',
      access: OPS,
      params: z.object({ id: z.string().min(1).max(100) }),
      query: z.object({ wait: z.coerce.number().int().min(0).max(10_000).default(0) }),
      responses: { 200: '{status: pending|processed|failed|dead, attempts, error?, caused:[ids]}', 404: 'E_NOT_FOUND' },
      async handler({ params, query }) {
        const deadline = Date.now() + query.wait;
        let e = await eventById(app.store.read, params.id);
        if (!e) throw new DomainError('E_NOT_FOUND', `no event ${params.id}`);
        while (e.status === 'pending' && Date.now() < deadline) {
          await app.waiters.wait(e.id, Math.min(250, deadline - Date.now()));
          e = (await eventById(app.store.read, params.id))!;
        }
        return eventStatusView(e, await causedBy(app.store.read, e.id));
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/events',
      tag: 'events',
      summary: 'Dead-lettered events (status=dead), oldest first, paged by ?after=<seq>.',
      access: OPS,
      query: z.object({ status: z.literal('dead'), after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      async handler({ query }) {
        const items = await deadEvents(app.store.read, query.limit, query.after);
        return { items: items.map((e) => ({ ...eventStatusView(e, []), type: e.type, source: e.source, sourceEventId: e.sourceEventId, subject: e.subject, seq: e.seq })), next: items.length === query.limit ? items[items.length - 1]!.seq : null };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/events/{id}/replay',
      tag: 'events',
      summary: 'Put a dead-lettered event back in the queue with a fresh attempt budget.',
      access: ['admin', 'operations_manager', 'integrator'],
      params: z.object({ id: z.string().min(1).max(100) }),
      responses: { 202: 'requeued', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE (not dead)' },
      async handler({ params, principal, reply }) {
        await replayDead(app.store, { id: principal!.name, role: principal!.role }, params.id);
        app.wake.dispatcher();
        return reply.code(202).send({ eventId: params.id, status: 'pending' });
      },
    }),
  ];
}

/**
 * One envelope in: its shape first, so `"junk"` or `null` is E_SCHEMA naming what is wrong, not a
 * source mismatch; then its source against the signer's; then whether that source may send it (its
 * scope); only then the log.
 */
async function takeIn(app: App, source: string, scope: SourceScope | undefined, raw: unknown): Promise<IntakeResult> {
  let row;
  try {
    row = app.intake.prepare(raw);
  } catch (e) {
    if (e instanceof DomainError) return { ok: false, error: e };
    throw e;
  }
  if (row.source !== source) return mismatch(source);
  const payloadJson = row.payloadJson;
  const refused = await sourceRefusal(app.store.read, scope, row.type, () => JSON.parse(payloadJson) as Record<string, unknown>);
  return refused ? { ok: false, error: refused } : app.intake.submitPrepared(row);
}

function mismatch(source: string): IntakeResult {
  return { ok: false, error: new DomainError('E_SOURCE_MISMATCH', `the request is signed by source '${source}'; every event must name it as its source`) };
}

export function eventStatusView(e: { id: string; status: string; attempts: number; lastError: string | null }, caused: string[]): Record<string, unknown> {
  const status = e.status === 'pending' && e.attempts > 0 ? 'failed' : e.status;
  return { eventId: e.id, status, attempts: e.attempts, ...(e.lastError ? { error: e.lastError } : {}), caused };
}
