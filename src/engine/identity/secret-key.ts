import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DomainError } from '../../domain/errors.js';

/**
 * The key that seals stored secrets. From configuration when given (production: an environment
 * variable from the deployment's secret store); otherwise generated once into the data directory
 * with owner-only permissions, which suits the embedded single-machine default.
 */
export function loadSecretKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) {
    const key = Buffer.from(configured, 'base64');
    if (key.length !== 32) throw new DomainError('E_CONFIG', "invalid setting 'secretKey' (OMNIOPS_SECRET_KEY): must be 32 bytes, base64");
    return key;
  }
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return key;
}
