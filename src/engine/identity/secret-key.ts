import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
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
  if (existsSync(file)) return readKey(file);
  mkdirSync(dataDir, { recursive: true });
  // Processes starting together on a new data directory (`serve` and `users add` from one script)
  // must end with one key: written whole to a file of this process's own, then linked into place —
  // a link fails if the name exists, so exactly one wins, and nobody reads a half-written key. The
  // losers read the winner's. (A plain write let each keep a key of its own, the last file winning:
  // secrets sealed by the others could never be opened again.)
  const mine = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(mine, randomBytes(32).toString('base64'), { mode: 0o600 });
  try {
    linkSync(mine, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(mine);
  }
  return readKey(file);
}

function readKey(file: string): Buffer {
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new DomainError('E_CONFIG', `the secret key in ${file} is not 32 bytes of base64: restore it from a backup, or set OMNIOPS_SECRET_KEY`);
  return key;
}
