import type { FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { DomainError } from '../domain/errors.js';
import { SIGNATURE_HEADER } from '../domain/security/signature.js';
import { SourceTokens } from '../engine/identity/source-tokens.js';

const perApp = new WeakMap<App, SourceTokens>();

export function sourceTokens(app: App): SourceTokens {
  let t = perApp.get(app);
  if (!t) {
    t = new SourceTokens(app.store);
    perApp.set(app, t);
  }
  return t;
}

/**
 * n8n-style senders: `Authorization: Bearer <source token>` instead of a signature (computing an HMAC
 * in a workflow tool is awkward). Only consulted when no signature header is sent; the token names the
 * source, and every event must still name that source (checked by the caller, as for signatures).
 * Returns null when the request does not use a bearer token at all.
 */
export async function bearerSource(app: App, req: FastifyRequest): Promise<string | null> {
  if (req.headers[SIGNATURE_HEADER]) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const source = await sourceTokens(app).sourceOf(m[1]!, 'bearer');
  if (!source) throw new DomainError('E_SIGNATURE', 'unknown or revoked source token', { detail: { reason: 'bad_token' } });
  return source;
}
