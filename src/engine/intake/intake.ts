import type { z } from 'zod';
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
    store: Store,
    private readonly catalog: EventCatalog,
    options: IntakeOptions,
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
      payloadJson: JSON.stringify(data),
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

  /** For already-validated rows (the CLI importer, the simulator). */
  async submitPrepared(row: NewEventRow): Promise<IntakeResult> {
    return toResult(await this.committer.submit(row));
  }
}

function toResult(o: AppendOutcome): IntakeResult {
  if (o.kind === 'appended') return { ok: true, eventId: o.id, status: 'accepted' };
  if (o.kind === 'duplicate') return { ok: true, eventId: o.id, status: 'duplicate' };
  return {
    ok: false,
    error: new DomainError('E_IDEMPOTENCY_MISMATCH', 'this source event id was already used for a different payload', {
      detail: { eventId: o.id },
    }),
  };
}

export function schemaError(error: z.ZodError, prefix: string): DomainError {
  const issues: FieldIssue[] = error.issues.map((i) => {
    const joined = i.path.map(String).join('.');
    return { path: joined ? prefix + joined : prefix.replace(/\.$/, '') || '(root)', message: i.message };
  });
  return new DomainError('E_SCHEMA', `invalid: ${issues.map((i) => i.path).join(', ')}`, { issues });
}
