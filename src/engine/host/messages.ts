import type { BreakerState } from '../../connectors/delivery/circuit-breaker.js';
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../../config.js';
import type { AppendOutcome, NewEventRow } from '../../store/repos/events.js';

/** What the main thread hands the engine thread at start. */
export interface EngineThreadData {
  config: Config;
  /** SQLite only: the SharedArrayBuffer of the shared write lock. */
  lockBuffer?: SharedArrayBuffer;
  /** SQLite only: one Int32 cell, the intake groups posted to the engine thread and not yet appended. */
  postedBuffer?: SharedArrayBuffer;
  /** SQLite only: the port intake groups come in by (AppendRequest) and are answered on (AppendReply). */
  appendPort?: MessagePort;
}

/** An intake group for the engine's writer (SQLite). */
export interface AppendRequest {
  id: number;
  rows: NewEventRow[];
}

/** Sent after the commit that holds the group, or with the error that kept it out. */
export interface AppendReply {
  id: number;
  out?: AppendOutcome[];
  /** The commit was relaxed: durable once the WAL is synced (the main thread does it). */
  unsynced?: boolean;
  error?: { message: string; code?: string };
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
