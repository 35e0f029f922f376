import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { storeFactories, type StoreFactory } from '../support/stores.js';
import { DC_TILBURG, startShop, webOrder } from '../support/shop.js';
import { envelope, type TestApp } from '../support/app.js';
import { killChildren, newDataDir, newSecretKey, removeDataDirs, runCli } from '../support/cli.js';
import { buildProgram, type CliIo } from '../../src/cli/program.js';
import { holdFromCli, releaseFromCli } from '../../src/cli/commands/orders.js';
import { answerClaimFromCli } from '../../src/cli/commands/returns.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { fulfilmentsOfOrder, orderById } from '../../src/store/repos/orders.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../returns/support.js';

// `omniops orders hold|release` and `omniops returns answer-claim` (docs/orders.md "Holding an order",
// docs/ai.md "The supplier answers a claim"): what each does in process on both stores, the command
// lines refused as E_USAGE, and one real child process on SQLite.
const OPERATOR = { id: 'cli:test', role: 'admin' };
const PRODUCT = { sku: 'MUG', name: 'Mug', category: 'kitchen', price: 12, cost: 4, weightKg: 0.4, returnable: true, supplierIds: ['sup-1'] };

async function shopWithOrder(factory: StoreFactory, ext: string): Promise<{ t: TestApp; orderId: string }> {
  const t = await startShop(factory, Date.now, [DC_TILBURG], { dc: [{ sku: 'MUG', onHand: 10 }] });
  await t.send(envelope({ type: 'product.upserted', payload: PRODUCT }));
  const eventId = await t.send(webOrder(ext, [{ sku: 'MUG', qty: 1, unitPrice: 12 }]));
  await t.drained();
  const row = await t.app.store.read.get<{ id: string }>(`SELECT id FROM orders WHERE external_order_id = ?`, [ext]);
  expect(eventId).toBeTruthy();
  return { t, orderId: row!.id };
}

