import { afterEach, describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeFactories, PG_URL, tempDir } from '../support/stores.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/port.js';
import type { ReadWorkerData, ReadWorkerReply } from '../../src/engine/scheduler/read-worker.js';

/**
 * The scheduled-read process loads only what the reads need (docs/checks.md, "Where the read runs").
 * Through the engine's handler registry (src/engine/handlers/all.ts) it loaded ~290 of the project's
 * modules and spent ~0.5 s of CPU starting, each hour, on the server's cores; an import that brings
 * the handlers back would do so silently. So: fork the read entry as the server does (tsx here, as
 * read-worker.ts does under tests), with a loader hook that writes down every module the ESM loader
 * loads, let it read each job's slot, and look at what it loaded. Both stores.
 */

const ENTRY = fileURLToPath(new URL('../../src/engine/scheduler/read-worker-main.ts', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const tsx = (import.meta as unknown as { resolve(s: string): string }).resolve('tsx');

// Registered in the child before tsx's hooks run its modules: every URL loaded, one a line.
const hooks = `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }`)}`;
const recorder = (file: string) => `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(hooks)}, { data: { file: ${JSON.stringify(file)} } });`)}`;

/** One run of the read entry for `job`: its answer and the files it loaded (paths; builtins left out). */
function readInChild(settings: ReadWorkerData['store'], job: string): Promise<{ reply: ReadWorkerReply; loaded: string[] }> {
  const file = join(tempDir('omniops-read-modules-'), 'loaded.txt');
  const child = fork(ENTRY, [], {
    execArgv: ['--import', tsx, '--import', recorder(file)],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let reply: ReadWorkerReply | undefined;
    child.once('message', (m) => void (reply = m as ReadWorkerReply));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!reply) return reject(new Error(`the read process exited (${code}) without answering`));
      const loaded = readFileSync(file, 'utf8').split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u.replace(/\?.*$/, '')));
      resolve({ reply, loaded });
    });
    child.send({ store: settings, job, slot: { job, slotMs: Date.now(), now: Date.now() } } satisfies ReadWorkerData);
  });
}

for (const factory of storeFactories()) {
  describe(`the scheduled-read process's modules: ${factory.name}`, { timeout: 120_000 }, () => {
    let opened: { store: Store; dispose(): Promise<void> } | undefined;
    afterEach(async () => {
      await opened?.dispose();
      opened = undefined;
    });

    it('reads each job without loading the engine\'s handlers, the writes\' code, or another store\'s backend', async () => {
      opened = await factory.open();
      const s = opened.store as unknown as { file?: string; schema?: string };
      const settings: ReadWorkerData['store'] = opened.store instanceof SqliteStore
        ? { store: s.file!, dataDir: tempDir() }
        : { store: PG_URL!, dataDir: tempDir(), pgSchema: s.schema! };
      for (const job of ['books-check', 'anomaly-scan']) {
        const { reply, loaded } = await readInChild(settings, job);
        expect(reply, job).toMatchObject({ ok: true });
        const own = loaded.filter((f) => f.startsWith(SRC)).map((f) => f.slice(SRC.length));
        // It did load the job's read code (the hook saw the project's modules at all).
        expect(own, job).toContain('engine/scheduler/read-worker-main.ts');
        // Not the handler registry, the dispatcher, the order engine, nor the writes' code (opening items).
        const engineWrites = ['engine/handlers/', 'engine/dispatch/', 'engine/orders/', 'engine/exceptions/'];
        expect(own.filter((f) => engineWrites.some((w) => f.startsWith(w))), job).toEqual([]);
        // Only the store backend it opens: a SQLite read does not load `pg`.
        if (factory.name === 'sqlite') expect(loaded.filter((f) => f.includes('/node_modules/pg')), job).toEqual([]);
      }
    });
  });
}
