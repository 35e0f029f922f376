import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storeFactories } from '../support/stores.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { allRoutes } from '../../src/api/server.js';
import type { RouteSpec } from '../../src/api/route.js';
import { httpStatusOf, type ErrorCode } from '../../src/domain/errors.js';
import { ROLES, type Role } from '../../src/domain/roles.js';
import { openException } from '../../src/domain/exceptions/index.js';
import { insertExceptionItem } from '../../src/store/repos/exceptions.js';

/**
 * Bad input × every route registered in allRoutes(app), generated from the routes' own declarations
 * (access, params, query, body) like the RBAC matrix, so a route added later is covered. Each call is
 * made with the key of a role the route lets in, so what answers is the input check, not the auth.
 *
 * - bodies: not JSON → 400 E_MALFORMED_JSON; JSON of the wrong shape → 422 E_SCHEMA; over
 *   intake.maxBodyBytes → 413 E_TOO_LARGE; not application/json → 415 E_UNSUPPORTED_MEDIA_TYPE;
 *   nested deeper than intake.maxDepth → 400 E_TOO_DEEP (the JSON parser of every route checks it).
 * - path parameters: an unknown id → 404 E_NOT_FOUND where the route documents a 404; hostile ids
 *   (5,000 characters, NUL, an encoded ../, unicode, whitespace, quotes) → a 4xx problem document.
 * - query parameters: wrong types, garbled cursors, repeated and NUL-carrying values → 4xx; unknown
 *   parameters are ignored (the same answer as without them).
 * - every answer ≥ 400 is application/problem+json with a code of the ErrorCode list, and parses.
 * - nothing changed: the row count of every table is the same before and after all the bad calls.
 * Then a replay case per command route a retry can repeat: the same Idempotency-Key with the same body
 * is the same answer and one change; with another body 409 E_IDEMPOTENCY_MISMATCH and no change.
 */

interface Answer {
  status: number;
  contentType: string;
  text: string;
  body: any;
}

const isKnownCode = (code: unknown): boolean => typeof code === 'string' && httpStatusOf(code as ErrorCode) !== undefined;

/** A JSON schema of the route's params/query (zod's own description of what it takes). */
type Prop = { enum?: unknown[]; type?: string; const?: unknown; minimum?: number; maximum?: number; maxLength?: number };

function propsOf(schema: z.ZodType | undefined): { props: Record<string, Prop>; required: string[] } {
  if (!schema) return { props: {}, required: [] };
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, never>; required?: string[] };
  return { props: js.properties ?? {}, required: js.required ?? [] };
}

/** A value the param's schema takes: the first of an enum, 1 for a number, else an id nobody has. */
function sampleValue(p: Prop): string {
  if (p.const !== undefined) return String(p.const);
  if (p.enum?.length) return String(p.enum[0]);
  if (p.type === 'integer' || p.type === 'number') return '999999';
  return 'bim-unknown-1';
}

function pathOf(r: RouteSpec, override: Record<string, string> = {}): string {
  const { props } = propsOf(r.params);
  return r.url.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? encodeURIComponent(sampleValue(props[name] ?? {})));
}

function baseQuery(r: RouteSpec): URLSearchParams {
  const { props, required } = propsOf(r.query);
  const q = new URLSearchParams();
  for (const name of required) q.set(name, sampleValue(props[name] ?? {}));
  return q;
}

/** Who may call it: admin where it may (it sees everything), else the first role on the list. */
function roleFor(r: RouteSpec): Role {
  if (r.access === 'authenticated' || r.access === 'public') return 'admin';
  return r.access.includes('admin') ? 'admin' : r.access[0]!;
}

/**
 * A body each command route takes, so that an unknown id reaches the route's 404 (its schema would
 * refuse `{}` first). A new command whose schema refuses `{}` and that documents a 404 fails the matrix
 * until it has one here.
 */
const SAMPLE_BODIES: Record<string, unknown> = {
  'POST /v1/approvals/{id}/decision': { decision: 'approve' },
  'POST /v1/policies/{kind}/versions/{v}/simulate': { from: 0, to: 1 },
  'POST /v1/returns/{id}/owed/{exceptionId}/settle': { outcome: 'paid', reference: 'bim-ref' },
  'POST /v1/returns/{id}/receive': { lines: [{ lineId: 'l1', condition: 'resellable' }] },
  'POST /v1/returns/{id}/close': { reason: 'bim' },
  'POST /v1/orders/{id}/hold': { reason: 'bim' },
  'POST /v1/supplier-claims/{id}/answer': { outcome: 'rejected', reason: 'bim' },
  'POST /v1/sources/{id}/tokens': { purpose: 'bearer' },
  // Not an id but a path nobody declined: refused as such before anything is logged.
  'POST /v1/policies/{kind}/new-defaults/decline': { paths: ['bimNoSuch.path'], reason: 'bim' },
  'POST /v1/policies/{kind}/new-defaults/undecline': { paths: ['bimNoSuch.path'], reason: 'bim' },
};

