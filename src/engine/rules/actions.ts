import type { EventCatalog } from '../../domain/events/catalog.js';
import type { ActionIntent } from '../../domain/rules/index.js';
import type { AuditNote, EmittedEvent, HandlerContext, OutboxMessage } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { canTransition, notificationSendBy, ORDER_TRANSITIONS, type OrderState } from '../../domain/orders/index.js';
import { cancelOrder } from '../orders/handlers.js';
import { holdOrder } from '../orders/hold.js';
import { fulfilmentById, orderById, orderByExternal, type OrderRecord } from '../../store/repos/orders.js';
import { openException } from '../exceptions/open.js';
import { moveOrder, persistOrder } from '../orders/transition.js';
import { requestApproval } from '../approvals/request.js';

/**
 * What a rule's actions produce, collected apart from the event's own effects: they are handed to the
 * dispatcher only when every action of the rule succeeded, so a rule that fails halfway leaves nothing.
 */
export interface RuleEffects {
  emitted: EmittedEvent[];
  outbox: OutboxMessage[];
  audits: AuditNote[];
}

export interface ActionDeps {
  policies: PolicyBook;
  catalog: EventCatalog;
}

/** The rule's view of the handler context: same transaction and clock, its own collectors. */
export function ruleContext(h: HandlerContext, effects: RuleEffects): HandlerContext {
  return {
    tx: h.tx,
    event: h.event,
    decision: h.decision,
    emit: (e) => effects.emitted.push(e),
    outbox: (m) => effects.outbox.push(m),
    audit: (n) => effects.audits.push(n),
  };
}

/** Finds the order an intent is about: an order id, an order subject (`order:<source>:<external id>`) or the event's orderId. */
async function targetOrder(h: HandlerContext, intent: ActionIntent): Promise<OrderRecord> {
  const t = intent.target;
  if (t) {
    const byId = await orderById(h.tx, t);
    if (byId) return byId;
    const m = /^order:([^:]+):(.+)$/.exec(t);
    if (m) {
      const byExt = await orderByExternal(h.tx, m[1]!, m[2]!);
      if (byExt) return byExt;
    }
  }
  const fromPayload = (h.event.payload as { orderId?: unknown }).orderId;
  if (typeof fromPayload === 'string') {
    const o = await orderById(h.tx, fromPayload);
    if (o) return o;
  }
  throw new Error(`no order found for target ${t ?? '(none)'}`);
}

