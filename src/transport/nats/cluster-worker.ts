import { AckPolicy, DeliverPolicy, type Consumer, type JsMsg } from 'nats';
import type { Store } from '../../store/port.js';
import type { Dispatcher } from '../../engine/dispatch/dispatcher.js';
import type { JetStream } from './jetstream.js';
import { PartitionLeases } from '../leases.js';
import { preferredOwner } from '../partition.js';

export interface ClusterWorkerSettings {
  workerId: string;
  partitions: number;
  leaseTtlMs: number;
  /** How often an owned partition is swept for pending events even without messages. */
  sweepMs: number;
  fetchBatch: number;
}

export interface ClusterWorkerObserver {
  onOwnership?(owned: number[]): void;
  onError?(e: unknown): void;
}

/**
 * A worker in cluster mode. It owns partitions through leases (rendezvous hashing spreads them over
 * the live workers; a dead worker's leases expire and are taken over within the TTL), and for each
 * owned partition it consumes the partition's durable JetStream consumer. A message is a wake-up:
 * the worker runs the dispatcher over the partition's pending events in the database — in log order,
 * under the partition's advisory lock — and acknowledges a message only once its event is committed
 * as processed (or dead). A redelivered message for an event already processed is simply acked: the
 * processed marker was committed in the same transaction as the event's effects.
 */
export class ClusterWorker {
  private readonly leases: PartitionLeases;
  private readonly owned = new Map<number, { stop: boolean; loop: Promise<void> }>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private balancing: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly dispatcher: Dispatcher,
    private readonly j: JetStream,
    private readonly s: ClusterWorkerSettings,
    private readonly observer: ClusterWorkerObserver = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.leases = new PartitionLeases(store, s.workerId, s.leaseTtlMs, clock);
  }

  ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    await this.ensureConsumers();
    await this.balance();
    this.heartbeatTimer = setInterval(() => {
      if (!this.balancing) this.balancing = this.balance().catch((e) => this.observer.onError?.(e)).finally(() => (this.balancing = null));
    }, Math.max(200, Math.floor(this.s.leaseTtlMs / 4)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.balancing;
    for (const [, o] of this.owned) o.stop = true;
    await Promise.all([...this.owned.values()].map((o) => o.loop));
    this.owned.clear();
    await this.leases.releaseAll().catch(() => undefined);
  }

  private async ensureConsumers(): Promise<void> {
    for (let p = 0; p < this.s.partitions; p++) {
      const name = `part-${p}`;
      try {
        await this.j.jsm.consumers.info(this.j.settings.stream, name);
      } catch {
        await this.j.jsm.consumers.add(this.j.settings.stream, {
          durable_name: name,
          filter_subject: this.j.subjectFor(p),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: 30 * 1e9,
          max_ack_pending: 10_000,
        }).catch(() => undefined); // another worker created it first
      }
    }
  }

  /** Heartbeat, then take the partitions this worker should own and let go of the others. */
  private async balance(): Promise<void> {
    if (this.stopped) return;
    await this.leases.heartbeat();
    const live = await this.leases.liveWorkers();
    if (!live.includes(this.s.workerId)) live.push(this.s.workerId);
    for (let p = 0; p < this.s.partitions; p++) {
      const mine = preferredOwner(p, live) === this.s.workerId;
      if (mine) {
        const held = await this.leases.acquire(p);
        if (held && !this.owned.has(p)) this.startPartition(p);
        if (!held && this.owned.has(p)) await this.stopPartition(p);
      } else if (this.owned.has(p)) {
        await this.stopPartition(p);
        await this.leases.release(p);
      }
    }
    this.observer.onOwnership?.(this.ownedPartitions());
  }

  private startPartition(p: number): void {
    const state = { stop: false, loop: Promise.resolve() };
    state.loop = this.consume(p, state).catch((e) => this.observer.onError?.(e));
    this.owned.set(p, state);
  }

  private async stopPartition(p: number): Promise<void> {
    const o = this.owned.get(p);
    if (!o) return;
    o.stop = true;
    await o.loop;
    this.owned.delete(p);
  }

  private async consume(p: number, state: { stop: boolean }): Promise<void> {
    let consumer: Consumer | null = null;
    let lastSweep = 0;
    while (!state.stop) {
      try {
        consumer ??= await this.j.js.consumers.get(this.j.settings.stream, `part-${p}`);
        const batch: JsMsg[] = [];
        const msgs = await consumer.fetch({ max_messages: this.s.fetchBatch, expires: 1000 });
        for await (const m of msgs) batch.push(m);
        const due = batch.length > 0 || this.clock() - lastSweep > this.s.sweepMs;
        if (!due || state.stop) {
          for (const m of batch) m.nak();
          continue;
        }
        lastSweep = this.clock();
        await this.drainPartition(p);
        await this.settleMessages(batch);
      } catch (e) {
        consumer = null;
        this.observer.onError?.(e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /**
   * Runs the partition until nothing due is left. Events the handlers decided land in whichever
   * partition their subject hashes to; that partition's owner finds them on its next sweep.
   */
  private async drainPartition(p: number): Promise<void> {
    for (let round = 0; round < 100; round++) {
      if ((await this.dispatcher.runPartition(p, this.s.partitions)) > 0) continue;
      // Visible events may wait for another transaction still writing to the log below them (see
      // LogHorizon): look again in a moment rather than nak them for a redelivery much later.
      if (!this.dispatcher.waitsForLogWriters) return;
      await this.dispatcher.pauseForLogWriters();
    }
  }

  private async settleMessages(batch: JsMsg[]): Promise<void> {
    if (batch.length === 0) return;
    const ids = batch.map((m) => new TextDecoder().decode(m.data));
    const rows = await this.store.read.all<{ id: string; status: string; next_attempt_at: number }>(
      `SELECT id, status, next_attempt_at FROM events WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const now = this.clock();
    for (let i = 0; i < batch.length; i++) {
      const r = byId.get(ids[i]!);
      if (!r || r.status !== 'pending') batch[i]!.ack();
      // Still pending: a retry is scheduled, or an earlier event of its subject waits. Come back then.
      else batch[i]!.nak(Math.min(60_000, Math.max(200, Number(r.next_attempt_at) - now)));
    }
  }
}
