import { z } from 'zod';

/**
 * The canonical envelope a sender gives us (SPEC §3). omniops adds id, receivedAt, causationId and
 * correlationId at intake. (source, sourceEventId) is the idempotency key.
 */
export const idText = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:\-/#@]*$/, 'letters, digits and . _ : - / # @ only');

export const inboundEnvelopeSchema = z
  .object({
    source: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - only'),
    sourceEventId: idText,
    type: z.string().min(3).max(64).regex(/^[a-z_]+\.[a-z_.]+$/, 'a dotted event type such as order.placed'),
    schemaVersion: z.number().int().min(1).max(1000).optional(),
    occurredAt: z.iso.datetime({ offset: true }),
    subject: z.string().min(1).max(200).optional(),
    correlationId: idText.optional(),
    payload: z.record(z.string(), z.unknown()),
  })
  .strict();

export type InboundEnvelope = z.infer<typeof inboundEnvelopeSchema>;

export type EventStatus = 'pending' | 'processed' | 'dead';

/** An event as the log keeps it. */
export interface StoredEvent<P = Record<string, unknown>> {
  seq: number;
  id: string;
  source: string;
  sourceEventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  receivedAt: string;
  receivedMs: number;
  subject: string;
  payload: P;
  causationId: string | null;
  correlationId: string;
  actor: string | null;
  actorRole: string | null;
  status: EventStatus;
  attempts: number;
  lastError: string | null;
}
