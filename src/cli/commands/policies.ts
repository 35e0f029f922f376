import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import type { App } from '../../app.js';
import { addStoreOptions, cliActor, withApp, type StoreFlags } from '../context.js';
import { print, table } from '../output.js';
import { settle } from '../settle.js';
import { DomainError } from '../../domain/errors.js';
import { diffPolicies } from '../../domain/policies/index.js';
import { loadPolicyDocument } from '../../store/repos/policy-docs.js';
import { changeOutcome, findVersion, policySummaries, requireKind, versionView } from '../../engine/policies/views.js';
import { declinedNewDefaults, newDefaultsDecline, newDefaultsDraft, newDefaultsTakeBack, newInDefaultsView, versionNewInDefaults, type DeclinedNewDefault } from '../../engine/policies/new-defaults.js';
import { backtestTimeProblem, candidatePolicy, runBacktest, type BacktestReport } from '../../engine/policies/backtest.js';
import { readTextFile } from '../files.js';
import { longReads } from '../../store/long-reads.js';
import { wholeNumber } from '../options.js';
import { declineCommand } from '../../domain/policies/command-line.js';

function readJson(file: string): Record<string, unknown> {
  const text = readTextFile(file);
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new DomainError('E_MALFORMED_JSON', `${file} is not a JSON object`);
  }
}

/** A change request from the terminal: an event like the API's (actor cli:<os user>), processed here, its outcome read back. */
async function requestChange(app: App, payload: Record<string, unknown>) {
  const actor = cliActor();
  const r = await app.intake.submit(
    { source: 'api', sourceEventId: `${actor.id}:${randomUUID()}`, type: 'policy.change_requested', occurredAt: new Date(app.clock()).toISOString(), payload },
    { actor: actor.id, actorRole: actor.role },
  );
  if (!r.ok) throw r.error;
  await settle(app, [r.eventId]);
  return changeOutcome(app.store.read, r.eventId);
}

/** A window bound: epoch ms or ISO-8601, within the times a backtest may name (as the API's). */
const parseTime = (s: string, what: string): number => {
  const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (Number.isNaN(n)) throw new DomainError('E_SCHEMA', `${what}: not a time (ISO-8601 or epoch ms)`, { issues: [{ path: what, message: 'invalid time' }] });
  const problem = backtestTimeProblem(n);
  if (problem) throw new DomainError('E_SCHEMA', `${what}: ${problem} (got '${s}')`, { issues: [{ path: what, message: problem }] });
  return n;
};

/** A policy version as typed: a whole number from 1, else E_SCHEMA (not "no version NaN"). */
const versionArg = (s: string, what: string): number => wholeNumber(s, what, { min: 1 });

function progressBar(enabled: boolean): ((done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(`\rreplaying [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} events${done === total ? '\n' : ''}`);
  };
}

function reportText(r: BacktestReport): string {
  const d = r.differences;
  return [
    `backtest of ${r.kind} version ${r.candidateVersion}, ${r.window.from} → ${r.window.to}`,
    `replayed ${r.eventsReplayed} events in ${r.elapsedMs} ms (${r.eventsPerSecond}/s); ${r.decisionsCompared} decisions compared`,
    `recorded decisions reproduced with the versions live at the time: ${r.reproduced.matched}/${r.reproduced.total}`,
    `would differ: ${d.decisions} decisions — routed elsewhere ${d.routedElsewhere}, routing outcome changed ${d.routingOutcomeChanged}, holds +${d.holdsAdded} −${d.holdsRemoved}`,
    `estimated shipping cost delta ${d.estimatedCostDelta}; ship time delta ${d.shipTimeDeltaMinutes} min; promises missed ${d.promiseMissesBefore} → ${d.promiseMissesAfter}`,
    '',
    table(r.orders.map((o) => ({ at: o.at, order: o.orderId, what: o.what.join('; ') })), ['at', 'order', 'what']),
  ].join('\n');
}

/** `policies show <kind>`: what the active version lacks of the current defaults, how to take it up or decline it, and what was declined. */
function newInDefaultsText(kind: string, active: number | null, fresh: Array<{ path: string; value: unknown; declinedValue?: unknown }>, declined: DeclinedNewDefault[]): string {
  const out: string[] = [];
  if (fresh.length > 0) {
    out.push(
      `new in defaults (version ${active} lacks them; take them up with: omniops policies draft ${kind} --with-new-defaults, or decline them with: ${declineCommand('decline', kind, fresh.map((f) => f.path))} — leave out any you want):`,
      // One declined before at another value is back because the default changed: say so.
      ...fresh.map((f) => `  ${f.path} = ${JSON.stringify(f.value)}${Object.hasOwn(f, 'declinedValue') ? ` (declined before, when the default was ${JSON.stringify(f.declinedValue)})` : ''}`),
    );
  }
  if (declined.length > 0) {
    if (out.length > 0) out.push('');
    out.push(`declined new defaults (not listed above while the default is the same; take a decline back with: ${declineCommand('undecline', kind, declined.map((d) => d.path))} — leave out any you keep declined):`, ...declined.map((d) => `  ${d.path} — by ${d.by} at ${d.at}: ${d.reason}`));
  }
  return out.join('\n');
}

