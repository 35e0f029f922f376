import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/port.js';
import type { Role } from '../domain/roles.js';
import { DomainError } from '../domain/errors.js';
import { hashApiKey } from '../domain/security/api-key.js';
import { userByKeyHash } from '../store/repos/identity.js';
import { sessionOf } from '../engine/identity/sessions.js';

export interface Principal {
  userId: string;
  name: string;
  role: Role;
  /** Set when the caller was recognised by the console's session cookie rather than a bearer key. */
  session?: { tokenHash: string; csrfToken: string; expiresMs: number; method: 'password' | 'api_key' };
}

/** Who may call a route: named roles, any signed-in user, or anyone (health, metrics, openapi). */
export type Access = readonly Role[] | 'authenticated' | 'public';

export const SESSION_COOKIE = 'omniops_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie from the Cookie header (no dependency for a one-line parse). */
export function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Resolves `Authorization: Bearer <key>` — or the console's session cookie — to a live user. Key
 * lookups are cached for a few seconds so the hot path does not hit the store; a revocation takes
 * effect within that TTL everywhere. Sessions are looked up every time, so a logout is immediate.
 */
export class Authenticator {
  private readonly cache = new Map<string, { at: number; principal: Principal | null }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 3000,
    private readonly clock: () => number = Date.now,
  ) {}

  async principalOf(req: FastifyRequest): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (!header) return this.sessionPrincipal(req);
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return null;
    const hash = hashApiKey(m[1]!);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && now - hit.at < this.ttlMs) return hit.principal;
    const user = await userByKeyHash(this.store.read, hash);
    const principal = user ? { userId: user.id, name: user.name, role: user.role } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { at: now, principal });
    return principal;
  }

  private async sessionPrincipal(req: FastifyRequest): Promise<Principal | null> {
    const token = cookieValue(req, SESSION_COOKIE);
    if (!token || token.length > 200) return null;
    const s = await sessionOf(this.store, token, this.clock());
    if (!s) return null;
    return { userId: s.userId, name: s.userName, role: s.role, session: { tokenHash: s.tokenHash, csrfToken: s.csrfToken, expiresMs: s.expiresMs, method: s.method } };
  }

  async require(req: FastifyRequest, access: Access): Promise<Principal | null> {
    if (access === 'public') return null;
    const p = await this.principalOf(req);
    if (!p) throw new DomainError('E_AUTH', 'a valid API key (Authorization: Bearer <key>) or console session is required');
    // A cookie rides along with any request the browser makes, also one a foreign page triggers:
    // state-changing calls on a session must prove they come from our page (the token only it can read).
    if (p.session && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, p.session.csrfToken)) {
        throw new DomainError('E_CSRF', `a signed-in console call that changes state needs the session's ${CSRF_HEADER} header`);
      }
    }
    if (access !== 'authenticated' && !access.includes(p.role)) {
      throw new DomainError('E_ROLE', `role ${p.role} may not call ${req.method} ${req.routeOptions.url ?? req.url}`);
    }
    return p;
  }

  forget(): void {
    this.cache.clear();
  }
}
