import type { SqlExecutor, Store } from '../store/port.js';

/**
 * Partition leases in the database: a worker owns a partition while its lease is unexpired; it
 * renews every few seconds; a killed worker's leases expire and the partitions are taken over by the
 * others within the TTL. Every processing transaction re-checks its lease (fencing), so a worker that
 * stalled past its lease cannot commit work another worker has taken over.
 */
export class PartitionLeases {
  constructor(
    private readonly store: Store,
    private readonly workerId: string,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async heartbeat(): Promise<void> {
    const now = this.clock();
    await this.store.transaction((tx) =>
      tx.run(`INSERT INTO cluster_workers (id, heartbeat_ms) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms`, [this.workerId, now]),
    );
  }

  async liveWorkers(): Promise<string[]> {
    const rows = await this.store.read.all<{ id: string }>('SELECT id FROM cluster_workers WHERE heartbeat_ms > ? ORDER BY id', [this.clock() - this.ttlMs]);
    return rows.map((r) => r.id);
  }

  /** Takes (or renews) the lease when it is free, expired or already ours; true when we hold it. */
  async acquire(partition: number): Promise<boolean> {
    const now = this.clock();
    return this.store.transaction(async (tx) => {
      await tx.run('INSERT INTO partition_leases (partition_no, owner, expires_ms, epoch) VALUES (?, ?, 0, 0) ON CONFLICT (partition_no) DO NOTHING', [partition, '']);
      const r = await tx.run(
        `UPDATE partition_leases SET owner = ?, expires_ms = ?, epoch = CASE WHEN owner = ? THEN epoch ELSE epoch + 1 END
         WHERE partition_no = ? AND (owner = ? OR expires_ms < ?)`,
        [this.workerId, now + this.ttlMs, this.workerId, partition, this.workerId, now],
      );
      return r.changes === 1;
    });
  }

  async release(partition: number): Promise<void> {
    await this.store.transaction((tx) => tx.run(`UPDATE partition_leases SET expires_ms = 0 WHERE partition_no = ? AND owner = ?`, [partition, this.workerId]));
  }

  async releaseAll(): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.run(`UPDATE partition_leases SET expires_ms = 0 WHERE owner = ?`, [this.workerId]);
      await tx.run(`DELETE FROM cluster_workers WHERE id = ?`, [this.workerId]);
    });
  }

  /** Inside a processing transaction: is the lease still ours? (the fence) */
  async stillHeld(tx: SqlExecutor, partition: number): Promise<boolean> {
    const r = await tx.get<{ owner: string; expires_ms: number }>('SELECT owner, expires_ms FROM partition_leases WHERE partition_no = ?', [partition]);
    return !!r && r.owner === this.workerId && Number(r.expires_ms) > this.clock();
  }
}
