import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import type { SqlExecutor, Store } from '../../src/store/port.js';
import { appendAudit, auditHead } from '../../src/store/repos/audit.js';
import { auditedTransaction } from '../../src/engine/audit/audited.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';
import { verifyAuditTail } from '../../src/engine/checks/audit-tail.js';

const audit = (i: number) => ({ at: `2026-11-30T10:00:${String(i).padStart(2, '0')}Z`, actor: 'u', role: 'admin', action: 'x', subject: `s${i}`, beforeDigest: null, afterDigest: `d${i}`, detail: { i } });

const isPageRead = (sql: string) => /FROM audit WHERE seq > \?/.test(sql);
const isHeadRead = (sql: string) => /FROM audit_head/.test(sql);

/**
 * The executor a verification reads through, with a writer slipped in: the first time `when` holds
 * after a statement, `append` commits before the verifier sees that statement's answer — as another
 * connection's commit would land between two of its statements on a busy server.
 */
function racing(db: SqlExecutor, when: { all?: (sql: string, rows: unknown[]) => boolean; get?: (sql: string) => boolean }, append: () => Promise<void>) {
  let fired = 0;
  const once = async () => {
    if (fired++ === 0) await append();
  };
  const exec: SqlExecutor = {
    dialect: db.dialect,
    run: (sql, params) => db.run(sql, params),
    async get<T>(sql: string, params?: readonly unknown[]) {
      const row = await db.get<T>(sql, params);
      if (when.get?.(sql)) await once();
      return row;
    },
    async all<T>(sql: string, params?: readonly unknown[]) {
      const rows = await db.all<T>(sql, params);
      if (when.all?.(sql, rows)) await once();
      return rows;
    },
  };
  return { exec, fired: () => fired };
}