export function registerPolicies(program: Command): void {
  const policies = program.command('policies').description('versioned policies: list, show, draft, approve (four eyes), activate, diff');
  addStoreOptions(policies.command('list').description('every kind with its active version')).action(async (flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const items = await policySummaries(app.store.read);
      print(Boolean(flags.json), items, () =>
        table(
          items.map((i) => ({ ...i, drafts: (i.drafts as number[]).join(','), approved: (i.approved as number[]).join(','), newInDefaults: (i.newInDefaults as unknown[]).length })),
          ['kind', 'activeVersion', 'versions', 'drafts', 'approved', 'newInDefaults', 'description'],
        ));
    });
  });
  addStoreOptions(policies.command('show <kind> [version]').description('the versions of a kind, or one version with its body')).action(async (kind: string, version: string | undefined, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const known = requireKind(kind);
      const doc = await loadPolicyDocument(app.store.read, known);
      if (version === undefined) {
        const items = doc.versions.map((v) => versionView(v, false));
        const declined = await declinedNewDefaults(app.store.read, known);
        const fresh = newInDefaultsView(versionNewInDefaults(known, doc, undefined, declined));
        print(Boolean(flags.json), { kind, activeVersion: doc.activeVersion, pendingRollback: doc.pendingRollback, items, newInDefaults: fresh, declinedNewDefaults: declined }, () =>
          [table(items, ['version', 'status', 'author', 'reviewedBy', 'activatedAt', 'note']), newInDefaultsText(known, doc.activeVersion, fresh, declined)].filter(Boolean).join('\n\n'));
      } else {
        const found = findVersion(doc, versionArg(version, 'version'));
        const declined = await declinedNewDefaults(app.store.read, known);
        const v = { ...versionView(found, true), newInDefaults: newInDefaultsView(versionNewInDefaults(known, doc, found, declined)) };
        print(Boolean(flags.json), v, () => JSON.stringify(v, null, 2));
      }
    });
  });
  addStoreOptions(
    policies
      .command('draft <kind> [file]')
      .description('write a draft from a JSON file, or --with-new-defaults (validated by the kind\'s schema)')
      .option('--note <text>', 'why this change')
      .option('--with-new-defaults', 'the active version plus the keys of the current defaults it lacks (instead of a file)'),
  ).action(async (kind: string, file: string | undefined, flags: StoreFlags & { note?: string; withNewDefaults?: boolean }) => {
    await withApp(flags, async (app) => {
      const known = requireKind(kind);
      if ((file === undefined) === !flags.withNewDefaults) {
        throw new DomainError('E_SCHEMA', 'give either a JSON file or --with-new-defaults', { issues: [{ path: 'file', message: 'a file or --with-new-defaults, not both' }] });
      }
      if (flags.withNewDefaults) {
        const fresh = await newDefaultsDraft(app.store.read, known, flags.note);
        const out = { ...(await requestChange(app, { kind: known, action: 'draft', body: fresh.body, note: fresh.note, basedOn: fresh.basedOn })), added: fresh.paths };
        print(Boolean(flags.json), out, () => `drafted ${kind} version ${out.version} from version ${fresh.basedOn} with new defaults: ${fresh.paths.join(', ')}; a second person approves it`);
        return;
      }
      const out = await requestChange(app, { kind: known, action: 'draft', body: readJson(file!), note: flags.note });
      print(Boolean(flags.json), out, () => `drafted ${kind} version ${out.version}; a second person approves it`);
    });
  });
  addStoreOptions(
    policies
      .command('decline <kind> <paths...>')
      .description('decline entries new in defaults (paths as `show` lists them): no longer listed or warned of; no version changes')
      .requiredOption('--reason <text>', 'why (recorded in the log and the audit trail)'),
  ).action(async (kind: string, paths: string[], flags: StoreFlags & { reason: string }) => {
    await withApp(flags, async (app) => {
      const known = requireKind(kind);
      if (!flags.reason.trim()) throw new DomainError('E_SCHEMA', '--reason: say why they are declined', { issues: [{ path: 'reason', message: 'empty' }] });
      const pre = await newDefaultsDecline(app.store.read, known, paths);
      // All declined before: nothing to record (declining twice is declining once).
      const out = pre.declined.length === 0
        ? { kind: known, change: 'none', version: pre.activeVersion, declined: [], alreadyDeclined: pre.alreadyDeclined }
        : { ...(await requestChange(app, { kind: known, action: 'decline_new_defaults', declined: pre.declined, reason: flags.reason })), alreadyDeclined: pre.alreadyDeclined };
      const declined = (out.declined as Array<{ path: string }>).map((d) => d.path);
      print(Boolean(flags.json), out, () =>
        [declined.length > 0 ? `declined for ${kind}: ${declined.join(', ')}` : '', pre.alreadyDeclined.length > 0 ? `declined before: ${pre.alreadyDeclined.join(', ')}` : ''].filter(Boolean).join('\n'));
    });
  });
  addStoreOptions(
    policies
      .command('undecline <kind> <paths...>')
      .description('take back a decline (paths as `show` lists them under declined): listed as new in defaults again, to draft or decline again; no version changes')
      .requiredOption('--reason <text>', 'why (recorded in the log and the audit trail)'),
  ).action(async (kind: string, paths: string[], flags: StoreFlags & { reason: string }) => {
    await withApp(flags, async (app) => {
      const known = requireKind(kind);
      if (!flags.reason.trim()) throw new DomainError('E_SCHEMA', '--reason: say why the decline is taken back', { issues: [{ path: 'reason', message: 'empty' }] });
      const pre = await newDefaultsTakeBack(app.store.read, known, paths);
      const out = await requestChange(app, { kind: known, action: 'undecline_new_defaults', undeclined: pre.undeclined, reason: flags.reason.trim() });
      print(Boolean(flags.json), out, () => `declines taken back for ${kind}: ${pre.undeclined.map((d) => d.path).join(', ')}; listed as new in defaults again`);
    });
  });
  for (const action of ['approve', 'reject', 'activate'] as const) {
    addStoreOptions(
      policies
        .command(`${action} <kind> <version>`)
        .description({ approve: 'approve a draft or a waiting rollback (not your own)', reject: 'reject a draft', activate: 'put an approved version live; on a retired version: request a rollback' }[action])
        .option('--comment <text>', 'review comment')
        .option('--reason <text>', 'reason (recorded in the audit trail)'),
    ).action(async (kind: string, version: string, flags: StoreFlags & { comment?: string; reason?: string }) => {
      await withApp(flags, async (app) => {
        const out = await requestChange(app, { kind: requireKind(kind), action, version: versionArg(version, 'version'), comment: flags.comment, reason: flags.reason });
        print(Boolean(flags.json), out, () => `${kind} version ${out.version}: ${out.change}${out.decision ? ` (${String(out.decision)})` : ''}`);
      });
    });
  }
  addStoreOptions(policies.command('diff <kind> <from> <to>').description('what changed between two versions')).action(async (kind: string, from: string, to: string, flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const doc = await loadPolicyDocument(app.store.read, requireKind(kind));
      const strip = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== 'version'));
      const [fromVersion, toVersion] = [versionArg(from, 'from'), versionArg(to, 'to')];
      const changes = diffPolicies(strip(findVersion(doc, fromVersion).body), strip(findVersion(doc, toVersion).body));
      print(Boolean(flags.json), { kind, from: fromVersion, to: toVersion, changes }, () =>
        table(changes.map((c) => ({ ...c, before: JSON.stringify(c.before), after: JSON.stringify(c.after) })), ['path', 'kind', 'before', 'after']));
    });
  });

  addStoreOptions(
    program
      .command('simulate')
      .description('backtest a policy on recorded events without touching state')
      .requiredOption('--policy <ref>', 'a JSON file (needs --kind) or <kind>@<version>')
      .option('--kind <kind>', 'the policy kind of a file')
      .requiredOption('--from <time>', 'window start (ISO-8601 or epoch ms)')
      .requiredOption('--to <time>', 'window end (ISO-8601 or epoch ms)')
      .option('--limit <n>', 'differences listed in full', '50')
      .option('--progress', 'show a progress bar on stderr even when it is not a terminal'),
  ).action(async (flags: StoreFlags & { policy: string; kind?: string; from: string; to: string; limit: string; progress?: boolean }) => {
    await withApp(flags, async (app) => {
      const ref = /^([a-z_]+)@(\d+)$/.exec(flags.policy);
      const kind = requireKind(ref ? ref[1]! : (flags.kind ?? ''));
      const candidate = await candidatePolicy(app.store.read, kind, ref ? { version: versionArg(ref[2]!, '--policy') } : { body: readJson(flags.policy) });
      const report = await runBacktest(longReads(app.store), { // replays a window of the log: no statement deadline
        kind, candidate, fromMs: parseTime(flags.from, '--from'), toMs: parseTime(flags.to, '--to'), listLimit: wholeNumber(flags.limit, '--limit', { max: 10_000 }),
        onProgress: progressBar(Boolean(flags.progress) || Boolean(process.stderr.isTTY)), stockJournal: app.config.stock,
      });
      print(Boolean(flags.json), report, () => reportText(report));
    });
  });
}