/** Carries out one intent inside the rule's savepoint; throws when it cannot (the rule run is then failed). */
export async function executeIntent(h: HandlerContext, intent: ActionIntent, deps: ActionDeps): Promise<void> {
  const a = intent.action;
  const ruleRef = { ruleId: intent.ruleId, ruleVersion: intent.ruleVersion, eventId: h.event.id };
  const subject = intent.target ?? `rule:${intent.ruleId}`;
  switch (a.kind) {
    case 'set_state': {
      if (a.object === 'order') {
        const order = await targetOrder(h, intent);
        const policy = await deps.policies.get('orders', h.tx);
        const note = `rule ${intent.ruleId} v${intent.ruleVersion}`;
        if (a.state === 'cancelled' && order.state !== 'cancelled' && canTransition(ORDER_TRANSITIONS, order.state, 'cancelled')) {
          // A cancel is the order's cancel, whoever asks: its open fulfilments stop and their stock is
          // released (moved to cancelled alone, the order left its fulfilment open and its units held).
          await cancelOrder(h, deps.policies, order, note);
          return;
        }
        if (a.state === 'on_hold') {
          // A hold is the order's hand hold, whoever asks: what has not shipped stops and its stock is
          // released (moved to on_hold alone, its fulfilments went on and nothing could release it).
          const d = await holdOrder(h, deps.policies, order, { note, by: `rule:${intent.ruleId}` });
          // Already held (payment, fraud, by hand): stopped already, nothing to do. Anything else fails the rule.
          if (d.outcome === 'refused' && order.state !== 'on_hold') throw new Error(`rule ${intent.ruleId}: cannot hold order ${order.id}: ${d.why}`);
          return;
        }
        // Only a person releases a hand hold (POST /v1/orders/{id}/release): a rule moving it on would
        // route it past whoever held it. A rule may still cancel it (above).
        if (order.state === 'on_hold' && order.holdReason === 'manual') throw new Error(`rule ${intent.ruleId}: order ${order.id} is on hold by hand; only a release by hand lets it go`);
        // moveOrder refuses a transition the lifecycle does not allow: the rule fails, the state is never forced.
        moveOrder(h, order, a.state as OrderState, policy, { note });
        await persistOrder(h, order);
        return;
      }
      if (a.object === 'fulfilment' && a.state === 'expired') {
        const f = await fulfilmentById(h.tx, intent.target ?? '');
        if (!f) throw new Error(`no fulfilment ${intent.target ?? '(none)'}`);
        if (!['assigned', 'accepted', 'picked'].includes(f.state)) throw new Error(`fulfilment ${f.id} is ${f.state}: cannot expire`);
        // Expiry goes through the same event the SLA watch uses, so release and reroute happen once, in one place.
        h.emit({ type: 'fulfilment.expired', payload: { fulfilmentId: f.id, orderId: f.orderId, deadline: f.state === 'assigned' ? 'accept' : 'ship', dueAt: f.state === 'assigned' ? f.acceptByMs : f.shipByMs } });
        h.audit({ action: 'rule.set_state', subject: `fulfilment:${f.id}`, before: { state: f.state }, after: { state: 'expired' }, detail: ruleRef });
        return;
      }
      throw new Error(`set_state on ${a.object} → ${a.state} is not supported`);
    }
    case 'set_flag': {
      if (a.object !== 'order') throw new Error(`set_flag on ${a.object} is not supported`);
      const order = await targetOrder(h, intent);
      const doc = order.doc as unknown as { flags?: Record<string, boolean> };
      const before = { ...(doc.flags ?? {}) };
      doc.flags = { ...before, [a.flag]: a.value };
      await persistOrder(h, order);
      h.audit({ action: 'order.flag_set', subject: `order-id:${order.id}`, before, after: doc.flags, detail: ruleRef });
      return;
    }
    case 'open_exception': {
      // A rule fires per event or per stay, often for the same subject ("an order waits over N hours"):
      // one open item per (queue, subject) counts its firings, and a new one opens only after it was
      // resolved. Through the rule's context: the item's announcement and audit go out with the rule's.
      // The firing itself is audited as rule.fired; a recurrence is counted on the item (`last` names it).
      await openException(h, {
        category: a.queue, subjectRef: subject, ownerRole: a.role, summary: a.summary ?? `rule ${intent.ruleId}`, detail: ruleRef,
      }, { countRecurrences: true });
      return;
    }
    case 'request_approval': {
      // Through the approval engine, like every other request: the approvals policy decides who
      // must say yes; facts it needs but the rule cannot give make the rule fail visibly.
      const facts = ((intent as { facts?: Record<string, unknown> }).facts ?? {}) as never;
      const r = await requestApproval(h, deps.policies, { subject: a.subject, subjectRef: subject, facts, requestedBy: `rule:${intent.ruleId}` });
      if (r.required === 'undecidable') throw new Error(`rule ${intent.ruleId}: approval for ${a.subject} cannot be decided: ${r.reason}`);
      h.audit({ action: 'rule.approval_requested', subject, after: r.required ? { approvalId: r.approvalId, kind: a.subject } : { required: false }, detail: ruleRef });
      return;
    }
    case 'queue_notification': {
      if (a.to) {
        h.outbox({ destination: 'notify:staff', kind: 'notification', subject, payload: { templateId: a.template, role: a.to, ...ruleRef } });
        return;
      }
      const order = await targetOrder(h, intent);
      const customer = (order.doc.placed as { customer: { id: string; email?: string } }).customer;
      const message = { templateId: a.template, channel: 'email', customerId: customer.id, ...(customer.email ? { recipient: customer.email } : {}), facts: { orderId: order.id, rule: intent.ruleId } };
      h.emit({ type: 'notification.queued', payload: message });
      // A customer message from a rule is worth sending as long as one from the order's own flow.
      const expiresAt = notificationSendBy((await deps.policies.get('orders', h.tx)).notifications, h.decision.now);
      h.outbox({ destination: 'notify:email', kind: 'notification', subject: `customer:${customer.id}`, payload: { ...message, orderId: order.id }, ...(expiresAt === undefined ? {} : { expiresAt }) });
      return;
    }
    case 'emit_event': {
      const def = deps.catalog.get(a.type);
      if (!def) throw new Error(`unknown event type ${a.type}`);
      const parsed = def.payload.safeParse(a.payload);
      if (!parsed.success) throw new Error(`payload of ${a.type} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      h.emit({ type: a.type, payload: parsed.data as Record<string, unknown> });
      return;
    }
    case 'call_webhook':
      h.outbox({ destination: `webhook:${a.destination}`, kind: 'rule.webhook', subject, payload: { ...(a.payload ?? {}), ...ruleRef, target: intent.target } });
      return;
    case 'ask_ai':
      h.outbox({ destination: 'ai', kind: 'ai.task', subject, payload: { task: a.task, ...ruleRef, target: intent.target } });
      return;
  }
}
