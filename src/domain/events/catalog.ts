import type { z } from 'zod';

/**
 * One definition per event type: its payload schema (validation, types and the OpenAPI document
 * all come from it) and how its subject — the per-aggregate ordering key — is derived when the
 * sender does not give one.
 */
export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  type: string;
  schemaVersion: number;
  /** inbound: senders may post it; decided: only omniops appends it. */
  origin: 'inbound' | 'decided';
  payload: S;
  /** The ordering key, from the payload and the sender (order ids are unique per channel only). */
  subject(payload: z.infer<S>, meta: { source: string }): string;
  description: string;
}

export function defineEvent<S extends z.ZodType>(def: EventDefinition<S>): EventDefinition<S> {
  return def;
}

export class EventCatalog {
  private readonly byType = new Map<string, EventDefinition>();

  register(...defs: EventDefinition[]): this {
    for (const d of defs) {
      if (this.byType.has(d.type)) throw new Error(`event type ${d.type} registered twice`);
      this.byType.set(d.type, d);
    }
    return this;
  }

  get(type: string): EventDefinition | undefined {
    return this.byType.get(type);
  }

  all(): EventDefinition[] {
    return [...this.byType.values()].sort((a, b) => a.type.localeCompare(b.type));
  }
}
