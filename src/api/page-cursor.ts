import { z } from 'zod';

/**
 * Paging newest first by a time that many rows share (orders placed in one dispatch batch, cases
 * taken in from one marketplace message): a cursor of the time alone (`before=<ms>`, rows strictly
 * older) skipped every row of the last page's millisecond that did not fit on it. The cursor is the
 * last row's time and id, `<ms>:<id>`, and the next page continues after that row. A bare `<ms>` is
 * still taken (what clients built from a timestamp): rows strictly older.
 */
export const beforeCursorSchema = z
  .string()
  .max(200)
  .regex(/^\d{1,16}(:\S{1,150})?$/, 'a time in ms, or the `next` of the previous page')
  .optional();

export interface PageCursor {
  ms: number;
  /** The last row shown at `ms`; absent for a bare time. */
  id?: string;
}

export function parseCursor(v: string | undefined): PageCursor | undefined {
  if (v === undefined) return undefined;
  const at = v.indexOf(':');
  return at < 0 ? { ms: Number(v) } : { ms: Number(v.slice(0, at)), id: v.slice(at + 1) };
}

/** The `next` of a page that was full: its last row's time and id. */
export function nextCursor<T>(rows: readonly T[], limit: number, of: (row: T) => { ms: number; id: string }): string | null {
  if (rows.length < limit || rows.length === 0) return null;
  const last = of(rows[rows.length - 1]!);
  return `${last.ms}:${last.id}`;
}
