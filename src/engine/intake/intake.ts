import type { z } from 'zod';
import { nulPath } from '../../domain/nul-path.js';
import { inboundEnvelopeSchema, type InboundEnvelope } from '../../domain/events/envelope.js';
import type { EventCatalog } from '../../domain/events/catalog.js';
import { DomainError, type FieldIssue } from '../../domain/errors.js';
import { canonicalJson, payloadDigest } from '../../domain/canonical-json.js';
import type { Store } from '../../store/port.js';
import { appendEvents, isEventAppender, type AppendOutcome, type NewEventRow } from '../../store/repos/events.js';
import { GroupCommit } from './group-commit.js';
import { newEventId } from '../ids.js';

export type IntakeResult =
  | { ok: true; eventId: string; status: 'accepted' | 'duplicate' }
  | { ok: false; error: DomainError };

/** A batch taken in whole (every row's outcome, in order) or refused whole (nothing of it is in the log). */
export type BatchIntakeResult =
  | { ok: true; results: Array<{ eventId: string; status: 'accepted' | 'duplicate' }> }
  | { ok: false; error: DomainError; index: number };

export interface IntakeOptions {
  maxBatch: number;
  /** Groups out at once where the store's appends may overlap (config intake.groupsInFlight); default 1. */
  groupsInFlight?: number;
  /** Called after each commit with the ids of newly accepted events (wakes the dispatcher). */
  onAccepted?: (ids: string[]) => void;
  clock?: () => number;
}

export interface IntakeMeta {
  /** omniops' own producers (the scheduler) may append decided event types; senders may not. */
  internal?: boolean;
  actor?: string | null;
  actorRole?: string | null;
  causationId?: string | null;
}

/**
 * Takes envelopes in: validates each against the catalog, derives its subject, and appends it to
 * the log through group commit. An event is acknowledged only once it is durably committed.
 */
export class Intake {
  private readonly committer: GroupCommit<NewEventRow, AppendOutcome>;
  private readonly clock: () => number;

  constructor(
    private readonly store: Store,
    private readonly catalog: EventCatalog,
    private readonly options: IntakeOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    // A store with an append path of its own (SQLite: the engine thread's writer, or a worker
    // thread; either keeps the commit's fsync off this event loop) takes the group directly; others
    // append in a transaction.
    const commit = isEventAppender(store)
      ? (rows: NewEventRow[]) => store.appendEvents(rows)
      : (rows: NewEventRow[]) => store.transaction((tx) => appendEvents(tx, rows));
    this.committer = new GroupCommit<NewEventRow, AppendOutcome>(
      commit,
      options.maxBatch,
      (outs) => {
        const ids = outs.filter((o) => o.kind === 'appended').map((o) => o.id);
        if (ids.length > 0) options.onAccepted?.(ids);
      },
      () => (isEventAppender(store) && store.appendsOverlap?.() ? (options.groupsInFlight ?? 1) : 1),
    );
  }

  /** Validates without writing: throws DomainError (E_SCHEMA / E_UNKNOWN_TYPE). */
  prepare(raw: unknown, meta: IntakeMeta = {}): NewEventRow {
    const env = inboundEnvelopeSchema.safeParse(raw);
    if (!env.success) throw schemaError(env.error, '');
    const e: InboundEnvelope = env.data;
    const def = this.catalog.get(e.type);
    if (!def || (def.origin === 'decided' && !meta.internal)) {
      throw new DomainError('E_UNKNOWN_TYPE', `unknown event type '${e.type}'`, { issues: [{ path: 'type', message: 'not an accepted event type' }] });
    }
    const version = e.schemaVersion ?? def.schemaVersion;
    if (version !== def.schemaVersion) {
      throw new DomainError('E_SCHEMA', `schemaVersion ${version} of ${e.type} is not supported (current ${def.schemaVersion})`, {
        issues: [{ path: 'schemaVersion', message: `expected ${def.schemaVersion}` }],
      });
    }
    const payload = def.payload.safeParse(e.payload);
    if (!payload.success) throw schemaError(payload.error, 'payload.');
    const now = this.clock();
    const data = payload.data as Record<string, unknown>;
    const payloadJson = JSON.stringify(data);
    // PostgreSQL text cannot hold U+0000 (22021): such an event was taken in (202) there and then
    // dead-lettered after its attempts, while SQLite kept it. Refused here on both stores. JSON.stringify
    // writes U+0000 only as the escape \u0000, so one scan of the text we store anyway finds every
    // candidate (a value or a key) on the hot path; the walk that names the field runs only on a hit
    // (an escaped backslash before "u0000" is a hit that names none, and passes).
    if (payloadJson.includes('\\u0000')) {
      const at = nulPath(data);
      if (at !== null) throw nulRefused(at ? `payload.${at}` : 'payload');
    }
    // Of the envelope's own text only the subject is free; source, ids, type and times are held to
    // patterns without control characters by the envelope schema.
    if (e.subject?.includes('\u0000')) throw nulRefused('subject');
    const id = newEventId(now);
    return {
      id,
      source: e.source,
      sourceEventId: e.sourceEventId,
      type: e.type,
      schemaVersion: version,
      occurredAt: e.occurredAt,
      receivedAt: new Date(now).toISOString(),
      receivedMs: now,
      subject: e.subject ?? def.subject(data, { source: e.source }),
      payloadJson,
      // The sender's payload as sent (canonicalised), so defaults we fill in never make a resend differ.
      payloadHash: payloadDigest(e.type, canonicalJson(e.payload)),
      causationId: meta.causationId ?? null,
      correlationId: e.correlationId ?? id,
      actor: meta.actor ?? null,
      actorRole: meta.actorRole ?? null,
      status: 'pending',
    };
  }

