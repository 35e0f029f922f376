import type { BreakerState } from '../../connectors/delivery/circuit-breaker.js';
import type { Config } from '../../config.js';
import type { AppendOutcome, NewEventRow } from '../../store/repos/events.js';

/** What the main thread hands the engine thread at start. */
export interface EngineThreadData {
  config: Config;
  /** SQLite only: the SharedArrayBuffer of the shared write lock. */
  lockBuffer?: SharedArrayBuffer;
  /** SQLite only: one Int32 cell, the intake groups posted to the engine thread and not yet appended. */
  postedBuffer?: SharedArrayBuffer;
}

/** Main thread → engine thread. */
export type ToEngine =
  | { kind: 'wake'; loop: 'dispatcher' | 'delivery' }
  | { kind: 'metrics'; id: number }
  /** An intake group to append on the engine's writer (SQLite); answered with 'appended'. */
  | { kind: 'append'; id: number; rows: NewEventRow[] }
  | { kind: 'stop' };

/** A metric as prom-client's getMetricsAsJSON gives it (the aggregator merges these). */
export type MetricJson = Record<string, unknown>;

/** Engine thread → main thread. */
export type FromEngine =
  | { kind: 'ready' }
  | { kind: 'failed'; error: string }
  | { kind: 'settled'; ids: string[] }
  | { kind: 'breakers'; entries: Array<[string, BreakerState]> }
  | { kind: 'metrics'; id: number; metrics: MetricJson[] }
  | { kind: 'appended'; id: number; out?: AppendOutcome[]; error?: { message: string; code?: string } }
  | { kind: 'stopped' };
