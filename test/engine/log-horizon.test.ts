import { afterEach, describe, expect, it } from 'vitest';
import { LogHorizon } from '../../src/engine/dispatch/log-horizon.js';
import { PG_URL, storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { buildHandlers } from '../../src/engine/handlers/all.js';
import type { EventHandler } from '../../src/engine/dispatch/handler.js';
import { appendEvent, eventById } from '../../src/store/repos/events.js';
import { waitFor } from '../support/load.js';

describe('LogHorizon (pure)', () => {
  it('with no other writer, everything visible may run', () => {
    const h = new LogHorizon(1000);
    expect(h.advance({ writers: [], maxSeq: 10 }, 0)).toEqual({ safe: 10, holding: false });
  });

  it('rows seen while another transaction writes wait until that transaction is gone', () => {
    const h = new LogHorizon(1000);
    expect(h.advance({ writers: [], maxSeq: 5 }, 0).safe).toBe(5);
    // Seq 9 is visible, but writer A (holding, say, seq 8) has not committed yet.
    expect(h.advance({ writers: ['3/10'], maxSeq: 9 }, 1)).toEqual({ safe: 5, holding: true });
    // A still runs; B has started: neither observation is confirmed.
    expect(h.advance({ writers: ['3/10', '4/7'], maxSeq: 12 }, 2)).toEqual({ safe: 5, holding: true });
    // A is gone, B still runs: the first observation (9) is confirmed, the second (12) is not.
    expect(h.advance({ writers: ['4/7'], maxSeq: 12 }, 3)).toEqual({ safe: 9, holding: true });
    // B is gone, C runs: everything seen while B ran (12) is confirmed; 14 waits for C.
    expect(h.advance({ writers: ['5/1'], maxSeq: 14 }, 4)).toEqual({ safe: 12, holding: true });
    // Nobody writes: all that is visible may run.
    expect(h.advance({ writers: [], maxSeq: 14 }, 5)).toEqual({ safe: 14, holding: false });
  });

  it('a later observation whose writers are all gone confirms the earlier ones too', () => {
    const h = new LogHorizon(1000);
    h.advance({ writers: ['1/1'], maxSeq: 3 }, 0);
    h.advance({ writers: ['1/1', '2/1'], maxSeq: 6 }, 1);
    expect(h.advance({ writers: ['9/9'], maxSeq: 8 }, 2)).toEqual({ safe: 6, holding: true });
  });

  it('never moves back, and nothing new to see is no reason to hold', () => {
    const h = new LogHorizon(1000);
    h.advance({ writers: [], maxSeq: 20 }, 0);
    // A writer is busy, but nothing above 20 is visible: nothing waits for it.
    expect(h.advance({ writers: ['1/1'], maxSeq: 20 }, 1)).toEqual({ safe: 20, holding: false });
  });

  it('stops waiting for a writer that holds on past the bound, and says so', () => {
    const h = new LogHorizon(100);
    h.advance({ writers: [], maxSeq: 2 }, 0);
    expect(h.advance({ writers: ['7/7'], maxSeq: 4 }, 10).holding).toBe(true);
    expect(h.advance({ writers: ['7/7'], maxSeq: 4 }, 100).safe).toBe(2);
    const step = h.advance({ writers: ['7/7'], maxSeq: 4 }, 111);
    expect(step).toEqual({ safe: 4, holding: false, forced: { waitedMs: 101, writers: ['7/7'], upTo: 4 } });
  });
});

// Only PostgreSQL has several writers of the log at once; SQLite's single writer has no such window.
const pg = storeFactories().find((f) => f.name === 'postgres');

describe.skipIf(!PG_URL)('dispatch in log order while another transaction still writes the log (postgres)', () => {
  let t: TestApp;
  /** A transaction a test holds open is committed even when the test fails, so closing the app never waits on it. */
  let openTx: { commit(): Promise<void> } | undefined;
  afterEach(async () => {
    await openTx?.commit();
    openTx = undefined;
    await t?.close();
  });

  /** Records the order the dispatcher ran one location's adjustments in. */
  function tracer(seen: number[]): EventHandler {
    return {
      type: 'inventory.adjusted',
      name: 'test.log-order',
      async handle({ event }) {
        seen.push((event.payload as { delta: number }).delta);
      },
    };
  }
  const adjust = (delta: number) => envelope({ type: 'inventory.adjusted', payload: { locationId: 'L1', sku: 'SKU-1', delta, reason: 'receipt' } });

  /** Appends an event in a transaction left open until `release` is called: its seq is taken, it is not visible. */
  async function heldOpen(app: TestApp['app'], raw: Record<string, unknown>) {
    const row = app.intake.prepare(raw);
    let release!: () => void;
    let inserted!: () => void;
    const insertedP = new Promise<void>((r) => { inserted = r; });
    const releaseP = new Promise<void>((r) => { release = r; });
    const done = app.store.transaction(async (tx) => {
      await appendEvent(tx, row);
      inserted();
      await releaseP;
    });
    await insertedP;
    openTx = { commit: async () => { release(); await done; } };
    return { id: row.id, commit: openTx.commit };
  }

  const statusOf = async (id: string) => (await eventById(t.app.store.read, id))?.status;

  async function start(config: Record<string, unknown> = {}) {
    const seen: number[] = [];
    t = await startTestApp(pg!, {
      handlers: (policies) => buildHandlers({ policies }).register(tracer(seen)),
      config: { dispatch: { idlePollMs: 10, ...config } },
    });
    await t.send(envelope({ type: 'location.upserted', payload: { id: 'L1', name: 'L1', kind: 'store', lat: 52, lon: 5 } }));
    return seen;
  }

  it('a later event waits for an earlier one whose transaction has not committed, then both run in seq order', async () => {
    const seen = await start();
    const first = await heldOpen(t.app, adjust(1));
    const r = await t.app.intake.submit(adjust(2));
    if (!r.ok) throw r.error;
    t.app.dispatcher.wake();
    // Long enough for many dispatch rounds (idle poll 10 ms, horizon poll 2 ms).
    await new Promise((res) => setTimeout(res, 400));
    expect(await statusOf(r.eventId)).toBe('pending');
    expect(seen).toEqual([]);
    await first.commit();
    t.app.dispatcher.wake();
    expect(await waitFor(() => statusOf(r.eventId), (s) => s === 'processed')).toBe('processed');
    expect(await statusOf(first.id)).toBe('processed');
    expect(seen).toEqual([1, 2]);
  });

  it('past the wait bound a later event runs anyway, and the metric counts it', async () => {
    const seen = await start({ logHorizonMaxWaitMs: 150 });
    const first = await heldOpen(t.app, adjust(1));
    const r = await t.app.intake.submit(adjust(2));
    if (!r.ok) throw r.error;
    t.app.dispatcher.wake();
    expect(await waitFor(() => statusOf(r.eventId), (s) => s === 'processed')).toBe('processed');
    expect(seen).toEqual([2]);
    expect(await t.app.metricsText()).toMatch(/omniops_dispatch_log_order_waits_given_up_total [1-9]/);
    await first.commit();
    t.app.dispatcher.wake();
    expect(await waitFor(() => statusOf(first.id), (s) => s === 'processed')).toBe('processed');
    expect(seen).toEqual([2, 1]);
  });
});
