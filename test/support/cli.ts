import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { signBody, SIGNATURE_HEADER } from '../../src/domain/security/signature.js';

/** The repository root: children run `node --import tsx src/cli/main.ts` from here, as a user would. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(REPO_ROOT, 'src', 'cli', 'main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A base64 32-byte key, as OMNIOPS_SECRET_KEY expects. */
export function newSecretKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * The child's environment: the parent's minus every OMNIOPS_* variable (CI exports some; a child
 * must only see what its test gives it), plus the given ones.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OMNIOPS_')) env[k] = v;
  env.NODE_NO_WARNINGS = '1';
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

const children = new Set<ChildProcess>();

function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs one CLI command to completion. */
export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnCli(args, childEnv(opts.env));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`omniops ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 45_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Parses a command's --json stdout, with the whole output in the error when it is not JSON. */
export function jsonOf<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

export interface Served {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Every stdout line up to and including the start line. */
  linesBeforeUrl: string[];
  stderr(): string;
  /** Resolves when the process has exited (after a kill). */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `serve --port 0 --json` and reads the URL from its start line. */
export function startServe(dataDir: string, opts: { env?: Record<string, string | undefined>; args?: string[]; timeoutMs?: number } = {}): Promise<Served> {
  const child = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1', '--json', '--data', dataDir, ...(opts.args ?? [])], childEnv(opts.env));
  let out = '';
  let err = '';
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not print its URL in time\nstdout: ${out}\nstderr: ${err}`));
    }, opts.timeoutMs ?? 45_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (found) return; // later output (logs) is drained and dropped
      out += d;
      let nl: number;
      while (!found && (nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        lines.push(line);
        let parsed: { url?: unknown; msg?: unknown } | undefined;
        try {
          parsed = JSON.parse(line) as { url?: unknown; msg?: unknown };
        } catch {
          parsed = undefined;
        }
        if (parsed && typeof parsed.url === 'string' && parsed.msg === undefined) {
          found = true;
          clearTimeout(timer);
          resolve({
            child,
            pid: child.pid!,
            url: parsed.url,
            linesBeforeUrl: lines,
            stderr: () => err,
            exited,
            async kill(signal = 'SIGKILL') {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              await exited;
            },
          });
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (found) return;
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before printing its URL\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** Kills every child this module started that is still running, and waits for them to exit. */
export async function killChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
}

const dirs: string[] = [];

export function newDataDir(prefix = 'omniops-cli-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeDataDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Opens the data directory's SQLite file directly (for assertions and for tampering). */
export function withDb<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, 'omniops.db'));
  db.pragma('busy_timeout = 10000');
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function count(dataDir: string, sql: string, ...params: unknown[]): number {
  return withDb(dataDir, (db) => Number((db.prepare(sql).get(...params) as { n: number }).n));
}

/** POSTs a raw body to /v1/events signed with `secret`. `null` means the connection failed (fate unknown). */
export async function postSigned(url: string, secret: string, raw: string): Promise<{ status: number; body: any } | null> {
  try {
    const res = await fetch(new URL('/v1/events', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, raw, Math.floor(Date.now() / 1000)) },
      body: raw,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep text
    }
    return { status: res.status, body };
  } catch {
    return null;
  }
}

export async function getJson(url: string, path: string, key: string): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body };
}
