import { describe, expect, it } from 'vitest';
import {
  FULFILMENT_STATES,
  FULFILMENT_TRANSITIONS,
  ORDER_STATES,
  ORDER_TRANSITIONS,
  canTransition,
  checkTransition,
  isTerminal,
  orderStateFromFulfilments,
} from '../../../src/domain/orders/index.js';

describe('order state machine', () => {
  it('follows the happy path', () => {
    const path = ['received', 'validated', 'allocated', 'in_fulfilment', 'shipped', 'delivered', 'returned'] as const;
    for (let i = 1; i < path.length; i++) expect(checkTransition(ORDER_TRANSITIONS, path[i - 1], path[i]).ok).toBe(true);
  });

  it('refuses illegal moves with E_INVALID_STATE and the allowed alternatives', () => {
    expect(checkTransition(ORDER_TRANSITIONS, 'shipped', 'cancelled')).toEqual({
      ok: false,
      code: 'E_INVALID_STATE',
      from: 'shipped',
      to: 'cancelled',
      allowed: ['delivered', 'exception', 'partially_returned'],
    });
    expect(canTransition(ORDER_TRANSITIONS, 'received', 'shipped')).toBe(false);
    expect(canTransition(ORDER_TRANSITIONS, 'delivered', 'in_fulfilment')).toBe(false);
    expect(canTransition(ORDER_TRANSITIONS, 'received', 'returned')).toBe(false);
  });

  it('ends in cancelled and returned, and nowhere else', () => {
    expect(ORDER_STATES.filter((s) => isTerminal(ORDER_TRANSITIONS, s))).toEqual(['cancelled', 'returned']);
    for (const s of ORDER_STATES) expect(canTransition(ORDER_TRANSITIONS, 'cancelled', s)).toBe(false);
  });

  it('lets holds, backorders and reroutes come back into the flow', () => {
    expect(canTransition(ORDER_TRANSITIONS, 'on_hold', 'validated')).toBe(true);
    expect(canTransition(ORDER_TRANSITIONS, 'on_hold', 'allocated')).toBe(true);
    expect(canTransition(ORDER_TRANSITIONS, 'backordered', 'allocated')).toBe(true);
    expect(canTransition(ORDER_TRANSITIONS, 'allocated', 'allocated')).toBe(true);
  });

  it('only names known states in the table', () => {
    for (const [from, tos] of Object.entries(ORDER_TRANSITIONS)) {
      expect(ORDER_STATES).toContain(from);
      for (const to of tos) expect(ORDER_STATES).toContain(to);
    }
  });
});

describe('fulfilment state machine', () => {
  it('follows assigned → accepted → picked → shipped → delivered', () => {
    const path = ['assigned', 'accepted', 'picked', 'shipped', 'delivered'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(FULFILMENT_TRANSITIONS, path[i - 1], path[i])).toBe(true);
  });

  it('refuses skipping steps and leaving a final state', () => {
    expect(checkTransition(FULFILMENT_TRANSITIONS, 'assigned', 'shipped').ok).toBe(false);
    expect(checkTransition(FULFILMENT_TRANSITIONS, 'rejected', 'accepted').ok).toBe(false);
    expect(checkTransition(FULFILMENT_TRANSITIONS, 'picked', 'rejected').ok).toBe(false);
    expect(FULFILMENT_STATES.filter((s) => isTerminal(FULFILMENT_TRANSITIONS, s))).toEqual(['delivered', 'rejected', 'expired', 'cancelled']);
  });
});

describe('order state from its fulfilments', () => {
  it('ships a split order only with its last parcel, and ignores replaced fulfilments', () => {
    expect(orderStateFromFulfilments(['assigned', 'assigned'])).toBeNull();
    expect(orderStateFromFulfilments(['accepted', 'assigned'])).toBe('in_fulfilment');
    expect(orderStateFromFulfilments(['shipped', 'picked'])).toBe('in_fulfilment');
    expect(orderStateFromFulfilments(['shipped', 'delivered', 'rejected'])).toBe('shipped');
    expect(orderStateFromFulfilments(['delivered', 'expired', 'delivered'])).toBe('delivered');
    expect(orderStateFromFulfilments(['delivered', 'exception'])).toBe('exception');
    expect(orderStateFromFulfilments(['rejected'])).toBeNull();
  });
});
