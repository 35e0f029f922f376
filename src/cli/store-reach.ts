import pg from 'pg';
import { DomainError } from '../domain/errors.js';
import { redactUrl } from '../connectors/delivery/redact.js';

// Whether the PostgreSQL server of a command's store can be reached, checked before the store opens,
// and how a store that went away reads: a code (E_UNAVAILABLE, E_CONFIG), never a stack trace or a hang.

/** How long a command waits for the PostgreSQL server to accept a connection before giving up. */
export const PG_CONNECT_TIMEOUT_MS = 5000;

/** Errors that say the server could not be reached (as opposed to one that answered and refused). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown; errors?: unknown[] };
  if (typeof err?.code === 'string' && UNREACHABLE.has(err.code)) return true;
  if (Array.isArray(err?.errors) && err.errors.some(isUnreachable)) return true; // AggregateError: every address tried
  return typeof err?.message === 'string' && /^Connection terminated|timeout expired/i.test(err.message);
}

/**
 * One connection to the PostgreSQL server, with a timeout: the store's pool has none, so without this
 * a URL whose host drops packets makes the command wait for the operating system's TCP timeout.
 */
export async function probePostgres(url: string, timeoutMs = PG_CONNECT_TIMEOUT_MS): Promise<void> {
  const shown = redactUrl(url); // the password never reaches a message
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  } catch (e) {
    throw new DomainError('E_CONFIG', `invalid setting 'store' (OMNIOPS_STORE / --store): ${shown}: ${(e as Error).message}`);
  }
  client.on('error', () => undefined); // a connection lost after the probe is not this command's concern
  try {
    await client.connect();
  } catch (e) {
    const sqlState = (e as { code?: unknown }).code;
    // 28xxx: the login was refused; 3D000: no such database — the URL is wrong, not the server away.
    if (typeof sqlState === 'string' && (sqlState.startsWith('28') || sqlState === '3D000')) {
      throw new DomainError('E_CONFIG', `invalid setting 'store' (OMNIOPS_STORE / --store): ${shown}: ${(e as Error).message}`);
    }
    if (isUnreachable(e)) throw new DomainError('E_UNAVAILABLE', `PostgreSQL at ${shown} is unreachable: ${(e as Error).message || (e as { code?: string }).code || 'no answer'}`);
    throw new DomainError('E_UNAVAILABLE', `PostgreSQL at ${shown}: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A store that went away after the probe (or mid-command) is E_UNAVAILABLE (exit 1), not E_INTERNAL. */
export function storeError(e: unknown): unknown {
  if (e instanceof DomainError || !isUnreachable(e)) return e;
  return new DomainError('E_UNAVAILABLE', `the store is unreachable: ${(e as Error).message || (e as { code?: string }).code}`);
}
