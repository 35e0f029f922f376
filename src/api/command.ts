import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import type { Principal } from './auth.js';
import { DomainError } from '../domain/errors.js';
import { eventById } from '../store/repos/events.js';

/**
 * The source event id a command sent with an `Idempotency-Key` gets (null without one), so that a route
 * can find the command a retry repeats before working its payload out again.
 */
export function keyedSourceEventId(req: FastifyRequest, principal: Principal): string | null {
  const key = req.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || !/^[A-Za-z0-9._:-]{1,100}$/.test(key))) {
    throw new DomainError('E_SCHEMA', 'Idempotency-Key: 1–100 letters, digits and . _ : -', { issues: [{ path: 'headers.idempotency-key', message: 'invalid' }] });
  }
  return key ? `${principal.name}:${key}` : null;
}

/**
 * The command an `Idempotency-Key` retry repeats: the id of the event this caller already sent under the
 * key, or undefined. A route that judges a request before sending it would judge the retry on what the
 * first one changed (an approval already decided by this caller, an item already resolved) and refuse
 * it: it skips its pre-check for a repeat and lets the intake answer (the first command for the same
 * payload, E_IDEMPOTENCY_MISMATCH for another).
 */
export async function repeatedCommand(app: App, req: FastifyRequest, principal: Principal): Promise<string | undefined> {
  const keyed = keyedSourceEventId(req, principal);
  if (!keyed) return undefined;
  return (await app.store.read.get<{ id: string }>(`SELECT id FROM events WHERE source = 'api' AND source_event_id = ?`, [keyed]))?.id;
}

/**
 * An API command is an event like any other: it is taken in through the intake (source `api`,
 * idempotency from the `Idempotency-Key` header when given), processed by the same handler, and the
 * caller waits (briefly) for its outcome. One path for every write keeps the log the single truth.
 */
export async function runCommand(
  app: App,
  req: FastifyRequest,
  principal: Principal,
  type: string,
  payload: Record<string, unknown>,
  waitMs = 10_000,
): Promise<{ eventId: string; status: 'processed' | 'pending' | 'duplicate' }> {
  const sourceEventId = keyedSourceEventId(req, principal) ?? `${principal.name}:${randomUUID()}`;
  const r = await app.intake.submit(
    { source: 'api', sourceEventId, type, occurredAt: new Date(app.clock()).toISOString(), payload },
    { actor: principal.name, actorRole: principal.role },
  );
  if (!r.ok) throw r.error;
  const deadline = Date.now() + waitMs;
  for (;;) {
    const e = await eventById(app.store.read, r.eventId);
    if (!e) throw new DomainError('E_INTERNAL', 'accepted event vanished');
    if (e.status === 'processed') return { eventId: e.id, status: r.status === 'duplicate' ? 'duplicate' : 'processed' };
    if (e.status === 'dead') throw new DomainError('E_INVALID_STATE', `the command failed: ${e.lastError ?? 'unknown error'}`, { detail: { eventId: e.id } });
    if (Date.now() >= deadline) return { eventId: e.id, status: 'pending' };
    await app.waiters.wait(e.id, Math.min(250, deadline - Date.now()));
  }
}
