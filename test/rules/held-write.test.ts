import { describe, expect, it } from 'vitest';
import { RuleRuntime } from '../../src/engine/rules/runtime.js';
import type { PolicyBook } from '../../src/engine/policy-book.js';
import type { HandlerContext } from '../../src/engine/dispatch/handler.js';
import { HeldWriteFailed, type Tx } from '../../src/store/port.js';
import { decisionContextFor } from '../../src/engine/ids.js';

/**
 * A rule's savepoint is where an earlier event's held-back write (PostgreSQL, Tx.beforeNextStatement)
 * may go out and fail. That failure is not the rule's: the runtime must not record it as a failed
 * rule and carry on in a lost transaction, but let the dispatcher see it.
 */
describe('automation rules and a held-back write that fails', () => {
  it('the failure reaches the dispatcher instead of being recorded as the rule\'s', async () => {
    const policies = {
      get: async () => ({
        version: '1',
        rules: [{ id: 'flag_counts', version: 1, name: 'Counts are flagged', enabled: true, trigger: { kind: 'event', eventType: 'inventory.snapshot' }, actions: [{ kind: 'open_exception', queue: 'stock', role: 'operations_manager', summary: 'counted' }] }],
      }),
    } as unknown as PolicyBook;
    const held = new HeldWriteFailed(new Error('integer out of range'));
    const recorded: string[] = [];
    const tx = {
      dialect: 'postgres', kept: new Map(),
      savepoint: async () => { throw held; },
      run: async (sql: string) => (recorded.push(sql), { changes: 1 }),
      get: async (sql: string) => (recorded.push(sql), undefined),
      all: async (sql: string) => (recorded.push(sql), []),
      afterCommit: () => undefined,
    } as unknown as Tx;
    const h: HandlerContext = {
      tx,
      event: { id: 'e1', type: 'inventory.snapshot', subject: 'location:L1', source: 'pos', payload: { locationId: 'L1', counts: [] } } as unknown as HandlerContext['event'],
      decision: decisionContextFor('e1', 1),
      emit: () => undefined, outbox: () => undefined, audit: (n) => recorded.push(n.action),
    };
    await expect(new RuleRuntime(policies).afterEvent(h)).rejects.toBe(held);
    expect(recorded).toEqual([]); // no failed rule run, no exception, no audit entry
  });
});
