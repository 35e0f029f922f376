import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/port.js';
import type { Role } from '../domain/roles.js';
import { DomainError } from '../domain/errors.js';
import { hashApiKey } from '../domain/security/api-key.js';
import { userByKeyHash } from '../store/repos/identity.js';

export interface Principal {
  userId: string;
  name: string;
  role: Role;
}

/** Who may call a route: named roles, any signed-in user, or anyone (health, metrics, openapi). */
export type Access = readonly Role[] | 'authenticated' | 'public';

/**
 * Resolves `Authorization: Bearer <key>` to a live user. Lookups are cached for a few seconds so
 * the hot path does not hit the store; a revocation takes effect within that TTL everywhere.
 */
export class Authenticator {
  private readonly cache = new Map<string, { at: number; principal: Principal | null }>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 3000,
  ) {}

  async principalOf(req: FastifyRequest): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (!header) return null;
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

  async require(req: FastifyRequest, access: Access): Promise<Principal | null> {
    if (access === 'public') return null;
    const p = await this.principalOf(req);
    if (!p) throw new DomainError('E_AUTH', 'a valid API key is required (Authorization: Bearer <key>)');
    if (access !== 'authenticated' && !access.includes(p.role)) {
      throw new DomainError('E_ROLE', `role ${p.role} may not call ${req.method} ${req.routeOptions.url ?? req.url}`);
    }
    return p;
  }

  forget(): void {
    this.cache.clear();
  }
}
