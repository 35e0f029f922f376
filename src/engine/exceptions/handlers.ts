import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import { assignException, resolveException, retryException, type ExceptionResult } from '../../domain/exceptions/index.js';
import { isRole } from '../../domain/roles.js';
import { exceptionById, openExceptionFor, saveExceptionItem, type StoredException } from '../../store/repos/exceptions.js';
import { requeueDead } from '../../store/repos/events.js';
import { requeueStopped } from '../../store/repos/deliveries.js';
import { userByName } from '../../store/repos/identity.js';
import { openException } from './open.js';
import { resolveOpenItem } from './resolve.js';

interface ActionRequested { exceptionId: string; action: 'resolve' | 'retry' | 'assign'; reason?: string; assignee?: string }

/** Resolves or notes the open item of a queue for a subject (the cause went away by itself). */
export async function closeIfOpen(h: HandlerContext, queue: StoredException['category'], subjectRef: string, reason: string): Promise<void> {
  const item = await openExceptionFor(h.tx, queue, subjectRef);
  if (item) await resolveOpenItem(h, item, reason, 'omniops', true);
}

/** A person who may still be given work: someone whose access was revoked has left and would never see it. */
async function activeUser(h: HandlerContext, name: string): Promise<{ role: string } | undefined> {
  const user = await userByName(h.tx, name);
  return user && user.revokedAt === null ? user : undefined;
}

export function exceptionHandlers(): EventHandler[] {
  /** Payment and fraud holds are worked from their queues; the hold clearing resolves the item. */
  const held: EventHandler = {
    type: 'order.held', name: 'exceptions.order_held',
    async handle(h) {
      const p = h.event.payload as { orderId: string; holdReason: string; detail?: string };
      if (p.holdReason === 'payment') {
        await openException(h, { category: 'payment_hold', subjectRef: `order:${p.orderId}`, summary: `order ${p.orderId} held: payment not authorised`, detail: { orderId: p.orderId } });
      } else if (p.holdReason === 'fraud_review') {
        await openException(h, { category: 'fraud_review', subjectRef: `order:${p.orderId}`, summary: `order ${p.orderId} held for fraud review`, detail: { orderId: p.orderId } });
      }
    },
  };
  const stateChanged: EventHandler = {
    type: 'order.state_changed', name: 'exceptions.order_state_changed',
    // Only a move off a hold closes an exception; most orders never hold.
    wants: (p) => leavesHold(p as { from: string; to: string; holdReason?: string }),
    async handle(h) {
      const p = h.event.payload as { orderId: string; from: string; to: string; holdReason?: string };
      if (!leavesHold(p)) return;
      const ref = `order:${p.orderId}`;
      if (p.holdReason !== 'payment') await closeIfOpen(h, 'payment_hold', ref, `order moved on: ${p.to}`);
      if (p.holdReason !== 'fraud_review') await closeIfOpen(h, 'fraud_review', ref, `order moved on: ${p.to}`);
    },
  };
  const slaBreach: EventHandler = {
    type: 'fulfilment.expired', name: 'exceptions.sla_breach',
    async handle(h) {
      const p = h.event.payload as { fulfilmentId: string; orderId: string; deadline: string; dueAt: number };
      await openException(h, {
        category: 'sla_breach', subjectRef: `fulfilment:${p.fulfilmentId}`,
        summary: `fulfilment ${p.fulfilmentId} of order ${p.orderId} missed its ${p.deadline} deadline`, detail: { ...p },
      });
    },
  };
  const action: EventHandler = {
    type: 'exception.action_requested', name: 'exceptions.action',
    async handle(h) {
      const p = h.event.payload as unknown as ActionRequested;
      const item = await exceptionById(h.tx, p.exceptionId);
      const actorId = h.event.actor ?? `source:${h.event.source}`;
      const actor = { actorId, actorRoles: isRole(h.event.actorRole) ? [h.event.actorRole] : [] };
      if (!item) {
        h.audit({ action: 'exception.action_refused', subject: `exception:${p.exceptionId}`, detail: { code: 'E_NOT_FOUND', action: p.action } });
        return;
      }
      let result: ExceptionResult;
      if (p.action === 'resolve') result = resolveException(item, actor, p.reason ?? '', h.decision);
      else if (p.action === 'retry') result = retryException(item, actor, h.decision);
      else {
        const who = p.assignee ?? actorId;
        const user = who === actorId ? { role: h.event.actorRole } : await activeUser(h, who);
        result = assignException(item, actor, { id: who, roles: user && isRole(user.role) ? [user.role] : [] }, h.decision);
      }
      if (!result.ok) {
        h.audit({ action: 'exception.action_refused', subject: `exception:${item.id}`, detail: { code: result.refusal.code, message: result.refusal.message, action: p.action } });
        return;
      }
      const next: StoredException = { ...result.item, history: [...item.history, { at: h.decision.now, action: p.action, by: actorId, ...(p.reason ? { note: p.reason } : {}) }] };
      if (!(await saveExceptionItem(h.tx, next, item.state, h.decision.now))) throw new Error(`exception ${item.id} changed concurrently; retrying`);
      if (p.action === 'retry' && typeof item.detail.eventId === 'string') {
        // A dead-lettered event is replayed; if it fails again, its new dead letter notes itself here.
        await requeueDead(h.tx, item.detail.eventId);
      } else if (p.action === 'retry' && typeof item.detail.deliveryId === 'string') {
        // A dead delivery (the delivery worker's item) is sent again with a fresh attempt budget, under
        // the same id the receiver dedups on; dying again finds this item still open.
        if (await requeueStopped(h.tx, item.detail.deliveryId)) {
          h.audit({ action: 'delivery.replayed', subject: `delivery:${item.detail.deliveryId}`, after: { status: 'pending' }, detail: { exceptionId: item.id } });
        }
      }
      h.emit({ type: 'exception.updated', subject: `exception:${item.id}`, payload: { exceptionId: item.id, category: item.category, action: p.action, by: actorId, state: next.state, assignee: next.assignee, reason: p.reason ?? null } });
      h.audit({ action: `exception.${p.action === 'resolve' ? 'resolved' : p.action === 'retry' ? 'retried' : 'assigned'}`, subject: `exception:${item.id}`, before: { state: item.state, assignee: item.assignee }, after: { state: next.state, assignee: next.assignee }, detail: { reason: p.reason ?? null, queue: item.category } });
    },
  };
  return [held, stateChanged, slaBreach, action];
}

/** A state change that takes an order off a hold (or from one hold to another named one). */
function leavesHold(p: { from: string; to: string; holdReason?: string }): boolean {
  return p.from === 'on_hold' && !(p.to === 'on_hold' && p.holdReason === undefined);
}
