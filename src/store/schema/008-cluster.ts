import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/** Cluster mode: workers' heartbeats and the partition leases they hold. */
export function clusterSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE cluster_workers (
  id TEXT PRIMARY KEY,
  heartbeat_ms {{BIGINT}} NOT NULL
);
CREATE TABLE partition_leases (
  partition_no INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_ms {{BIGINT}} NOT NULL,
  epoch INTEGER NOT NULL
);
`);
}
