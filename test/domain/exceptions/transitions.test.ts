import { describe, expect, it } from 'vitest';
import { fixedContext } from '../../../src/domain/decision-context.js';
import { EXCEPTION_CATEGORIES, EXCEPTION_QUEUES } from '../../../src/domain/exceptions/categories.js';
import { openException, type ExceptionItem } from '../../../src/domain/exceptions/exception-item.js';
import { assignException, resolveException, retryException, type ExceptionResult } from '../../../src/domain/exceptions/transitions.js';
import { isRole } from '../../../src/domain/roles.js';

const T0 = Date.UTC(2024, 2, 1, 9);
const ctx = fixedContext(T0);
const later = fixedContext(T0 + 60_000);

const ok = (r: ExceptionResult): ExceptionItem => {
  if (!r.ok) throw new Error(`refused: ${r.refusal.code} ${r.refusal.message}`);
  return r.item;
};

const deadLetter = () =>
  openException({ category: 'dead_letter_delivery', subjectRef: 'delivery-9', summary: 'webhook to n8n failed 8 times', detail: { status: 502 } }, ctx).item;

describe('exception queues', () => {
  it('every category has an owner role', () => {
    for (const c of EXCEPTION_CATEGORIES) expect(isRole(EXCEPTION_QUEUES[c].ownerRole)).toBe(true);
  });

  it('opens an item owned by the queue owner, or the role a rule routed it to', () => {
    const opened = openException({ category: 'payment_hold', subjectRef: 'order-1', summary: 'payment failed' }, ctx);
    expect(opened.item).toMatchObject({ state: 'open', ownerRole: 'finance', retries: 0, assignee: null, openedAt: T0 });
    expect(opened.events).toEqual([
      { type: 'exception.opened', exceptionId: opened.item.id, category: 'payment_hold', ownerRole: 'finance', subjectRef: 'order-1', at: T0 },
    ]);
    const routed = openException({ category: 'sla_breach', subjectRef: 'return-1', summary: 'late', ownerRole: 'service_agent' }, ctx);
    expect(routed.item.ownerRole).toBe('service_agent');
  });

  it('an owner takes an item; handing it to someone else needs the supervisor', () => {
    const item = deadLetter();
    const taken = ok(assignException(item, { actorId: 'int-1', actorRoles: ['integrator'] }, { id: 'int-1', roles: ['integrator'] }, later));
    expect(taken).toMatchObject({ state: 'assigned', assignee: 'int-1' });
    const handOff = assignException(item, { actorId: 'int-1', actorRoles: ['integrator'] }, { id: 'int-2', roles: ['integrator'] }, later);
    expect(handOff).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
    const bySupervisor = assignException(item, { actorId: 'ops-1', actorRoles: ['operations_manager'] }, { id: 'int-2', roles: ['integrator'] }, later);
    expect(ok(bySupervisor).assignee).toBe('int-2');
  });

  it('an item taken by one owner cannot be taken by another; the supervisor may hand it over', () => {
    const taken = ok(assignException(deadLetter(), { actorId: 'int-1', actorRoles: ['integrator'] }, { id: 'int-1', roles: ['integrator'] }, later));
    const stolen = assignException(taken, { actorId: 'int-2', actorRoles: ['integrator'] }, { id: 'int-2', roles: ['integrator'] }, later);
    expect(stolen).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE', state: 'assigned' } });
    // Taking it again yourself changes nothing harmful.
    expect(ok(assignException(taken, { actorId: 'int-1', actorRoles: ['integrator'] }, { id: 'int-1', roles: ['integrator'] }, later)).assignee).toBe('int-1');
    const handedOver = ok(assignException(taken, { actorId: 'ops-1', actorRoles: ['operations_manager'] }, { id: 'int-2', roles: ['integrator'] }, later));
    expect(handedOver.assignee).toBe('int-2');
  });

  it('refuses actors and assignees without the owner role', () => {
    const item = deadLetter();
    expect(assignException(item, { actorId: 'wh-1', actorRoles: ['warehouse'] }, { id: 'wh-1', roles: ['warehouse'] }, later)).toMatchObject({
      ok: false,
      refusal: { code: 'E_ROLE', acceptedRoles: ['integrator', 'operations_manager'] },
    });
    expect(assignException(item, { actorId: 'ops-1', actorRoles: ['operations_manager'] }, { id: 'wh-1', roles: ['warehouse'] }, later)).toMatchObject({
      ok: false,
      refusal: { code: 'E_ROLE' },
    });
    expect(resolveException(item, { actorId: 'fin-1', actorRoles: ['finance'] }, 'fixed', later)).toMatchObject({ ok: false, refusal: { code: 'E_ROLE' } });
  });

  it('resolve needs a reason and is final', () => {
    const item = deadLetter();
    expect(resolveException(item, { actorId: 'int-1', actorRoles: ['integrator'] }, '   ', later)).toMatchObject({ ok: false, refusal: { code: 'E_SCHEMA' } });
    const r = resolveException(item, { actorId: 'int-1', actorRoles: ['integrator'] }, ' endpoint fixed, replayed ', later);
    const resolved = ok(r);
    expect(resolved).toMatchObject({ state: 'resolved', resolution: { reason: 'endpoint fixed, replayed', by: 'int-1', at: T0 + 60_000 } });
    for (const again of [
      resolveException(resolved, { actorId: 'int-1', actorRoles: ['integrator'] }, 'again', later),
      retryException(resolved, { actorId: 'int-1', actorRoles: ['integrator'] }, later),
      assignException(resolved, { actorId: 'int-1', actorRoles: ['integrator'] }, { id: 'int-1', roles: ['integrator'] }, later),
    ]) {
      expect(again).toMatchObject({ ok: false, refusal: { code: 'E_INVALID_STATE', state: 'resolved' } });
    }
  });

  it('retry counts attempts and asks the engine to re-run; non-retryable categories refuse', () => {
    const item = deadLetter();
    const once = retryException(item, { actorId: 'int-1', actorRoles: ['integrator'] }, later);
    const twice = ok(retryException(ok(once), { actorId: 'ops-1', actorRoles: ['operations_manager'] }, later));
    expect(twice).toMatchObject({ state: 'open', retries: 2, lastRetryAt: T0 + 60_000 });
    expect(once.ok && once.events).toEqual([
      { type: 'exception.retry_requested', exceptionId: item.id, category: 'dead_letter_delivery', subjectRef: 'delivery-9', attempt: 1, by: 'int-1', at: T0 + 60_000 },
    ]);
    const breach = openException({ category: 'sla_breach', subjectRef: 'order-1', summary: 'late' }, ctx).item;
    expect(retryException(breach, { actorId: 'ops-1', actorRoles: ['operations_manager'] }, later)).toMatchObject({
      ok: false,
      refusal: { code: 'E_INVALID_STATE' },
    });
  });
});
