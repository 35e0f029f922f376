/**
 * How far the log may be dispatched on PostgreSQL without running events out of log order.
 *
 * There several transactions append to `events` at once (intake, the availability publisher, the
 * scheduler, other nodes). A row takes its `seq` when inserted and becomes visible when its
 * transaction commits, so a later seq can be visible while an earlier one is still on its way (an
 * intake commit waiting for its WAL flush). Dispatching what is visible would then run the two in
 * commit order, and a replay of the log, in seq order, could decide them the other way round.
 *
 * The dispatcher therefore looks, before each read of pending events, at which other transactions
 * hold a write lock on `events` (`LOG_WRITERS_STATEMENT`: their virtual transaction ids, read after
 * the statement's snapshot) and at the highest seq visible in that snapshot. Every row at or below that
 * seq was inserted before the snapshot, by a transaction that had committed by then (visible) or was
 * holding its lock then (a writer in the list). So:
 *   - no writer in the list: everything up to that seq is visible to any later statement;
 *   - writers in the list: everything up to that seq is visible once all of them are gone — checked
 *     at a later observation (a later writer list contains every earlier writer still running, so
 *     the latest observation whose writers are all gone confirms the most).
 * A writer that holds its lock for long (a stuck session, an open `psql` transaction) would hold
 * dispatch back without end; after `maxWaitMs` the horizon moves on anyway and says so, trading log
 * order for progress, as before this existed.
 *
 * Pure: observations and the wall clock come in as arguments.
 */
export interface LogObservation {
  /** Other transactions holding a write lock on the log when observed (virtual transaction ids). */
  writers: readonly string[];
  /** The highest seq visible in the observation's snapshot. */
  maxSeq: number;
}

export interface HorizonStep {
  /** Pending events at or below this seq may be dispatched. */
  safe: number;
  /** Rows above `safe` may be visible already and wait only for writers to finish: look again soon. */
  holding: boolean;
  /** Set when the wait bound moved the horizon past writers still running. */
  forced?: { waitedMs: number; writers: readonly string[]; upTo: number };
}

interface Candidate {
  writers: ReadonlySet<string>;
  maxSeq: number;
  sinceMs: number;
}

/** At most this many observations wait for confirmation; older ones are covered by later ones. */
const MAX_CANDIDATES = 64;

export class LogHorizon {
  private safe = 0;
  private candidates: Candidate[] = [];

  constructor(private readonly maxWaitMs: number) {}

  advance(obs: LogObservation, nowMs: number): HorizonStep {
    const running = new Set(obs.writers);
    // The newest earlier observation none of whose writers still runs: everything it saw is visible now.
    for (let i = this.candidates.length - 1; i >= 0; i--) {
      const c = this.candidates[i]!;
      if (![...c.writers].some((w) => running.has(w))) {
        this.safe = Math.max(this.safe, c.maxSeq);
        this.candidates = this.candidates.slice(i + 1);
        break;
      }
    }
    let forced: HorizonStep['forced'];
    const oldest = this.candidates[0];
    if (oldest && nowMs - oldest.sinceMs > this.maxWaitMs) {
      forced = { waitedMs: nowMs - oldest.sinceMs, writers: [...oldest.writers].filter((w) => running.has(w)), upTo: oldest.maxSeq };
      this.safe = Math.max(this.safe, oldest.maxSeq);
      this.candidates.shift();
    }
    if (running.size === 0) {
      this.safe = Math.max(this.safe, obs.maxSeq);
      this.candidates = [];
    } else if (obs.maxSeq > this.safe && obs.maxSeq > (this.candidates.at(-1)?.maxSeq ?? 0)) {
      this.candidates.push({ writers: running, maxSeq: obs.maxSeq, sinceMs: nowMs });
      if (this.candidates.length > MAX_CANDIDATES) this.candidates.shift();
    }
    return { safe: this.safe, holding: this.candidates.length > 0, ...(forced ? { forced } : {}) };
  }
}
