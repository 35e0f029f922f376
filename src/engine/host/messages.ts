import type { BreakerState } from '../../connectors/delivery/circuit-breaker.js';
import type { Config } from '../../config.js';

/** What the main thread hands the engine thread at start. */
export interface EngineThreadData {
  config: Config;
  /** SQLite only: the SharedArrayBuffer of the shared write lock. */
  lockBuffer?: SharedArrayBuffer;
}

/** Main thread → engine thread. */
export type ToEngine =
  | { kind: 'wake'; loop: 'dispatcher' | 'delivery' }
  | { kind: 'metrics'; id: number }
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
  | { kind: 'stopped' };
