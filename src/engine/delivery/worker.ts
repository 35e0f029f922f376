import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/port.js';
import type { Config } from '../../config.js';
import type { Intake } from '../intake/intake.js';
import type { SecretBox } from '../../domain/security/secret-box.js';
import { environmentAllows, resolveDestination, type Environment } from '../../domain/integrations/destination.js';
import { listDestinations, type DestinationRow } from '../../store/repos/destinations.js';
import {
  claimDelivery, dueDeliveries, expireOverdue, inFlightByTarget, markDelivered, markDeliveryDead, markRetry, parkUnroutedRoute, releaseDelivery, supersedeOlder, type DeliveryRow, type DueDelivery,
} from '../../store/repos/deliveries.js';
import { checkDestination, type Resolver } from '../../connectors/delivery/ssrf-guard.js';
import { buildOutboundRequest } from '../../connectors/delivery/outbound-request.js';
import { classifyAttempt, type AttemptClass } from '../../connectors/delivery/classify-attempt.js';
import { nextRetryDelay } from '../../connectors/delivery/backoff.js';
import { closedBreaker, recordFailure, recordSuccess, requestPassage, type BreakerConfig, type BreakerState } from '../../connectors/delivery/circuit-breaker.js';
import { sendPinned } from '../../connectors/delivery/send.js';
import { isOdooError } from '../../connectors/odoo/index.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';
import { destinationCredentials, signingSecrets } from './destinations.js';
import { applyOdooRow, odooClientFor } from './odoo-effects.js';
import { ensureException } from './exceptions.js';
import { UNROUTED_NOTE } from './routes.js';
import type { DeliveryMetrics } from './metrics.js';

export type DeliverySettings = Config['delivery'];

export interface DeliveryWorkerDeps {
  store: Store;
  intake: Intake;
  box: SecretBox;
  settings: DeliverySettings;
  environment: Environment;
  metrics?: DeliveryMetrics;
  clock?: () => number;
  random?: () => number;
  /** Tests inject a resolver; the system resolver otherwise. */
  resolve?: Resolver;
  log?: (level: 'error' | 'warn' | 'info', msg: string, fields: Record<string, unknown>) => void;
}

const WORKER: Actor = { id: 'delivery-worker', role: 'system' };

/** Why an expired row was not sent: shown by `GET /v1/deliveries` as its last error. */
export const EXPIRED_NOTE = 'not sent: its send-by time passed first';

/** Why a superseded row was not sent. */
export const SUPERSEDED_NOTE = 'not sent: a newer figure for the same subject went instead';

const overdue = (r: DeliveryRow, now: number) => r.expiresAt > 0 && r.expiresAt <= now;

type Result =
  | { class: 'success'; status: number | null; summary?: Record<string, unknown> }
  | { class: 'transient'; reason: string; status: number | null; retryAfterMs?: number; countsAgainstDestination: boolean }
  | { class: 'permanent'; reason: string; status: number | null; countsAgainstDestination: boolean; refused?: boolean };

/**
 * Delivers outbox rows to registered destinations. A row is claimed with a lease (a conditional
 * UPDATE, safe across processes on SQLite and PostgreSQL), sent outside any transaction, and its
 * outcome written back. Per-(destination, subject) order: only the first pending row of a subject is
 * ever due. Per-destination concurrency counts live leases across processes. A circuit breaker per
 * destination (process-local) stops hammering a sick endpoint; rows wait without spending attempts.
 */
