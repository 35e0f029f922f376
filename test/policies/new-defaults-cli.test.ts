import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { childEnv, jsonOf, killChildren, newDataDir, newSecretKey, removeDataDirs, REPO_ROOT, runCli, type CliResult } from '../support/cli.js';
import { PG_URL } from '../support/stores.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/port.js';
import { seedOlderOrdersPolicy } from './older-database.js';

/**
 * The operator's view at the terminal of a database made before a release added a default: the real
 * CLI as a child process, on SQLite and (when OMNIOPS_TEST_PG_URL is set) on PostgreSQL.
 */

const PATH = 'notifications.templates.promise_withdrawn';

interface OlderDatabase {
  cli(...args: string[]): Promise<CliResult>;
  /** The arguments and environment that point a command at this database. */
  args: string[];
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** Migrates a database and stores the older orders policy, as an upgraded one holds it, before any omniops command seeds. */
async function olderDatabase(kind: 'sqlite' | 'postgres'): Promise<OlderDatabase> {
  const data = newDataDir('omniops-new-defaults-');
  const env: Record<string, string> = { OMNIOPS_SECRET_KEY: newSecretKey() };
  let store: Store;
  let args = ['--data', data];
  let drop = async () => undefined as void;
  if (kind === 'sqlite') {
    store = new SqliteStore({ file: join(data, 'omniops.db') });
  } else {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const pg = new PostgresStore({ url: PG_URL!, schema, poolSize: 2 });
    store = pg;
    env.OMNIOPS_PG_SCHEMA = schema;
    args = [...args, '--store', PG_URL!];
    drop = async () => {
      const again = new PostgresStore({ url: PG_URL!, schema, poolSize: 1 });
      await again.dropSchema();
      await again.close();
    };
  }
  await store.migrate();
  await store.transaction((tx) => seedOlderOrdersPolicy(tx));
  await store.close();
  return { args, env, cli: (...a) => runCli([...a, ...args], { env }), dispose: drop };
}

function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`exit ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** The cell of a text table's column on the row whose first cell is `first`. */
function cell(text: string, first: string, column: string): string {
  const lines = text.split('\n');
  const header = lines[0]!;
  const at = header.indexOf(column);
  const row = lines.find((l) => l.startsWith(`${first} `))!;
  return row.slice(at).split(/\s{2,}/)[0]!.trim();
}

/** Starts `serve --json` and collects stdout lines until one matches, or fails after the timeout. */
async function serveUntil(db: OlderDatabase, match: (line: string) => boolean, timeoutMs = 45_000): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'serve', '--port', '0', '--host', '127.0.0.1', '--json', ...db.args], {
    cwd: REPO_ROOT, env: childEnv(db.env), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let out = '';
  let err = '';
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching line in time\nstdout: ${lines.join('\n')}${out}\nstderr: ${err}`)), timeoutMs);
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        let nl: number;
        while ((nl = out.indexOf('\n')) >= 0) {
          lines.push(out.slice(0, nl));
          out = out.slice(nl + 1);
          if (match(lines[lines.length - 1]!)) {
            clearTimeout(timer);
            resolve(lines);
          }
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${code ?? signal})\nstdout: ${lines.join('\n')}${out}\nstderr: ${err}`));
      });
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
}

const kinds: Array<'sqlite' | 'postgres'> = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

for (const kind of kinds) {
  describe(`omniops policies, new in defaults: ${kind}`, () => {
    let db: OlderDatabase | undefined;
    afterEach(async () => {
      await killChildren();
      await db?.dispose();
      db = undefined;
      removeDataDirs();
    });

    it('list counts, show lists, and draft --with-new-defaults drafts the active version plus what it lacks; four eyes still apply', async () => {
      db = await olderDatabase(kind);
      const listed = jsonOf<any[]>(ok(await db.cli('policies', 'list', '--json')));
      expect(listed.find((k) => k.kind === 'orders').newInDefaults).toEqual([{ path: PATH, value: 'promise_date_withdrawn' }]);
      const text = ok(await db.cli('policies', 'list')).stdout;
      expect(cell(text, 'orders', 'newInDefaults')).toBe('1');
      expect(cell(text, 'sourcing', 'newInDefaults')).toBe('0');

      const shown = ok(await db.cli('policies', 'show', 'orders')).stdout;
      expect(shown).toContain(`${PATH} = "promise_date_withdrawn"`);
      expect(shown).toContain('omniops policies draft orders --with-new-defaults');
      expect(shown).toContain(`omniops policies decline orders ${PATH} --reason '<why>'`);
      expect(jsonOf(ok(await db.cli('policies', 'show', 'orders', '1', '--json'))).newInDefaults).toEqual([{ path: PATH, value: 'promise_date_withdrawn' }]);

      // A file or the flag, not both and not neither; nothing to take up is a refusal, not an empty draft.
      const neither = await db.cli('policies', 'draft', 'orders');
      expect(neither.code).toBe(2);
      expect(neither.stderr).toContain('E_SCHEMA');
      const nothing = await db.cli('policies', 'draft', 'sourcing', '--with-new-defaults');
      expect(nothing.code).toBe(2);
      expect(nothing.stderr).toContain('E_INVALID_STATE');

      const drafted = jsonOf(ok(await db.cli('policies', 'draft', 'orders', '--with-new-defaults', '--note', 'tell customers when a date is gone', '--json')));
      expect(drafted).toMatchObject({ change: 'drafted', version: 2, added: [PATH] });
      const v2 = jsonOf(ok(await db.cli('policies', 'show', 'orders', '2', '--json')));
      expect(v2).toMatchObject({ status: 'draft', basedOn: 1, newInDefaults: [] });
      expect(v2.note).toContain('tell customers when a date is gone');
      expect(v2.note).toContain(PATH);
      expect(v2.body.notifications.templates.promise_withdrawn).toBe('promise_date_withdrawn');
      expect(v2.body.fraud.holdThreshold).toBe(0.8);

      // The same person cannot approve their own take-up: a second pair of eyes is still needed.
      const own = await db.cli('policies', 'approve', 'orders', '2');
      expect(own.code).toBe(2);
      expect(own.stderr).toContain('E_SOD');
    }, 180_000);

    it('decline: the entry leaves list and show, which name it as declined with who and why; a path not new is refused; twice is once', async () => {
      db = await olderDatabase(kind);
      const wrong = await db.cli('policies', 'decline', 'orders', 'notifications.templates.shipped', '--reason', 'x');
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('E_NOT_NEW_IN_DEFAULTS');
      expect(wrong.stderr).toContain(PATH);
      const unknown = await db.cli('policies', 'decline', 'nope', PATH, '--reason', 'x');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('E_NOT_FOUND');

      const done = jsonOf(ok(await db.cli('policies', 'decline', 'orders', PATH, '--reason', 'the carrier tells them', '--json')));
      expect(done).toMatchObject({ change: 'new_defaults_declined', version: 1, declined: [{ path: PATH, value: 'promise_date_withdrawn' }], reason: 'the carrier tells them', by: expect.stringMatching(/^cli:/) });
      expect(cell(ok(await db.cli('policies', 'list')).stdout, 'orders', 'newInDefaults')).toBe('0');
      const shown = ok(await db.cli('policies', 'show', 'orders')).stdout;
      expect(shown).not.toContain(`${PATH} =`);
      expect(shown).toContain('declined new defaults');
      expect(shown).toContain(`${PATH} — by ${String(done.by)}`);
      expect(shown).toContain('the carrier tells them');
      expect(shown).toContain(`omniops policies undecline orders ${PATH} --reason '<why>'`);
      const nothing = await db.cli('policies', 'draft', 'orders', '--with-new-defaults');
      expect(nothing.stderr).toContain('E_INVALID_STATE');

      const again = ok(await db.cli('policies', 'decline', 'orders', PATH, '--reason', 'again'));
      expect(again.stdout).toContain(`declined before: ${PATH}`);
      // Eight CLI processes: 140 s on SQLite with the PostgreSQL run beside it on the shared 2-core machine.
    }, 300_000);

    it('undecline: takes a decline back (listed as new again); a path not declined, or taken back already, is refused naming what is declined', async () => {
      db = await olderDatabase(kind);
      const never = await db.cli('policies', 'undecline', 'orders', PATH, '--reason', 'we want it');
      expect([never.code, never.stderr.includes('E_NOT_DECLINED')], never.stderr).toEqual([2, true]);
      expect(never.stderr).toContain('declined now: nothing');
      ok(await db.cli('policies', 'decline', 'orders', PATH, '--reason', 'the carrier tells them'));
      const blank = await db.cli('policies', 'undecline', 'orders', PATH, '--reason', ' ');
      expect([blank.code, blank.stderr.includes('E_SCHEMA')], blank.stderr).toEqual([2, true]);

      const back = jsonOf(ok(await db.cli('policies', 'undecline', 'orders', PATH, '--reason', 'customers asked for it', '--json')));
      expect(back).toMatchObject({ change: 'new_defaults_undeclined', version: 1, undeclined: [{ path: PATH, value: 'promise_date_withdrawn' }], reason: 'customers asked for it', by: expect.stringMatching(/^cli:/) });
      const shown = ok(await db.cli('policies', 'show', 'orders')).stdout;
      expect(shown).toContain(`${PATH} = "promise_date_withdrawn"`);
      expect(shown).not.toContain('declined new defaults');

      const twice = await db.cli('policies', 'undecline', 'orders', PATH, '--reason', 'again');
      expect([twice.code, twice.stderr.includes('E_NOT_DECLINED')], twice.stderr).toEqual([2, true]);
      expect(twice.stderr).toContain(`${PATH} is not declined`);
    }, 300_000);

    it('serve warns once, after its start line, for the kind whose active version lacks default keys', async () => {
      db = await olderDatabase(kind);
      const lines = await serveUntil(db, (l) => l.includes('--with-new-defaults'));
      expect(JSON.parse(lines[0]!)).toMatchObject({ url: expect.any(String) });
      const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('policy '));
      expect(warnings).toEqual([expect.objectContaining({ level: 40, kind: 'orders', activeVersion: 1, newInDefaults: [PATH] })]);
      expect(warnings[0]!.msg).toContain(`decline them with: omniops policies decline orders ${PATH} --reason '<why>'`);
    }, 60_000);
  });
}
