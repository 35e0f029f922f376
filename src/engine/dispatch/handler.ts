import type { Tx } from '../../store/port.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { DecisionContext } from '../../domain/decision-context.js';

export interface EmittedEvent {
  type: string;
  payload: Record<string, unknown>;
  subject?: string;
}

export interface OutboxMessage {
  destination: string;
  kind: string;
  subject: string;
  payload: Record<string, unknown>;
  /** Send-by time (ms) for a message only worth sending soon (a customer notification); absent: no limit. */
  expiresAt?: number;
}

export interface AuditNote {
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
  detail?: Record<string, unknown>;
}

/**
 * What a handler gets: the event, the transaction it must do all its writes in, a decision context
 * (time = the event's receipt, ids derived from the event) and three collectors. Emitted events,
 * outbox messages and audit notes are written by the dispatcher in the same transaction, after the
 * handler returns — so a handler that throws leaves nothing behind.
 */
export interface HandlerContext {
  readonly tx: Tx;
  readonly event: StoredEvent;
  readonly decision: DecisionContext;
  emit(e: EmittedEvent): void;
  outbox(m: OutboxMessage): void;
  audit(note: AuditNote): void;
}

export interface EventHandler {
  /** The event type this handler reacts to. */
  readonly type: string;
  /** A short name for logs and metrics (several handlers may react to one type). */
  readonly name: string;
  /**
   * Optional filter on a decided event's payload: when no handler of its type wants it (and no
   * automation rule listens), the event is written already processed instead of being dispatched.
   * It must be exactly the condition under which `handle` would do nothing.
   */
  wants?(payload: Record<string, unknown>): boolean;
  /**
   * Optional: reads what a batch's events of this type will need, in one statement, into `tx.kept`
   * before the batch runs them (on PostgreSQL every statement is a round trip). Only reads: of facts
   * no event of the batch can change, or of rows every writer of them keeps up to date in `tx.kept`
   * (stock: see keepCountedStock). `handle` must work the same without it.
   */
  prefetch?(tx: Tx, events: readonly StoredEvent[]): Promise<void>;
  handle(ctx: HandlerContext): Promise<void>;
}

export class HandlerRegistry {
  private readonly byType = new Map<string, EventHandler[]>();

  register(...handlers: EventHandler[]): this {
    for (const h of handlers) {
      const list = this.byType.get(h.type) ?? [];
      list.push(h);
      this.byType.set(h.type, list);
    }
    return this;
  }

  for(type: string): readonly EventHandler[] {
    return this.byType.get(type) ?? [];
  }
}
