import { z } from 'zod';
import { defineEvent } from '../events/catalog.js';
import { ANOMALY_KINDS } from '../anomaly/events.js';
import { CHECK_NAMES, type CheckName } from './finding.js';

/**
 * The results of scheduled controls that read off the write lock (src/engine/scheduler/off-lock.ts):
 * the scheduler reads a snapshot, computes the report with the pure rules, and submits it as one of
 * these, source `scheduler`, source event id `<job>@<slot>` (the same lease as the job's
 * `schedule.tick`: one per slot across processes). Their handlers only write what the report says,
 * so a replay decides the same from the event alone. Subject `schedule:<job>`, as the job's ticks.
 */
const decided = { schemaVersion: 1, origin: 'decided' } as const;
const bySchedule = (p: { job: string }) => `schedule:${p.job}`;
const slot = { job: z.string(), slotMs: z.number().int() };
const checkName = z.enum(CHECK_NAMES as [CheckName, ...CheckName[]]);
const checkpoint = z.object({ seq: z.number().int().min(0), hash: z.string() });

export const booksCheckRead = defineEvent({
  ...decided, type: 'books.check_read', subject: bySchedule,
  description: 'The scheduled books check read the store (a snapshot, off the write lock); its handler opens or counts on the items and leaves books.checked.',
  payload: z.object({
    ...slot,
    checkedAt: z.string().describe('When the snapshot was read (the run\'s time in the audit entry and on /metrics).'),
    ok: z.boolean(), errors: z.number().int().min(0), warnings: z.number().int().min(0),
    counts: z.record(checkName, z.object({ severity: z.enum(['error', 'warning']), found: z.number().int().min(0) })),
    findings: z.array(z.object({ check: checkName, subject: z.string(), detail: z.string(), facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])) }))
      .describe('The first findings of each check with error findings (as many as an item shows); the counts are of all.'),
    audit: z.object({ from: z.number().int(), walked: z.number().int().min(0), ok: z.boolean(), through: checkpoint.optional() }),
    checkpoint: checkpoint.nullable().describe('Where the audit walk started: the last good run\'s head, kept when this walk found a break.'),
  }),
});

const anomalyFinding = z.object({
  kind: z.enum(ANOMALY_KINDS), key: z.string(), day: z.string(), score: z.number(), explanation: z.string(), detail: z.record(z.string(), z.unknown()),
});

export const anomalyScanRead = defineEvent({
  ...decided, type: 'anomaly.scan_read', subject: bySchedule,
  description: 'The scheduled anomaly scan read the order history (a snapshot, off the write lock); its handler records each new finding once and announces it (anomaly.detected).',
  payload: z.object({
    ...slot,
    scannedAt: z.string(),
    policyVersion: z.string(),
    ordersRead: z.number().int().min(0),
    findings: z.array(anomalyFinding).describe('New findings (none recorded yet when read), at most a cap per run.'),
    omitted: z.number().int().min(0).describe('New findings beyond the cap: not carried, found again by the next run.'),
  }),
});

export type BooksCheckRead = z.infer<typeof booksCheckRead.payload>;
export type AnomalyScanRead = z.infer<typeof anomalyScanRead.payload>;
export type AnomalyFinding = z.infer<typeof anomalyFinding>;

export const scheduledReadEventDefinitions = [booksCheckRead, anomalyScanRead];
