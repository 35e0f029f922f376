import type { Command } from 'commander';
import { addStoreOptions, cliActor, withApp, readyConfig, storeError, type StoreFlags } from '../context.js';
import { fail, print, table } from '../output.js';
import { signBody, SIGNATURE_HEADER } from '../../domain/security/signature.js';
import { deadEvents } from '../../store/repos/events.js';
import { replayAllDead, replayDead } from '../../engine/dispatch/replay.js';
import { DomainError } from '../../domain/errors.js';
import { createApp } from '../../app.js';
import { createLogger } from '../../observability/logger.js';
import { readTextFile } from '../files.js';
import { wholeNumber } from '../options.js';

/** Reads one envelope, a JSON array of envelopes, or JSON Lines. */
export function readEnvelopes(file: string): unknown[] {
  const text = readTextFile(file).trim();
  if (!text) throw new DomainError('E_SCHEMA', `${file} is empty`);
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v : [v];
  } catch {
    return text.split(/\r?\n/).filter((l) => l.trim()).map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        throw new DomainError('E_MALFORMED_JSON', `${file}:${i + 1} is not valid JSON`);
      }
    });
  }
}

async function secretFor(flags: StoreFlags & { secret?: string }, source: string): Promise<string> {
  if (flags.secret) return flags.secret;
  if (process.env.OMNIOPS_SOURCE_SECRET) return process.env.OMNIOPS_SOURCE_SECRET;
  // On the server's own machine the CLI can read the source's live secret from the store.
  const app = await createApp(await readyConfig(flags), { logger: createLogger('warn', process.stderr as never) });
  try {
    const secrets = await app.sourceSecrets.secretsFor(source);
    if (!secrets[0]) throw new DomainError('E_SIGNATURE', `no live secret for source ${source}; pass --secret or OMNIOPS_SOURCE_SECRET`);
    return secrets[0];
  } finally {
    await app.close();
  }
}

export function registerEvents(program: Command): void {
  const events = program.command('events').description('the event log: send, dead letters, replay');
  addStoreOptions(
    events
      .command('send <file>')
      .description('sign and POST events (one envelope, a JSON array, or JSON Lines) in batches of up to 500')
      .option('--url <url>', 'omniops base URL', 'http://127.0.0.1:8080')
      .option('--secret <secret>', 'the source\'s signing secret [OMNIOPS_SOURCE_SECRET]; else read from the local store'),
  ).action(async (file: string, flags: StoreFlags & { url: string; secret?: string }) => {
    try {
      const envelopes = readEnvelopes(file);
      const source = (envelopes[0] as { source?: string })?.source;
      if (!source) throw new DomainError('E_SCHEMA', 'the first envelope has no source');
      const secret = await secretFor(flags, source);
      const results: unknown[] = [];
      for (let i = 0; i < envelopes.length; i += 500) {
        const chunk = envelopes.slice(i, i + 500);
        const body = JSON.stringify(chunk.length === 1 ? chunk[0] : { events: chunk });
        const res = await fetch(new URL('/v1/events', flags.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body, Math.floor(Date.now() / 1000)) },
          body,
        });
        const answer = (await res.json()) as { results?: unknown[] };
        if (res.status >= 400) results.push({ status: res.status, ...answer });
        else results.push(...(answer.results ?? [answer]));
      }
      print(Boolean(flags.json), results, () => table(results as Array<Record<string, unknown>>, ['eventId', 'status', 'code', 'detail']));
      if (results.some((r) => (r as { status?: unknown }).status === 'rejected' || typeof (r as { status?: unknown }).status === 'number')) process.exitCode = 2;
    } catch (e) {
      fail(storeError(e), Boolean(flags.json));
    }
  });
  addStoreOptions(events.command('dead').description('list dead-lettered events with their last error').option('--limit <n>', 'how many', '100')).action(
    async (flags: StoreFlags & { limit: string }) => {
      await withApp(flags, async (app) => {
        const rows = await deadEvents(app.store.read, wholeNumber(flags.limit, '--limit', { min: 1 }));
        const view = rows.map((e) => ({ id: e.id, type: e.type, source: e.source, subject: e.subject, attempts: e.attempts, error: e.lastError }));
        print(Boolean(flags.json), view, () => table(view, ['id', 'type', 'source', 'subject', 'attempts', 'error']));
      });
    },
  );
  addStoreOptions(events.command('replay [id]').description('requeue a dead event (or --all) with a fresh attempt budget').option('--all', 'every dead event')).action(
    async (id: string | undefined, flags: StoreFlags & { all?: boolean }) => {
      await withApp(flags, async (app) => {
        if (!id && !flags.all) throw new DomainError('E_SCHEMA', 'give an event id or --all');
        const n = flags.all ? await replayAllDead(app.store, cliActor()) : (await replayDead(app.store, cliActor(), id!), 1);
        print(Boolean(flags.json), { requeued: n }, () => `requeued ${n} event(s); a running server processes them within its poll interval`);
      });
    },
  );
}
