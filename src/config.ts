import { readFileSync, existsSync } from 'node:fs';
import { z } from 'zod';
import { DomainError } from './domain/errors.js';

/**
 * Configuration: defaults < config file (--config or OMNIOPS_CONFIG) < environment < flags.
 * Validated once at start; a bad setting stops the process with a message naming it.
 * Operational settings only — business thresholds are policy documents, not configuration.
 */
export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    dataDir: z.string().min(1).default('./data'),
    store: z
      .string()
      .refine((s) => s === 'sqlite' || s.startsWith('sqlite:') || /^postgres(ql)?:\/\//.test(s), 'sqlite, sqlite:<file> or a postgres:// URL')
      .default('sqlite'),
    pgSchema: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('public'),
    pgPoolSize: z.coerce.number().int().min(1).max(200).default(8),
    sqliteSynchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** base64 32-byte key sealing stored secrets; generated into dataDir when absent (embedded use). */
    secretKey: z.string().optional(),
    environment: z.enum(['development', 'test', 'production']).default('development'),
    /** How often channel availability deltas are computed and published (coalescing window). */
    availabilityIntervalMs: z.coerce.number().int().min(50).max(60_000).default(500),
    intake: z
      .object({
        maxBatch: z.coerce.number().int().min(1).max(5000).default(512),
        maxBodyBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        maxDepth: z.coerce.number().int().min(4).max(512).default(32),
        signatureToleranceSeconds: z.coerce.number().int().min(1).max(3600).default(300),
        secretGraceSeconds: z.coerce.number().int().min(0).max(30 * 86400).default(86400),
      })
      .default({ maxBatch: 512, maxBodyBytes: 1024 * 1024, maxDepth: 32, signatureToleranceSeconds: 300, secretGraceSeconds: 86400 }),
    dispatch: z
      .object({
        batchSize: z.coerce.number().int().min(1).max(5000).default(512),
        maxAttempts: z.coerce.number().int().min(1).max(100).default(5),
        backoffBaseMs: z.coerce.number().int().min(1).max(600_000).default(500),
        backoffMaxMs: z.coerce.number().int().min(1).max(3_600_000).default(60_000),
        idlePollMs: z.coerce.number().int().min(5).max(60_000).default(250),
      })
      .default({ batchSize: 512, maxAttempts: 5, backoffBaseMs: 500, backoffMaxMs: 60_000, idlePollMs: 250 }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

const ENV: Record<string, string> = {
  OMNIOPS_HOST: 'host',
  OMNIOPS_PORT: 'port',
  OMNIOPS_DATA_DIR: 'dataDir',
  OMNIOPS_STORE: 'store',
  OMNIOPS_PG_SCHEMA: 'pgSchema',
  OMNIOPS_LOG_LEVEL: 'logLevel',
  OMNIOPS_SECRET_KEY: 'secretKey',
  OMNIOPS_ENVIRONMENT: 'environment',
  OMNIOPS_SQLITE_SYNCHRONOUS: 'sqliteSynchronous',
};

export function loadConfig(flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const file = (flags.config as string | undefined) ?? env.OMNIOPS_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    if (!existsSync(file)) throw new DomainError('E_CONFIG', `config file ${file} does not exist`);
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new DomainError('E_CONFIG', `config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined && env[name] !== '') fromEnv[key] = env[name];
  const fromFlags = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && k !== 'config' && k !== 'json'));
  const merged = { ...fromFile, ...fromEnv, ...fromFlags };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const path = first.path.join('.') || '(root)';
    const envName = Object.entries(ENV).find(([, k]) => k === path)?.[0];
    throw new DomainError('E_CONFIG', `invalid setting '${path}'${envName ? ` (${envName} / --${path})` : ''}: ${first.message}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}
