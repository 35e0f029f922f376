import { DomainError } from '../../domain/errors.js';
import { HeldWriteFailed, isRetryableConflict, type Store, type Tx } from '../../store/port.js';
import type { EventCatalog } from '../../domain/events/catalog.js';
import { canonicalJson, digestOf, payloadDigest } from '../../domain/canonical-json.js';
import {
  appendDecided, LOG_WRITERS_STATEMENT, logWritersFromRow, markDead, markFailed, markProcessed, pendingEvents, pendingEventsStatement, pendingFromRows,
  type LoggedEvent, type NewEventRow,
} from '../../store/repos/events.js';
import { LogHorizon, type LogObservation } from './log-horizon.js';
import { appendAudit } from '../../store/repos/audit.js';
import type { AuditEntry } from '../audit/entry.js';
import { decisionContextFor, derivedId } from '../ids.js';
import type { AuditNote, EmittedEvent, HandlerContext, HandlerRegistry, OutboxMessage } from './handler.js';
import { insertOutboxRows, type OutboxRow } from '../../store/repos/outbox.js';
import { parkUnrouted } from '../delivery/routes.js';

export interface DispatchSettings {
  batchSize: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  idlePollMs: number;
  /**
   * Wall time after which a batch takes no more events (default 16 ms). The writer is single (SQLite)
   * and a batch runs without yielding to the event loop, so a long batch would hold back every
   * intake commit and every HTTP request behind it; short batches bound the acknowledgement latency.
   * Too short, and intake takes in more than the engine can route: at 8 ms an order load was
   * accepted at ~3,500/s and routed at ~1,950/s (a backlog growing by the second); at 16 ms both
   * ran at ~2,350/s, with ack p99 ~60 ms instead of ~46 (docs/performance.md, round 7).
   */
  batchBudgetMs?: number;
  /**
   * Wall time a batch may run on while no other writer waits for the lock (default 40 ms). Every
   * batch pays a commit, a read of pending events and a processed-mark; while nobody queues behind
   * it, a longer batch spends that once for many events. Never less than `batchBudgetMs`.
   */
  batchMaxMs?: number;
  /**
   * PostgreSQL: how long dispatch waits for a transaction still writing to the log below events
   * already visible (default 2000 ms; see LogHorizon). Past it, events run in commit order.
   */
  logHorizonMaxWaitMs?: number;
  /** PostgreSQL: how soon to look again while visible events wait for such a writer (default 2 ms). */
  logHorizonPollMs?: number;
}

export interface DispatchObserver {
  processed(e: LoggedEvent, latencyMs: number): void;
  failed(e: LoggedEvent, error: unknown, willRetry: boolean): void;
  /** PostgreSQL: dispatch stopped waiting for a writer of the log (LogHorizon's bound). */
  horizonForced?(): void;
  /**
   * A batch's fast run was abandoned and the batch runs again event by event: a handler failed, or a
   * write held back (a batch's counts, new orders, reservations) failed when it went out — on
   * PostgreSQL mostly stock another transaction took before a held reservation reached it.
   */
  rerunCarefully?(reason: 'handler_failed' | 'held_write_failed'): void;
}

export interface DispatcherDeps {
  store: Store;
  catalog: EventCatalog;
  handlers: HandlerRegistry;
  settings: DispatchSettings;
  observer?: DispatchObserver;
  onSettled?: (ids: string[]) => void;
  clock?: () => number;
  random?: () => number;
  log?: (level: 'error' | 'warn', msg: string, fields: Record<string, unknown>) => void;
  /** Runs after an event's handlers, in the same savepoint (automation rules); must not throw for a rule's sake. */
  afterHandlers?: (ctx: HandlerContext) => Promise<void>;
  /**
   * Runs in the batch transaction right after an event is dead-lettered (the exception queues open an
   * item); the audit notes it returns are chained with the batch. It must not throw.
   */
  onDeadLetter?: (tx: Tx, e: LoggedEvent, error: string, nowMs: number) => Promise<AuditNote[]>;
  /**
   * Whether anything (a handler, an automation rule) acts on events of this type. A decided event
   * nobody acts on is written already processed. Without this hook every decided event is pending.
   */
  actsOn?: (type: string, payload: Record<string, unknown>, tx: Tx) => Promise<boolean>;
}

