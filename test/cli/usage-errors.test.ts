import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { allCommands, buildProgram, commandPath, type CliIo } from '../../src/cli/program.js';
import { readyConfig } from '../../src/cli/context.js';
import { ensureDirectory } from '../../src/cli/data-dir.js';
import { probePostgres } from '../../src/cli/store-reach.js';
import { DomainError } from '../../src/domain/errors.js';
import { killChildren, newDataDir, newSecretKey, removeDataDirs, runCli } from '../support/cli.js';

/**
 * Every command answers a command line it cannot take with E_USAGE, exit 2 — commander's own errors
 * included. The tree is walked, so a command added later is covered without a line here: in process
 * (buildProgram with captured output; ~100 children would take minutes), then a handful of real
 * children for the exit codes and what reaches each stream.
 */

class Exited {
  constructor(readonly code: number) {}
}

interface InProcess {
  code: number | undefined;
  out: string;
  err: string;
}

/** Parses `args` as the CLI would; no action may run (a preAction hook fails the test if one does). */
async function parse(args: string[]): Promise<InProcess> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    exit: (code) => {
      throw new Exited(code);
    },
  };
  const program = buildProgram(io);
  program.hook('preAction', (_root, action) => {
    throw new Error(`the action of '${commandPath(action)}' ran for: ${args.join(' ')}`);
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof Exited)) throw e;
    return { code: e.code, out, err };
  }
  return { code: undefined, out, err };
}

const root = buildProgram();
const words = (cmd: Command) => commandPath(cmd).split(' ').slice(1);
const leaves = allCommands(root).filter((c) => c.commands.length === 0);
const groups = allCommands(root).filter((c) => c.commands.length > 0);

/** The mandatory options of a command, each with a value: what it takes to get past them. */
function mandatory(cmd: Command, except?: string): string[] {
  return cmd.options.filter((o) => o.mandatory && o.flags !== except).flatMap((o) => (o.required || o.optional ? [o.long!, 'x'] : [o.long!]));
}

function expectUsage(r: InProcess, cmd: Command, message: string, json: boolean): void {
  const usage = `${commandPath(cmd)} --help`;
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe('');
  if (json) expect(r.err).toBe(`${JSON.stringify({ code: 'E_USAGE', message, usage })}\n`);
  else expect(r.err).toBe(`error E_USAGE: ${message}\nsee: ${usage}\n`);
}

describe('the command tree', () => {
  it('is walked whole: every leaf, nested ones included', () => {
    const paths = leaves.map(commandPath);
    // A floor and a few known ones, so an empty walk cannot pass.
    expect(leaves.length).toBeGreaterThan(40);
    expect(paths).toEqual(expect.arrayContaining(['omniops users add', 'omniops returns settle-owed', 'omniops policies decline', 'omniops simulate', 'omniops serve']));
    expect(groups.map(commandPath)).toEqual(expect.arrayContaining(['omniops', 'omniops users', 'omniops returns']));
  });
});

