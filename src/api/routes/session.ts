import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { SESSION_COOKIE, type Principal } from '../auth.js';
import type { Role } from '../../domain/roles.js';
import { finishSession, startSession } from '../../engine/identity/sessions.js';
import { DomainError } from '../../domain/errors.js';

const credentials = z.union([
  z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(200) }).strict(),
  z.object({ apiKey: z.string().min(1).max(200) }).strict(),
]);

/** TLS is told by the socket; a proxy's X-Forwarded-Proto counts only when configured to be trusted. */
function overTls(app: App, req: FastifyRequest): boolean {
  if (req.protocol === 'https') return true;
  if (!app.config.console.trustForwardedProto) return false;
  const proto = req.headers['x-forwarded-proto'];
  return typeof proto === 'string' && proto.split(',')[0]!.trim().toLowerCase() === 'https';
}

function setCookie(app: App, req: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (overTls(app, req)) attrs.push('Secure');
  reply.header('set-cookie', attrs.join('; '));
  reply.header('cache-control', 'no-store');
}

/** What a role may call, from the same declarations that enforce it: the console shows no more. */
export function routesFor(role: Role, routes: readonly RouteSpec[]): string[] {
  return routes
    .filter((r) => r.access === 'public' || r.access === 'authenticated' || r.access.includes(role))
    .map((r) => `${r.method} ${r.url}`);
}

/**
 * Password guessing: after this many refusals for one name within the window, wait. API keys carry
 * no name, so their guesses are counted per client address: counted together, ten wrong keys from
 * anyone would lock every key holder out. Per process.
 */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 15 * 60_000;

export function sessionRoutes(app: App, everyRoute: () => readonly RouteSpec[]): RouteSpec[] {
  const failures = new Map<string, { count: number; since: number }>();
  const who = (b: { name: string } | { apiKey: string }, req: FastifyRequest) => ('name' in b ? `name:${b.name}` : `api-key:${req.ip}`);
  let cached: readonly RouteSpec[] | undefined;
  const routes = () => (cached ??= everyRoute());
  const whoami = (p: Principal) => ({
    user: { name: p.name, role: p.role },
    via: p.session ? 'session' : 'bearer',
    ...(p.session ? { csrfToken: p.session.csrfToken, expiresAt: new Date(p.session.expiresMs).toISOString(), method: p.session.method } : {}),
    routes: routesFor(p.role, routes()),
    known: routes().map((r) => `${r.method} ${r.url}`),
    serverTime: new Date(app.clock()).toISOString(),
  });
  return [
    defineRoute({
      method: 'POST', url: '/v1/session', tag: 'session',
      summary: 'Sign in to the console with user name + password, or an API key: sets an httpOnly session cookie and returns the CSRF token for state-changing calls.',
      access: 'public', body: credentials,
      responses: { 200: '{user, csrfToken, expiresAt, routes, known, serverTime}', 401: 'E_AUTH (wrong credentials)', 422: 'E_SCHEMA', 429: 'E_RATE_LIMITED (too many failed sign-ins for this name, or with API keys from this address)' },
      async handler({ body, req, reply }) {
        const ttlMs = app.config.console.sessionTtlMinutes * 60_000;
        const now = app.clock();
        const key = who(body, req);
        const f = failures.get(key);
        if (f && now - f.since < FAILURE_WINDOW_MS && f.count >= MAX_FAILURES) {
          throw new DomainError('E_RATE_LIMITED', `too many failed sign-ins; try again in ${Math.ceil((f.since + FAILURE_WINDOW_MS - now) / 60_000)} min`);
        }
        let s;
        try {
          s = await startSession(app.store, body, { nowMs: now, ttlMs });
        } catch (e) {
          if (e instanceof DomainError && e.code === 'E_AUTH') {
            const cur = f && now - f.since < FAILURE_WINDOW_MS ? f : { count: 0, since: now };
            cur.count++;
            if (failures.size > 10_000) failures.clear();
            failures.set(key, cur);
          }
          throw e;
        }
        failures.delete(key);
        setCookie(app, req, reply, s.token, Math.floor(ttlMs / 1000));
        return {
          user: { name: s.user.name, role: s.user.role }, via: 'session', method: s.method, csrfToken: s.csrfToken,
          expiresAt: new Date(s.expiresMs).toISOString(), routes: routesFor(s.user.role, routes()),
          known: routes().map((r) => `${r.method} ${r.url}`),
          serverTime: new Date(app.clock()).toISOString(),
        };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/session', tag: 'session', summary: 'Who am I: user, role, the session (CSRF token, expiry), every route the role may call (routes) and every route of this version (known).',
      access: 'authenticated',
      async handler({ principal, reply }) {
        reply.header('cache-control', 'no-store');
        return whoami(principal!);
      },
    }),
    defineRoute({
      method: 'DELETE', url: '/v1/session', tag: 'session', summary: 'Sign out: ends the session (needs the CSRF header) and clears the cookie.',
      access: 'authenticated', responses: { 204: 'signed out' },
      async handler({ principal, req, reply }) {
        if (principal!.session) await finishSession(app.store, { tokenHash: principal!.session.tokenHash, userName: principal!.name, role: principal!.role }, app.clock());
        setCookie(app, req, reply, '', 0);
        return reply.code(204).send();
      },
    }),
  ];
}