/**
 * Concurrent dispatch transactions on PostgreSQL (each over its own partition of the subjects, under
 * its own advisory lock). Held at 1: with 4, inventory events drain ~1.8× faster, but orders of
 * different subjects reserve the same hot stock rows, and large batches in side-by-side transactions
 * then wait on each other's row locks (measured: order routing nearly stalled). Per-subject order is
 * the only promise either way; smaller batches or ordered locking must come before this goes up.
 */
const PG_PARTITIONS = 1;

/** PostgreSQL: one dispatcher per partition per database (inlined integers: sent with BEGIN, see runBatch). */
function dispatchLockStatement(index: number, count: number): string {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count)) throw new Error(`bad partition ${index}/${count}`);
  return `SELECT pg_try_advisory_xact_lock(hashtext('omniops-dispatch:' || current_schema() || ':${index}/${count}')) AS ok`;
}

interface Outcome {
  settled: string[];
  emitted: number;
  /** Processed in this batch: observed (metrics) only once the batch has committed. */
  processed: LoggedEvent[];
  now: number;
}

/**
 * What a batch's handlers decided, written together just before the batch commits (multi-row
 * INSERTs instead of a statement per row). No handler reads the log or the outbox, so holding the
 * rows until the end of the batch changes nothing they see. A careful batch flushes per event,
 * inside that event's savepoint.
 */
class DecidedWrites {
  readonly events: NewEventRow[] = [];
  /** Outbox rows with the event they come from; their seq (the cause's seq × 1000 + n) is set on flush. */
  readonly outbox: Array<{ row: Omit<OutboxRow, 'seq'>; cause: LoggedEvent; n: number }> = [];
  /** Follow-ups run before they were written: each must be inserted by the flush, or the batch is wrong. */
  readonly ranUnwritten = new Map<string, LoggedEvent>();
  /** The validated payload of each held event, so a follow-up runs on it without parsing its JSON again. */
  readonly payloads = new Map<string, Record<string, unknown>>();

  /** Writes what is held. */
  async flush(tx: Tx, now: number): Promise<void> {
    if (this.events.length > 0) {
      const seqs = await appendDecided(tx, this.events, new Date(now).toISOString());
      for (const [id, e] of this.ranUnwritten) {
        const seq = seqs.get(id);
        // Only a cause processed twice could find its decided events already in the log; the fast
        // path then gives up and the batch runs carefully, without follow-ups.
        if (seq === undefined) throw new FastPathAborted(id, new Error(`follow-up ${id} was already in the log`));
        e.seq = seq;
      }
    }
    if (this.outbox.length > 0) await insertOutboxRows(tx, await parkUnrouted(tx, this.outbox.map((o) => ({ ...o.row, seq: o.cause.seq * 1000 + o.n }))));
    this.events.length = 0;
    this.outbox.length = 0;
    this.ranUnwritten.clear();
    this.payloads.clear();
  }
}

/**
 * What a fast batch knows for running follow-ups (events its handlers decided that a handler acts
 * on) in the same batch. A follow-up may run at once only when nothing earlier of its subject is
 * still pending: no candidate of the batch still ahead, no event of the subject held back, left
 * pending or queued in this batch, and (when the batch did not read every pending event) nothing
 * pending in the log past what it read.
 */
interface FollowUps {
  /** Candidates of each subject the batch has not reached yet. */
  ahead: Map<string, number>;
  /** Subjects with a decided event left pending in this batch: later ones of theirs wait too. */
  waiting: Set<string>;
  /** Follow-ups decided and not yet run, by subject. */
  queued: Map<string, number>;
  /** Whether the batch read fewer pending events than there are (then the log is asked). */
  truncated: boolean;
  lastSeq: number;
  /** Ids run in this batch: still 'pending' in the log until the batch marks them processed. */
  ran: Set<string>;
}

/** Follow-ups of follow-ups, at most this deep in one batch; deeper ones wait for the next batch. */
const MAX_FOLLOW_UP_DEPTH = 4;

interface Processed {
  processed: boolean;
  settled: boolean;
  emitted: number;
}

