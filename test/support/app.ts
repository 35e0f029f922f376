import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildHttpServer } from '../../src/api/server.js';
import { createLogger } from '../../src/observability/logger.js';
import { addSource } from '../../src/engine/identity/sources.js';
import { addUser } from '../../src/engine/identity/users.js';
import { signBody, SIGNATURE_HEADER } from '../../src/domain/security/signature.js';
import type { Role } from '../../src/domain/roles.js';
import type { StoreFactory } from './stores.js';
import { eventById } from '../../src/store/repos/events.js';
import { tempDir } from './stores.js';

export interface TestApp {
  app: App;
  url: string;
  /** Secret of the source `web`, created for every test app. */
  secret: string;
  adminKey: string;
  keyFor(role: Role): Promise<string>;
  /** POSTs a body to /v1/events signed as `web` (or with the given secret/time). */
  postEvents(body: unknown, opts?: { secret?: string; t?: number; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  api(method: string, path: string, key: string | null, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Waits until an event is no longer pending and fails the test unless it was processed. */
  settled(eventId: string, timeoutMs?: number): Promise<void>;
  /** Posts a signed event (accepted or duplicate) and waits until it is processed. */
  send(envelope: Record<string, unknown>): Promise<string>;
  /** Hands an event to intake directly (no HTTP, nothing waits for processing): its id; throws if refused. */
  take(envelope: Record<string, unknown>): Promise<string>;
  /** Waits until nothing in the log (decided events too) is pending. */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const ADMIN = { id: 'test', role: 'admin' };

export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return loadConfig(
    { dataDir: tempDir(), port: 0, secretKey: randomBytes(32).toString('base64'), logLevel: 'silent', ...overrides },
    {},
  );
}

export async function startTestApp(factory: StoreFactory, options: AppOptions & { config?: Record<string, unknown>; dispatcher?: boolean } = {}): Promise<TestApp> {
  const { store, dispose } = await factory.open();
  const config = testConfig(options.config);
  const app = await createApp(config, { logger: createLogger('silent'), store, ...options });
  const http = await buildHttpServer(app);
  await http.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  if (options.dispatcher !== false) app.startWorkers();
  const { secret } = await addSource(app.store, app.box, ADMIN, 'web', { name: 'Web store', kind: 'web' });
  const adminKey = (await addUser(app.store, ADMIN, 'root', 'admin')).apiKey;
  let n = 0;
  const t: TestApp = {
    app,
    url,
    secret,
    adminKey,
    async keyFor(role) {
      return (await addUser(app.store, ADMIN, `${role.replace(/_/g, '-')}-${++n}`, role)).apiKey;
    },
    async postEvents(body, opts = {}) {
      const raw = opts.raw ?? JSON.stringify(body);
      const res = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signBody(opts.secret ?? t.secret, raw, opts.t ?? Math.floor(app.clock() / 1000)),
          ...(opts.headers ?? {}),
        },
        body: raw,
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    },
    async api(method, path, key, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // non-JSON (metrics text)
      }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async settled(eventId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const e = await eventById(app.store.read, eventId);
        if (e && e.status !== 'pending') {
          if (e.status !== 'processed') throw new Error(`event ${eventId} is ${e.status}: ${e.lastError ?? ''}`);
          return;
        }
        if (Date.now() > deadline) throw new Error(`event ${eventId} still pending: attempts ${e?.attempts} ${e?.lastError ?? ''}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async send(envelope) {
      const r = await t.postEvents(envelope);
      if (r.status !== 202 && r.status !== 200) throw new Error(`event refused: ${r.status} ${JSON.stringify(r.body)}`);
      await t.settled(r.body.eventId);
      return r.body.eventId as string;
    },
    async take(envelope) {
      const r = await app.intake.submit(envelope);
      if (!r.ok) throw r.error;
      return r.eventId;
    },
    async drained(timeoutMs = 60_000) {
      // Generous: 1,000 orders on PostgreSQL beside other suites on two cores take several seconds.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
        if (Number(r?.n) === 0) return;
        if (Date.now() > deadline) throw new Error('backlog did not drain');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await app.close().catch(() => undefined);
      await dispose();
    },
  };
  return t;
}

export function envelope(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'web',
    sourceEventId: `evt-${randomBytes(6).toString('hex')}`,
    type: 'location.upserted',
    occurredAt: new Date().toISOString(),
    payload: { id: 'store-1', name: 'Store One', kind: 'store', lat: 52.37, lon: 4.89, capabilities: ['ship', 'pickup'] },
    ...overrides,
  };
}
