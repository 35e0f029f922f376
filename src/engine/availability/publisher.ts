import type { Store, Tx } from '../../store/port.js';
import type { PolicyBook } from '../policy-book.js';
import { channelAvailability, channelFiguresKey, CHANNEL_KINDS, type ChannelKind, type SalesChannel } from '../../domain/availability/index.js';
import { listLocations, listSources } from '../../store/repos/masterdata.js';
import { stockOfSkus } from '../../store/repos/stock.js';
import { appendDecided, type NewEventRow } from '../../store/repos/events.js';
import { insertOutboxRows, type OutboxRow } from '../../store/repos/outbox.js';
import { parkUnrouted } from '../delivery/routes.js';
import { publishedKey, publishedOf, putPublished } from '../../store/repos/availability.js';
import { toSourcingLocation } from '../orders/snapshot.js';
import { canonicalJson, payloadDigest } from '../../domain/canonical-json.js';
import { derivedId } from '../ids.js';

/**
 * Publishes what each channel may sell. Handlers only mark a sku dirty (one upsert, in their own
 * transaction); this loop, every `intervalMs`, takes the dirty skus, computes each channel's
 * quantity, and for the ones that changed since the last publication writes the new figure, an
 * `availability.changed` event and an outbox message to the channel — in one transaction. Many
 * changes of one sku within an interval are coalesced into one delta.
 */
