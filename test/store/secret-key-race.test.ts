import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { childEnv, newDataDir, removeDataDirs, REPO_ROOT } from '../support/cli.js';
import { loadSecretKey } from '../../src/engine/identity/secret-key.js';

// Processes starting together on a new data directory without OMNIOPS_SECRET_KEY must all end with
// the one key that is on disk: a process that kept a key of its own would seal secrets nobody can
// open once the file holds another's.
const PROCESSES = 4;

/** A child loading the key at the instant `at` (epoch ms), printing what it got. */
const CHILD = `
const [dir, at] = process.argv.slice(1);
const { loadSecretKey } = await import('${pathToFileURL(join(REPO_ROOT, 'src/engine/identity/secret-key.ts')).href}');
while (Date.now() < Number(at) - 2) await new Promise((r) => setTimeout(r, 1));
while (Date.now() < Number(at));
process.stdout.write(loadSecretKey(undefined, dir).toString('base64'));
`;

function loadAt(dir: string, at: number): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, dir, String(at)], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out, err }));
  });
}

afterEach(() => removeDataDirs());

describe('the generated secret key', () => {
  it('processes generating it at the same instant all get the one on disk, and leave no stray files', { timeout: 60_000 }, async () => {
    for (let round = 0; round < 5; round++) {
      const dir = join(newDataDir('omniops-key-'), 'data');
      const at = Date.now() + 3000; // every child has loaded its modules by then
      const results = await Promise.all(Array.from({ length: PROCESSES }, () => loadAt(dir, at)));
      for (const r of results) expect(r.code, r.err).toBe(0);
      const onDisk = readFileSync(join(dir, 'secret.key'), 'utf8').trim();
      expect(results.map((r) => r.out)).toEqual(Array.from({ length: PROCESSES }, () => onDisk));
      expect(readdirSync(dir)).toEqual(['secret.key']);
    }
  });

  it('a key file that is not 32 bytes is E_CONFIG naming it, not a key of the wrong size', () => {
    const dir = newDataDir('omniops-key-');
    writeFileSync(join(dir, 'secret.key'), 'c2hvcnQ=');
    expect(() => loadSecretKey(undefined, dir)).toThrow(/secret key in .*secret\.key is not 32 bytes/);
    expect(existsSync(join(dir, 'secret.key'))).toBe(true);
  });
});