export class DeliveryWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly breakers = new Map<string, BreakerState>();
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly clock: () => number;
  private readonly random: () => number;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  private get breakerConfig(): BreakerConfig {
    return { failureThreshold: this.deps.settings.breakerFailureThreshold, cooldownMs: this.deps.settings.breakerCooldownMs };
  }

  breakerState(destinationId: string): BreakerState {
    return this.breakers.get(destinationId) ?? closedBreaker;
  }

  /** Every destination's circuit, to show from another thread (the engine thread sends these). */
  breakerSnapshot(): Array<[string, BreakerState]> {
    return [...this.breakers];
  }

  /** Shows circuits kept by the worker of another thread; only for a worker that does not run. */
  mirrorBreakers(entries: Array<[string, BreakerState]>): void {
    this.breakers.clear();
    for (const [id, state] of entries) this.breakers.set(id, state);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let launched = 0;
      try {
        launched = await this.runOnce();
      } catch (e) {
        this.deps.log?.('error', 'delivery round failed', { err: String(e) });
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, launched > 0 ? Math.min(20, this.deps.settings.pollMs) : this.deps.settings.pollMs);
        const self = this;
        function done() {
          clearTimeout(t);
          self.wakeUp = null;
          resolve();
        }
        this.wakeUp = done;
      });
    }
  }

  /** Waits for every attempt started so far (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** One round: claims what is due and starts the attempts; returns how many were started. */
  async runOnce(): Promise<number> {
    const { store, settings } = this.deps;
    const now = this.clock();
    const room = settings.batchSize - this.inFlight.size;
    if (room <= 0) return 0;
    let due = await dueDeliveries(store.read, now, room);
    if (due.some((r) => overdue(r, now))) {
      await this.expire(now);
      due = await dueDeliveries(store.read, now, room);
    }
    if (due.length === 0) return 0;
    const destinations = await listDestinations(store.read);
    // Only where a destination takes them: rows nobody takes are parked as they are.
    const superseded = due.filter((r) => r.newerPending && resolveDestination(destinations, r.destination, r.kind));
    if (superseded.length > 0) {
      await this.supersede(superseded, now);
      due = await dueDeliveries(store.read, now, room);
    }
    const busy = await inFlightByTarget(store.read, now);
    const leaseMs = settings.timeoutMs * 6 + 5000;
    let launched = 0;
    const unrouted = new Map<string, { destination: string; kind: string }>();
    for (const row of due) {
      const dest = resolveDestination(destinations, row.destination, row.kind);
      if (!dest) {
        unrouted.set(`${row.destination}\u0000${row.kind}`, { destination: row.destination, kind: row.kind });
        continue;
      }
      if (!environmentAllows(this.deps.environment, dest.environment)) {
        if (await store.transaction((tx) => claimDelivery(tx, row.id, this.owner, dest.id, now, leaseMs))) {
          await this.finish(row, dest, { class: 'permanent', reason: `refused: this ${this.deps.environment} instance never delivers to the production destination ${dest.id}`, status: null, countsAgainstDestination: false, refused: true }, now);
        }
        continue;
      }
      const target = this.pickTarget(dest, destinations, busy, now);
      if (!target) {
        const retryAt = this.reopensAt(dest.id, now);
        if ((busy.get(dest.id) ?? 0) >= dest.concurrency) continue; // full: stays due for the next round
        if (await store.transaction((tx) => claimDelivery(tx, row.id, this.owner, dest.id, now, leaseMs))) {
          await store.transaction((tx) => releaseDelivery(tx, row.id, this.owner, retryAt, `circuit open for ${dest.id}`));
          if (dest.kind === 'carrier') await this.carrierUnavailable(row, dest, now);
        }
        continue;
      }
      const before = this.breakerState(target.id);
      const pass = requestPassage(before, now, this.breakerConfig);
      if (!pass.allowed) continue;
      this.breakers.set(target.id, pass.state);
      if (!(await store.transaction((tx) => claimDelivery(tx, row.id, this.owner, target.id, now, leaseMs)))) {
        this.breakers.set(target.id, before);
        continue;
      }
      busy.set(target.id, (busy.get(target.id) ?? 0) + 1);
      launched++;
      const p: Promise<void> = this.attempt(row, target, before).catch((e) => this.deps.log?.('error', 'delivery attempt failed unexpectedly', { deliveryId: row.id, err: String(e) })).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
    // One statement per route nobody takes, for all its pending rows at once: parking must not cost the
    // single SQLite writer a transaction per row, nor re-read the same unroutable rows every round.
    if (unrouted.size) {
      await store.transaction(async (tx) => {
        for (const r of unrouted.values()) await parkUnroutedRoute(tx, r.destination, r.kind, now, UNROUTED_NOTE);
      });
    }
    return launched;
  }

  /** Every waiting row past its send-by time, expired at once: audited as one entry, counted per destination. */
  private async expire(now: number): Promise<void> {
    const byDestination = await auditedTransaction(this.deps.store, WORKER, async (tx, audit) => {
      const by = await expireOverdue(tx, now, EXPIRED_NOTE);
      const rows = [...by.values()].reduce((a, b) => a + b, 0);
      if (rows > 0) audit({ action: 'deliveries.expired', subject: 'outbox', detail: { rows, byDestination: Object.fromEntries(by), at: new Date(now).toISOString() } });
      return by;
    });
    for (const [destination, n] of byDestination) this.deps.metrics?.expired.inc({ destination }, n);
    if (byDestination.size) this.deps.log?.('warn', 'deliveries expired unsent', { byDestination: Object.fromEntries(byDestination) });
  }

  /**
   * A receiver that was away (down, or registered only now) gets the newest figure of each subject at
   * once instead of every figure in between, one after another: the older waiting rows are superseded.
   */
  private async supersede(rows: readonly DueDelivery[], now: number): Promise<void> {
    const byDestination = new Map<string, number>();
    await this.deps.store.transaction(async (tx) => {
      for (const r of rows) {
        const n = await supersedeOlder(tx, r, now, SUPERSEDED_NOTE);
        if (n > 0) byDestination.set(r.destination, (byDestination.get(r.destination) ?? 0) + n);
      }
    });
    for (const [destination, n] of byDestination) this.deps.metrics?.superseded.inc({ destination }, n);
  }

  private reopensAt(destinationId: string, now: number): number {
    const s = this.breakerState(destinationId);
    return s.status === 'open' ? s.openedAt + this.deps.settings.breakerCooldownMs : now + Math.min(1000, this.deps.settings.breakerCooldownMs);
  }

  private passable(d: DestinationRow, busy: Map<string, number>, now: number): boolean {
    if ((busy.get(d.id) ?? 0) >= d.concurrency) return false;
    return requestPassage(this.breakerState(d.id), now, this.breakerConfig).allowed;
  }

  /** The destination itself; for a carrier whose circuit is open, the first alternate that can take it. */
  private pickTarget(dest: DestinationRow, all: readonly DestinationRow[], busy: Map<string, number>, now: number): DestinationRow | null {
    if (this.passable(dest, busy, now)) return dest;
    if (dest.kind !== 'carrier' || requestPassage(this.breakerState(dest.id), now, this.breakerConfig).allowed) return null;
    for (const id of dest.alternates) {
      const alt = all.find((d) => d.id === id && d.enabled && d.kind === 'carrier');
      if (alt && environmentAllows(this.deps.environment, alt.environment) && this.passable(alt, busy, now)) return alt;
    }
    return null;
  }

  /** No carrier can print the label: the order waits, visibly, in the shipment exception queue. */
  private async carrierUnavailable(row: DeliveryRow, dest: DestinationRow, now: number): Promise<void> {
    await auditedTransaction(this.deps.store, WORKER, async (tx, audit) => {
      const x = await ensureException(tx, {
        category: 'shipment_exception', subjectRef: row.subject, summary: `no carrier available for ${row.kind}: ${dest.id} is down and no alternate can take it`,
        detail: { deliveryId: row.id, carrier: dest.id, alternates: dest.alternates },
      }, `carrier-unavailable:${row.id}`, now);
      if (x.opened) audit({ action: 'exception.opened', subject: row.subject, detail: { exceptionId: x.id, queue: 'shipment_exception', deliveryId: row.id } });
    }, this.clock);
  }

  private async attempt(row: DeliveryRow, dest: DestinationRow, breakerBefore: BreakerState): Promise<void> {
    const started = this.clock();
    const result = await this.send(row, dest).catch((e): Result => ({ class: 'transient', reason: `internal: ${String(e)}`, status: null, countsAgainstDestination: false }));
    if (result.class === 'permanent' && result.refused) this.breakers.set(dest.id, breakerBefore);
    else this.recordBreaker(dest.id, result);
    await this.finish(row, dest, result, started);
  }

  private recordBreaker(id: string, r: Result): void {
    const s = this.breakerState(id);
    const now = this.clock();
    if (r.class === 'success' || (r.class === 'permanent' && !r.countsAgainstDestination)) this.breakers.set(id, recordSuccess(s));
    else if (r.countsAgainstDestination) this.breakers.set(id, recordFailure(s, now, this.breakerConfig));
    else if (s.status === 'half_open') this.breakers.set(id, { status: 'open', openedAt: now }); // a paced probe: try again after the cooldown
    const after = this.breakerState(id);
    this.deps.metrics?.circuit.set({ destination: id }, after.status === 'closed' ? 0 : after.status === 'half_open' ? 1 : 2);
  }

  private async send(row: DeliveryRow, dest: DestinationRow): Promise<Result> {
    const { settings } = this.deps;
    const check = await checkDestination(dest.url, { allowList: settings.allowList, resolve: this.deps.resolve });
    if (!check.ok) return { class: 'permanent', reason: `refused by the SSRF guard: ${check.reason} (${check.detail})`, status: null, countsAgainstDestination: false, refused: true };
    if (dest.kind === 'odoo') return this.sendOdoo(row, dest);
    const now = this.clock();
    const request = buildOutboundRequest({
      url: dest.url,
      payload: { deliveryId: row.id, destination: row.destination, kind: row.kind, subject: row.subject, eventId: row.eventId, createdAt: row.createdAt, payload: row.payload },
      secrets: signingSecrets(dest, this.deps.box, now),
      outboxRowId: row.id,
      nowUnixSeconds: Math.floor(now / 1000),
      userAgent: 'omniops/1',
    });
    // Receivers with static header auth (n8n's Webhook node): credentials {headerName, headerValue}, sealed like any secret.
    const creds = destinationCredentials(dest, this.deps.box);
    if (creds.headerName && creds.headerValue) request.headers[creds.headerName.toLowerCase()] = creds.headerValue;
    const sent = await sendPinned(request, check.addresses, settings.timeoutMs);
    const c: AttemptClass = classifyAttempt(sent.outcome, this.clock());
    const status = sent.outcome.kind === 'response' ? sent.outcome.status : null;
    const body = sent.bodySnippet ? `: ${sent.bodySnippet.slice(0, 300)}` : '';
    if (c.class === 'success') return { class: 'success', status };
    if (c.class === 'transient') return { class: 'transient', reason: `${c.reason}${body}`, status, retryAfterMs: c.retryAfterMs, countsAgainstDestination: c.countsAgainstDestination };
    return { class: 'permanent', reason: `${c.reason}${body}`, status, countsAgainstDestination: false };
  }

  private async sendOdoo(row: DeliveryRow, dest: DestinationRow): Promise<Result> {
    const client = odooClientFor(dest, destinationCredentials(dest, this.deps.box), this.deps.settings.timeoutMs);
    try {
      const effect = await applyOdooRow(client, dest, row, this.deps.store.read);
      // Observations enter the log before the row is marked delivered: a crash in between re-reads
      // and re-offers them under the same source event id, which intake drops as a duplicate.
      for (let i = 0; i < effect.events.length; i++) {
        const e = effect.events[i]!;
        const r = await this.deps.intake.submit(
          { source: 'omniops', sourceEventId: `delivery:${row.id}:${i + 1}`, type: e.type, occurredAt: new Date(this.clock()).toISOString(), payload: e.payload },
          { internal: true, actor: WORKER.id, actorRole: WORKER.role, causationId: row.eventId },
        );
        if (!r.ok && r.error.code !== 'E_IDEMPOTENCY_MISMATCH') return { class: 'permanent', reason: `observation rejected: ${r.error.message}`, status: null, countsAgainstDestination: false };
      }
      return { class: 'success', status: null, summary: effect.summary };
    } catch (e) {
      if (!isOdooError(e)) throw e;
      const reason = `odoo ${e.kind}: ${e.message}`.slice(0, 1000);
      if (e.kind === 'transient') return { class: 'transient', reason, status: e.httpStatus ?? null, retryAfterMs: e.retryAfterMs, countsAgainstDestination: true };
      return { class: 'permanent', reason, status: e.httpStatus ?? null, countsAgainstDestination: e.kind === 'auth' };
    }
  }

  private async finish(row: DeliveryRow, dest: DestinationRow, r: Result, started: number): Promise<void> {
    const { store, settings, metrics } = this.deps;
    const now = this.clock();
    const at = new Date(now).toISOString();
    const attempts = row.attempts + 1;
    if (r.class === 'success') {
      await auditedTransaction(store, WORKER, async (tx, audit) => {
        if (await markDelivered(tx, row.id, this.owner, attempts, r.status, at)) {
          audit({ action: 'delivery.delivered', subject: `delivery:${row.id}`, before: { status: 'pending' }, after: { status: 'delivered' }, detail: { destination: dest.id, outbox: row.destination, kind: row.kind, attempts, httpStatus: r.status, ...(r.summary ?? {}) } });
        }
      }, this.clock);
      metrics?.deliveries.inc({ destination: dest.id, result: 'delivered' });
      metrics?.latency.observe({ destination: dest.id }, Math.max(0, now - Date.parse(row.createdAt)) / 1000);
      return;
    }
    if (r.class === 'transient' && attempts < settings.maxAttempts) {
      const delay = nextRetryDelay(attempts, { baseMs: settings.backoffBaseMs, maxMs: settings.backoffMaxMs, maxRetryAfterMs: settings.maxRetryAfterMs }, this.random, r.retryAfterMs);
      await store.transaction((tx) => markRetry(tx, row.id, this.owner, attempts, r.reason, r.status, now + delay));
      metrics?.deliveries.inc({ destination: dest.id, result: 'retry' });
      metrics?.retries.inc({ destination: dest.id });
      this.deps.log?.('warn', 'delivery failed, will retry', { deliveryId: row.id, destination: dest.id, attempts, reason: r.reason.slice(0, 200), inMs: delay });
      return;
    }
    const reason = r.class === 'transient' ? `gave up after ${attempts} attempts: ${r.reason}` : r.reason;
    await auditedTransaction(store, WORKER, async (tx, audit) => {
      if (!(await markDeliveryDead(tx, row.id, this.owner, attempts, reason, r.status, at))) return;
      const x = await ensureException(tx, {
        category: 'dead_letter_delivery', subjectRef: `delivery:${row.id}`, summary: `delivery to ${dest.id} (${row.kind}) dead: ${reason.slice(0, 200)}`,
        detail: { deliveryId: row.id, destination: dest.id, outbox: row.destination, kind: row.kind, subject: row.subject, attempts, error: reason.slice(0, 1000) },
      }, `dead-delivery:${row.id}:${attempts}:${at}`, now);
      audit({ action: 'delivery.dead', subject: `delivery:${row.id}`, before: { status: 'pending' }, after: { status: 'dead' }, detail: { destination: dest.id, kind: row.kind, attempts, error: reason.slice(0, 500), exceptionId: x.id } });
    }, this.clock);
    metrics?.deliveries.inc({ destination: dest.id, result: r.class === 'permanent' && r.refused ? 'refused' : 'dead' });
    metrics?.deadLetters.inc({ destination: dest.id });
    this.deps.log?.('error', 'delivery dead-lettered', { deliveryId: row.id, destination: dest.id, attempts, reason: reason.slice(0, 200) });
    void started;
  }
}