/** A handler failed on the fast path: the batch transaction is abandoned and run again carefully. */
class FastPathAborted extends Error {
  constructor(
    readonly eventId: string,
    override readonly cause: unknown,
  ) {
    super('handler failed on the fast path');
  }
}

/**
 * Takes pending events in log order, runs their handlers, and commits a whole batch in one
 * transaction (group commit again), each event inside its own savepoint so one failing handler
 * rolls back only its own writes. Per-subject order: while an event waits for a retry, later events
 * of the same subject wait behind it; a dead event stops blocking its subject (it is visible in
 * `events dead` and can be replayed, but a poison event must not stall an aggregate forever).
 */
export class Dispatcher {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly clock: () => number;
  private readonly random: () => number;
  /**
   * Pending events the next batch reads. Every row read is parsed, so reading far more than a batch
   * gets through in its time is wasted work (under intake load a batch does ~6 orders): after a batch
   * that ran out of time this is a little over what it did; after one that ran out of events, twice
   * what it read.
   */
  private readAhead = 64;
  /** PostgreSQL: how far the log is visible in seq order (see LogHorizon); SQLite has one writer. */
  private readonly horizon: LogHorizon;
  /** The last batch left events that wait only for another writer to commit. */
  private holding = false;

  constructor(private readonly deps: DispatcherDeps) {
    this.clock = deps.clock ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.horizon = new LogHorizon(deps.settings.logHorizonMaxWaitMs ?? 2000);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    let errorDelay = 50;
    while (this.running) {
      try {
        this.woken = false;
        const n = await this.runOnce();
        errorDelay = 50;
        if (n > 0 || this.woken) {
          // Let sockets, timers and the intake's commit run between batches: a backlog must not
          // starve the acknowledgements of new events.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        await this.sleep(this.holding ? (this.deps.settings.logHorizonPollMs ?? 2) : this.deps.settings.idlePollMs);
      } catch (error) {
        this.deps.log?.('error', 'dispatch batch failed', { err: String(error) });
        await this.sleep(errorDelay);
        errorDelay = Math.min(errorDelay * 2, 5000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  /** Processes one batch; returns how many events were attempted. */
  async runOnce(): Promise<number> {
    if (this.deps.store.dialect !== 'postgres') return this.runPartition(0, 1);
    // PostgreSQL pays a network round trip per statement, so one transaction at a time leaves the
    // server idle; partitions by subject run side by side, each in a transaction of its own.
    const settled = await Promise.allSettled(Array.from({ length: PG_PARTITIONS }, (_, k) => this.runPartition(k, PG_PARTITIONS)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.reduce((n, r) => n + (r as PromiseFulfilledResult<number>).value, 0);
  }

  /**
   * One batch of one partition of the subjects (all of them when `count` is 1). A subject always
   * falls in the same partition, and a partition has one dispatcher at a time per database (an
   * advisory lock on PostgreSQL; SQLite has one writer), so each subject's events run in log order.
   */
  async runPartition(index: number, count: number): Promise<number> {
    try {
      return await this.runBatch(index, count, 'fast');
    } catch (error) {
      // A held-back write (Tx.beforeNextStatement) that failed as the commit sent it: no event is
      // known to be at fault, so the careful run below provokes it again, inside its own event's savepoint.
      if (error instanceof HeldWriteFailed) {
        this.deps.observer?.rerunCarefully?.('held_write_failed');
        return this.runBatch(index, count, 'careful', new FastPathAborted('', error.cause));
      }
      if (!(error instanceof FastPathAborted)) throw error;
      this.deps.observer?.rerunCarefully?.(error.eventId === '' ? 'held_write_failed' : 'handler_failed');
      // A handler failed with no savepoint to fall back to: the whole batch rolled back, so run it
      // again with one savepoint per event. The events before the failed one replay to the same
      // state, so the failed one would fail the same way: its error is recorded, not provoked again
      // (unless it is no event's: a held-back write that failed when a later statement sent it).
      return this.runBatch(index, count, 'careful', error);
    }
  }

  /**
   * 'fast' runs the batch with no savepoints (on PostgreSQL each costs two round trips per event)
   * and aborts on the first handler failure; 'careful' gives every event its own savepoint. A batch
   * that holds a retry goes careful straight away: its event failed before and may fail again.
   */
  private async runBatch(index: number, count: number, mode: 'fast' | 'careful', failedFast?: FastPathAborted): Promise<number> {
    const { store } = this.deps;
    let attempted = 0;
    const limit = Math.min(this.deps.settings.batchSize, this.readAhead);
    const partition = count > 1 ? { index, count } : undefined;
    // PostgreSQL: the partition's dispatch lock, the log's writers and the pending events come with
    // BEGIN, in one round trip instead of four.
    const opening = store.dialect === 'postgres' ? [dispatchLockStatement(index, count), LOG_WRITERS_STATEMENT, pendingEventsStatement(limit, partition)] : undefined;
    const outcome = await store.transaction(async (tx) => {
      attempted = 0; // the adapter may run this function again after a deadlock
      let candidates: LoggedEvent[];
      if (tx.opened) {
        const [lock, writers, pending] = tx.opened;
        if (!lock?.[0]?.ok) return { settled: [], emitted: 0, processed: [], now: 0 };
        const upTo = this.visibleInOrder(logWritersFromRow(writers?.[0]));
        candidates = pendingFromRows(pending ?? []).filter((e) => e.seq <= upTo);
      } else {
        candidates = await pendingEvents(tx, limit, partition);
      }
      const now = this.clock();
      await this.prefetch(tx, candidates);
      const careful = mode === 'careful' || candidates.some((e) => e.attempts > 0);
      const started = performance.now();
      const budget = this.deps.settings.batchBudgetMs ?? 16;
      const ceiling = Math.max(budget, this.deps.settings.batchMaxMs ?? 40);
      const blocked = new Set<string>();
      const audits: AuditEntry[] = [];
      const writes = new DecidedWrites();
      const result: Outcome = { settled: [], emitted: 0, processed: [], now };
      // Follow-ups run in the batch only where this transaction is the only writer (SQLite): there
      // no event can enter the log while the batch decides what is still pending.
      const followUps: FollowUps | undefined = careful || !tx.contended ? undefined : {
        ahead: new Map(), waiting: new Set(), queued: new Map(), truncated: candidates.length >= limit, lastSeq: candidates.at(-1)?.seq ?? 0, ran: new Set(),
      };
      if (followUps) for (const e of candidates) followUps.ahead.set(e.subject, (followUps.ahead.get(e.subject) ?? 0) + 1);
      let outOfTime = false;
      let followedUp = 0;
      for (const e of candidates) {
        if (attempted > 0) {
          const elapsed = performance.now() - started;
          outOfTime = elapsed > ceiling || (elapsed > budget && (tx.contended?.() ?? true));
          if (outOfTime) break;
        }
        if (followUps) followUps.ahead.set(e.subject, followUps.ahead.get(e.subject)! - 1);
        if (blocked.has(e.subject)) continue;
        if (e.nextAttemptAt > now) {
          blocked.add(e.subject);
          continue;
        }
        attempted++;
        if (followUps) {
          followedUp += await this.processWithFollowUps(tx, e, now, audits, writes, followUps, blocked, result, 0);
          continue;
        }
        const known = failedFast?.eventId === e.id ? failedFast : undefined;
        const done = careful ? await this.processCarefully(tx, e, now, audits, known?.cause) : await this.processFast(tx, e, now, audits, writes);
        if (done.processed) result.processed.push(e);
        if (done.settled) result.settled.push(e.id);
        else blocked.add(e.subject);
        result.emitted += done.emitted;
      }
      this.readAhead = outOfTime ? Math.max(16, Math.ceil(attempted * 1.25) + 4) : Math.min(this.deps.settings.batchSize, Math.max(16, limit * 2));
      // Follow-ups are written already processed (see processWithFollowUps): only events that were
      // in the log before this batch get the processed mark.
      const logged = followedUp > 0 ? result.processed.filter((e) => !writes.ranUnwritten.has(e.id)) : result.processed;
      try {
        await writes.flush(tx, now);
        await markProcessed(tx, logged.map((e) => e.id), new Date(now).toISOString());
        await appendAudit(tx, audits);
      } catch (error) {
        if (error instanceof HeldWriteFailed) throw new FastPathAborted('', error.cause);
        throw error;
      }
      attempted += followedUp;
      return result;
    }, { durability: 'relaxed', ...(opening ? { opening } : {}) });
    for (const e of outcome.processed) this.deps.observer?.processed(e, Math.max(0, outcome.now - e.receivedMs));
    if (outcome.settled.length > 0) this.deps.onSettled?.(outcome.settled);
    if (outcome.emitted > 0) this.woken = true;
    return attempted;
  }

  /** Lets each handler read ahead, in one statement, what the batch's events of its type will need. */
  private async prefetch(tx: Tx, events: readonly LoggedEvent[]): Promise<void> {
    const byType = new Map<string, LoggedEvent[]>();
    for (const e of events) {
      const list = byType.get(e.type);
      if (list) list.push(e);
      else byType.set(e.type, [e]);
    }
    for (const [type, list] of byType) {
      for (const h of this.deps.handlers.for(type)) if (h.prefetch) await h.prefetch(tx, list);
    }
  }

  /** PostgreSQL: the last batch left events that wait only for another transaction writing to the log to commit. */
  get waitsForLogWriters(): boolean {
    return this.holding;
  }

  /** Waits as long as the loop does before it looks at the log's writers again. */
  pauseForLogWriters(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.deps.settings.logHorizonPollMs ?? 2));
  }

  /** PostgreSQL: the highest seq below which every row that will ever commit is visible (LogHorizon). */
  private visibleInOrder(observed: LogObservation): number {
    const step = this.horizon.advance(observed, performance.now());
    this.holding = step.holding;
    if (step.forced) {
      this.deps.log?.('warn', 'dispatch stopped waiting for a transaction still writing to the event log; events may run in commit order, not log order', {
        waitedMs: Math.round(step.forced.waitedMs), writers: step.forced.writers, upToSeq: step.forced.upTo,
      });
      this.deps.observer?.horizonForced?.();
    }
    return step.safe;
  }

  /**
   * Runs an event on the fast path, then the follow-ups it decided that may run at once (see
   * FollowUps), each right after its cause and before anything decided later. A follow-up that may
   * not run is left pending for a later batch, as every decided event was before. Returns how many
   * follow-ups ran. An order's `order.routed` (the ERP push) thus runs in the batch of its
   * `order.placed` instead of queueing behind every order that arrived in between.
   */
  private async processWithFollowUps(tx: Tx, e: LoggedEvent, now: number, audits: AuditEntry[], writes: DecidedWrites, f: FollowUps, blocked: Set<string>, result: Outcome, depth: number): Promise<number> {
    const from = writes.events.length;
    await this.processFast(tx, e, now, audits, writes);
    result.processed.push(e);
    result.settled.push(e.id);
    f.ran.add(e.id);
    const decided = writes.events.slice(from).filter((r) => r.status === 'pending');
    const runNow: NewEventRow[] = [];
    for (const r of decided) {
      if (depth < MAX_FOLLOW_UP_DEPTH && (await this.mayFollowUp(tx, r.subject, f, blocked))) {
        runNow.push(r);
        f.queued.set(r.subject, (f.queued.get(r.subject) ?? 0) + 1);
      } else {
        f.waiting.add(r.subject);
        result.emitted++;
      }
    }
    let ran = 0;
    for (const r of runNow) {
      f.queued.set(r.subject, f.queued.get(r.subject)! - 1);
      // It runs now, before its row is written: the row goes in processed, with this one attempt
      // (as the processed mark would have left it), and never enters the pending index.
      r.status = 'processed';
      r.attempts = 1;
      // Runs before it is written (its row is among the held writes, after its cause's): its seq,
      // needed only for the order of its outbox rows, is filled in when the batch writes them.
      const followUp: LoggedEvent = {
        seq: 0, id: r.id, source: r.source, sourceEventId: r.sourceEventId, type: r.type, schemaVersion: r.schemaVersion,
        occurredAt: r.occurredAt, receivedAt: r.receivedAt, receivedMs: r.receivedMs, subject: r.subject,
        payload: writes.payloads.get(r.id) ?? (JSON.parse(r.payloadJson) as Record<string, unknown>), causationId: r.causationId, correlationId: r.correlationId,
        actor: r.actor, actorRole: r.actorRole, status: 'pending', attempts: 0, lastError: null, nextAttemptAt: 0,
      };
      writes.ranUnwritten.set(followUp.id, followUp);
      ran += 1 + (await this.processWithFollowUps(tx, followUp, now, audits, writes, f, blocked, result, depth + 1));
    }
    return ran;
  }

  private async mayFollowUp(tx: Tx, subject: string, f: FollowUps, blocked: Set<string>): Promise<boolean> {
    if (blocked.has(subject) || f.waiting.has(subject) || (f.queued.get(subject) ?? 0) > 0 || (f.ahead.get(subject) ?? 0) > 0) return false;
    if (!f.truncated) return true;
    const later = await tx.all<{ id: string }>(`SELECT id FROM events WHERE subject = ? AND seq > ? AND status = 'pending' ORDER BY seq LIMIT 16`, [subject, f.lastSeq]);
    return later.every((x) => f.ran.has(x.id)) && later.length < 16;
  }

  /** Runs an event's handlers and writes what they decided; throws what a handler threw. */
  private async apply(tx: Tx, e: LoggedEvent, now: number, writes: DecidedWrites): Promise<{ notes: AuditNote[]; emitted: number }> {
    const emitted: EmittedEvent[] = [];
    const outbox: OutboxMessage[] = [];
    const notes: AuditNote[] = [];
    const ctx: HandlerContext = {
      tx,
      event: e,
      decision: decisionContextFor(e.id, e.receivedMs),
      emit: (x) => emitted.push(x),
      outbox: (m) => outbox.push(m),
      audit: (n) => notes.push(n),
    };
    for (const h of this.deps.handlers.for(e.type)) await h.handle(ctx);
    await this.deps.afterHandlers?.(ctx);
    await this.decide(tx, e, emitted, writes);
    const createdAt = new Date(now).toISOString();
    for (let i = 0; i < outbox.length; i++) {
      writes.outbox.push({ row: { ...outbox[i]!, id: derivedId(e.id, 'outbox', i + 1), eventId: e.id, createdAt }, cause: e, n: i });
    }
    return { notes, emitted: emitted.length };
  }

  private async processFast(tx: Tx, e: LoggedEvent, now: number, audits: AuditEntry[], writes: DecidedWrites): Promise<Processed> {
    let applied: { notes: AuditNote[]; emitted: number };
    try {
      applied = await this.apply(tx, e, now, writes);
    } catch (error) {
      // A deadlock or serialization failure is the batch's, not the event's: the store runs the
      // whole transaction again (still on the fast path) instead of charging the event an attempt.
      if (isRetryableConflict(error)) throw error;
      // A write an earlier event held back failed when this one's statement sent it: not this event's.
      if (error instanceof HeldWriteFailed) throw new FastPathAborted('', error.cause);
      throw new FastPathAborted(e.id, error);
    }
    return this.succeeded(e, now, applied, audits);
  }

  private async processCarefully(tx: Tx, e: LoggedEvent, now: number, audits: AuditEntry[], knownFailure?: unknown): Promise<Processed> {
    const attempts = e.attempts + 1;
    let applied: { notes: AuditNote[]; emitted: number };
    try {
      if (knownFailure !== undefined) throw knownFailure;
      applied = await tx.savepoint(async () => {
        const writes = new DecidedWrites();
        const result = await this.apply(tx, e, now, writes);
        await writes.flush(tx, now);
        return result;
      });
    } catch (error) {
      const willRetry = attempts < this.deps.settings.maxAttempts && !refusedForGood(error);
      const message = errorText(error);
      if (willRetry) await markFailed(tx, e.id, attempts, message, now + this.backoff(attempts));
      else {
        await markDead(tx, e.id, attempts, message, new Date(now).toISOString());
        const notes = (await (this.deps.onDeadLetter ? tx.savepoint(() => this.deps.onDeadLetter!(tx, e, message, now)) : Promise.resolve([])).catch((hookError: unknown) => {
          this.deps.log?.('error', 'dead-letter hook failed', { eventId: e.id, err: errorText(hookError) });
          return [];
        })) ?? [];
        const at = new Date(now).toISOString();
        for (const n of notes) audits.push(auditEntry(n, e.id, at, 'omniops', 'system'));
      }
      this.deps.observer?.failed(e, error, willRetry);
      this.deps.log?.(willRetry ? 'warn' : 'error', willRetry ? 'handler failed, will retry' : 'event dead-lettered', {
        eventId: e.id, type: e.type, attempts, err: message, correlationId: e.correlationId,
      });
      return { processed: false, settled: !willRetry, emitted: 0 };
    }
    return this.succeeded(e, now, applied, audits);
  }

  private succeeded(e: LoggedEvent, now: number, applied: { notes: AuditNote[]; emitted: number }, audits: AuditEntry[]): Processed {
    const at = new Date(now).toISOString();
    for (const n of applied.notes) audits.push(auditEntry(n, e.id, at, e.actor ?? `source:${e.source}`, e.actorRole ?? 'source'));
    return { processed: true, settled: true, emitted: applied.emitted };
  }

  /** Validates what the handlers emitted and adds it to the batch's decided events. */
  private async decide(tx: Tx, cause: LoggedEvent, emitted: EmittedEvent[], writes: DecidedWrites): Promise<void> {
    const rows = writes.events;
    // Decided events carry the decision time of their cause, so replays see the same clock.
    const causeTime = emitted.length > 0 ? new Date(cause.receivedMs).toISOString() : '';
    for (let i = 0; i < emitted.length; i++) {
      const x = emitted[i]!;
      const def = this.deps.catalog.get(x.type);
      if (!def) throw new Error(`handler emitted unknown event type ${x.type}`);
      const parsed = def.payload.safeParse(x.payload);
      if (!parsed.success) throw new Error(`handler emitted an invalid ${x.type}: ${parsed.error.message}`);
      const payload = parsed.data as Record<string, unknown>;
      const pending = this.deps.actsOn ? await this.deps.actsOn(x.type, payload, tx) : true;
      const id = derivedId(cause.id, 'event', i + 1);
      writes.payloads.set(id, payload);
      // Stored as its canonical text (keys sorted): the same JSON, serialised once for row and digest.
      const text = canonicalJson(payload);
      rows.push({
        id,
        source: 'omniops',
        sourceEventId: `${cause.id}/${i + 1}`,
        type: x.type,
        schemaVersion: def.schemaVersion,
        occurredAt: causeTime,
        receivedAt: causeTime,
        receivedMs: cause.receivedMs,
        subject: x.subject ?? def.subject(payload, { source: cause.source }),
        payloadJson: text,
        payloadHash: payloadDigest(x.type, text),
        causationId: cause.id,
        correlationId: cause.correlationId,
        actor: cause.actor,
        actorRole: cause.actorRole,
        status: pending ? 'pending' : 'processed',
        attempts: 0,
      });
    }
  }

  /** Exponential backoff with full jitter, capped. */
  private backoff(attempt: number): number {
    const { backoffBaseMs, backoffMaxMs } = this.deps.settings;
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }
}

/** A handler's audit note as a chain entry, linked to the event that caused it. */
function auditEntry(n: AuditNote, eventId: string, at: string, actor: string, role: string): AuditEntry {
  return {
    at, actor, role, action: n.action, subject: n.subject,
    beforeDigest: n.before === undefined ? null : digestOf(n.before),
    afterDigest: n.after === undefined ? null : digestOf(n.after),
    detail: { eventId, ...(n.detail ?? {}) },
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${(error as { code?: string }).code ? `${(error as { code?: string }).code}: ` : ''}${error.message}`.slice(0, 2000);
  return String(error).slice(0, 2000);
}

/**
 * A handler's refusal of who sent the event (E_ROLE: a channel changing master data it does not own)
 * or of an event that contradicts what is recorded (E_CONFLICT: a PO's receipt at another location,
 * another supplier's confirmation under the same PO number) is the same on every attempt: dead at
 * once, not retried for seconds while the subject's later events wait behind it. Everything else is
 * retried — a payment before its order, stock moved.
 */
function refusedForGood(error: unknown): boolean {
  return error instanceof DomainError && (error.code === 'E_ROLE' || error.code === 'E_CONFLICT');
}
