import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { openStore } from '../../src/store/open.js';
import { StoreUnavailable } from '../../src/store/unavailable.js';
import type { Store } from '../../src/store/port.js';
import { loadConfig } from '../../src/config.js';
import { startTestApp } from '../support/app.js';
import { tempDir } from '../support/stores.js';

/**
 * A PostgreSQL server that stops answering (host down, packets dropped) must fail an operation
 * within the configured connect timeout, as "unavailable", instead of holding it for the OS's TCP
 * timeout. Stood in for by a local TCP server that accepts connections and never says a word.
 */

const TIMEOUT_MS = 300;
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return `postgres://omniops@127.0.0.1:${(server.address() as AddressInfo).port}/nowhere`;
}

/** How long `op` took to fail, and with what. */
async function failure(op: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await op();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the operation succeeded against a server that never answers');
}

function expectUnavailableInTime(f: { error: unknown; ms: number }): void {
  expect(f.error).toBeInstanceOf(StoreUnavailable);
  expect((f.error as StoreUnavailable).code).toBe('ETIMEDOUT');
  expect(f.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  expect(f.ms).toBeLessThan(TIMEOUT_MS + 2000);
}

describe('PostgreSQL connect timeout', () => {
  it('a read, a transaction and a migration fail within the timeout as StoreUnavailable', async () => {
    const store = new PostgresStore({ url: await silentServer(), connectTimeoutMs: TIMEOUT_MS });
    cleanups.push(() => store.close());
    expectUnavailableInTime(await failure(() => store.read.get('SELECT 1')));
    expectUnavailableInTime(await failure(() => store.transaction((tx) => tx.get('SELECT 1'))));
    expectUnavailableInTime(await failure(() => store.migrate()));
  });

  it('a caller waiting for a busy pool gives up within the timeout too', async () => {
    const store = new PostgresStore({ url: await silentServer(), connectTimeoutMs: TIMEOUT_MS, poolSize: 1 });
    cleanups.push(() => store.close());
    const [first, second] = await Promise.all([failure(() => store.read.get('SELECT 1')), failure(() => store.read.get('SELECT 2'))]);
    expectUnavailableInTime(first);
    expectUnavailableInTime(second);
  });

  it('the setting reaches the store: pgConnectTimeoutMs, OMNIOPS_PG_CONNECT_TIMEOUT_MS, default 10 s', async () => {
    expect(loadConfig({}, {}).pgConnectTimeoutMs).toBe(10_000);
    expect(loadConfig({}, { OMNIOPS_PG_CONNECT_TIMEOUT_MS: '2500' }).pgConnectTimeoutMs).toBe(2500);
    expect(() => loadConfig({}, { OMNIOPS_PG_CONNECT_TIMEOUT_MS: '0' })).toThrow(/pgConnectTimeoutMs/);
    const store = openStore({ store: await silentServer(), dataDir: tempDir(), pgConnectTimeoutMs: TIMEOUT_MS });
    cleanups.push(() => store.close());
    expectUnavailableInTime(await failure(() => store.read.get('SELECT 1')));
  });

  it('an HTTP request whose store does not answer is 503 E_UNAVAILABLE problem+json, not 500', async () => {
    // The app starts on a store that works (migrations, a user), then its database stops answering.
    const healthy = new SqliteStore({ file: join(tempDir(), 'omniops.db') });
    const silent = new PostgresStore({ url: await silentServer(), connectTimeoutMs: TIMEOUT_MS });
    let current: Store = healthy;
    const store: Store = {
      dialect: 'sqlite',
      get read() {
        return current.read;
      },
      transaction: (fn, options) => current.transaction(fn, options),
      snapshot: (fn) => current.snapshot(fn),
      migrate: () => current.migrate(),
      close: async () => {
        await silent.close();
        await healthy.close();
      },
    };
    const t = await startTestApp({ name: 'sqlite', open: async () => ({ store, dispose: async () => undefined }) }, { dispatcher: false });
    cleanups.push(() => t.close());
    expect((await t.api('GET', '/v1/orders', t.adminKey)).status).toBe(200);

    current = silent;
    const started = Date.now();
    // A key the authenticator has not cached, so the request has to ask the store.
    const res = await fetch(`${t.url}/v1/orders?limit=1`, { headers: { authorization: 'Bearer not-cached-key' } });
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 503, code: 'E_UNAVAILABLE' });
    expect(String(body.detail)).not.toContain('127.0.0.1'); // the database's address stays in the log
  });
});
