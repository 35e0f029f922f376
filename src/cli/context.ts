import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { isPostgresUrl, sqliteFile } from '../store/open.js';
import { createApp, type App } from '../app.js';
import { ensureDirectory } from './data-dir.js';
import { probePostgres, storeError } from './store-reach.js';

export { storeError };
import { createLogger } from '../observability/logger.js';
import type { Actor } from '../engine/audit/audited.js';
import { fail } from './output.js';

/** Options every command that touches the store accepts. */
export interface StoreFlags {
  data?: string;
  store?: string;
  config?: string;
  json?: boolean;
  port?: string;
  host?: string;
  [flag: string]: unknown;
}

/** `extra`: settings only some commands take as flags (serve's --role and --transport). */
export function configFrom(flags: StoreFlags, extra: Record<string, unknown> = {}): Config {
  return loadConfig({ config: flags.config, dataDir: flags.data, store: flags.store, port: flags.port, host: flags.host, ...extra });
}

/**
 * configFrom, and then what the store will need checked before it is opened, each ending as a code
 * instead of a stack trace or a hang: the data directory (E_CONFIG, exit 2) and the PostgreSQL server
 * (E_UNAVAILABLE, exit 1, within PG_CONNECT_TIMEOUT_MS; E_CONFIG when it refuses the URL's login or
 * database).
 */
export async function readyConfig(flags: StoreFlags, extra: Record<string, unknown> = {}): Promise<Config> {
  const config = configFrom(flags, extra);
  const postgres = isPostgresUrl(config.store);
  // The data directory holds the SQLite file and, unless a key is configured, secret.key.
  if (!postgres || !config.secretKey) ensureDirectory(config.dataDir, 'data directory', { path: 'dataDir', names: 'OMNIOPS_DATA_DIR / --data' });
  if (!postgres && config.store !== 'sqlite') {
    const file = sqliteFile(config.store, config.dataDir);
    if (file !== ':memory:') ensureDirectory(dirname(file), 'directory of the SQLite file', { path: 'store', names: 'OMNIOPS_STORE / --store' });
  }
  if (postgres) await probePostgres(config.store);
  return config;
}

/** The operator at the terminal: audited as cli:<os user>, with the admin role of the machine. */
export function cliActor(): Actor {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // No passwd entry (some containers): the audit still records that it came from the CLI.
  }
  return { id: `cli:${name}`, role: 'admin' };
}

/** Runs a command against the store without an HTTP server; errors leave as stable codes. */
export async function withApp<T>(flags: StoreFlags, fn: (app: App) => Promise<T>): Promise<T | undefined> {
  let app: App | undefined;
  try {
    const config = await readyConfig(flags);
    app = await createApp(config, { logger: createLogger(process.env.OMNIOPS_LOG_LEVEL ?? 'warn', process.stderr as never) });
    return await fn(app);
  } catch (e) {
    await app?.close().catch(() => undefined);
    app = undefined;
    return fail(storeError(e), Boolean(flags.json));
  } finally {
    await app?.close();
  }
}

export function addStoreOptions<T extends { option(flags: string, description: string): T }>(cmd: T): T {
  return cmd
    .option('--data <dir>', 'data directory (SQLite file inside) [OMNIOPS_DATA_DIR]')
    .option('--store <url>', 'sqlite (default) or postgres://… [OMNIOPS_STORE]')
    .option('--config <file>', 'JSON config file [OMNIOPS_CONFIG]')
    .option('--json', 'machine-readable output');
}
