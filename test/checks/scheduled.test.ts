import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { webOrder } from '../support/shop.js';

/**
 * The books check on a schedule (docs/checks.md, "Run on a schedule"): the app's scheduler fires the
 * hourly `books-check` job on a controlled clock: it reads a snapshot off the write lock and submits
 * the report as the slot's `books.check_read` event, whose handler writes. A clean store opens nothing and /metrics shows zeros
 * and when it ran; a stock.reserved bumped by hand opens one item for operations, which the next run
 * counts on; a check clean again leaves the item open (a person resolves it).
 */

const HOUR = 3_600_000;
// 2026-11-30 09:00 UTC: on an hour, so each step below is the next slot of the hourly job.
const T0 = Date.parse('2026-11-30T09:00:00Z');

const LOCATIONS = [
  { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 600, shipSlaMinutes: 2880 },
];

interface Item { id: string; queue: string; subject: string; state: string; owner_role: string; summary: string; detail: any }

for (const factory of storeFactories()) {
  describe(`books check on a schedule: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = T0;
    beforeAll(async () => {
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 20 }, { sku: 'MAT', onHand: 10 }] } }));
      await t.send(webOrder('S-1', [{ sku: 'MAT', qty: 2, unitPrice: 40 }]));
      await t.send(webOrder('S-2', [{ sku: 'TENT', qty: 1, unitPrice: 40 }]));
      await t.drained();
    });
    afterAll(async () => t?.close());

    /** Moves the clock to the next hour and has the app's scheduler fire that slot; the run must end processed. */
    async function nextRun(): Promise<number> {
      now += HOUR;
      const slot = new Date(Math.floor(now / HOUR) * HOUR).toISOString();
      await t.app.scheduler.idle();
      await t.app.scheduler.tick();
      for (let i = 0; ; i++) {
        const e = await t.app.store.read.get<{ type: string; status: string; last_error: string | null }>(
          `SELECT type, status, last_error FROM events WHERE source = 'scheduler' AND source_event_id = ?`, [`books-check@${slot}`]);
        if (e && e.status !== 'pending') {
          expect(e.status, e.last_error ?? '').toBe('processed');
          expect(e.type).toBe('books.check_read');
          break;
        }
        if (i > 3000) throw new Error(`books-check@${slot} never ran`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await t.drained();
      return now;
    }
    const items = async (): Promise<Item[]> =>
      (await t.app.store.read.all<Item>(`SELECT id, queue, subject, state, owner_role, summary, detail FROM exceptions WHERE subject LIKE 'books:%' ORDER BY opened_ms, id`))
        .map((r) => ({ ...r, detail: JSON.parse(r.detail as string) }));
    const metrics = async () => String((await t.api('GET', '/metrics', null)).body);
    const gauge = (text: string, name: string, labels = '') => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const sql = (text: string, params: unknown[] = []) => t.app.store.transaction((tx) => tx.run(text, params));
    const reservedBy = (n: number) => sql('UPDATE stock SET reserved = reserved + ? WHERE sku = ? AND location_id = ?', [n, 'MAT', 'dc']);

    it('is a scheduled job: a clean store runs it, opens nothing, and /metrics shows zeros and when it ran', async () => {
      const at = await nextRun();
      expect(await items()).toEqual([]);
      const m = await metrics();
      expect(gauge(m, 'omniops_books_checked_timestamp_seconds')).toBe(at / 1000);
      for (const [check, severity] of [['reserved_matches_reservations', 'error'], ['audit_chain', 'error'], ['stock_negative', 'error'], ['dead_letters', 'warning'], ['reserved_above_on_hand', 'warning']]) {
        expect(gauge(m, 'omniops_books_findings', `{check="${check}",severity="${severity}"}`), check).toBe(0);
      }
      const audited = await t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE subject = 'books' AND action = 'books.checked' ORDER BY seq`);
      expect(JSON.parse(audited.at(-1)!.detail)).toMatchObject({ ok: true, errors: 0, warnings: 0, checkedAt: new Date(at).toISOString(), items: {} });
    });

    it('stock.reserved bumped by hand: the next run opens one item for operations, the run after counts on it', async () => {
      await reservedBy(2);
      const first = await nextRun();
      const [item, ...others] = await items();
      expect(others).toEqual([]);
      expect(item).toMatchObject({ queue: 'reconciliation_discrepancy', subject: 'books:reserved_matches_reservations', state: 'open', owner_role: 'operations_manager' });
      expect(item!.summary).toContain('1 row disagrees');
      expect(item!.summary).toContain('stock:dc:MAT');
      expect(item!.detail).toMatchObject({
        check: 'reserved_matches_reservations', found: 1, errors: 1, occurrences: 1, firstSeenAt: first, lastSeenAt: first,
        counts: { reserved_matches_reservations: { found: 1, severity: 'error' }, audit_chain: { found: 0 } },
        findings: [{ subject: 'stock:dc:MAT', facts: { reserved: 4, activeReservations: 2 } }],
      });
      const m = await metrics();
      expect(gauge(m, 'omniops_books_findings', '{check="reserved_matches_reservations",severity="error"}')).toBe(1);
      expect(gauge(m, 'omniops_books_checked_timestamp_seconds')).toBe(first / 1000);

      const second = await nextRun();
      const again = await items();
      expect(again.map((i) => i.id)).toEqual([item!.id]);
      expect(again[0]!.detail).toMatchObject({ occurrences: 2, firstSeenAt: first, lastSeenAt: second, last: { found: 1 } });
      expect(gauge(await metrics(), 'omniops_books_checked_timestamp_seconds')).toBe(second / 1000);
    });

    it('clean again: the item stays open (a person resolves it), last seen failing at the run before; the gauge is back at 0', async () => {
      const failedAt = now;
      await reservedBy(-2);
      const at = await nextRun();
      const [item, ...others] = await items();
      expect(others).toEqual([]);
      expect(item).toMatchObject({ state: 'open', detail: { occurrences: 2, lastSeenAt: failedAt } });
      const m = await metrics();
      expect(gauge(m, 'omniops_books_findings', '{check="reserved_matches_reservations",severity="error"}')).toBe(0);
      expect(gauge(m, 'omniops_books_checked_timestamp_seconds')).toBe(at / 1000);
    });

    it('the audit chain: an entry changed since the last run opens an audit_chain item; the walk covers only what came since', async () => {
      const last = await t.app.store.read.get<{ detail: string }>(`SELECT detail FROM audit WHERE subject = 'books' AND action = 'books.checked' ORDER BY seq DESC LIMIT 1`);
      const through = JSON.parse(last!.detail).audit.through as { seq: number };
      expect(through.seq).toBeGreaterThan(0);
      const victim = await t.app.store.read.get<{ seq: number; actor: string }>('SELECT seq, actor FROM audit WHERE seq = ?', [through.seq + 1]);
      await sql('UPDATE audit SET actor = ? WHERE seq = ?', ['mallory', victim!.seq]);
      try {
        await nextRun();
        const item = (await items()).find((i) => i.subject === 'books:audit_chain');
        expect(item).toMatchObject({ owner_role: 'operations_manager', state: 'open', detail: { found: 1, occurrences: 1, findings: [{ subject: `audit:${victim!.seq}` }] } });
        expect(gauge(await metrics(), 'omniops_books_findings', '{check="audit_chain",severity="error"}')).toBe(1);
      } finally {
        await sql('UPDATE audit SET actor = ? WHERE seq = ?', [victim!.actor, victim!.seq]);
      }
      await nextRun();
      const after = await t.app.store.read.get<{ detail: string }>(`SELECT detail FROM audit WHERE subject = 'books' AND action = 'books.checked' ORDER BY seq DESC LIMIT 1`);
      // The broken run kept the checkpoint: this one walked from it again, and found it good.
      expect(JSON.parse(after!.detail)).toMatchObject({ ok: true, audit: { from: through.seq + 1 } });
      expect(gauge(await metrics(), 'omniops_books_findings', '{check="audit_chain",severity="error"}')).toBe(0);
    });

    it('warnings open nothing: reserved above on hand shows on the gauge only', async () => {
      const before = (await items()).map((i) => i.id);
      const { on_hand: onHand } = (await t.app.store.read.get<{ on_hand: number }>('SELECT on_hand FROM stock WHERE sku = ? AND location_id = ?', ['MAT', 'dc']))!;
      await sql('UPDATE stock SET on_hand = 1 WHERE sku = ? AND location_id = ?', ['MAT', 'dc']);
      try {
        await nextRun();
        expect((await items()).map((i) => i.id)).toEqual(before);
        const m = await metrics();
        expect(gauge(m, 'omniops_books_findings', '{check="reserved_above_on_hand",severity="warning"}')).toBe(1);
        expect(gauge(m, 'omniops_books_findings', '{check="reserved_matches_reservations",severity="error"}')).toBe(0);
      } finally {
        await sql('UPDATE stock SET on_hand = ? WHERE sku = ? AND location_id = ?', [onHand, 'MAT', 'dc']);
      }
    });
  });
}
