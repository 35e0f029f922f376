import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import {
  getJson, jsonOf, killChildren, newDataDir, newSecretKey, postSigned, removeDataDirs, runCli, startServe, type CliResult,
} from '../support/cli.js';
import { envelope } from '../support/app.js';
import { PG_URL } from '../support/stores.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

const drops: Array<() => Promise<void>> = [];

afterEach(async () => {
  await killChildren();
  removeDataDirs();
  for (const drop of drops.splice(0)) await drop();
});

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A data directory, and on PostgreSQL a schema of its own (dropped after the test), for the CLI and serve alike. */
function database(kind: 'sqlite' | 'postgres') {
  const data = newDataDir();
  const env: Record<string, string> = { OMNIOPS_SECRET_KEY: newSecretKey() };
  let store: string[] = [];
  if (kind === 'postgres') {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    env.OMNIOPS_PG_SCHEMA = schema;
    store = ['--store', PG_URL!];
    drops.push(async () => {
      const pg = new PostgresStore({ url: PG_URL!, schema, poolSize: 1 });
      await pg.dropSchema();
      await pg.close();
    });
  }
  return { data, store, env, cli: (...a: string[]) => runCli([...a, '--data', data, ...store], { env }) };
}

/** Retries a check while the server's source cache (2 s) may still hold the record as it was. */
async function eventually(check: () => Promise<void>, ms = 6_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

// `sources scope` sends the same merge patch as PATCH /v1/sources/{id} (source.patched): what a flag
// names changes, the rest of the record stays.
describe('omniops sources scope changes only what its flags name', () => {
  it('--types keeps the supplier binding, --no-supplier keeps the types; an unknown source is E_NOT_FOUND', async () => {
    const data = newDataDir();
    const env = { OMNIOPS_SECRET_KEY: newSecretKey() };
    const cli = (...args: string[]) => runCli([...args, '--data', data], { env });
    expect((await cli('sources', 'add', 'portal', '--kind', 'supplier', '--types', 'po.*', '--supplier', 'sup-1', '--json')).code).toBe(0);
    const narrowed = await cli('sources', 'scope', 'portal', '--types', 'po.confirmed,supplier.*', '--json');
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(jsonOf(narrowed)).toEqual({ id: 'portal', name: 'portal', kind: 'supplier', statusMap: {}, eventTypes: ['po.confirmed', 'supplier.*'], supplierId: 'sup-1' });
    const unbound = await cli('sources', 'scope', 'portal', '--no-supplier', '--json');
    expect(unbound.code, unbound.stderr).toBe(0);
    expect(jsonOf(unbound)).toEqual({ id: 'portal', name: 'portal', kind: 'supplier', statusMap: {}, eventTypes: ['po.confirmed', 'supplier.*'] });
    const unknown = await cli('sources', 'scope', 'nobody', '--types', 'po.*', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr).code).toBe('E_NOT_FOUND');
  }, 240_000);
});

const kinds: Array<'sqlite' | 'postgres'> = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

// Beside a running server on the same store, as an operator would use it: the change is what the
// server then serves and enforces, and it does not undo a change of another member that was still
// waiting in the log when the CLI read the record (an `--role api` server takes events in but
// leaves processing to workers; here the CLI's own dispatcher is that worker). A CLI that wrote the
// whole record it had read (a PUT, source.upserted) would put the old name back.
describe.each(kinds)('omniops sources scope beside a server (%s)', (kind) => {
  it('the server refuses a type scoped away (E_SOURCE_NOT_ALLOWED) and takes it once scoped back; a name patched meanwhile stays', async () => {
    const db = database(kind);
    const root = jsonOf(ok(await db.cli('users', 'add', 'root', '--role', 'admin', '--json'))).apiKey as string;
    const secret = jsonOf(ok(await db.cli('sources', 'add', 'shop', '--kind', 'web', '--types', 'order.*,location.*', '--json'))).secret as string;
    const s = await startServe(db.data, { env: db.env, args: [...db.store, '--role', 'api'] });
    const send = async () => postSigned(s.url, secret, JSON.stringify(envelope({ source: 'shop' })));
    expect((await send())?.status).toBe(202);

    // Another request changes the name; no worker runs, so it waits in the log, unapplied.
    const renamed = await fetch(new URL('/v1/sources/shop', s.url), {
      method: 'PATCH',
      headers: { authorization: `Bearer ${root}`, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ name: 'Web shop' }),
    });
    expect(renamed.status, await renamed.clone().text()).toBe(202);
    expect((await getJson(s.url, '/v1/sources/shop', root)).body.name).toBe('shop');

    // The CLI reads the record (name still `shop`), submits its patch and processes the log in order.
    const narrowed = jsonOf(ok(await db.cli('sources', 'scope', 'shop', '--types', 'order.*', '--json')));
    expect(narrowed).toEqual({ id: 'shop', name: 'Web shop', kind: 'web', statusMap: {}, eventTypes: ['order.*'] });
    expect((await getJson(s.url, '/v1/sources/shop', root)).body).toEqual(narrowed);
    await eventually(async () => expect(await send()).toMatchObject({ status: 403, body: { code: 'E_SOURCE_NOT_ALLOWED' } }));

    const widened = jsonOf(ok(await db.cli('sources', 'scope', 'shop', '--types', 'order.*,location.*', '--json')));
    expect(widened).toEqual({ id: 'shop', name: 'Web shop', kind: 'web', statusMap: {}, eventTypes: ['order.*', 'location.*'] });
    expect((await getJson(s.url, '/v1/sources/shop', root)).body).toEqual(widened);
    await eventually(async () => expect((await send())?.status).toBe(202));
  }, 240_000);
});
