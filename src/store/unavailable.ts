/**
 * The store could not be reached in time (no connection within the configured timeout, the
 * server's address refused or dropped it, or a statement on an open connection got no answer within
 * the query deadline): nothing was done — or, for a lost COMMIT, it is not known whether it was —
 * and the same request may succeed later.
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

/**
 * Whether an error a statement failed with means its connection is gone or went silent (wrapped as
 * StoreUnavailable, the connection closed): the statement deadline expired ('Query read timeout',
 * node-postgres's `query_timeout`), the socket broke (an errno, or node-postgres's own "Connection
 * terminated" / "not queryable"), or the server ended the session (57P01–57P03: shutdown, crash,
 * failover). Whether that statement took effect is unknown — as for any lost connection: a COMMIT
 * that got no answer may have committed (intake's duplicate check and the dispatcher's processed
 * marks make the retry safe). A statement the server answered with an error is not this.
 */
export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (message === 'Query read timeout') return true;
  if (/^Connection terminated|is not queryable|Client was closed/.test(message)) return true;
  if (/^E[A-Z]+$/.test(code)) return true;
  return /^57P0[123]$/.test(code);
}
