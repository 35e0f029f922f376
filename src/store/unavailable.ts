/**
 * The store could not be reached in time (no connection within the configured timeout, or the
 * server's address refused or dropped it): nothing was done, and the same request may succeed later.
 * The HTTP API answers it 503 E_UNAVAILABLE, the CLI E_UNAVAILABLE (exit 1) — not E_INTERNAL, which
 * would send an operator looking for a bug instead of at the database.
 */
export class StoreUnavailable extends Error {
  /** A network code (what the CLI's reachability check and operators' log filters look for). */
  readonly code: string;

  constructor(cause: unknown) {
    const message = (cause as Error | undefined)?.message || String((cause as { code?: unknown })?.code ?? cause);
    super(`the store did not answer: ${message}`, { cause });
    this.name = 'StoreUnavailable';
    const code = (cause as { code?: unknown } | null)?.code;
    // A refused or reset connection keeps its errno; a timeout or a SQLSTATE (a server that could not
    // take a connection now) reads as ETIMEDOUT, the code of a connection not had in time.
    this.code = typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : 'ETIMEDOUT';
  }
}

/**
 * Whether an error met while getting a connection means the server is away or cannot take one now
 * (wrapped as StoreUnavailable): no answer at all (a timeout, an errno), or SQLSTATE class 08
 * (connection exception), 53 (too many connections, out of memory) or 57P0x (shutting down, starting
 * up — a failover). A server that answered and refused (a wrong login or database name) is a
 * configuration error and stays as it is.
 */
export function isConnectFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))) return true;
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('57P0');
}
