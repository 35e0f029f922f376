import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, jsonOf, killChildren, newDataDir, newSecretKey, postSigned, removeDataDirs, runCli, startServe, withDb, type Served } from '../support/cli.js';
import { envelope } from '../support/app.js';
import { pool, range, waitFor } from '../support/load.js';

/**
 * The foundation's promise under `kill -9`: an event the server acknowledged (202) is never lost and
 * is applied exactly once; an event whose answer never came can be sent again safely. The server is a
 * real child process on a file-backed SQLite store; the load client is this test.
 */

const N = 3000;
const CONCURRENCY = 32;
const LOCATION = 'store-k9';
const SKU = 'SKU-K9';

afterEach(async () => {
  await killChildren();
  removeDataDirs();
});

interface Setup {
  data: string;
  env: Record<string, string>;
  secret: string;
  adminKey: string;
  raws: string[];
}

async function setup(config?: Record<string, unknown>): Promise<Setup> {
  const data = newDataDir('omniops-kill9-');
  const env: Record<string, string> = { OMNIOPS_SECRET_KEY: newSecretKey(), OMNIOPS_LOG_LEVEL: 'warn' };
  if (config) {
    env.OMNIOPS_CONFIG = join(data, 'config.json');
    writeFileSync(env.OMNIOPS_CONFIG, JSON.stringify(config));
  }
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, '--data', data, '--json'], { env });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    return jsonOf(r);
  };
  const secret = (await cli('sources', 'add', 'web')).secret as string;
  const adminKey = (await cli('users', 'add', 'ops', '--role', 'admin')).apiKey as string;
  // Byte-identical bodies on resend: same sourceEventId, same payload.
  const raws = Array.from({ length: N }, (_, i) =>
    JSON.stringify(envelope({ sourceEventId: `k9-${i}`, type: 'inventory.adjusted', payload: { locationId: LOCATION, sku: SKU, delta: 1, reason: 'receipt' } })),
  );
  return { data, env, secret, adminKey, raws };
}

async function createLocation(s: Served, t: Setup, id = LOCATION): Promise<void> {
  const r = await postSigned(s.url, t.secret, JSON.stringify(envelope({ sourceEventId: `k9-location-${id}`, payload: { id, name: 'Kill nine', kind: 'store', lat: 0, lon: 0 } })));
  expect(r?.status).toBe(202);
  const st = await getJson(s.url, `/v1/events/${r!.body.eventId}?wait=10000`, t.adminKey);
  expect(st.body.status).toBe('processed');
}

/**
 * Resends what needs resending, waits for every event to be processed and checks exactly-once:
 * on-hand equals the number of distinct events, every event was applied (audited) exactly once,
 * and a resend of an acknowledged event answers duplicate with the original id.
 */