  async submit(raw: unknown, meta: IntakeMeta = {}): Promise<IntakeResult> {
    let row: NewEventRow;
    try {
      row = this.prepare(raw, meta);
    } catch (e) {
      if (e instanceof DomainError) return { ok: false, error: e };
      throw e;
    }
    return toResult(await this.committer.submit(row));
  }

  async submitMany(raws: unknown[], meta: IntakeMeta = {}): Promise<IntakeResult[]> {
    return Promise.all(raws.map((r) => this.submit(r, meta)));
  }

  /**
   * Takes already-validated rows in all or nothing: one transaction appends them, and if any row's
   * source event id was already used for a different payload (in the log or earlier in the batch)
   * it rolls back, so a sender never has half a batch taken in behind a refusal it was shown. It
   * bypasses group commit: one native message (a till's batch) is one commit of its own.
   */
  async submitAllOrNothing(rows: NewEventRow[]): Promise<BatchIntakeResult> {
    if (rows.length === 0) return { ok: true, results: [] };
    let outcomes: AppendOutcome[];
    try {
      outcomes = await this.store.transaction(async (tx) => {
        const out = await appendEvents(tx, rows);
        const index = out.findIndex((o) => o.kind === 'mismatch');
        if (index >= 0) throw new BatchRefused(index, idempotencyMismatch(out[index]!.id));
        return out;
      });
    } catch (e) {
      if (e instanceof BatchRefused) return { ok: false, error: e.error, index: e.index };
      throw e;
    }
    const accepted = outcomes.filter((o) => o.kind === 'appended').map((o) => o.id);
    if (accepted.length > 0) this.options.onAccepted?.(accepted);
    return { ok: true, results: outcomes.map((o) => ({ eventId: o.id, status: o.kind === 'appended' ? 'accepted' : 'duplicate' })) };
  }

  /** For already-validated rows (the CLI importer, the simulator). */
  async submitPrepared(row: NewEventRow): Promise<IntakeResult> {
    return toResult(await this.committer.submit(row));
  }
}

/** Thrown inside the batch's transaction to roll it back; carries the refusal out. */
class BatchRefused extends Error {
  constructor(readonly index: number, readonly error: DomainError) {
    super(error.message);
  }
}

function toResult(o: AppendOutcome): IntakeResult {
  if (o.kind === 'appended') return { ok: true, eventId: o.id, status: 'accepted' };
  if (o.kind === 'duplicate') return { ok: true, eventId: o.id, status: 'duplicate' };
  return { ok: false, error: idempotencyMismatch(o.id) };
}

function idempotencyMismatch(eventId: string): DomainError {
  return new DomainError('E_IDEMPOTENCY_MISMATCH', 'this source event id was already used for a different payload', { detail: { eventId } });
}

export function schemaError(error: z.ZodError, prefix: string): DomainError {
  const issues: FieldIssue[] = error.issues.map((i) => {
    const joined = i.path.map(String).join('.');
    return { path: joined ? prefix + joined : prefix.replace(/\.$/, '') || '(root)', message: i.message };
  });
  return new DomainError('E_SCHEMA', `invalid: ${issues.map((i) => i.path).join(', ')}`, { issues });
}

function nulRefused(path: string): DomainError {
  return new DomainError('E_SCHEMA', `invalid: ${path}`, { issues: [{ path, message: 'contains a NUL character (U+0000)' }] });
}