for (const factory of storeFactories()) {
  describe(`audit verification while entries are appended: ${factory.name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeEach(async () => {
      ({ store, dispose } = await factory.open());
      await store.transaction((tx) => appendAudit(tx, [1, 2, 3, 4, 5].map(audit)));
      await store.transaction((tx) => appendAudit(tx, [6, 7].map(audit)));
    });
    afterEach(async () => {
      await dispose();
    });

    /** An entry appended as the engine appends one outside the event flow: entries and head in one transaction. */
    const appendOne = (n = 1) => auditedTransaction(store, { id: 'racer', role: 'admin' }, async (_tx, note) => {
      for (let i = 0; i < n; i++) note({ action: 'race.appended', subject: `race:${i}`, after: { i } });
    }, () => Date.parse('2026-12-01T00:00:00Z'));
    const hashOf = async (seq: number) => (await store.read.get<{ hash: string }>('SELECT hash FROM audit WHERE seq = ?', [seq]))!.hash;

    describe('the whole chain (GET /v1/checks, GET /v1/audit/verify, omniops check, omniops audit verify)', () => {
      it('an entry committed after the walk read its last page: ok, and the new entry is walked', async () => {
        const r = racing(store.read, { all: (sql, rows) => isPageRead(sql) && rows.length === 0 }, () => appendOne());
        expect(await verifyAuditChain(r.exec)).toEqual({ ok: true, count: 8, headHash: await hashOf(8) });
        expect(r.fired()).toBeGreaterThan(0);
      });

      it('several appends after the last page, more than a page of them: ok, walked on in pages up to the head', async () => {
        const r = racing(store.read, { all: (sql, rows) => isPageRead(sql) && rows.length === 0 }, async () => {
          await appendOne(3);
          await appendOne(2);
        });
        expect(await verifyAuditChain(r.exec, 2)).toEqual({ ok: true, count: 12, headHash: await hashOf(12) });
      });

      it('an entry committed after the head was read is left for the next verification', async () => {
        const r = racing(store.read, { get: isHeadRead }, () => appendOne());
        expect(await verifyAuditChain(r.exec)).toEqual({ ok: true, count: 7, headHash: await hashOf(7) });
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: true, count: 8 });
      });

      it('verifications beside a stream of appends all agree with the chain', async () => {
        const appends = Array.from({ length: 20 }, () => appendOne());
        const verdicts = await Promise.all(Array.from({ length: 10 }, () => verifyAuditChain(store.read, 3)));
        await Promise.all(appends);
        for (const v of verdicts) expect(v).toMatchObject({ ok: true });
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: true, count: 27 });
      });

      it('a deleted last entry is still caught', async () => {
        await store.transaction((tx) => tx.run('DELETE FROM audit WHERE seq = 7'));
        expect(await verifyAuditChain(store.read)).toEqual({ ok: false, count: 6, firstBadSeq: 7, reason: 'head_mismatch' });
      });

      it('a deleted last entry is still caught when an append lands after the walk', async () => {
        await store.transaction((tx) => tx.run('DELETE FROM audit WHERE seq = 7'));
        const r = racing(store.read, { all: (sql, rows) => isPageRead(sql) && rows.length === 0 }, () => appendOne());
        expect(await verifyAuditChain(r.exec)).toEqual({ ok: false, count: 6, firstBadSeq: 7, reason: 'gap' });
      });

      it('a head rewritten lower is caught', async () => {
        const h5 = await hashOf(5);
        await store.transaction((tx) => tx.run('UPDATE audit_head SET seq = 5, hash = ? WHERE id = 1', [h5]));
        expect(await verifyAuditChain(store.read)).toEqual({ ok: false, count: 7, firstBadSeq: 6, reason: 'head_mismatch' });
      });

      it('a head whose hash is not its entry\'s is caught', async () => {
        await store.transaction((tx) => tx.run('UPDATE audit_head SET hash = ? WHERE id = 1', ['f'.repeat(64)]));
        expect(await verifyAuditChain(store.read)).toMatchObject({ ok: false, reason: 'head_mismatch' });
      });

      it('an entry whose hash was changed is caught', async () => {
        await store.transaction((tx) => tx.run('UPDATE audit SET hash = ? WHERE seq = 3', ['e'.repeat(64)]));
        expect(await verifyAuditChain(store.read)).toEqual({ ok: false, count: 2, firstBadSeq: 3, reason: 'hash_mismatch' });
      });

      it('an entry changed among those appended during the walk is caught', async () => {
        const r = racing(store.read, { all: (sql, rows) => isPageRead(sql) && rows.length === 0 }, async () => {
          await appendOne(2);
          await store.transaction((tx) => tx.run(`UPDATE audit SET actor = 'mallory' WHERE seq = 8`));
        });
        expect(await verifyAuditChain(r.exec)).toEqual({ ok: false, count: 7, firstBadSeq: 8, reason: 'hash_mismatch' });
      });
    });

    describe('the tail (the scheduled books check)', () => {
      it('an entry committed after the head was read: ok, walked, and the checkpoint is the new head', async () => {
        const r = racing(store.read, { get: isHeadRead }, () => appendOne());
        const v = await verifyAuditTail(r.exec, null);
        expect(v).toEqual({ ok: true, count: 8, from: 1, through: { seq: 8, hash: await hashOf(8) } });
        expect(r.fired()).toBeGreaterThan(0);
      });

      it('from a checkpoint, an entry committed after the walk read its last page: ok', async () => {
        const since = { seq: 5, hash: await hashOf(5) };
        const r = racing(store.read, { all: (sql, rows) => isPageRead(sql) && rows.length === 0 }, () => appendOne());
        expect(await verifyAuditTail(r.exec, since)).toEqual({ ok: true, count: 3, from: 6, through: { seq: 8, hash: await hashOf(8) } });
      });

      it('in a snapshot an append is not seen, and not a mismatch', async () => {
        const v = await store.snapshot(async (db) => {
          const r = racing(db, { get: isHeadRead }, () => appendOne());
          return verifyAuditTail(r.exec, null);
        });
        expect(v).toMatchObject({ ok: true, count: 7, through: { seq: 7 } });
        expect((await auditHead(store.read)).seq).toBe(8);
      });

      it('a deleted last entry is still caught', async () => {
        await store.transaction((tx) => tx.run('DELETE FROM audit WHERE seq = 7'));
        expect(await verifyAuditTail(store.read, { seq: 5, hash: await hashOf(5) })).toEqual({ ok: false, count: 1, firstBadSeq: 7, reason: 'head_mismatch', from: 6 });
      });

      it('a head rewritten lower is caught', async () => {
        const h6 = await hashOf(6);
        await store.transaction((tx) => tx.run('UPDATE audit_head SET seq = 6, hash = ? WHERE id = 1', [h6]));
        expect(await verifyAuditTail(store.read, { seq: 5, hash: await hashOf(5) })).toEqual({ ok: false, count: 2, firstBadSeq: 7, reason: 'head_mismatch', from: 6 });
      });

      it('a head rewritten below the checkpoint is caught', async () => {
        await store.transaction((tx) => tx.run('UPDATE audit_head SET seq = 2 WHERE id = 1'));
        expect(await verifyAuditTail(store.read, { seq: 5, hash: await hashOf(5) })).toMatchObject({ ok: false, reason: 'head_mismatch' });
      });

      it('an entry whose hash was changed after the checkpoint is caught', async () => {
        await store.transaction((tx) => tx.run('UPDATE audit SET hash = ? WHERE seq = 6', ['e'.repeat(64)]));
        expect(await verifyAuditTail(store.read, { seq: 5, hash: await hashOf(5) })).toEqual({ ok: false, count: 0, firstBadSeq: 6, reason: 'hash_mismatch', from: 6 });
      });
    });
  });
}
