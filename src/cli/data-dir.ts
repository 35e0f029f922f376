import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DomainError } from '../domain/errors.js';

/**
 * The directory exists (made here if it does not, parents included) and is a writable directory;
 * else E_CONFIG naming the setting. Made one level at a time: Node's recursive mkdir loops forever
 * under /proc (mkdir there answers ENOENT, and it retries the parent).
 */
export function ensureDirectory(dir: string, what: string, setting: { path: string; names: string }): void {
  const refuse = (why: string): never => {
    throw new DomainError('E_CONFIG', `invalid setting '${setting.path}' (${setting.names}): ${what} ${dir}: ${why}`, { issues: [{ path: setting.path, message: why }] });
  };
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    let stat;
    try {
      stat = statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') refuse(`${at} is in a path through a file`);
      if (code !== 'ENOENT') refuse(`cannot look at ${at} (${code ?? 'unknown error'})`);
      missing.unshift(at);
      const parent = dirname(at);
      if (parent === at) refuse('no such directory');
      at = parent;
      continue;
    }
    if (!stat.isDirectory()) refuse(at === resolve(dir) ? 'not a directory' : `${at} is not a directory`);
    break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') refuse(`cannot create ${d} (${code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'not writable' : (code ?? 'unknown error')})`);
    }
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    refuse('not writable');
  }
}