const HOSTILE_IDS: Array<[string, string]> = [
  ['5,000 characters', 'x'.repeat(5000)],
  ['an encoded NUL', '%00'],
  ['a NUL inside an id', 'a%00b'],
  ['an encoded ../', '%2F..%2F'],
  ['unicode', '%E2%9C%93%F0%9F%92%A9%C3%A9'],
  ['whitespace', '%20%09%20'],
  ['quotes and markup', '%22%3C%2Fscript%3E%27'],
  ['a lone surrogate, percent-encoded as CESU', '%ED%A0%80'],
];

for (const factory of storeFactories()) {
  describe(`bad-input matrix: ${factory.name}`, { timeout: 300_000 }, () => {
    let t: TestApp;
    const keys = new Map<Role, string>();
    let maxBody = 0;
    let maxDepth = 0;

    beforeAll(async () => {
      t = await startTestApp(factory);
      // The scheduler's ticks (at every half hour) would change the store under the snapshot; the
      // dispatcher runs, so a command that got through would be processed and show.
      t.app.scheduler.stop();
      await t.app.scheduler.idle();
      await t.drained();
      for (const role of ROLES) keys.set(role, await t.keyFor(role));
      maxBody = t.app.config.intake.maxBodyBytes;
      maxDepth = t.app.config.intake.maxDepth;
    });
    afterAll(async () => t?.close());

    async function call(method: string, path: string, role: Role, body?: string | Buffer, contentType: string | null = 'application/json', headers: Record<string, string> = {}): Promise<Answer> {
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${keys.get(role)}`, ...(contentType && body !== undefined ? { 'content-type': contentType } : {}), ...headers },
        body,
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, contentType: res.headers.get('content-type') ?? '', text, body: parsed };
    }

    /** Every answer ≥ 400: problem+json that parses, a known code, its status the code's. */
    function problemFailure(label: string, a: Answer): string | null {
      if (a.status >= 500) return `${label}: ${a.status} ${a.text.slice(0, 200)}`;
      if (a.status < 400) return null;
      if (!a.contentType.startsWith('application/problem+json')) return `${label}: ${a.status} with content-type ${a.contentType}: ${a.text.slice(0, 120)}`;
      if (a.body === undefined) return `${label}: ${a.status} body is not JSON: ${a.text.slice(0, 120)}`;
      if (!isKnownCode(a.body.code)) return `${label}: unknown code ${a.body.code}`;
      if (httpStatusOf(a.body.code) !== a.status || a.body.status !== a.status) return `${label}: code ${a.body.code} with status ${a.status}/${a.body.status}`;
      return null;
    }

    function expectAnswer(failures: string[], label: string, a: Answer, status: number, code: string): void {
      const p = problemFailure(label, a);
      if (p) return void failures.push(p);
      if (a.status !== status || a.body?.code !== code) failures.push(`${label}: want ${status} ${code}, got ${a.status} ${a.body?.code ?? a.text.slice(0, 120)}`);
    }

    function expect4xx(failures: string[], label: string, a: Answer): void {
      const p = problemFailure(label, a);
      if (p) return void failures.push(p);
      if (a.status < 400) failures.push(`${label}: want a 4xx, got ${a.status} ${a.text.slice(0, 120)}`);
    }

    /** Row counts of every table of the store (not only the ones that matter today: a new one is covered too). */
    async function snapshot(): Promise<Record<string, number>> {
      const db = t.app.store.read;
      const tables = factory.name === 'sqlite'
        ? (await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).map((r) => r.name)
        : (await db.all<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = \'BASE TABLE\'')).map((r) => r.name);
      const out: Record<string, number> = {};
      for (const name of tables.sort()) out[name] = Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "${name}"`))?.n);
      return out;
    }

    const routes = () => allRoutes(t.app).filter((r) => r.access !== 'public');

    it('covers the routes it should', () => {
      const urls = routes().map((r) => `${r.method} ${r.url}`);
      expect(urls.length).toBeGreaterThan(40);
      for (const must of ['PUT /v1/products/{sku}', 'POST /v1/orders/{id}/cancel', 'GET /v1/orders', 'POST /v1/exceptions/{id}/{action}', 'POST /v1/pricing/discounts']) expect(urls).toContain(must);
    });

    it('every bad body, path parameter and query parameter is a precise problem, and nothing changes', async () => {
      await t.drained();
      const before = await snapshot();
      const failures: string[] = [];
      let calls = 0;

      for (const r of routes()) {
        const role = roleFor(r);
        const name = `${r.method} ${r.url}`;
        const path = pathOf(r);
        const send = async (label: string, body?: string | Buffer, contentType: string | null = 'application/json', p = path): Promise<[string, Answer]> => {
          calls++;
          return [`${name} ${label}`, await call(r.method, p, role, body, contentType)];
        };

        // ---- bodies: every route that takes one runs the same JSON parser; the schema where it has one.
        if (r.method !== 'GET') {
          for (const [label, raw] of [
            ['invalid JSON', '{"reason": '],
            ['trailing garbage', '{}}'],
            ['an empty body', ''],
            ['bytes that are not text', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
          ] as Array<[string, string | Buffer]>) expectAnswer(failures, ...(await send(label, raw)), 400, 'E_MALFORMED_JSON');
          expectAnswer(failures, ...(await send('a body over the limit', `{"pad":"${'x'.repeat(maxBody)}"}`)), 413, 'E_TOO_LARGE');
          expectAnswer(failures, ...(await send(`nested ${maxDepth + 1} deep`, `${'['.repeat(maxDepth + 1)}${']'.repeat(maxDepth + 1)}`)), 400, 'E_TOO_DEEP');
          expectAnswer(failures, ...(await send('100,000 nested objects', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)), 400, 'E_TOO_DEEP');
          for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json']) {
            expectAnswer(failures, ...(await send(`as ${ct}`, '{}', ct)), 415, 'E_UNSUPPORTED_MEDIA_TYPE');
          }
        }
        if (r.body) {
          for (const [label, raw] of [
            ['an array', '[]'],
            ['an array of an object', '[{}]'],
            ['a string', '"x"'],
            ['a number', '42'],
            ['true', 'true'],
            ['null', 'null'],
            ['an object with an unknown field', '{"bimUnknownField":1}'],
          ] as Array<[string, string]>) expectAnswer(failures, ...(await send(`body ${label}`, raw)), 422, 'E_SCHEMA');
          // Every string field of the body with a NUL (PostgreSQL text cannot hold one), the others left out.
          const { props: bodyProps } = propsOf(r.body);
          const nulBody = Object.fromEntries(Object.entries(bodyProps).filter(([, p]) => p.type === 'string').map(([k]) => [k, 'a\u0000b']));
          if (Object.keys(nulBody).length) expectAnswer(failures, ...(await send('body strings with a NUL', JSON.stringify(nulBody))), 422, 'E_SCHEMA');
          expectAnswer(failures, ...(await send('a key with a NUL', JSON.stringify({ 'a\u0000b': 1 }))), 422, 'E_SCHEMA');
        }

        // ---- path parameters: one at a time hostile, the others as the route takes them.
        const { props: paramProps } = propsOf(r.params);
        const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
        for (const param of Object.keys(paramProps)) {
          for (const [label, value] of HOSTILE_IDS) {
            expect4xx(failures, ...(await send(`{${param}} = ${label}`, body, 'application/json', pathOf(r, { [param]: value }))));
          }
        }
        // An id nobody has (with a body the route takes): its documented 404, nothing written.
        if (Object.keys(paramProps).length > 0) {
          const sample = r.method === 'GET' || r.method === 'DELETE' ? undefined : JSON.stringify(SAMPLE_BODIES[name] ?? {});
          const [label, a] = await send('an unknown id', sample);
          if (r.responses?.[404]) expectAnswer(failures, label, a, 404, 'E_NOT_FOUND');
          else if (r.method !== 'GET') expect4xx(failures, label, a);
        }

        // ---- query parameters.
        const { props: queryProps } = propsOf(r.query);
        if (r.method === 'GET') {
          const base = baseQuery(r);
          /** The route's required parameters, with `name` left out when the bad value is for it. */
          const withQuery = (extra: Record<string, string> | string, name?: string): string => {
            const b = new URLSearchParams(base);
            if (name) b.delete(name);
            const q = typeof extra === 'string' ? `${b.toString()}${b.size ? '&' : ''}${extra}` : new URLSearchParams({ ...Object.fromEntries(b), ...extra }).toString();
            return `${path}?${q}`;
          };
          const plain = await send('(the route as it is)', undefined, null, withQuery({}));
          const p = problemFailure(...plain);
          if (p) failures.push(p);
          // Unknown parameters are ignored: the same answer as without them. `limit[]=` is one too: the query
          // parser does not expand brackets, so it is a parameter named `limit[]`, not an array for `limit`.
          const unknowns = ['bimUnknownParam=x', ...Object.keys(queryProps).map((q) => `${q}%5B%5D=1&${q}%5B%5D=2`)];
          for (const u of unknowns) {
            const unknown = await send(`an unknown query parameter (${decodeURIComponent(u)})`, undefined, null, withQuery(u));
            const pu = problemFailure(...unknown);
            if (pu) failures.push(pu);
            else if (unknown[1].status !== plain[1].status) failures.push(`${unknown[0]}: ${unknown[1].status}, without it ${plain[1].status}`);
          }

          for (const [q, prop] of Object.entries(queryProps)) {
            // Refused as E_SCHEMA whatever the route: these no declared parameter takes.
            const refused: Array<[string, string]> = [
              ['repeated', `${q}=${encodeURIComponent(sampleValue(prop))}&${q}=${encodeURIComponent(sampleValue(prop))}`],
              ['a NUL', `${q}=%00`],
              ['a NUL after a digit', `${q}=1%00`],
            ];
            if (prop.type === 'integer' || (prop.type === 'string' && prop.maxLength !== undefined && prop.maxLength < 5000)) refused.push(['5,000 characters', `${q}=${'9'.repeat(5000)}`]);
            if (prop.type === 'integer' || prop.type === 'number') {
              refused.push(['abc', `${q}=abc`], ['1.5', `${q}=1.5`], ['1e400', `${q}=1e400`]);
              if (prop.minimum !== undefined && prop.minimum > -1) refused.push(['-1', `${q}=-1`]);
              if (prop.maximum !== undefined && prop.maximum < 1e9) refused.push(['1e9', `${q}=1e9`]);
            }
            for (const [label, qs] of refused) expectAnswer(failures, ...(await send(`?${q} ${label}`, undefined, null, withQuery(qs, q))), 422, 'E_SCHEMA');
            // Cursors: garbled, overflowing, hostile. A route may take some as a key to page after (a sku): never a 5xx.
            if (q === 'before' || q === 'after') {
              for (const [label, qs] of [
                ['abc', `${q}=abc`], ['a cursor with a NUL id', `${q}=1:%00`], ['a cursor with a NUL id (dot form)', `${q}=1.%00`], ['a 23-digit time', `${q}=99999999999999999999999.x`],
                ['a 23-digit time (colon form)', `${q}=99999999999999999999999:x`], ['a 16-digit time', `${q}=9999999999999999:x`], ['a 16-digit dotted time', `${q}=9999999999999999.x`], ['-1', `${q}=-1`],
                ['a quote', `${q}=1:%27%22`], ['unicode', `${q}=1:%E2%9C%93`],
              ] as Array<[string, string]>) {
                const [l, a] = await send(`?${q} ${label}`, undefined, null, withQuery(qs, q));
                const p2 = problemFailure(l, a);
                if (p2) failures.push(p2);
              }
            }
          }
        }
      }

      expect(calls).toBeGreaterThan(500);
      expect.soft(failures).toEqual([]);
      await t.drained();
      // What a refused call wrote, named in the failure: the events it logged.
      const logged = await t.app.store.read.all<{ type: string; source: string; status: string; source_event_id: string; last_error: string | null }>("SELECT type, source, status, source_event_id, last_error FROM events WHERE source <> 'scheduler' ORDER BY seq");
      expect(await snapshot(), JSON.stringify(logged).slice(0, 3000)).toEqual(before);
    });

    /**
     * The commands a retry repeats with an Idempotency-Key, each with a body it takes and another body:
     * the same key and body again is the same answer and nothing more written; another body under the
     * key is 409 E_IDEMPOTENCY_MISMATCH and nothing written; a malformed key is 422 E_SCHEMA.
     */
    it('replays: same Idempotency-Key and body → the same answer, one change; another body → 409 E_IDEMPOTENCY_MISMATCH, no change', async () => {
      const admin = t.adminKey;
      const product = { name: 'Bim tent', category: 'outdoor', price: 100, cost: 40 };
      expect((await t.api('PUT', '/v1/products/BIM-1', admin, product)).status).toBe(200);
      expect((await t.api('PUT', '/v1/locations/bim-dc', admin, { name: 'Bim DC', kind: 'dc', lat: 52, lon: 5 })).status).toBe(200);
      const active = await t.api('GET', '/v1/policies/sourcing/versions', admin);
      const v = await t.api('GET', `/v1/policies/sourcing/versions/${active.body.activeVersion}`, admin);
      expect(v.status).toBe(200);
      const policyBody = v.body.body as Record<string, unknown>;

      const cases: Array<{ method: string; path: string; role: Role; body: Record<string, unknown>; other: Record<string, unknown> }> = [
        { method: 'PUT', path: '/v1/products/BIM-2', role: 'admin', body: product, other: { ...product, price: 101 } },
        { method: 'PUT', path: '/v1/locations/bim-store', role: 'admin', body: { name: 'Bim store', kind: 'store', lat: 52, lon: 5 }, other: { name: 'Bim store 2', kind: 'store', lat: 52, lon: 5 } },
        { method: 'POST', path: '/v1/pricing/discounts', role: 'admin', body: { sku: 'BIM-1', discountedPrice: 90 }, other: { sku: 'BIM-1', discountedPrice: 80 } },
        { method: 'POST', path: '/v1/pricing/price-changes', role: 'admin', body: { sku: 'BIM-1', newPrice: 120 }, other: { sku: 'BIM-1', newPrice: 130 } },
        { method: 'POST', path: '/v1/stock/writeoffs', role: 'admin', body: { sku: 'BIM-1', locationId: 'bim-dc', qty: 1 }, other: { sku: 'BIM-1', locationId: 'bim-dc', qty: 2 } },
        { method: 'POST', path: '/v1/products/supplier-substitutions', role: 'admin', body: { sku: 'BIM-1', toSupplierId: 'sup-b' }, other: { sku: 'BIM-1', toSupplierId: 'sup-c' } },
        { method: 'POST', path: '/v1/policies/sourcing/versions', role: 'admin', body: { body: policyBody, note: 'bim replay' }, other: { body: policyBody, note: 'bim other' } },
      ];
      const failures: string[] = [];
      for (const [i, c] of cases.entries()) {
        const key = `bim-replay-${i}`;
        const label = `${c.method} ${c.path}`;
        const as = (body: unknown, k = key) => call(c.method, c.path, c.role, JSON.stringify(body), 'application/json', { 'idempotency-key': k });

        const s0 = await snapshot();
        const badKey = await as(c.body, 'not a key!');
        expectAnswer(failures, `${label} with a malformed Idempotency-Key`, badKey, 422, 'E_SCHEMA');
        if (JSON.stringify(await snapshot()) !== JSON.stringify(s0)) failures.push(`${label}: a malformed Idempotency-Key changed the store`);

        const first = await as(c.body);
        if (first.status >= 300) {
          failures.push(`${label}: the first call failed: ${first.status} ${first.text.slice(0, 200)}`);
          continue;
        }
        await t.drained();
        const s1 = await snapshot();
        if (!(s1.events! > s0.events!)) failures.push(`${label}: the first call logged nothing`);

        const again = await as(c.body);
        await t.drained();
        if (again.status !== first.status) failures.push(`${label}: the retry answered ${again.status}, the first ${first.status}`);
        if (again.body?.eventId !== first.body?.eventId) failures.push(`${label}: the retry's eventId ${again.body?.eventId}, the first's ${first.body?.eventId}`);
        if (JSON.stringify(again.body) !== JSON.stringify(first.body)) failures.push(`${label}: the retry answered ${again.text.slice(0, 300)}, the first ${first.text.slice(0, 300)}`);
        if (JSON.stringify(await snapshot()) !== JSON.stringify(s1)) failures.push(`${label}: the retry changed the store`);

        const other = await as(c.other);
        await t.drained();
        expectAnswer(failures, `${label} another body under the key`, other, 409, 'E_IDEMPOTENCY_MISMATCH');
        const s3 = await snapshot();
        if (JSON.stringify(s3) !== JSON.stringify(s1)) failures.push(`${label}: another body under the key changed the store: ${JSON.stringify(Object.fromEntries(Object.entries(s3).filter(([k, n]) => s1[k] !== n)))}`);
      }
      expect(failures).toEqual([]);
    });

    it('a governed request naming a product nobody has → 404 E_NOT_FOUND at once, nothing written', async () => {
      await t.drained();
      const before = await snapshot();
      const failures: string[] = [];
      for (const [path, body] of [
        ['/v1/pricing/discounts', { sku: 'BIM-NO-SUCH', discountedPrice: 1 }],
        ['/v1/pricing/price-changes', { sku: 'BIM-NO-SUCH', newPrice: 1 }],
        ['/v1/stock/writeoffs', { sku: 'BIM-NO-SUCH', locationId: 'bim-dc', qty: 1 }],
        ['/v1/products/supplier-substitutions', { sku: 'BIM-NO-SUCH', toSupplierId: 'sup-b' }],
      ] as const) {
        const started = Date.now();
        const a = await call('POST', path, 'admin', JSON.stringify(body));
        expectAnswer(failures, `POST ${path} an unknown sku`, a, 404, 'E_NOT_FOUND');
        if (Date.now() - started > 2000) failures.push(`POST ${path} an unknown sku: answered after ${Date.now() - started} ms`);
      }
      await t.drained();
      expect.soft(failures).toEqual([]);
      expect(await snapshot()).toEqual(before);
    });

    it('a decision retried with its Idempotency-Key is answered as the first time; another decision under the key is 409 E_IDEMPOTENCY_MISMATCH', async () => {
      expect((await t.api('PUT', '/v1/products/BIM-3', t.adminKey, { name: 'Bim lamp', category: 'home', price: 100, cost: 40 })).status).toBe(200);
      // A list price under the margin floor waits for a category manager.
      const raised = await t.api('POST', '/v1/pricing/price-changes', t.adminKey, { sku: 'BIM-3', newPrice: 41 });
      expect(raised.status, JSON.stringify(raised.body)).toBe(200);
      const approvalId = raised.body.approval?.id as string;
      expect(approvalId, JSON.stringify(raised.body)).toBeTruthy();
      const role = (raised.body.approval.roles as Role[])[0]!;
      const decide = (body: unknown) => call('POST', `/v1/approvals/${approvalId}/decision`, role, JSON.stringify(body), 'application/json', { 'idempotency-key': 'bim-decision-1' });

      const first = await decide({ decision: 'approve', comment: 'ok' });
      expect(first.status, first.text).toBe(200);
      await t.drained();
      const after = await snapshot();
      const again = await decide({ decision: 'approve', comment: 'ok' });
      await t.drained();
      expect([again.status, again.body?.code, again.body?.eventId], again.text).toEqual([200, undefined, first.body.eventId]);
      expect(again.body).toEqual(first.body);
      const other = await decide({ decision: 'reject', comment: 'no' });
      await t.drained();
      expect([other.status, other.body?.code], other.text).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      expect(await snapshot()).toEqual(after);
    });

    it('an exception action retried with its Idempotency-Key is answered as the first time; another under the key is 409 E_IDEMPOTENCY_MISMATCH', async () => {
      const now = t.app.clock();
      const { item } = openException({ category: 'payment_hold', subjectRef: 'order:bim-o1', summary: 'bim hold', detail: { orderId: 'bim-o1' } }, { now, newId: () => 'bim-x-1' });
      await t.app.store.transaction((tx) => insertExceptionItem(tx, { ...item, history: [{ at: now, action: 'opened', by: 'omniops' }] }));
      const resolve = (reason: string) => call('POST', `/v1/exceptions/${item.id}/resolve`, 'finance', JSON.stringify({ reason }), 'application/json', { 'idempotency-key': 'bim-resolve-1' });
      const first = await resolve('paid by transfer');
      expect(first.status, first.text).toBe(200);
      await t.drained();
      const after = await snapshot();
      const again = await resolve('paid by transfer');
      await t.drained();
      expect([again.status, again.body?.code, again.body?.eventId], again.text).toEqual([200, undefined, first.body.eventId]);
      expect({ ...again.body, ageSeconds: 0 }).toEqual({ ...first.body, ageSeconds: 0 });
      const other = await resolve('another reason');
      await t.drained();
      expect([other.status, other.body?.code], other.text).toEqual([409, 'E_IDEMPOTENCY_MISMATCH']);
      expect(await snapshot()).toEqual(after);
    });
  });
}