async function resendAndVerify(s: Served, t: Setup, acked: Map<number, string>, unknown: number[]): Promise<void> {
  const ids = new Map(acked);
  const problems: string[] = [];
  // The unknown ones may or may not have been committed before the kill: either answer is fine.
  await pool(unknown, CONCURRENCY, async (i) => {
    const r = await postSigned(s.url, t.secret, t.raws[i]!);
    if (r && (r.status === 202 || (r.status === 200 && r.body.status === 'duplicate'))) ids.set(i, r.body.eventId);
    else problems.push(`resend k9-${i}: ${r ? `${r.status} ${JSON.stringify(r.body)}` : 'no answer'}`);
  });
  // Every acknowledged one is a duplicate carrying the id it was acknowledged with.
  await pool([...acked.keys()], CONCURRENCY, async (i) => {
    const r = await postSigned(s.url, t.secret, t.raws[i]!);
    if (!(r?.status === 200 && r.body.status === 'duplicate' && r.body.eventId === acked.get(i))) {
      problems.push(`acknowledged k9-${i} (${acked.get(i)}) resent: ${r ? `${r.status} ${JSON.stringify(r.body)}` : 'no answer'}`);
    }
  });
  expect(problems.slice(0, 5)).toEqual([]);
  expect(ids.size).toBe(N);
  expect(new Set(ids.values()).size).toBe(N);

  const notProcessed: string[] = [];
  await pool([...ids.values()], CONCURRENCY, async (id) => {
    for (let tries = 0; tries < 6; tries++) {
      const st = await getJson(s.url, `/v1/events/${id}?wait=10000`, t.adminKey);
      if (st.status === 200 && st.body.status !== 'pending') {
        if (st.body.status !== 'processed') notProcessed.push(`${id}: ${JSON.stringify(st.body)}`);
        return;
      }
    }
    notProcessed.push(`${id}: still pending`);
  });
  expect(notProcessed.slice(0, 5)).toEqual([]);

  const stock = await getJson(s.url, `/v1/stock?sku=${SKU}&location=${LOCATION}`, t.adminKey);
  expect(stock.body.items).toEqual([expect.objectContaining({ sku: SKU, locationId: LOCATION, onHand: N })]);

  withDb(t.data, (db) => {
    const events = db.prepare("SELECT id, status FROM events WHERE source_event_id GLOB 'k9-[0-9]*'").all() as Array<{ id: string; status: string }>;
    expect(events.length).toBe(N);
    expect(events.filter((e) => e.status !== 'processed')).toEqual([]);
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(ids.values()));
    // Applied exactly once: one audit entry per event, none twice.
    const audited = new Map<string, number>();
    for (const r of db.prepare("SELECT json_extract(detail, '$.eventId') AS id FROM audit WHERE action = 'stock.adjusted'").all() as Array<{ id: string }>) {
      audited.set(r.id, (audited.get(r.id) ?? 0) + 1);
    }
    expect([...ids.values()].filter((id) => audited.get(id) !== 1)).toEqual([]);
  });

  // The hash chain survived the kill.
  const verify = await runCli(['audit', 'verify', '--data', t.data, '--json'], { env: t.env });
  expect(verify.code).toBe(0);
  expect(jsonOf(verify)).toMatchObject({ ok: true });
}

