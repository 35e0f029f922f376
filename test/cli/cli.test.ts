import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  childEnv, count, getJson, jsonOf, killChildren, newDataDir, newSecretKey, postSigned, removeDataDirs, runCli, startServe, withDb,
  type CliResult,
} from '../support/cli.js';
import { envelope } from '../support/app.js';

/**
 * The real CLI as a child process (`node --import tsx src/cli/main.ts …`), each test with its own
 * data directory and secret key, so what is asserted is what an operator at the terminal gets.
 */

afterEach(async () => {
  await killChildren();
  removeDataDirs();
});

interface Ctx {
  data: string;
  env: Record<string, string>;
  cli(...args: string[]): Promise<CliResult>;
}

function ctx(): Ctx {
  const data = newDataDir();
  const env = { OMNIOPS_SECRET_KEY: newSecretKey() };
  return { data, env, cli: (...args) => runCli([...args, '--data', data], { env }) };
}

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function csv(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const PRODUCTS = 'sku,name,category,price,cost,weightKg,returnable,supplierIds\nSKU-1,Blue Mug,kitchen,12.50,4.10,0.4,yes,sup-1;sup-2\nSKU-2,"Red, Big Mug",kitchen,15,5,,no,\n';
const LOCATIONS = 'id,name,kind,lat,lon,capabilities\nstore-1,Store One,store,52.37,4.89,ship;pickup\ndc-1,Central DC,dc,52.1,5.1,ship\n';
const STOCK = 'locationId,sku,onHand,protected,safetyStock\nstore-1,SKU-1,10,1,2\nstore-1,SKU-2,5,,\ndc-1,SKU-1,100,,\n';

// Every case here runs the real CLI as a child process (`node --import tsx`), ~2 s each on a quiet
// 2-core machine and up to four times that while the rest of the suite runs beside it (a CI run
// timed out the 19-run case below at 120 s; it takes 34 s alone): the budget is per process started,
// not the suite's default for in-process tests.
const PER_CLI_RUN_MS = 10_000;

describe('omniops CLI', { timeout: 10 * PER_CLI_RUN_MS }, () => {
  it('--help lists every command, and each group lists its subcommands', async () => {
    const r = ok(await runCli(['--help'], { env: {} }));
    for (const c of ['serve', 'demo', 'migrate', 'users', 'sources', 'events', 'import', 'audit']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    const groups: Record<string, string[]> = { users: ['add', 'list', 'revoke', 'key'], sources: ['add', 'rotate', 'list'], events: ['send', 'dead', 'replay'], audit: ['verify'], deliveries: ['dead', 'expired', 'replay'] };
    for (const [group, subs] of Object.entries(groups)) {
      const g = ok(await runCli([group, '--help'], { env: {} }));
      for (const s of subs) expect(g.stdout, `${group} ${s}`).toMatch(new RegExp(`^\\s+${s}\\b`, 'm'));
    }
  });

  it('users add prints the API key once; users list shows the user without it; the key is not stored in clear', async () => {
    const c = ctx();
    const added = jsonOf(ok(await c.cli('users', 'add', 'alice', '--role', 'finance', '--json')));
    expect(added).toMatchObject({ name: 'alice', role: 'finance', revokedAt: null, apiKey: expect.any(String) });
    expect(added.apiKey.length).toBeGreaterThanOrEqual(32);
    const listed = ok(await c.cli('users', 'list', '--json'));
    const users = jsonOf<Array<Record<string, unknown>>>(listed);
    expect(users).toEqual([expect.objectContaining({ name: 'alice', role: 'finance', revokedAt: null })]);
    expect(users[0]).not.toHaveProperty('apiKey');
    expect(listed.stdout).not.toContain(added.apiKey);
    const text = ok(await c.cli('users', 'list'));
    expect(text.stdout).toContain('alice');
    expect(text.stdout).not.toContain(added.apiKey);
    // Only a hash of the key is kept.
    expect(count(c.data, 'SELECT COUNT(*) AS n FROM api_keys WHERE key_hash = ?', added.apiKey)).toBe(0);
    expect(count(c.data, 'SELECT COUNT(*) AS n FROM api_keys')).toBe(1);
  });

  it('an unknown role: exit 2 with E_SCHEMA (text and --json), and no user is created', async () => {
    const c = ctx();
    const text = await c.cli('users', 'add', 'bob', '--role', 'overlord');
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('E_SCHEMA');
    expect(text.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const json = await c.cli('users', 'add', 'bob', '--role', 'overlord', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toMatchObject({ code: 'E_SCHEMA', message: expect.stringContaining('overlord') });
    expect(json.stdout).toBe('');
    expect(jsonOf(ok(await c.cli('users', 'list', '--json')))).toEqual([]);
  });

  it('users revoke: the user shows as revoked and their key no longer opens the API', async () => {
    const c = ctx();
    const alice = jsonOf(ok(await c.cli('users', 'add', 'alice', '--role', 'operations_manager', '--json')));
    const bob = jsonOf(ok(await c.cli('users', 'add', 'bob', '--role', 'operations_manager', '--json')));
    const extra = jsonOf(ok(await c.cli('users', 'key', 'bob', '--json')));
    expect(extra).toEqual({ name: 'bob', apiKey: expect.any(String) });
    expect(jsonOf(ok(await c.cli('users', 'revoke', 'bob', '--json')))).toEqual({ name: 'bob', revoked: true });
    const users = jsonOf<Array<{ name: string; revokedAt: string | null }>>(ok(await c.cli('users', 'list', '--json')));
    expect(users.find((u) => u.name === 'bob')?.revokedAt).toEqual(expect.any(String));
    expect(users.find((u) => u.name === 'alice')?.revokedAt).toBeNull();

    const unknown = await c.cli('users', 'revoke', 'nobody', '--json');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr).code).toMatch(/^E_/);

    const s = await startServe(c.data, { env: c.env });
    expect((await getJson(s.url, '/v1/stock', alice.apiKey)).status).toBe(200);
    expect((await getJson(s.url, '/v1/stock', bob.apiKey)).status).toBe(401);
    expect((await getJson(s.url, '/v1/stock', extra.apiKey)).status).toBe(401);
  });

  it('sources add prints a secret once; sources list does not show it', async () => {
    const c = ctx();
    const added = jsonOf(ok(await c.cli('sources', 'add', 'web', '--name', 'Web shop', '--json')));
    expect(added).toMatchObject({ source: { id: 'web', name: 'Web shop', kind: 'web' }, secret: expect.any(String) });
    expect(added.secret.length).toBeGreaterThanOrEqual(24);
    const listed = ok(await c.cli('sources', 'list', '--json'));
    expect(jsonOf(listed)).toEqual([expect.objectContaining({ id: 'web', name: 'Web shop', kind: 'web' })]);
    expect(listed.stdout).not.toContain(added.secret);
    const again = await c.cli('sources', 'add', 'web', '--json');
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stderr).code).toBe('E_CONFLICT');
  });

  it('sources rotate: the old secret works within the grace period; with --grace 0 it is refused', async () => {
    const c = ctx();
    const first = jsonOf(ok(await c.cli('sources', 'add', 'web', '--json'))).secret as string;
    const s = await startServe(c.data, { env: c.env });
    const send = async (secret: string) => (await postSigned(s.url, secret, JSON.stringify(envelope())))?.status;
    expect(await send(first)).toBe(202);

    const rotated = jsonOf(ok(await c.cli('sources', 'rotate', 'web', '--json')));
    expect(rotated).toMatchObject({ source: 'web', secret: expect.any(String), oldSecretsExpireAt: expect.any(String) });
    expect(Date.parse(rotated.oldSecretsExpireAt)).toBeGreaterThan(Date.now() + 3600_000);
    const second = rotated.secret as string;
    expect(second).not.toBe(first);
    // The server caches secrets for a moment: once it knows the new one, it has re-read the list.
    await eventually(async () => expect(await send(second)).toBe(202));
    expect(await send(first)).toBe(202);

    const third = jsonOf(ok(await c.cli('sources', 'rotate', 'web', '--grace', '0', '--json'))).secret as string;
    await eventually(async () => expect(await send(third)).toBe(202));
    const refused = await postSigned(s.url, second, JSON.stringify(envelope()));
    expect(refused).toMatchObject({ status: 401, body: { code: 'E_SIGNATURE' } });
    expect(await send(first)).toBe(401);
  });

  it('numbers, states and versions are checked: exit 2, E_SCHEMA naming the option, nothing changed', async () => {
    const c = ctx();
    ok(await c.cli('sources', 'add', 'web', '--json'));
    const secrets = count(c.data, 'SELECT COUNT(*) AS n FROM source_secrets');
    const cases: Array<[string[], string]> = [
      [['events', 'dead', '--limit', 'abc'], '--limit'],
      [['events', 'dead', '--limit', '-1'], '--limit'],
      [['events', 'dead', '--limit', '0'], '--limit'],
      [['replenishment', 'risks', '--limit', 'abc'], '--limit'],
      [['replenishment', 'risks', '--state', 'bogus'], '--state'],
      [['replenishment', 'recommendations', '--state', 'bogus'], '--state'],
      [['replenishment', 'purchase-orders', '--state', 'bogus'], '--state'],
      [['sources', 'rotate', 'web', '--grace', 'abc'], '--grace'],
      [['sources', 'rotate', 'web', '--grace', '1e9'], '--grace'],
      [['policies', 'show', 'orders', 'abc'], 'version'],
      [['policies', 'diff', 'orders', '1', 'x'], 'to'],
      [['policies', 'approve', 'orders', '1.5'], 'version'],
      [['simulate', '--policy', 'sourcing@1', '--from', '0', '--to', '9000000000000000'], '--to'],
      [['simulate', '--policy', 'sourcing@1', '--from', '0', '--to', '1', '--limit', 'lots'], '--limit'],
      [['demo', '--rate', 'fast'], '--rate'],
    ];
    for (const [args, option] of cases) {
      const r = await c.cli(...args, '--json');
      expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(2);
      expect(JSON.parse(r.stderr), args.join(' ')).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: option }] });
    }
    expect(count(c.data, 'SELECT COUNT(*) AS n FROM source_secrets')).toBe(secrets);
    // Good values still work.
    expect(jsonOf(ok(await c.cli('events', 'dead', '--limit', '5', '--json')))).toEqual([]);
    expect(jsonOf(ok(await c.cli('replenishment', 'risks', '--state', 'resolved', '--json')))).toEqual([]);
    expect(jsonOf(ok(await c.cli('policies', 'show', 'orders', '1', '--json')))).toMatchObject({ version: 1 });
  }, 20 * PER_CLI_RUN_MS);

  it('a file that cannot be read is E_NOT_FOUND naming it (exit 2), not an internal error', async () => {
    const c = ctx();
    for (const args of [['import', 'products', '/nonexistent.csv'], ['events', 'send', '/nonexistent.jsonl'], ['policies', 'draft', 'orders', '/nonexistent.json'], ['import', 'stock', c.data]]) {
      const r = await c.cli(...args, '--json');
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(JSON.parse(r.stderr), args.join(' ')).toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining(args[args.length - 1]!) });
    }
  });

  it('import products, locations and stock: the values land in the store', async () => {
    const c = ctx();
    const p = jsonOf(ok(await c.cli('import', 'products', csv(c.data, 'p.csv', PRODUCTS), '--json')));
    expect(p).toEqual({ kind: 'products', rows: 2, events: 2, duplicates: 0, processed: 2, dead: 0, pending: 0 });
    const l = jsonOf(ok(await c.cli('import', 'locations', csv(c.data, 'l.csv', LOCATIONS), '--json')));
    expect(l).toMatchObject({ kind: 'locations', rows: 2, processed: 2, dead: 0, pending: 0 });
    const s = jsonOf(ok(await c.cli('import', 'stock', csv(c.data, 's.csv', STOCK), '--json')));
    // One snapshot per location.
    expect(s).toMatchObject({ kind: 'stock', rows: 3, events: 2, processed: 2, dead: 0, pending: 0 });

    withDb(c.data, (db) => {
      const products = db.prepare('SELECT sku, name, category, price, cost, attrs FROM products ORDER BY sku').all() as Array<Record<string, any>>;
      expect(products.map((x) => [x.sku, x.name, x.category, x.price, x.cost])).toEqual([
        ['SKU-1', 'Blue Mug', 'kitchen', 12.5, 4.1],
        ['SKU-2', 'Red, Big Mug', 'kitchen', 15, 5],
      ]);
      expect(JSON.parse(products[0]!.attrs)).toMatchObject({ weightKg: 0.4, returnable: true, supplierIds: ['sup-1', 'sup-2'] });
      expect(JSON.parse(products[1]!.attrs)).toMatchObject({ returnable: false });
      const locations = db.prepare('SELECT id, name, kind, attrs FROM locations ORDER BY id').all() as Array<Record<string, any>>;
      expect(locations.map((x) => [x.id, x.name, x.kind])).toEqual([['dc-1', 'Central DC', 'dc'], ['store-1', 'Store One', 'store']]);
      expect(JSON.parse(locations[1]!.attrs)).toMatchObject({ lat: 52.37, lon: 4.89, capabilities: ['ship', 'pickup'] });
      const stock = db.prepare('SELECT location_id, sku, on_hand, protected, safety_stock FROM stock ORDER BY location_id, sku').all();
      expect(stock).toEqual([
        { location_id: 'dc-1', sku: 'SKU-1', on_hand: 100, protected: 0, safety_stock: 0 },
        { location_id: 'store-1', sku: 'SKU-1', on_hand: 10, protected: 1, safety_stock: 2 },
        { location_id: 'store-1', sku: 'SKU-2', on_hand: 5, protected: 0, safety_stock: 0 },
      ]);
    });
  });

  it('a CSV with a bad row: exit 2, the error names the line, and nothing is imported', async () => {
    const c = ctx();
    ok(await c.cli('migrate', '--json'));
    const before = { events: count(c.data, 'SELECT COUNT(*) AS n FROM events'), audit: count(c.data, 'SELECT COUNT(*) AS n FROM audit') };
    const file = csv(c.data, 'bad.csv', 'sku,name,category,price,cost\nSKU-1,Fine,kitchen,1,1\nSKU-2,Also fine,kitchen,2,1\nSKU-3,Negative,kitchen,-5,1\nSKU-4,Fine,kitchen,3,1\n');
    const text = await c.cli('import', 'products', file);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('E_SCHEMA');
    expect(text.stderr).toMatch(/line 4\b.*price/);
    expect(text.stderr).not.toMatch(/line [235]\b/);
    const json = await c.cli('import', 'products', file, '--json');
    expect(json.code).toBe(2);
    const err = JSON.parse(json.stderr);
    expect(err.code).toBe('E_SCHEMA');
    expect(err.errors).toEqual([expect.objectContaining({ path: expect.stringMatching(/^line 4\b.*price/) })]);
    expect(count(c.data, 'SELECT COUNT(*) AS n FROM events')).toBe(before.events);
    expect(count(c.data, 'SELECT COUNT(*) AS n FROM products')).toBe(0);
    expect(count(c.data, 'SELECT COUNT(*) AS n FROM audit')).toBe(before.audit);

    const unknownKind = await c.cli('import', 'customers', file, '--json');
    expect(unknownKind.code).toBe(2);
    expect(JSON.parse(unknownKind.stderr).code).toBe('E_SCHEMA');
  });

  it('importing the same file twice: the second run reports duplicates and changes nothing', async () => {
    const c = ctx();
    ok(await c.cli('import', 'locations', csv(c.data, 'l.csv', LOCATIONS), '--json'));
    const stockFile = csv(c.data, 's.csv', STOCK);
    expect(jsonOf(ok(await c.cli('import', 'stock', stockFile, '--json')))).toMatchObject({ events: 2, duplicates: 0 });
    const snapshot = () =>
      withDb(c.data, (db) => ({
        events: db.prepare('SELECT id, status FROM events ORDER BY seq').all(),
        audit: (db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n,
        stock: db.prepare('SELECT location_id, sku, on_hand, protected, safety_stock, updated_at FROM stock ORDER BY location_id, sku').all(),
      }));
    const before = snapshot();
    const second = jsonOf(ok(await c.cli('import', 'stock', stockFile, '--json')));
    expect(second).toMatchObject({ kind: 'stock', rows: 3, events: 2, duplicates: 2, dead: 0, pending: 0 });
    expect(snapshot()).toEqual(before);
  });

  it('audit verify: ok with the entry count; after tampering with one row, exit 3 naming the entry', async () => {
    const c = ctx();
    ok(await c.cli('users', 'add', 'alice', '--role', 'finance'));
    ok(await c.cli('sources', 'add', 'web'));
    ok(await c.cli('import', 'locations', csv(c.data, 'l.csv', LOCATIONS)));
    const entries = count(c.data, 'SELECT COUNT(*) AS n FROM audit');
    expect(entries).toBeGreaterThanOrEqual(4);
    const good = jsonOf(ok(await c.cli('audit', 'verify', '--json')));
    expect(good).toEqual({ ok: true, count: entries, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    withDb(c.data, (db) => expect(db.prepare("UPDATE audit SET actor = 'cli:mallory' WHERE seq = 2").run().changes).toBe(1));
    const bad = await c.cli('audit', 'verify', '--json');
    expect(bad.code).toBe(3);
    expect(jsonOf(bad)).toEqual({ ok: false, count: 1, firstBadSeq: 2, reason: 'hash_mismatch' });
    const text = await c.cli('audit', 'verify');
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/BROKEN at entry 2\b/);
  });

  it('audit verify: a deleted last entry is caught too', async () => {
    const c = ctx();
    ok(await c.cli('users', 'add', 'alice', '--role', 'finance'));
    ok(await c.cli('users', 'add', 'bob', '--role', 'finance'));
    const n = count(c.data, 'SELECT COUNT(*) AS n FROM audit');
    withDb(c.data, (db) => db.prepare('DELETE FROM audit WHERE seq = ?').run(n));
    const bad = await c.cli('audit', 'verify', '--json');
    expect(bad.code).toBe(3);
    expect(jsonOf(bad)).toMatchObject({ ok: false, firstBadSeq: n });
  });

  it('events dead lists a dead-lettered event with its error; events replay --all requeues it', async () => {
    const c = ctx();
    const config = join(c.data, 'config.json');
    writeFileSync(config, JSON.stringify({ dispatch: { maxAttempts: 1 } }));
    expect(jsonOf(ok(await c.cli('events', 'dead', '--json')))).toEqual([]);
    // Stock for a location omniops does not know fails its handler; with one attempt it is dead at once.
    const r = await c.cli('import', 'stock', csv(c.data, 's.csv', 'locationId,sku,onHand\nnowhere,SKU-1,3\n'), '--config', config, '--json');
    expect(r.code).toBe(2);
    expect(jsonOf(r)).toMatchObject({ events: 1, processed: 0, dead: 1 });
    const dead = jsonOf<any[]>(ok(await c.cli('events', 'dead', '--json')));
    expect(dead).toEqual([
      { id: expect.any(String), type: 'inventory.snapshot', source: 'import', subject: 'location:nowhere', attempts: 1, error: expect.stringContaining('unknown location nowhere') },
    ]);

    const missing = await c.cli('events', 'replay', '--json');
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr).code).toBe('E_SCHEMA');

    expect(jsonOf(ok(await c.cli('events', 'replay', '--all', '--json')))).toEqual({ requeued: 1 });
    expect(jsonOf(ok(await c.cli('events', 'dead', '--json')))).toEqual([]);
    withDb(c.data, (db) => expect(db.prepare('SELECT status FROM events WHERE id = ?').get(dead[0].id)).toEqual({ status: 'pending' }));
    expect(jsonOf(ok(await c.cli('events', 'replay', '--all', '--json')))).toEqual({ requeued: 0 });
  });

  it('deliveries expired lists a customer message never sent because its send-by time passed; deliveries replay sends it without one', async () => {
    const c = ctx();
    ok(await c.cli('migrate'));
    const sendBy = Date.parse('2026-12-01T10:00:00Z');
    withDb(c.data, (db) => db.prepare(
      `INSERT INTO outbox (id, seq, event_id, destination, kind, subject, payload, status, last_error, created_at, expires_at)
       VALUES ('mail-1', 1, 'ev-1', 'notify:email', 'notification', 'customer:c-1', '{}', 'expired', 'not sent: its send-by time passed first', '2026-11-30T10:00:00.000Z', ?)`,
    ).run(sendBy));
    expect(jsonOf(ok(await c.cli('deliveries', 'dead', '--json')))).toEqual([]);
    for (const limit of ['abc', '-1', '0']) {
      const bad = await c.cli('deliveries', 'expired', '--limit', limit, '--json');
      expect([bad.code, JSON.parse(bad.stderr).code]).toEqual([2, 'E_SCHEMA']);
    }
    expect(jsonOf(ok(await c.cli('deliveries', 'expired', '--json')))).toEqual([
      { id: 'mail-1', destination: 'notify:email', kind: 'notification', subject: 'customer:c-1', attempts: 0, sendBy: '2026-12-01T10:00:00.000Z', lastError: 'not sent: its send-by time passed first' },
    ]);
    expect(jsonOf(ok(await c.cli('deliveries', 'replay', 'mail-1', '--json')))).toEqual({ replayed: 1, ids: ['mail-1'] });
    withDb(c.data, (db) => expect(db.prepare(`SELECT status, expires_at FROM outbox WHERE id = 'mail-1'`).get()).toEqual({ status: 'pending', expires_at: 0 }));
    expect(jsonOf(ok(await c.cli('deliveries', 'expired', '--json')))).toEqual([]);
    const again = await c.cli('deliveries', 'replay', 'mail-1', '--json');
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stderr).code).toBe('E_INVALID_STATE');
  });

  it('events replay <id> of an event that is not dead is refused', async () => {
    const c = ctx();
    ok(await c.cli('import', 'locations', csv(c.data, 'l.csv', LOCATIONS)));
    const id = withDb(c.data, (db) => (db.prepare('SELECT id FROM events LIMIT 1').get() as { id: string }).id);
    const r = await c.cli('events', 'replay', id, '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).code).toMatch(/^E_/);
  });

  it('migrate --json reports the schema version, and running it again changes nothing', async () => {
    const c = ctx();
    const first = jsonOf(ok(await c.cli('migrate', '--json')));
    expect(first).toEqual({ schemaVersion: expect.any(Number), store: 'sqlite' });
    expect(first.schemaVersion).toBeGreaterThanOrEqual(1);
    const applied = () => withDb(c.data, (db) => db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>);
    const before = applied();
    expect(before.at(-1)?.version).toBe(first.schemaVersion);
    expect(jsonOf(ok(await c.cli('migrate', '--json')))).toEqual(first);
    expect(applied()).toEqual(before);
  });

  it('a bad setting stops the command with a message naming it', async () => {
    const data = newDataDir();
    const port = await runCli(['serve', '--data', data], { env: { OMNIOPS_PORT: 'notanumber' } });
    expect(port.code).not.toBe(0);
    expect(port.code).not.toBeNull(); // it exited by itself, it was not killed by the timeout
    expect(port.stderr).toContain('E_CONFIG');
    expect(port.stderr).toMatch(/'port'.*OMNIOPS_PORT/);
    expect(port.stdout).toBe('');

    const json = await runCli(['serve', '--data', data, '--json'], { env: { OMNIOPS_PORT: 'notanumber' } });
    expect(json.code).not.toBe(0);
    expect(JSON.parse(json.stderr)).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('OMNIOPS_PORT') });

    const flag = await runCli(['serve', '--data', data, '--port', '70000', '--json'], { env: {} });
    expect(flag.code).not.toBe(0);
    expect(JSON.parse(flag.stderr)).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('port') });

    const key = await runCli(['users', 'list', '--data', data, '--json'], { env: { OMNIOPS_SECRET_KEY: 'dG9vIHNob3J0' } });
    expect(key.code).not.toBe(0);
    expect(JSON.parse(key.stderr)).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('OMNIOPS_SECRET_KEY') });

    const level = await runCli(['migrate', '--data', data, '--json'], { env: { OMNIOPS_SQLITE_SYNCHRONOUS: 'SOMETIMES' } });
    expect(level.code).not.toBe(0);
    expect(JSON.parse(level.stderr)).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('OMNIOPS_SQLITE_SYNCHRONOUS') });
  });

  it('without OMNIOPS_SECRET_KEY a key is generated into the data directory and reused', async () => {
    const data = newDataDir();
    const env = childEnv(); // no key
    expect(env.OMNIOPS_SECRET_KEY).toBeUndefined();
    const added = jsonOf(ok(await runCli(['sources', 'add', 'web', '--data', data, '--json'])));
    const s = await startServe(data);
    expect((await postSigned(s.url, added.secret, JSON.stringify(envelope())))?.status).toBe(202);
  });
});