for (const factory of storeFactories()) {
  describe(`omniops orders hold / release (in process): ${factory.name}`, () => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('holds an allocated order (its fulfilment cancelled) and releases it (routed again)', async () => {
      const shop = await shopWithOrder(factory, 'CLI-H1');
      t = shop.t;
      expect((await orderById(t.app.store.read, shop.orderId))!.state).toBe('allocated');
      const processed = (ids: string[]) => Promise.all(ids.map((id) => t!.settled(id)));
      const held = await holdFromCli(t.app, OPERATOR, shop.orderId, 'customer called to change the address', processed);
      expect(held).toMatchObject({ state: 'on_hold', holdReason: 'manual', hold: { reason: 'manual', note: 'customer called to change the address', by: 'cli:test' } });
      expect((await fulfilmentsOfOrder(t.app.store.read, shop.orderId)).map((f) => f.state)).toEqual(['cancelled']);
      // Held already: a second hold is refused before anything is sent.
      await expect(holdFromCli(t.app, OPERATOR, shop.orderId, 'again', processed)).rejects.toMatchObject({ code: 'E_INVALID_STATE' });

      const released = await releaseFromCli(t.app, OPERATOR, shop.orderId, 'address updated', processed);
      expect(released).toMatchObject({ state: 'allocated', holdReason: null, hold: null });
      expect((await fulfilmentsOfOrder(t.app.store.read, shop.orderId)).map((f) => f.state).sort()).toEqual(['assigned', 'cancelled']);
      await expect(releaseFromCli(t.app, OPERATOR, shop.orderId, undefined, processed)).rejects.toMatchObject({ code: 'E_INVALID_STATE' });
      await expect(holdFromCli(t.app, OPERATOR, 'ord_nope', 'x', processed)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });
  });

  describe(`omniops returns answer-claim (in process): ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    it('records an accepted answer (the case closes); a credit above the claim and another answer are refused', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }) });
      await w.deliveredOrder('CLI-C1', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: 'CLI-C1', lines: [{ lineId: '1', qty: 1 }], reason: 'the zipper broke after a week' })).id);
      const claimId = c.supplierClaim.id as string;
      const processed = (ids: string[]) => Promise.all(ids.map((id) => w.settled(id)));

      await expect(answerClaimFromCli(w.t.app, OPERATOR, claimId, { outcome: 'accepted', creditAmount: 120.01 }, processed)).rejects.toMatchObject({ code: 'E_SCHEMA' });
      const out = await answerClaimFromCli(w.t.app, OPERATOR, claimId, { outcome: 'accepted', creditAmount: 100, creditNoteRef: 'CN-1' }, processed);
      expect(out).toMatchObject({ id: claimId, state: 'accepted', answer: { outcome: 'accepted', creditAmount: 100, creditNoteRef: 'CN-1', by: 'cli:test' } });
      await w.drained();
      expect((await w.caseOf(c.id)).state).toBe('closed');
      await expect(answerClaimFromCli(w.t.app, OPERATOR, claimId, { outcome: 'rejected', reason: 'no' }, processed)).rejects.toMatchObject({ code: 'E_INVALID_STATE' });
      await expect(answerClaimFromCli(w.t.app, OPERATOR, 'clm_nope', { outcome: 'rejected', reason: 'no' }, processed)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    });
  });
}

class Exited {
  constructor(readonly code: number) {}
}

/** Parses a command line as the CLI would, in process; no action may run. */
async function parse(args: string[]): Promise<{ code: number | undefined; err: string }> {
  let err = '';
  const io: CliIo = { out: () => undefined, err: (s) => void (err += s), exit: (code) => { throw new Exited(code); } };
  const program = buildProgram(io);
  program.hook('preAction', () => {
    throw new Error(`an action ran for: ${args.join(' ')}`);
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof Exited)) throw e;
    return { code: e.code, err };
  }
  return { code: undefined, err };
}

describe('orders and answer-claim command lines', () => {
  it('hold without --reason, and answer-claim with both --accepted and --rejected, are E_USAGE exit 2', async () => {
    const hold = await parse(['orders', 'hold', 'ord_1']);
    expect(hold.code).toBe(2);
    expect(hold.err).toMatch(/^error E_USAGE: required option '--reason <text>' not specified\nsee: omniops orders hold --help/);
    const both = await parse(['returns', 'answer-claim', 'clm_1', '--accepted', '--credit', '5', '--rejected', '--reason', 'x']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/^error E_USAGE: option '--accepted' cannot be used with option '--rejected'/);
  });
});

describe('the real CLI on a SQLite data directory', { timeout: 60_000 }, () => {
  afterEach(async () => {
    await killChildren();
    removeDataDirs();
  });

  it('orders hold then orders release; answer-claim without an outcome is E_USAGE', async () => {
    const data = newDataDir();
    const secretKey = newSecretKey();
    const file: StoreFactory = {
      name: 'sqlite',
      async open() {
        const store = new SqliteStore({ file: join(data, 'omniops.db') });
        await store.migrate();
        return { store, dispose: () => store.close() };
      },
    };
    const { t, orderId } = await shopWithOrder(file, 'CLI-R1');
    await t.close();
    const env = { OMNIOPS_SECRET_KEY: secretKey };

    const hold = await runCli(['orders', 'hold', orderId, '--reason', 'possible fraud: checking with the customer', '--json', '--data', data], { env });
    expect(hold.code, hold.stderr).toBe(0);
    expect(JSON.parse(hold.stdout)).toMatchObject({ id: orderId, state: 'on_hold', holdReason: 'manual', hold: { note: 'possible fraud: checking with the customer' } });
    const release = await runCli(['orders', 'release', orderId, '--note', 'customer confirmed', '--data', data], { env });
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toBe(`order ${orderId}: allocated\n`);

    const neither = await runCli(['returns', 'answer-claim', 'clm_1', '--json', '--data', data], { env });
    expect(neither.code).toBe(2);
    expect(JSON.parse(neither.stderr)).toMatchObject({ code: 'E_USAGE' });
  });
});
