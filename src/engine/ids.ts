import { createHash, randomUUID } from 'node:crypto';
import type { DecisionContext } from '../domain/decision-context.js';

/** Ids for new things arriving from outside: random, never derived. */
export function newEventId(): string {
  return randomUUID();
}

/**
 * Ids decided while handling an event are derived from that event's id, the kind of thing and a
 * counter, so replaying the same history yields the same ids (and the same decisions).
 */
export function derivedId(seed: string, kind: string, n: number): string {
  const h = createHash('sha256').update(`${seed}\u0000${kind}\u0000${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function decisionContextFor(eventId: string, nowMs: number): DecisionContext {
  const counters = new Map<string, number>();
  return {
    now: nowMs,
    newId(kind: string) {
      const n = (counters.get(kind) ?? 0) + 1;
      counters.set(kind, n);
      return derivedId(eventId, kind, n);
    },
  };
}