describe('kill -9 of the server (file-backed SQLite)', () => {
  it(`during intake of ${N} events at concurrency ${CONCURRENCY}: every acknowledged event survives and is applied exactly once`, async () => {
    const t = await setup();
    const first = await startServe(t.data, { env: t.env });
    await createLocation(first, t);

    const acked = new Map<number, string>();
    const unknown: number[] = [];
    const unexpected: string[] = [];
    const killAt = Math.floor(N / 3);
    let killed = false;
    await pool(
      range(N),
      CONCURRENCY,
      async (i) => {
        const r = await postSigned(first.url, t.secret, t.raws[i]!);
        if (r === null) unknown.push(i);
        else if (r.status === 202 && r.body.status === 'accepted') {
          acked.set(i, r.body.eventId);
          if (acked.size >= killAt && !killed) {
            killed = true;
            process.kill(first.pid, 'SIGKILL');
          }
        } else unexpected.push(`k9-${i}: ${r.status} ${JSON.stringify(r.body)}`);
      },
      () => killed,
    );
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(unexpected).toEqual([]);
    // Those never sent have an unknown fate too, as far as the client is concerned.
    const answered = new Set([...acked.keys(), ...unknown]);
    for (const i of range(N)) if (!answered.has(i)) unknown.push(i);
    expect(acked.size).toBeGreaterThanOrEqual(killAt);
    expect(unknown.length).toBeGreaterThan(0);

    // Every acknowledged event is in the log after the crash, before any resend.
    withDb(t.data, (db) => {
      const stored = new Set((db.prepare("SELECT id FROM events WHERE type = 'inventory.adjusted'").all() as Array<{ id: string }>).map((r) => r.id));
      const lost = [...acked.values()].filter((id) => !stored.has(id));
      expect(lost).toEqual([]);
      // Stock and event status commit together: what is marked processed is exactly what was applied.
      const processed = (db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'inventory.adjusted' AND status = 'processed'").get() as { n: number }).n;
      const row = db.prepare('SELECT on_hand FROM stock WHERE sku = ? AND location_id = ?').get(SKU, LOCATION) as { on_hand: number } | undefined;
      expect(row?.on_hand ?? 0).toBe(processed);
    });

    const second = await startServe(t.data, { env: t.env });
    await resendAndVerify(second, t, acked, unknown);
  }, 120_000);

  it('during processing with a backlog: nothing acknowledged is lost, nothing is applied twice', async () => {
    // The first server retries a failing event every second or two, for minutes; the
    // second gives up on it at once (so it is dead-lettered and stops holding back its subject).
    const t = await setup({ dispatch: { maxAttempts: 100, backoffBaseMs: 1000, backoffMaxMs: 2000 } });
    const first = await startServe(t.data, { env: t.env });
    await createLocation(first, t);

    const acked = new Map<number, string>();
    const unexpected: string[] = [];
    const send = async (indexes: number[]) => {
      for (let at = 0; at < indexes.length; at += 250) {
        const batch = indexes.slice(at, at + 250);
        const r = await postSigned(first.url, t.secret, JSON.stringify({ events: batch.map((i) => JSON.parse(t.raws[i]!)) }));
        if (r?.status !== 202) unexpected.push(`batch at k9-${batch[0]}: ${r ? `${r.status} ${JSON.stringify(r.body)}` : 'no answer'}`);
        else
          batch.forEach((i, k) => {
            const x = r.body.results[k] as { eventId: string; status: string };
            if (x.status === 'accepted') acked.set(i, x.eventId);
            else unexpected.push(`k9-${i}: ${JSON.stringify(x)}`);
          });
      }
    };
    const half = N / 2;
    await send(range(half));
    expect(unexpected).toEqual([]);
    const lastOfFirstHalf = await getJson(first.url, `/v1/events/${acked.get(half - 1)}?wait=10000`, t.adminKey);
    expect(lastOfFirstHalf.body.status).toBe('processed');

    // Stock for a location that does not exist, in the same subject: it fails and is retried, and
    // per-subject order holds everything after it back — a backlog that cannot drain before the kill.
    const blocker = await postSigned(first.url, t.secret, JSON.stringify(envelope({
      sourceEventId: 'k9-blocker', type: 'inventory.adjusted', subject: `location:${LOCATION}`,
      payload: { locationId: 'nowhere', sku: SKU, delta: 5, reason: 'receipt' },
    })));
    expect(blocker?.status).toBe(202);
    await send(range(N - half).map((k) => half + k));
    expect(unexpected).toEqual([]);
    expect(acked.size).toBe(N);
    const retried = await waitFor(async () => (await getJson(first.url, `/v1/events/${blocker!.body.eventId}`, t.adminKey)).body, (b) => b.attempts >= 2);
    expect(retried).toMatchObject({ status: 'failed', error: expect.stringContaining('unknown location nowhere') });

    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');

    withDb(t.data, (db) => {
      const status = Object.fromEntries(
        (db.prepare("SELECT status, COUNT(*) AS n FROM events WHERE source_event_id GLOB 'k9-[0-9]*' GROUP BY status").all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]),
      );
      expect(status).toEqual({ processed: half, pending: N - half });
      const onHand = (db.prepare('SELECT on_hand FROM stock WHERE sku = ? AND location_id = ?').get(SKU, LOCATION) as { on_hand: number }).on_hand;
      expect(onHand).toBe(half);
    });

    writeFileSync(t.env.OMNIOPS_CONFIG!, JSON.stringify({ dispatch: { maxAttempts: 1 } }));
    const second = await startServe(t.data, { env: t.env });
    await resendAndVerify(second, t, acked, []);

    // The failing event is dead-lettered, not lost: once its location exists, a replay applies it.
    const dead = await runCli(['events', 'dead', '--data', t.data, '--json'], { env: t.env });
    expect(jsonOf<any[]>(dead)).toEqual([expect.objectContaining({ id: blocker!.body.eventId, type: 'inventory.adjusted', error: expect.stringContaining('unknown location nowhere') })]);
    await createLocation(second, t, 'nowhere');
    const replay = await runCli(['events', 'replay', blocker!.body.eventId, '--data', t.data, '--json'], { env: t.env });
    expect(jsonOf(replay)).toEqual({ requeued: 1 });
    const after = await waitFor(async () => (await getJson(second.url, `/v1/events/${blocker!.body.eventId}?wait=5000`, t.adminKey)).body, (b) => b.status !== 'pending');
    expect(after.status).toBe('processed');
    const stock = await getJson(second.url, `/v1/stock?sku=${SKU}`, t.adminKey);
    expect(Object.fromEntries(stock.body.items.map((x: { locationId: string; onHand: number }) => [x.locationId, x.onHand]))).toEqual({ [LOCATION]: N, nowhere: 5 });
  }, 120_000);
});