export class AvailabilityPublisher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  /** The channelFiguresKey every sku's figure was last worked out under (null: not yet in this process). */
  private sweptUnder: string | null = null;
  /** Skus still to work out again under a new key, a round's spare room at a time, after the marked ones. */
  private sweep: { key: string; skus: string[] } | null = null;

  constructor(
    private readonly store: Store,
    private readonly policies: PolicyBook,
    private readonly clock: () => number = Date.now,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly onPublished: (n: number) => void = () => undefined,
  ) {}

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.publishOnce().catch((e) => (this.onError(e), 0)).finally(() => (this.running = null));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round; returns how many (channel, sku) deltas were published. */
  async publishOnce(maxSkus = 2000): Promise<number> {
    const round = await this.store.transaction(async (tx) => {
      if (tx.dialect === 'postgres') {
        // Several workers run this loop; one publishes at a time so a delta is never sent twice.
        const lock = await tx.get<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('omniops-availability:' || current_schema())) AS ok`);
        if (!lock?.ok) return null;
      }
      const channels: SalesChannel[] = (await listSources(tx))
        .filter((s) => (CHANNEL_KINDS as readonly string[]).includes(s.kind))
        .map((s) => ({ id: s.id, kind: s.kind as ChannelKind }));
      const locations = (await listLocations(tx)).map((l) => toSourcingLocation(l, 0));
      const policy = await this.policies.get('availability', tx);
      // Only stock changes mark skus. A store closed, a policy put live or a new channel changes
      // figures too, without a mark: channels kept selling a closed store's stock until each sku
      // happened to move. So when what decides the figures differs from what every figure was worked
      // out under (or was never known to this process: it may have changed while it was down), every
      // sku is worked out again, in the room the marked skus leave.
      const figuresKey = channelFiguresKey(channels, locations, policy);
      const sweep = figuresKey === this.sweptUnder ? null
        : this.sweep?.key === figuresKey ? this.sweep : { key: figuresKey, skus: await everyPublishableSku(tx) };
      const dirty = await tx.all<{ sku: string; generation: number }>('SELECT sku, generation FROM availability_dirty ORDER BY since_ms LIMIT ?', [maxSkus]);
      const swept = sweep ? sweep.skus.slice(0, Math.max(0, maxSkus - dirty.length)) : [];
      const skus = [...new Set([...dirty.map((d) => d.sku), ...swept])];
      if (skus.length === 0) return { n: 0, sweep, swept: 0 };
      const stock = await stockOfSkus(tx, skus);
      // A sku with no stock row anywhere still gets a 0 so channels hear that it ran out.
      const rows = channelAvailability(channels, locations, [...stock, ...skus.map((sku) => ({ sku, locationId: '', onHand: 0, reserved: 0, protected: 0, safetyStock: 0 }))], policy);
      const now = this.clock();
      const at = new Date(now).toISOString();
      const previous = await publishedOf(tx, channels.map((c) => c.id), skus);
      // Written together (multi-row statements): a busy minute changes hundreds of (channel, sku)
      // figures per round, and a statement per figure per table cost the single writer ~0.1 ms each.
      const changed: typeof rows = [];
      const events: NewEventRow[] = [];
      const outbox: OutboxRow[] = [];
      for (const r of rows) {
        const before = previous.get(publishedKey(r.channelId, r.sku)) ?? null;
        if (before === r.quantity) continue;
        changed.push(r);
        const payload = { channel: r.channelId, sku: r.sku, previous: before, quantity: r.quantity };
        const key = `${r.channelId}:${r.sku}:${now}`;
        const id = derivedId(key, 'availability', 1);
        const text = canonicalJson(payload); // stored as its canonical text, as every decided event
        events.push({
          id, source: 'omniops', sourceEventId: `availability:${key}`, type: 'availability.changed', schemaVersion: 1, occurredAt: at, receivedAt: at, receivedMs: now,
          subject: `availability:${r.channelId}`, payloadJson: text, payloadHash: payloadDigest('availability.changed', text),
          causationId: null, correlationId: id, actor: 'availability-publisher', actorRole: 'system', status: 'processed',
        });
        outbox.push({ id: derivedId(key, 'outbox', 1), seq: now, eventId: id, destination: `channel:${r.channelId}`, kind: 'availability.changed', subject: `availability:${r.channelId}:${r.sku}`, payload: { ...payload, policyVersion: policy.version }, createdAt: at });
      }
      await putPublished(tx, changed, at);
      await appendDecided(tx, events, at);
      await insertOutboxRows(tx, await parkUnrouted(tx, outbox));
      const n = changed.length;
      // Only the marks as read: one a dispatch transaction made meanwhile (a new generation, see
      // markAvailabilityDirty) stays for the next round, which reads the stock it committed. On
      // PostgreSQL a mark that transaction still holds (row-locked, not committed) is skipped, not
      // waited for: waiting held this round open while the dispatcher, marking more skus, waited for
      // the rows this round had deleted — a deadlock cycle, or at least stalled batches.
      const pairs = `(VALUES ${dirty.map(() => '(?, CAST(? AS BIGINT))').join(', ')})`;
      if (dirty.length > 0) await tx.run(
        tx.dialect === 'postgres'
          ? `DELETE FROM availability_dirty WHERE (sku, generation) IN (SELECT sku, generation FROM availability_dirty WHERE (sku, generation) IN ${pairs} FOR UPDATE SKIP LOCKED)`
          : `DELETE FROM availability_dirty WHERE (sku, generation) IN ${pairs}`,
        dirty.flatMap((d) => [d.sku, Number(d.generation)]),
      );
      return { n, sweep, swept: swept.length };
    });
    if (!round) return 0;
    // Only once committed (a transaction may run again): the swept skus are done.
    if (round.sweep) {
      const left = round.sweep.skus.slice(round.swept);
      this.sweep = left.length > 0 ? { key: round.sweep.key, skus: left } : null;
      if (left.length === 0) this.sweptUnder = round.sweep.key;
    }
    if (round.n > 0) this.onPublished(round.n);
    return round.n;
  }
}

/** Every sku a channel may have a figure for: any stock row, or a figure already published. */
async function everyPublishableSku(tx: Tx): Promise<string[]> {
  const rows = await tx.all<{ sku: string }>('SELECT sku FROM stock UNION SELECT sku FROM availability_published ORDER BY sku');
  return rows.map((r) => r.sku);
}
