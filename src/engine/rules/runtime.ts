import type { EventCatalog } from '../../domain/events/catalog.js';
import { buildCatalog } from '../../domain/events/all.js';
import { dueSlots, evaluateRule, type AutomationRule, type TriggerInput } from '../../domain/rules/index.js';
import type { HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { HeldWriteFailed, type SqlExecutor } from '../../store/port.js';
import { insertRuleRun, lastSlots, recordSlot } from '../../store/repos/rule-runs.js';
import { openException } from '../exceptions/open.js';
import { orderById, queryFulfilments, queryOrders, type OrderRecord } from '../../store/repos/orders.js';
import { executeIntent, ruleContext, type RuleEffects } from './actions.js';

export interface RuleObserver {
  ruleRun(ruleId: string, outcome: 'fired' | 'failed'): void;
}

type RulesPolicyDoc = { version: string; rules: AutomationRule[] };

interface Index {
  version: string;
  byEventType: Map<string, AutomationRule[]>;
  wildcard: Array<{ prefix: string; rule: AutomationRule }>;
  stateChange: Map<string, AutomationRule[]>;
  scheduled: AutomationRule[];
  timed: AutomationRule[];
}

/** Time-in-state sweeps look at this many objects per rule per tick (oldest first): a bound, not a business threshold. */
const SWEEP_BATCH = 500;
const JOB_PREFIX = 'rule:';

/**
 * Automation rules at run time. Event and state-change rules run after an event's handlers, inside the
 * event's savepoint (the dispatcher's `afterHandlers` hook); schedule rules run on their own slot
 * events (`schedule.tick` with job `rule:<id>`, once per slot across processes); time conditions run on
 * the periodic `rules-sweep` tick. Every rule runs in a savepoint of its own: a failing rule is recorded
 * (`rule_runs`, a `failed_rule` exception) and rolled back alone — it never stops the event.
 */
export class RuleRuntime {
  private index: Index | null = null;

  constructor(
    private readonly policies: PolicyBook,
    private readonly catalog: EventCatalog = buildCatalog(),
    private readonly observer?: RuleObserver,
  ) {}

  private async rules(db: SqlExecutor): Promise<Index> {
    const policy = (await this.policies.get('rules', db)) as unknown as RulesPolicyDoc;
    if (this.index?.version === policy.version) return this.index;
    const idx: Index = { version: policy.version, byEventType: new Map(), wildcard: [], stateChange: new Map(), scheduled: [], timed: [] };
    for (const r of policy.rules) {
      if (!r.enabled) continue;
      const t = r.trigger;
      if (t.kind === 'event') {
        if (t.eventType.endsWith('.*')) idx.wildcard.push({ prefix: t.eventType.slice(0, -1), rule: r });
        else idx.byEventType.set(t.eventType, [...(idx.byEventType.get(t.eventType) ?? []), r]);
      } else if (t.kind === 'state_change') idx.stateChange.set(t.object, [...(idx.stateChange.get(t.object) ?? []), r]);
      else if (t.kind === 'schedule') idx.scheduled.push(r);
      else idx.timed.push(r);
    }
    this.index = idx;
    return idx;
  }

  /** Whether any enabled rule would look at an event of this type (the dispatcher skips the rest). */
  async listensTo(type: string, db: SqlExecutor): Promise<boolean> {
    if (type === 'schedule.tick' || type.startsWith('policy.')) return false;
    const idx = await this.rules(db);
    if (idx.byEventType.has(type) || idx.wildcard.some((w) => type.startsWith(w.prefix))) return true;
    return type.endsWith('.state_changed') && idx.stateChange.has(type.slice(0, -'.state_changed'.length));
  }

  /** The dispatcher hook: event and state-change triggers for the event just handled. */
  async afterEvent(h: HandlerContext): Promise<void> {
    const e = h.event;
    if (e.type === 'schedule.tick' || e.type.startsWith('policy.')) return;
    const idx = await this.rules(h.tx);
    const eventRules = [...(idx.byEventType.get(e.type) ?? []), ...idx.wildcard.filter((w) => e.type.startsWith(w.prefix)).map((w) => w.rule)];
    const payload = e.payload as Record<string, unknown>;
    if (eventRules.length > 0) {
      const input: TriggerInput = { kind: 'event', event: { type: e.type, subject: e.subject, source: e.source, id: e.id, payload } };
      for (const rule of eventRules) await this.run(h, idx.version, rule, input, null);
    }
    if (e.type.endsWith('.state_changed')) {
      const object = e.type.slice(0, -'.state_changed'.length);
      const changeRules = idx.stateChange.get(object) ?? [];
      if (changeRules.length === 0) return;
      const objectId = String(payload[`${object}Id`] ?? e.subject);
      const data = object === 'order' ? await orderData(h.tx, objectId) : {};
      const input: TriggerInput = { kind: 'state_change', object, objectId, from: typeof payload.from === 'string' ? payload.from : null, to: String(payload.to), data };
      for (const rule of changeRules) await this.run(h, idx.version, rule, input, null);
    }
  }

  /** A schedule rule's slot (job `rule:<id>`): remembers the slot, then runs the rule once for it. */
  async runSlot(h: HandlerContext): Promise<void> {
    const { job, slotMs } = h.event.payload as { job: string; slotMs: number };
    await recordSlot(h.tx, job, slotMs);
    const idx = await this.rules(h.tx);
    const rule = idx.scheduled.find((r) => `${JOB_PREFIX}${r.id}` === job);
    if (!rule) return; // the rule was disabled or removed after its slot was offered
    await this.run(h, idx.version, rule, { kind: 'schedule', slot: slotMs }, null);
  }

  /** The periodic sweep behind time conditions; each object fires once per stay in the state. */
  async sweep(h: HandlerContext): Promise<void> {
    const idx = await this.rules(h.tx);
    for (const rule of idx.timed) {
      if (rule.trigger.kind !== 'time_in_state') continue;
      const { object, state, minutes } = rule.trigger;
      const olderThan = h.decision.now - minutes * 60_000;
      for (const s of await staysInState(h.tx, object, state, olderThan)) {
        const input: TriggerInput = { kind: 'time_in_state', object, objectId: s.id, state, enteredAt: s.enteredAt, data: s.data };
        await this.run(h, idx.version, rule, input, `${s.id}@${s.enteredAt}`);
      }
    }
  }

  /** Slots of schedule rules that are due now (for the Scheduler), from the last fired slot or the policy's activation. */
  async dueSlots(db: SqlExecutor, now: number): Promise<Array<{ job: string; slotMs: number }>> {
    const idx = await this.rules(db);
    if (idx.scheduled.length === 0) return [];
    const last = await lastSlots(db, JOB_PREFIX);
    const activated = await db.get<{ activated_at: string | null }>(`SELECT activated_at FROM policy_versions WHERE kind = 'rules' AND status = 'active'`);
    const since = activated?.activated_at ? Date.parse(activated.activated_at) : now;
    const due: Array<{ job: string; slotMs: number }> = [];
    for (const rule of idx.scheduled) {
      if (rule.trigger.kind !== 'schedule') continue;
      const job = `${JOB_PREFIX}${rule.id}`;
      const d = dueSlots(rule.trigger.cron, last.get(job) ?? since, now, rule.trigger.timezone);
      if (d.kind === 'due') due.push({ job, slotMs: d.slot });
    }
    return due;
  }

  private async run(h: HandlerContext, policyVersion: string, rule: AutomationRule, input: TriggerInput, dedupeKey: string | null): Promise<void> {
    const outcome = evaluateRule(rule, input, h.decision);
    if (outcome.outcome === 'skipped') return;
    const base = {
      ruleId: rule.id, ruleVersion: rule.version, policyVersion, eventId: h.event.id, triggerKind: input.kind,
      target: outcome.outcome === 'fired' ? (outcome.intents[0]?.target ?? null) : null, dedupeKey, atMs: h.decision.now,
    };
    let error: string;
    if (outcome.outcome === 'fired') {
      const effects: RuleEffects = { emitted: [], outbox: [], audits: [] };
      try {
        const fresh = await h.tx.savepoint(async () => {
          if (!(await insertRuleRun(h.tx, { ...base, id: h.decision.newId('rule_run'), outcome: 'fired', error: null, actions: outcome.intents.length }))) return false;
          const rh = ruleContext(h, effects);
          for (const intent of outcome.intents) await executeIntent(rh, intent, { policies: this.policies, catalog: this.catalog });
          return true;
        });
        if (!fresh) return;
        for (const e of effects.emitted) h.emit(e);
        for (const m of effects.outbox) h.outbox(m);
        for (const n of effects.audits) h.audit(n);
        h.audit({ action: 'rule.fired', subject: `rule:${rule.id}`, detail: { ruleVersion: rule.version, policyVersion, target: base.target, actions: outcome.intents.map((i) => i.action.kind) } });
        this.observer?.ruleRun(rule.id, 'fired');
        return;
      } catch (e) {
        // Not the rule's failure: an earlier event's held-back write failed as this savepoint began,
        // and the transaction is lost — the dispatcher must see it (Tx.beforeNextStatement).
        if (e instanceof HeldWriteFailed) throw e;
        error = e instanceof Error ? e.message : String(e);
      }
    } else {
      error = `${outcome.failure.stage}: ${outcome.failure.message}${outcome.failure.expression ? ` in '${outcome.failure.expression}'` : ''}`;
    }
    await this.recordFailure(h, rule, base, error.slice(0, 2000));
  }

  private async recordFailure(h: HandlerContext, rule: AutomationRule, base: Omit<Parameters<typeof insertRuleRun>[1], 'id' | 'outcome' | 'error' | 'actions'>, error: string): Promise<void> {
    try {
      await h.tx.savepoint(async () => {
        // A time condition that failed is retried on the next sweep: its dedupe key is kept free.
        const id = h.decision.newId('rule_run');
        await insertRuleRun(h.tx, { ...base, dedupeKey: null, id, outcome: 'failed', error, actions: 0 });
        // One open item per rule version, counting its failures: a rule broken over a busy day fails
        // on every event, and an item each would bury the operations manager's queue.
        await openException(h, {
          category: 'failed_rule', subjectRef: `rule:${rule.id}@${rule.version}`,
          summary: `rule ${rule.id} failed: ${error.slice(0, 200)}`, detail: { ruleId: rule.id, ruleVersion: rule.version, eventId: h.event.id, target: base.target, error },
        }, { countRecurrences: true });
      });
      h.audit({ action: 'rule.failed', subject: `rule:${rule.id}`, detail: { ruleVersion: rule.version, policyVersion: base.policyVersion, target: base.target, error } });
    } catch {
      // Even the record of a failure must not stop the spine.
    }
    this.observer?.ruleRun(rule.id, 'failed');
  }
}

function orderView(o: OrderRecord): Record<string, unknown> {
  const placed = o.doc.placed as { lines?: unknown; shipping?: { method?: string }; customer?: unknown };
  return {
    id: o.id, source: o.source, externalOrderId: o.externalOrderId, state: o.state, holdReason: o.holdReason, customerId: o.customerId,
    total: o.total, currency: o.currency, placedAt: o.placedMs, promisedBy: o.promisedByMs, paymentStatus: o.doc.paymentStatus,
    shippingMethod: placed.shipping?.method ?? null, lines: placed.lines ?? [], customer: placed.customer ?? null,
    flags: (o.doc as unknown as { flags?: Record<string, boolean> }).flags ?? {},
  };
}

async function orderData(db: SqlExecutor, orderId: string): Promise<Record<string, unknown>> {
  const o = await orderById(db, orderId);
  return o ? { order: orderView(o) } : {};
}

/** Objects that have been in `state` since before `olderThan`, with when they entered it. */
async function staysInState(db: SqlExecutor, object: string, state: string, olderThan: number): Promise<Array<{ id: string; enteredAt: number; data: Record<string, unknown> }>> {
  if (object === 'order') {
    const out = [];
    for (const o of await queryOrders(db, { state: state as never, limit: SWEEP_BATCH })) {
      const entered = [...o.doc.history].reverse().find((x) => x.to === state)?.at ?? o.placedMs;
      if (entered < olderThan) out.push({ id: o.id, enteredAt: entered, data: { order: orderView(o) } });
    }
    return out;
  }
  if (object === 'fulfilment') {
    const rows = await queryFulfilments(db, { state, limit: SWEEP_BATCH });
    return rows
      .filter((f) => f.createdMs < olderThan)
      .map((f) => ({ id: f.id, enteredAt: f.createdMs, data: { fulfilment: { ...f, acceptBy: f.acceptByMs, shipBy: f.shipByMs } } }));
  }
  if (object === 'return') {
    // A return's entry into its current state is its last update (the case keeps no per-state clock in a column).
    const rows = await db.all<{ id: string; order_id: string; created_ms: number; updated_at: string; category: string | null }>(
      'SELECT id, order_id, created_ms, updated_at, category FROM return_cases WHERE state = ? ORDER BY created_ms LIMIT ?',
      [state, SWEEP_BATCH],
    );
    return rows
      .map((r) => ({ id: r.id, enteredAt: Date.parse(r.updated_at), data: { return: { id: r.id, orderId: r.order_id, category: r.category, createdAt: Number(r.created_ms) } } }))
      .filter((r) => r.enteredAt < olderThan);
  }
  return [];
}
