import type pg from 'pg';
import { isConnectionLost, StoreUnavailable } from '../unavailable.js';

/**
 * How long one ordinary statement may go unanswered before its connection is given up (default
 * 30 s). Client-side (node-postgres's per-query `query_timeout`), so it fires when the server is the
 * thing that stopped answering — a server-side statement_timeout cannot. 30 s is far above any
 * statement of the hot path (a dispatcher batch's statements and intake's group insert take
 * milliseconds, a lock wait at most another batch's length) and well below the kernel's TCP
 * retransmission timeout (~15 minutes on Linux) that a silent server would otherwise cost.
 */
export const DEFAULT_PG_QUERY_TIMEOUT_MS = 30_000;

/**
 * A pooled connection whose statements answer within a deadline (0: none, for the long paths). A
 * statement that got no answer in time, or whose connection broke, loses the connection: that one
 * and every later statement on it fail with the same StoreUnavailable (a transaction's ROLLBACK or
 * COMMIT would otherwise queue behind the unanswered statement forever), and release() closes the
 * connection instead of returning it to the pool.
 */
export class Connection {
  private lostWith: StoreUnavailable | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly timeoutMs: number,
  ) {}

  /** Why the connection was given up, if it was. */
  get lost(): StoreUnavailable | undefined {
    return this.lostWith;
  }

  async query(q: string | pg.QueryConfig): Promise<pg.QueryResult> {
    if (this.lostWith) throw this.lostWith;
    const config: pg.QueryConfig = typeof q === 'string' ? { text: q } : q;
    try {
      // query_timeout is read per query by node-postgres (client.js) but absent from QueryConfig's type.
      const timed: pg.QueryConfig = this.timeoutMs > 0 ? ({ ...config, query_timeout: this.timeoutMs } as pg.QueryConfig) : config;
      return await this.client.query(timed);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      this.lostWith = new StoreUnavailable(isDeadline(error) ? new Error(`no answer to a statement within ${this.timeoutMs} ms`, { cause: error }) : error);
      throw this.lostWith;
    }
  }

  /**
   * Back to the pool — or, once lost (or when `error` says the connection is not to be trusted),
   * closed: node-postgres destroys the socket of a client with a statement still in flight, and the
   * server rolls back whatever that connection had open when it notices.
   */
  release(error?: unknown): void {
    const reason = this.lostWith ?? error;
    this.client.release(reason === undefined ? undefined : (reason as Error));
  }
}

/** node-postgres's `query_timeout` expiring (its message is all that tells it apart). */
function isDeadline(error: unknown): boolean {
  return (error as Error | undefined)?.message === 'Query read timeout';
}
