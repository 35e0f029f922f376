import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childEnv, jsonOf, killChildren, REPO_ROOT, newDataDir, newSecretKey, removeDataDirs, runCli, withDb, type CliResult } from '../support/cli.js';
import { PG_URL } from '../support/stores.js';
import { migrationsFor } from '../../src/store/schema/index.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';

/**
 * Several processes opening the same new store at once (an ops script running `serve` and
 * `users add` together, a container entrypoint, the workers of a cluster): every one must find
 * the schema migrated exactly once, none fail with "table … already exists".
 */

const PROCESSES = 4;
const LATEST = migrationsFor('sqlite').length;

afterEach(async () => {
  await killChildren();
  removeDataDirs();
});

/**
 * A child process that opens the store and migrates it at the instant `at` (epoch ms): the CLI's
 * start-up (a second or more, varying by hundreds of ms) spreads processes too far apart to race
 * every time, and a race that a test hits one run in three proves nothing.
 */
const CHILD = `
const [kind, target, schema, at] = process.argv.slice(1);
const mod = kind === 'sqlite' ? '${pathToFileURL(join(REPO_ROOT, 'src/store/sqlite/sqlite-store.ts')).href}' : '${pathToFileURL(join(REPO_ROOT, 'src/store/postgres/postgres-store.ts')).href}';
const { SqliteStore, PostgresStore } = await import(mod);
while (Date.now() < Number(at) - 2) await new Promise((r) => setTimeout(r, 1));
while (Date.now() < Number(at));
const store = kind === 'sqlite' ? new SqliteStore({ file: target }) : new PostgresStore({ url: target, schema, poolSize: 1 });
try {
  process.stdout.write(JSON.stringify({ applied: await store.migrate() }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message || e) }));
  process.exitCode = 1;
} finally {
  await store.close();
}
`;

function migrateAt(kind: 'sqlite' | 'postgres', target: string, schema: string, at: number): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, kind, target, schema, String(at)], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (clearTimeout(timer), resolve({ code, out, err })));
  });
}

/** Every child succeeded, and together they applied each migration once. */
async function allMigrateOnce(kind: 'sqlite' | 'postgres', target: string, schema = ''): Promise<void> {
  // Far enough ahead for every child to have loaded the store's modules (~1–2 s each on two cores).
  const at = Date.now() + 4000;
  const results = await Promise.all(Array.from({ length: PROCESSES }, () => migrateAt(kind, target, schema, at)));
  for (const r of results) if (r.code !== 0) throw new Error(`a migrating process failed (exit ${r.code}): ${r.out} ${r.err}`);
  const applied = results.map((r) => (JSON.parse(r.out) as { applied: number }).applied);
  expect(applied.reduce((a, b) => a + b, 0)).toBe(migrationsFor(kind).length);
}

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

describe('concurrent migrations', () => {
  it('sqlite: processes migrating one new data directory at once all succeed (CLI)', async () => {
    const data = newDataDir('omniops-migrate-');
    const env = { OMNIOPS_SECRET_KEY: newSecretKey() };
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => runCli(['migrate', '--json', '--data', data], { env })));
    for (const r of results) expect(jsonOf(ok(r))).toMatchObject({ schemaVersion: LATEST, store: 'sqlite' });
    const versions = withDb(data, (db) => db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>);
    expect(versions.map((v) => v.version)).toEqual(migrationsFor('sqlite').map((m) => m.version));
  });

  it('sqlite: processes opening one new database file at the same instant all succeed', async () => {
    const file = join(newDataDir('omniops-migrate-'), 'omniops.db');
    await allMigrateOnce('sqlite', file);
    const versions = withDb(join(file, '..'), (db) => db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>);
    expect(versions.map((v) => v.version)).toEqual(migrationsFor('sqlite').map((m) => m.version));
  });

  describe.skipIf(!PG_URL)('postgres', () => {
    const schemas: string[] = [];
    afterEach(async () => {
      for (const schema of schemas.splice(0)) {
        const s = new PostgresStore({ url: PG_URL!, schema });
        await s.dropSchema();
        await s.close();
      }
    });

    function freshSchema(): string {
      const schema = `t_mig_${randomBytes(5).toString('hex')}`;
      schemas.push(schema);
      return schema;
    }

    it('store instances migrating one new schema at once all succeed, once', async () => {
      // Three rounds, each on a schema of its own: one round hits the race most times, not every time.
      for (let round = 0; round < 3; round++) {
        const schema = freshSchema();
        const stores = Array.from({ length: PROCESSES * 2 }, () => new PostgresStore({ url: PG_URL!, schema, poolSize: 1 }));
        try {
          // Connected first, so that every migrate() reaches the server in the same few milliseconds.
          await Promise.all(stores.map((s) => s.read.get('SELECT 1')));
          const counts = await Promise.all(stores.map((s) => s.migrate()));
          expect(counts.reduce((a, b) => a + b, 0)).toBe(migrationsFor('postgres').length);
          const rows = await stores[0]!.read.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
          expect(rows.map((r) => r.version)).toEqual(migrationsFor('postgres').map((m) => m.version));
        } finally {
          for (const s of stores) await s.close();
        }
      }
    });

    it('processes opening one new schema at the same instant all succeed', async () => {
      await allMigrateOnce('postgres', PG_URL!, freshSchema());
    });

    it('processes migrating one new schema at once all succeed (CLI)', async () => {
      const schema = freshSchema();
      const env = { OMNIOPS_SECRET_KEY: newSecretKey(), OMNIOPS_STORE: PG_URL!, OMNIOPS_PG_SCHEMA: schema };
      const data = newDataDir('omniops-migrate-');
      const results = await Promise.all(Array.from({ length: PROCESSES }, () => runCli(['migrate', '--json', '--data', data], { env })));
      for (const r of results) expect(jsonOf(ok(r))).toMatchObject({ schemaVersion: migrationsFor('postgres').length, store: 'postgres' });
    });
  });
});
