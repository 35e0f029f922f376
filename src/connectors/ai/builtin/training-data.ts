import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { normalizeText, sha256Hex } from '../../../domain/ai/digest.js';
import { RETURN_REASON_CATEGORIES, TICKET_CATEGORIES, TICKET_PRIORITIES } from '../../../domain/ai/labels.js';
import type { ReturnReasonCategory, TicketCategory, TicketPriority } from '../../../domain/ai/labels.js';

/**
 * The project's own labeled examples (ai/training/*.jsonl). A fixed share of them, chosen by a hash
 * of the text, is held out and never trained on: the split does not move when examples are added
 * elsewhere in the file, so evaluation numbers stay comparable between versions of the data.
 */
export const HELD_OUT_PERCENT = 25;

export interface LabeledText<L extends string> {
  readonly text: string;
  readonly label: L;
}

export interface LabeledTicket extends LabeledText<TicketCategory> {
  readonly priority: TicketPriority;
}

/** `<repo>/ai/training`, found from this file in both `src/` (tsx, vitest) and `dist/` (built). */
export function defaultTrainingDir(): string {
  return fileURLToPath(new URL('../../../../ai/training/', import.meta.url));
}

const returnLine = z.object({ text: z.string().min(1), label: z.enum(RETURN_REASON_CATEGORIES) }).strict();
const ticketLine = z
  .object({ text: z.string().min(1), category: z.enum(TICKET_CATEGORIES), priority: z.enum(TICKET_PRIORITIES) })
  .strict();

function readJsonl<T>(path: string, schema: z.ZodType<T>): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, n }) => {
      const parsed = schema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${path}:${n}: ${parsed.error.message}`);
      return parsed.data;
    });
}

export function loadReturnReasonExamples(dir = defaultTrainingDir()): LabeledText<ReturnReasonCategory>[] {
  return readJsonl(`${dir}/return-reasons.jsonl`, returnLine);
}

export function loadTicketExamples(dir = defaultTrainingDir()): LabeledTicket[] {
  return readJsonl(`${dir}/tickets.jsonl`, ticketLine).map((t) => ({ text: t.text, label: t.category, priority: t.priority }));
}

export function isHeldOut(text: string): boolean {
  return parseInt(sha256Hex(normalizeText(text)).slice(0, 8), 16) % 100 < HELD_OUT_PERCENT;
}

export function splitExamples<T extends { text: string }>(examples: readonly T[]): { train: T[]; heldOut: T[] } {
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const e of examples) (isHeldOut(e.text) ? heldOut : train).push(e);
  return { train, heldOut };
}
