import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { allRoutes } from '../../src/api/server.js';
import { ROLES, type Role } from '../../src/domain/roles.js';

/**
 * Every role × every route registered in allRoutes(app), generated from the routes' own `access`
 * declarations (so a route added later is covered): no key → 401 E_AUTH; a role outside the list →
 * 403 E_ROLE; a role on the list is let past authorisation (whatever the handler then answers —
 * 404 for a made-up id, 422 for an empty body — it is never 401 or an E_ROLE refusal of the route).
 */
const sample = (url: string) => url.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'action' ? 'resolve' : name === 'kind' ? 'sourcing' : `rbac-${name}`));

for (const factory of storeFactories()) {
  describe(`RBAC matrix: ${factory.name}`, { timeout: 300_000 }, () => {
    let t: TestApp;
    const keys = new Map<Role, string>();
    beforeAll(async () => {
      t = await startTestApp(factory);
      for (const role of ROLES) keys.set(role, await t.keyFor(role));
    });
    afterAll(async () => t?.close());

    it('every role × every declared route: allowed, 401 without a key, 403 E_ROLE outside its roles', async () => {
      const routes = allRoutes(t.app).filter((r) => r.access !== 'public');
      expect(routes.length).toBeGreaterThan(20);
      const urls = routes.map((r) => `${r.method} ${r.url}`);
      for (const must of ['GET /v1/approvals', 'POST /v1/approvals/{id}/decision', 'GET /v1/exceptions', 'POST /v1/exceptions/{id}/{action}']) expect(urls).toContain(must);
      const failures: string[] = [];
      for (const r of routes) {
        const path = sample(r.url);
        const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
        const anonymous = await t.api(r.method, path, null, body);
        if (anonymous.status !== 401) failures.push(`${r.method} ${r.url} without a key: ${anonymous.status}`);
        for (const role of ROLES) {
          const res = await t.api(r.method, path, keys.get(role)!, body);
          const allowed = r.access === 'authenticated' || (r.access as readonly Role[]).includes(role);
          // The route's own refusal (auth.require) names the route; a handler's E_ROLE (e.g. an approval level) does not.
          const refusedByRoute = res.status === 403 && res.body?.code === 'E_ROLE' && /may not call/.test(String(res.body?.detail));
          if (allowed) {
            if (res.status === 401 || refusedByRoute) failures.push(`${role} ${r.method} ${r.url}: allowed but ${res.status} ${res.body?.code}`);
          } else if (res.status !== 403 || res.body?.code !== 'E_ROLE') {
            failures.push(`${role} ${r.method} ${r.url}: should be 403 E_ROLE, got ${res.status} ${res.body?.code}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  });
}
