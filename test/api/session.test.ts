import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { addUser } from '../../src/engine/identity/users.js';
import { revoke } from '../../src/engine/identity/users.js';
import { searchAudit } from '../../src/store/repos/audit.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';

const ADMIN = { id: 'test', role: 'admin' };

async function login(t: TestApp, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const cookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, body: (await res.json()) as any, setCookie: cookie, cookie: cookie.split(';')[0]! };
}

for (const factory of storeFactories()) {
  describe(`console sessions: ${factory.name}`, () => {
    let t: TestApp;
    let now = Date.parse('2026-11-30T09:00:00Z');
    afterEach(async () => t?.close());

    async function setup(config: Record<string, unknown> = {}) {
      now = Date.parse('2026-11-30T09:00:00Z');
      t = await startTestApp(factory, { clock: () => now, config });
      await addUser(t.app.store, ADMIN, 'fiona', 'finance', 'correct horse');
    }

    it('a password sign-in sets an httpOnly SameSite=Strict cookie and says who, which role and which routes', async () => {
      await setup();
      const r = await login(t, { name: 'fiona', password: 'correct horse' });
      expect(r.status).toBe(200);
      expect(r.setCookie).toMatch(/^omniops_session=[A-Za-z0-9_-]{20,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
      expect(r.body).toMatchObject({ user: { name: 'fiona', role: 'finance' }, via: 'session', method: 'password' });
      expect(r.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(r.body.routes).toContain('GET /v1/orders/{id}');
      expect(r.body.routes).not.toContain('POST /v1/events/{id}/replay');
      const me = await t.api('GET', '/v1/session', null, undefined, { cookie: r.cookie });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ user: { name: 'fiona', role: 'finance' }, csrfToken: r.body.csrfToken });
      // The server enforces the role whatever the page shows.
      expect((await t.api('POST', '/v1/events/x/replay', null, undefined, { cookie: r.cookie, 'x-csrf-token': r.body.csrfToken })).body.code).toBe('E_ROLE');
    });

    it('a wrong password or unknown user is 401 E_AUTH and audited; an API key signs in too', async () => {
      await setup();
      const bad = await login(t, { name: 'fiona', password: 'wrong' });
      expect(bad.status).toBe(401);
      expect(bad.body.code).toBe('E_AUTH');
      expect(bad.setCookie).toBe('');
      expect((await login(t, { name: 'nobody', password: 'x' })).status).toBe(401);
      const byKey = await login(t, { apiKey: t.adminKey });
      expect(byKey.status).toBe(200);
      expect(byKey.body).toMatchObject({ user: { name: 'root', role: 'admin' }, method: 'api_key' });
      const audit = await searchAudit(t.app.store.read, { afterSeq: 0, limit: 100 });
      const actions = audit.map((a) => `${a.action} ${a.subject}`);
      expect(actions).toEqual(expect.arrayContaining(['session.refused user:fiona', 'session.refused user:nobody', 'session.started user:root']));
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('password guessing is throttled per user name after repeated failures', async () => {
      await setup();
      for (let i = 0; i < 10; i++) expect((await login(t, { name: 'fiona', password: `guess-${i}` })).status).toBe(401);
      const blocked = await login(t, { name: 'fiona', password: 'correct horse' });
      expect(blocked.status).toBe(429);
      expect(blocked.body.code).toBe('E_RATE_LIMITED');
      now += 16 * 60_000;
      expect((await login(t, { name: 'fiona', password: 'correct horse' })).status).toBe(200);
    });

    it('API-key guessing is throttled per client address: one guesser does not lock out every other key holder', async () => {
      await setup();
      const from = async (remoteAddress: string, apiKey: string) => {
        const res = await t.app.http!.inject({ method: 'POST', url: '/v1/session', remoteAddress, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ apiKey }) });
        return { status: res.statusCode, code: (res.json() as { code?: string }).code };
      };
      for (let i = 0; i < 10; i++) expect((await from('10.0.0.1', `wrong-${i}`)).status).toBe(401);
      expect(await from('10.0.0.1', t.adminKey)).toEqual({ status: 429, code: 'E_RATE_LIMITED' });
      expect((await from('10.0.0.2', t.adminKey)).status).toBe(200);
      now += 16 * 60_000;
      expect((await from('10.0.0.1', t.adminKey)).status).toBe(200);
    });

    it('behind a trusted proxy the client it names is counted; a forwarded header from anyone else is not believed', async () => {
      const viaProxy = async (apiKey: string, client: string) => {
        const res = await t.app.http!.inject({ method: 'POST', url: '/v1/session', remoteAddress: '10.9.9.9', headers: { 'content-type': 'application/json', 'x-forwarded-for': client }, payload: JSON.stringify({ apiKey }) });
        return res.statusCode;
      };
      await setup({ trustedProxies: ['10.9.9.9'] });
      for (let i = 0; i < 10; i++) expect(await viaProxy(`wrong-${i}`, '192.0.2.1')).toBe(401);
      expect(await viaProxy(t.adminKey, '192.0.2.1')).toBe(429);
      expect(await viaProxy(t.adminKey, '192.0.2.2')).toBe(200); // another client behind the same proxy
      await t.close();
      await setup(); // no trusted proxy: 10.9.9.9 is the client, whatever the header says
      for (let i = 0; i < 10; i++) expect(await viaProxy(`wrong-${i}`, `192.0.2.${i}`)).toBe(401);
      expect(await viaProxy(t.adminKey, '192.0.2.200')).toBe(429);
    });

    it('a cookie-authenticated change without the CSRF header is 403 E_CSRF; with it, it passes', async () => {
      await setup();
      const r = await login(t, { apiKey: t.adminKey });
      const noHeader = await t.api('POST', '/v1/orders/nope/cancel', null, {}, { cookie: r.cookie });
      expect(noHeader.status).toBe(403);
      expect(noHeader.body.code).toBe('E_CSRF');
      const wrong = await t.api('POST', '/v1/orders/nope/cancel', null, {}, { cookie: r.cookie, 'x-csrf-token': 'guess' });
      expect(wrong.body.code).toBe('E_CSRF');
      const ok = await t.api('POST', '/v1/orders/nope/cancel', null, {}, { cookie: r.cookie, 'x-csrf-token': r.body.csrfToken });
      expect(ok.body.code).toBe('E_NOT_FOUND');
      // Reads need no token; bearer callers are not cookie-borne and need none either.
      expect((await t.api('GET', '/v1/audit/verify', null, undefined, { cookie: r.cookie })).status).toBe(200);
      expect((await t.api('POST', '/v1/orders/nope/cancel', t.adminKey, {})).body.code).toBe('E_NOT_FOUND');
    });

    it('logout ends the session at once; sessions expire; a revoked user loses the session', async () => {
      await setup({ console: { sessionTtlMinutes: 30 } });
      const a = await login(t, { name: 'fiona', password: 'correct horse' });
      expect(a.setCookie).toContain('Max-Age=1800');
      const noCsrf = await t.api('DELETE', '/v1/session', null, undefined, { cookie: a.cookie });
      expect(noCsrf.status).toBe(403);
      const out = await t.api('DELETE', '/v1/session', null, undefined, { cookie: a.cookie, 'x-csrf-token': a.body.csrfToken });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
      expect((await t.api('GET', '/v1/session', null, undefined, { cookie: a.cookie })).status).toBe(401);

      const b = await login(t, { name: 'fiona', password: 'correct horse' });
      now += 29 * 60_000;
      expect((await t.api('GET', '/v1/session', null, undefined, { cookie: b.cookie })).status).toBe(200);
      now += 2 * 60_000;
      expect((await t.api('GET', '/v1/session', null, undefined, { cookie: b.cookie })).body.code).toBe('E_AUTH');

      const c = await login(t, { name: 'fiona', password: 'correct horse' });
      await revoke(t.app.store, ADMIN, 'fiona');
      expect((await t.api('GET', '/v1/session', null, undefined, { cookie: c.cookie })).status).toBe(401);
      const actions = (await searchAudit(t.app.store.read, { subject: 'user:fiona', afterSeq: 0, limit: 100 })).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['session.started', 'session.ended']));
    });

    it('the cookie is Secure behind a TLS proxy only when its X-Forwarded-Proto is trusted', async () => {
      await setup();
      expect((await login(t, { apiKey: t.adminKey }, { 'x-forwarded-proto': 'https' })).setCookie).not.toContain('Secure');
      await t.close();
      await setup({ console: { trustForwardedProto: true } });
      expect((await login(t, { apiKey: t.adminKey }, { 'x-forwarded-proto': 'https' })).setCookie).toContain('; Secure');
      expect((await login(t, { apiKey: t.adminKey })).setCookie).not.toContain('Secure');
    });

    it('the dashboard answers with the overview figures', async () => {
      await setup();
      const d = await t.api('GET', '/v1/dashboard', t.adminKey);
      expect(d.status).toBe(200);
      expect(d.body.events.perMinute).toHaveLength(60);
      expect(d.body.orders.cycleTime.hourly).toHaveLength(24);
      expect(d.body).toHaveProperty('events.backlog.count');
      expect(d.body).toHaveProperty('availability.pendingSkus');
      const console = await fetch(`${t.url}/`);
      expect(console.status).toBe(200);
      expect(console.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await console.text()).toContain('<title>omniops');
    });
  });
}