describe('omniops events send', { timeout: 10 * PER_CLI_RUN_MS }, () => {
  it('signs with the secret read from the store or given with --secret; a wrong secret exits non-zero with 401s', async () => {
    const c = ctx();
    const secret = jsonOf(ok(await c.cli('sources', 'add', 'web', '--json'))).secret as string;
    const admin = jsonOf(ok(await c.cli('users', 'add', 'root', '--role', 'admin', '--json'))).apiKey as string;
    const s = await startServe(c.data, { env: c.env });
    // serve --json: the start line is the first line on stdout.
    expect(s.linesBeforeUrl).toHaveLength(1);
    expect(JSON.parse(s.linesBeforeUrl[0]!)).toEqual({ url: s.url, store: 'sqlite' });

    const file = join(c.data, 'events.jsonl');
    const location = envelope({ sourceEventId: 'loc-1' });
    const adjust = envelope({ sourceEventId: 'adj-1', type: 'inventory.adjusted', payload: { locationId: 'store-1', sku: 'SKU-9', delta: 7, reason: 'receipt' } });
    writeFileSync(file, `${JSON.stringify(location)}\n${JSON.stringify(adjust)}\n`);

    const sent = jsonOf<any[]>(ok(await runCli(['events', 'send', file, '--url', s.url, '--data', c.data, '--json'], { env: c.env })));
    expect(sent).toEqual([{ eventId: expect.any(String), status: 'accepted' }, { eventId: expect.any(String), status: 'accepted' }]);
    for (const r of sent) {
      const st = await getJson(s.url, `/v1/events/${r.eventId}?wait=10000`, admin);
      expect(st).toMatchObject({ status: 200, body: { status: 'processed' } });
    }
    const stock = await getJson(s.url, '/v1/stock?sku=SKU-9&location=store-1', admin);
    expect(stock.body.items).toEqual([expect.objectContaining({ sku: 'SKU-9', locationId: 'store-1', onHand: 7 })]);

    // Sending the file again: duplicates, with the original ids, and nothing changes.
    const again = jsonOf<any[]>(ok(await runCli(['events', 'send', file, '--url', s.url, '--data', c.data, '--json'], { env: c.env })));
    expect(again).toEqual(sent.map((r) => ({ eventId: r.eventId, status: 'duplicate' })));

    // --secret: no store needed (an empty data dir).
    const other = join(c.data, 'one.json');
    writeFileSync(other, JSON.stringify(envelope({ sourceEventId: 'loc-2', payload: { id: 'store-2', name: 'Two', kind: 'store', lat: 1, lon: 1 } })));
    const empty = newDataDir();
    const explicit = jsonOf<any[]>(ok(await runCli(['events', 'send', other, '--url', s.url, '--secret', secret, '--data', empty, '--json'], { env: {} })));
    expect(explicit).toEqual([{ eventId: expect.any(String), status: 'accepted' }]);

    // Only what the web source sent: the running server's own events (scheduler ticks, decided
    // events of the send above) may land meanwhile.
    const fromOutside = "SELECT COUNT(*) AS n FROM events WHERE source = 'web'";
    const eventsBefore = count(c.data, fromOutside);
    const wrongFile = join(c.data, 'wrong.jsonl');
    writeFileSync(wrongFile, `${JSON.stringify(envelope({ sourceEventId: 'w-1' }))}\n${JSON.stringify(envelope({ sourceEventId: 'w-2' }))}\n`);
    const wrong = await runCli(['events', 'send', wrongFile, '--url', s.url, '--secret', 'whsec_not-the-secret', '--data', empty, '--json'], { env: {} });
    expect(wrong.code).not.toBe(0);
    expect(jsonOf(wrong)).toEqual([expect.objectContaining({ status: 401, code: 'E_SIGNATURE' })]);
    const wrongText = await runCli(['events', 'send', wrongFile, '--url', s.url, '--secret', 'whsec_not-the-secret', '--data', empty], { env: {} });
    expect(wrongText.code).not.toBe(0);
    expect(wrongText.stdout).toContain('401');
    expect(count(c.data, fromOutside)).toBe(eventsBefore);
    expect(count(c.data, "SELECT COUNT(*) AS n FROM events WHERE source_event_id IN ('w-1', 'w-2')")).toBe(0);
  });

  it('a file with an invalid line: exit 2 naming the line, nothing sent', async () => {
    const c = ctx();
    const file = join(c.data, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify(envelope())}\n{"source": "web",\n`);
    const r = await runCli(['events', 'send', file, '--url', 'http://127.0.0.1:9', '--secret', 'x', '--data', c.data, '--json'], { env: c.env });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'E_MALFORMED_JSON', message: expect.stringContaining(':2') });
  });
});

/** Retries an assertion until it passes (for caches with a TTL in the server); not a timing assertion. */
async function eventually(check: () => Promise<void>, attempts = 100): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await check();
    } catch (e) {
      if (i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