describe.each(leaves.map((cmd) => [commandPath(cmd), cmd] as const))('%s', (_path, cmd) => {
  const required = cmd.registeredArguments.filter((a) => a.required);
  const mandatoryOptions = cmd.options.filter((o) => o.mandatory);

  it('an unknown option is E_USAGE, exit 2 (text and --json)', async () => {
    const args = [...words(cmd), ...mandatory(cmd), '--no-such-option-zz'];
    expectUsage(await parse(args), cmd, "unknown option '--no-such-option-zz'", false);
    expectUsage(await parse([...args, '--json']), cmd, "unknown option '--no-such-option-zz'", true);
  });

  it.each(required.map((a, i) => [a.name(), i] as const))('without argument <%s>: E_USAGE, exit 2', async (name, i) => {
    const args = [...words(cmd), ...mandatory(cmd), ...required.slice(0, i).map(() => 'a')];
    expectUsage(await parse(args), cmd, `missing required argument '${name}'`, false);
    expectUsage(await parse([...args, '--json']), cmd, `missing required argument '${name}'`, true);
  });

  it.each(mandatoryOptions.map((o) => [o.flags] as const))('without option %s: E_USAGE, exit 2', async (flags) => {
    const args = [...words(cmd), ...required.map(() => 'a'), ...mandatory(cmd, flags)];
    expectUsage(await parse(args), cmd, `required option '${flags}' not specified`, false);
    expectUsage(await parse([...args, '--json']), cmd, `required option '${flags}' not specified`, true);
  });

  const takesAny = cmd.registeredArguments.some((a) => a.variadic);
  it.skipIf(takesAny)('one argument too many: E_USAGE, exit 2', async () => {
    const args = [...words(cmd), ...cmd.registeredArguments.map(() => 'a'), 'one-too-many', ...mandatory(cmd)];
    const r = await parse(args);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error E_USAGE: too many arguments.*\\nsee: ${commandPath(cmd)} --help\\n$`));
  });

  it('--help is exit 0 on stdout', async () => {
    const r = await parse([...words(cmd), '--help']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`Usage: ${commandPath(cmd)}`);
  });
});

describe.each(groups.map((cmd) => [commandPath(cmd), cmd] as const))('%s (a group)', (_path, cmd) => {
  const names = cmd.commands.map((c) => c.name()).join(', ');

  it('without its command: E_USAGE, exit 2, the help after it (text) or one JSON line (--json)', async () => {
    const text = await parse(words(cmd));
    expect(text.code).toBe(2);
    expect(text.out).toBe('');
    expect(text.err).toMatch(new RegExp(`^error E_USAGE: '${commandPath(cmd)}' needs a command: ${names}\\nsee: ${commandPath(cmd)} --help\\n\\nUsage: ${commandPath(cmd)} `));
    // A group has no --json of its own (commander calls it an unknown option): still one line, still E_USAGE.
    const json = await parse([...words(cmd), '--json']);
    expect(json.code).toBe(2);
    expect(json.out).toBe('');
    expect(json.err.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(json.err)).toEqual({ code: 'E_USAGE', message: expect.any(String), usage: `${commandPath(cmd)} --help` });
  });

  it('an unknown command: E_USAGE, exit 2', async () => {
    expectUsage(await parse([...words(cmd), 'no-such-command']), cmd, "unknown command 'no-such-command'", false);
    expectUsage(await parse([...words(cmd), 'no-such-command', '--json']), cmd, "unknown command 'no-such-command'", true);
  });
});

describe('help and version', () => {
  it('--help, help <command> and --version are exit 0 on stdout, nothing on stderr', async () => {
    for (const args of [['--help'], ['help'], ['help', 'users'], ['users', '--help'], ['returns', 'settle-owed', '--help']]) {
      const r = await parse(args);
      expect(r, args.join(' ')).toMatchObject({ code: 0, err: '' });
      expect(r.out, args.join(' ')).toContain('Usage: omniops');
    }
    expect(await parse(['--version'])).toEqual({ code: 0, out: '0.1.0\n', err: '' });
  });

  it('`help <no such command>` is E_USAGE, exit 2', async () => {
    const r = await parse(['help', 'nosuch']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error E_USAGE: unknown command 'nosuch'\nsee: omniops --help\n/);
  });
});

afterEach(async () => {
  await killChildren();
});
afterAll(() => removeDataDirs());

const PER_CLI_RUN_MS = 15_000;

describe('the real CLI (children)', { timeout: 6 * PER_CLI_RUN_MS }, () => {
  it('usage errors: exit 2, E_USAGE on stderr, nothing on stdout; --help and --version exit 0', async () => {
    const [unknown, nested, group, command, help, version] = await Promise.all([
      runCli(['users', 'add', 'x', '--role', 'admin', '--bogus']),
      runCli(['returns', 'settle-owed', '--json']),
      runCli(['users']),
      runCli(['nosuch']),
      runCli(['--help']),
      runCli(['--version']),
    ]);
    expect(unknown).toMatchObject({ code: 2, stdout: '', stderr: "error E_USAGE: unknown option '--bogus'\nsee: omniops users add --help\n" });
    // Nested two deep: the settings set on the root reached the leaf.
    expect(nested).toMatchObject({ code: 2, stdout: '' });
    expect(nested.stderr).toBe(`${JSON.stringify({ code: 'E_USAGE', message: "missing required argument 'caseId'", usage: 'omniops returns settle-owed --help' })}\n`);
    expect(group).toMatchObject({ code: 2, stdout: '' });
    expect(group.stderr).toMatch(/^error E_USAGE: 'omniops users' needs a command: add, list, revoke, key, password\nsee: omniops users --help\n\nUsage: omniops users/);
    expect(command).toMatchObject({ code: 2, stdout: '', stderr: "error E_USAGE: unknown command 'nosuch'\nsee: omniops --help\n" });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: omniops /);
    expect(version).toEqual({ code: 0, signal: null, stdout: '0.1.0\n', stderr: '' });
  });

  it('bad values: a number that is none, an unknown enumerated value, a bad data directory — exit 2 with a code', async () => {
    const data = newDataDir();
    const file = join(data, 'a-file');
    writeFileSync(file, 'not a directory');
    const env = { OMNIOPS_SECRET_KEY: newSecretKey() };
    // A data directory each: two children migrating one new database at once would race.
    const [limit, state, role, notDir, underFile] = await Promise.all([
      runCli(['events', 'dead', '--limit', 'many', '--data', newDataDir(), '--json'], { env }),
      runCli(['replenishment', 'risks', '--state', 'bogus', '--data', newDataDir(), '--json'], { env }),
      runCli(['serve', '--role', 'bogus', '--port', '0', '--data', newDataDir(), '--json'], { env }),
      runCli(['users', 'list', '--data', file, '--json']),
      runCli(['migrate', '--data', join(file, 'sub')]),
    ]);
    expect([limit.code, JSON.parse(limit.stderr)]).toEqual([2, expect.objectContaining({ code: 'E_SCHEMA', errors: [{ path: '--limit', message: expect.any(String) }] })]);
    expect([state.code, JSON.parse(state.stderr)]).toEqual([2, expect.objectContaining({ code: 'E_SCHEMA', errors: [{ path: '--state', message: 'one of open, resolved' }] })]);
    expect([role.code, JSON.parse(role.stderr)]).toEqual([2, expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining("'role'") })]);
    expect([notDir.code, notDir.stdout, JSON.parse(notDir.stderr)]).toEqual([2, '', expect.objectContaining({ code: 'E_CONFIG', errors: [{ path: 'dataDir', message: 'not a directory' }] })]);
    expect(underFile.code).toBe(2);
    expect(underFile.stderr).toMatch(/^error E_CONFIG: invalid setting 'dataDir'.*a-file\/sub.*path through a file/);
    expect(`${underFile.stderr}${notDir.stderr}${role.stderr}`).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('an unreachable PostgreSQL URL: E_UNAVAILABLE, exit 1, soon, the password not shown', async () => {
    const started = Date.now();
    const r = await runCli(['users', 'list', '--store', 'postgres://someone:hunter2@127.0.0.1:1/nowhere', '--json'], { env: { OMNIOPS_SECRET_KEY: newSecretKey() } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({ code: 'E_UNAVAILABLE', message: expect.stringContaining('postgres://redacted@127.0.0.1:1/nowhere') });
    expect(r.stderr).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(PER_CLI_RUN_MS);
  });
});

describe('readyConfig', () => {
  const sockets: Socket[] = [];
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });

  const codeOf = async (p: Promise<unknown> | (() => unknown)) => {
    try {
      await (typeof p === 'function' ? p() : p);
    } catch (e) {
      return e instanceof DomainError ? { code: e.code, message: e.message } : { code: 'not a DomainError', message: String(e) };
    }
    return { code: 'none', message: '' };
  };

  it('a data directory that is a file, under a file, or cannot be made is E_CONFIG; a missing one is made, parents included', async () => {
    const data = newDataDir();
    const file = join(data, 'f');
    writeFileSync(file, '');
    expect(await codeOf(() => ensureDirectory(file, 'data directory', { path: 'dataDir', names: '--data' }))).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('not a directory') });
    expect(await codeOf(readyConfig({ data: join(file, 'x', 'y') }))).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining("'dataDir'") });
    // Node's own recursive mkdir never returns here (/proc answers ENOENT, it retries the parent).
    if (existsSync('/proc/self')) expect(await codeOf(readyConfig({ data: '/proc/omniops-no-such-dir/data' }))).toMatchObject({ code: 'E_CONFIG' });
    const deep = join(data, 'a', 'b', 'c');
    expect((await readyConfig({ data: deep })).dataDir).toBe(deep);
    expect(existsSync(deep)).toBe(true);
    mkdirSync(join(data, 'ro'), { mode: 0o555 });
    // root writes anywhere: the mode cannot make a directory unwritable for it.
    if (process.getuid?.() !== 0) expect(await codeOf(readyConfig({ data: join(data, 'ro') }))).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('not writable') });
  });

  it('a PostgreSQL server that accepts and never answers: E_UNAVAILABLE within the timeout, not a hang', async () => {
    const server = createServer((socket) => void sockets.push(socket)); // accepts, says nothing
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const started = Date.now();
    expect(await codeOf(probePostgres(`postgres://x:secret@127.0.0.1:${port}/db`, 300))).toEqual({ code: 'E_UNAVAILABLE', message: expect.not.stringContaining('secret') });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.runIf(process.env.OMNIOPS_TEST_PG_URL)('a database that does not exist is E_CONFIG (the URL is wrong, not the server away); a good one passes', async () => {
    const url = new URL(process.env.OMNIOPS_TEST_PG_URL!);
    await expect(probePostgres(url.toString())).resolves.toBeUndefined();
    url.pathname = '/omniops_no_such_database';
    expect(await codeOf(probePostgres(url.toString()))).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('omniops_no_such_database') });
  });
});
