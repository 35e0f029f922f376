/** A UTC day in milliseconds: the anomaly scan counts demand and returns per complete UTC day. */
export const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) an instant falls on: the key the scan's per-day counts are kept under. */
export const utcDay = (ms: number): string => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
