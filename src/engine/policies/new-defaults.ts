import { DomainError } from '../../domain/errors.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { activePolicy, newInDefaults, withNewDefaults, type DeclinedEntry, type NewInDefaults, type PolicyDocument, type PolicyVersion } from '../../domain/policies/index.js';
import type { PolicyChangeRequest, PolicyChangedPayload } from '../../domain/policies/events.js';
import { POLICY_KINDS, type PolicyKind } from '../../policy/registry.js';
import type { SqlExecutor } from '../../store/port.js';
import { loadPolicyDocument } from '../../store/repos/policy-docs.js';
import { IDENTIFIED_LISTS } from './identified-lists.js';
import { declineCommand } from '../../domain/policies/command-line.js';

type Body = Record<string, unknown>;

/** How a key new in defaults is shown to people: its path and the value the defaults give it. */
export interface NewInDefaultsView {
  path: string;
  value: unknown;
  /** Set for an item of an identified list (a rule): its identity field and id. */
  item?: { by: string; id: string };
  /** Set when the path was declined at another default value: new again, since the default changed. */
  declinedValue?: unknown;
}

/** A declined entry as people read it: what, its default value then, who, why, when, on which active version. */
export interface DeclinedNewDefault extends DeclinedEntry {
  by: string;
  reason: string;
  at: string;
  version: number;
}

/** The change request payload's note limit (policy.change_requested): a long list of paths is cut to fit. */
const NOTE_MAX = 2000;

/**
 * What the current defaults have that a version of a kind lacks (the active version unless one is
 * named; none when nothing is active). The deciders read a stored body as it is — no schema fills a
 * missing key at read time, and no kind merges its defaults in on load (only a kind with no active
 * version at all falls back to the whole defaults) — so every key listed is really absent in effect.
 * A key some version had while it was live, and a later one dropped, is the retailer's choice and not
 * listed (see newInDefaults); nor is a path the retailer declined (`declined`, from
 * `declinedNewDefaults`) while the defaults still give it the value it was declined at. Items of the kind's identified lists (IDENTIFIED_LISTS) count by identity.
 */
export function versionNewInDefaults(kind: PolicyKind, doc: PolicyDocument<Body>, version?: PolicyVersion<Body>, declined: Iterable<DeclinedEntry> = []): NewInDefaults[] {
  const target = version ?? activePolicy(doc);
  if (!target) return [];
  const wasLive = doc.versions.filter((v) => v.status === 'active' || v.status === 'superseded').map((v) => v.body);
  return newInDefaults(POLICY_KINDS[kind].defaults, target.body, { hadBefore: wasLive, lists: IDENTIFIED_LISTS[kind], declined });
}

/**
 * What the retailer declined of a kind's new defaults and has not taken back, in the order the declines
 * in effect were made. Read from the log (the `policy.changed` events of the kind's subject, which the
 * subject index finds), in log order: a decline changes no stored version and needs no table of its
 * own. A decline of a path already declined at the same value keeps the first one's who and why (two
 * people declining at once); at another value (the defaults changed since) it is the decline now. A
 * take-back removes the path, so decline, take back, decline again leaves it declined.
 */
export async function declinedNewDefaults(db: SqlExecutor, kind: PolicyKind): Promise<DeclinedNewDefault[]> {
  const rows = await db.all<{ payload: string; occurred_at: string }>(
    `SELECT payload, occurred_at FROM events WHERE subject = ? AND type = 'policy.changed' ORDER BY seq`,
    [`policy:${kind}`],
  );
  const out = new Map<string, DeclinedNewDefault>();
  for (const r of rows) {
    const p = JSON.parse(r.payload) as PolicyChangedPayload;
    if (p.change === 'new_defaults_undeclined') {
      for (const d of p.undeclined ?? []) out.delete(d.path);
      continue;
    }
    if (p.change !== 'new_defaults_declined') continue;
    for (const d of p.declined ?? []) {
      const earlier = out.get(d.path);
      if (earlier && canonicalJson(earlier.value) === canonicalJson(d.value)) continue;
      out.delete(d.path);
      out.set(d.path, { path: d.path, value: d.value, by: p.by, reason: p.reason ?? '', at: r.occurred_at, version: p.version });
    }
  }
  return [...out.values()];
}

/**
 * Works out a decline before it is asked for, as a draft with new defaults is: which of `paths` are new
 * in defaults for the active version now (declined with the default value they have in this release),
 * and which were declined before (nothing to do: declining twice is the same as once). A path that is
 * neither is refused (E_NOT_NEW_IN_DEFAULTS), naming what is new, so a typo does not silently do nothing.
 */
export async function newDefaultsDecline(db: SqlExecutor, kind: PolicyKind, paths: readonly string[]): Promise<{ declined: DeclinedEntry[]; alreadyDeclined: string[]; activeVersion: number }> {
  const doc = await loadPolicyDocument(db, kind);
  const active = activePolicy(doc);
  if (!active) throw new DomainError('E_INVALID_STATE', `${kind} has no active version; it runs on the whole defaults`);
  const declined = await declinedNewDefaults(db, kind);
  const before = new Set(declined.map((d) => d.path));
  // A path declined at another value than the defaults give it now is listed again, so it is found here
  // and declined anew (at today's value), not counted as declined before.
  const entries = versionNewInDefaults(kind, doc, active, declined);
  const found = new Map(entries.map((f) => [f.path, f.value]));
  const asked = [...new Set(paths)];
  const notNew = asked.filter((p) => !found.has(p) && !before.has(p));
  if (notNew.length > 0) {
    const now = [...found.keys()];
    throw new DomainError(
      'E_NOT_NEW_IN_DEFAULTS',
      `${kind} version ${active.version}: ${notNew.join(', ')} ${notNew.length === 1 ? 'is' : 'are'} not new in the current defaults (new now: ${now.length > 0 ? now.join(', ') : 'nothing'})`,
      { detail: { notNew, newInDefaults: now } },
    );
  }
  const required = requiredBySchema(kind, active.body, entries, new Set(asked));
  if (required.length > 0) {
    throw new DomainError(
      'E_SCHEMA',
      `${kind}: ${required.join(', ')} cannot be declined — the ${kind} schema requires ${required.length === 1 ? 'it' : 'them'}, so no version without ${required.length === 1 ? 'it' : 'them'} could be drafted; take ${required.length === 1 ? 'it' : 'them'} up (with another value if need be)`,
      { issues: required.map((path) => ({ path, message: `required by the ${kind} schema` })) },
    );
  }
  return {
    declined: asked.filter((p) => found.has(p)).map((p) => ({ path: p, value: found.get(p) })),
    alreadyDeclined: asked.filter((p) => !found.has(p) && before.has(p)),
    activeVersion: active.version,
  };
}

/**
 * Works out taking declines back before it is asked for, as a decline is: each path must be declined
 * now (in the log, not taken back since), else the whole request is refused (E_NOT_DECLINED) naming
 * what is declined, so a typo or a second take-back does not silently record nothing. The entries
 * carry the value each was declined at, for the record.
 */
export async function newDefaultsTakeBack(db: SqlExecutor, kind: PolicyKind, paths: readonly string[]): Promise<{ undeclined: DeclinedEntry[]; activeVersion: number }> {
  const doc = await loadPolicyDocument(db, kind);
  const active = activePolicy(doc);
  if (!active) throw new DomainError('E_INVALID_STATE', `${kind} has no active version; it runs on the whole defaults`);
  const declined = new Map((await declinedNewDefaults(db, kind)).map((d) => [d.path, d]));
  const asked = [...new Set(paths)];
  const notDeclined = asked.filter((p) => !declined.has(p));
  if (notDeclined.length > 0) {
    const now = [...declined.keys()];
    throw new DomainError(
      'E_NOT_DECLINED',
      `${kind}: ${notDeclined.join(', ')} ${notDeclined.length === 1 ? 'is' : 'are'} not declined (declined now: ${now.length > 0 ? now.join(', ') : 'nothing'})`,
      { detail: { notDeclined, declined: now } },
    );
  }
  return { undeclined: asked.map((p) => ({ path: p, value: declined.get(p)!.value })), activeVersion: active.version };
}

/**
 * The decline or take-back an API retry repeats (same caller, same Idempotency-Key), or null when the
 * key is new. Worked out again, the retry would find nothing to do — its paths are declined (or no
 * longer declined) once the first one was recorded — and a take-back would be refused, a decline
 * answered "none": so it is answered from the request in the log instead, declining or taking back
 * twice is once. A key used for another request (another action, kind or reason, other paths) is
 * refused, as intake refuses a source event id used for a different payload. A decline records only
 * the asked paths that were new then (those declined before are not), so its paths must be among the
 * asked ones; a take-back records every asked path.
 */
export async function changeAskedBefore(
  db: SqlExecutor, sourceEventId: string, kind: PolicyKind, action: 'decline_new_defaults' | 'undecline_new_defaults', paths: readonly string[], reason: string,
): Promise<PolicyChangeRequest | null> {
  const row = await db.get<{ id: string; type: string; payload: string }>(`SELECT id, type, payload FROM events WHERE source = 'api' AND source_event_id = ?`, [sourceEventId]);
  if (!row) return null;
  const p = JSON.parse(row.payload) as PolicyChangeRequest;
  const asked = [...new Set(paths)];
  const recorded = ((action === 'decline_new_defaults' ? p.declined : p.undeclined) ?? []).map((d) => d.path);
  const samePaths = action === 'decline_new_defaults'
    ? recorded.every((path) => asked.includes(path))
    : canonicalJson(recorded) === canonicalJson(asked);
  const same = row.type === 'policy.change_requested' && p.action === action && p.kind === kind && p.reason === reason && samePaths;
  if (!same) throw new DomainError('E_IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was already used for a different request', { detail: { eventId: row.id } });
  return p;
}

/**
 * The asked paths the kind's schema will not do without. A key a release added as required (a newer
 * setting the code reads) is absent from an older database's active version, which still runs, but
 * every draft must pass the schema: declined, it would never be taken up again by a draft with new
 * defaults, and every draft written by hand would be refused until it is added. Judged one path at a
 * time against the active body with everything else new taken up; nothing is judged when the full
 * take-up is itself refused (the version is wrong in some other way, not this decline's concern).
 */
function requiredBySchema(kind: PolicyKind, body: Body, entries: readonly NewInDefaults[], asked: ReadonlySet<string>): string[] {
  const schema = POLICY_KINDS[kind].schema;
  if (!schema.safeParse(withNewDefaults(body, entries)).success) return [];
  return entries.filter((e) => asked.has(e.path) && !schema.safeParse(withNewDefaults(body, entries.filter((o) => o !== e))).success).map((e) => e.path);
}

export function newInDefaultsView(found: readonly NewInDefaults[]): NewInDefaultsView[] {
  // An item of an identified list says which (its identity field and id), for people and the console.
  // One declined before at another value says so, and at what: the reviewer sees it is back because the default changed.
  return found.map((f) => ({
    path: f.path, value: f.value,
    ...(f.item ? { item: { by: f.item.by, id: f.item.id } } : {}),
    ...(Object.hasOwn(f, 'declinedValue') ? { declinedValue: f.declinedValue ?? null } : {}),
  }));
}

/**
 * A draft that takes up what the defaults add: the active body with the missing keys merged in (only
 * absent keys; nothing the retailer set changes), based on the active version, with a note naming the
 * paths. It is worked out here, before the change request, so that the request carries the whole
 * body: replaying the log under a later release (other defaults) drafts the same document again.
 * It then goes through change control as every draft does (schema, four eyes, activation).
 */
export async function newDefaultsDraft(db: SqlExecutor, kind: PolicyKind, note?: string): Promise<{ body: Body; note: string; basedOn: number; paths: string[] }> {
  const doc = await loadPolicyDocument(db, kind);
  const active = activePolicy(doc);
  if (!active) throw new DomainError('E_INVALID_STATE', `${kind} has no active version to take new defaults into`);
  const found = versionNewInDefaults(kind, doc, active, await declinedNewDefaults(db, kind));
  if (found.length === 0) throw new DomainError('E_INVALID_STATE', `${kind} version ${active.version} already has every key of the current defaults; nothing to draft`);
  const paths = found.map((f) => f.path);
  return { body: withNewDefaults(active.body, found), note: draftNote(active.version, paths, note), basedOn: active.version, paths };
}

function draftNote(basedOn: number, paths: string[], note: string | undefined): string {
  const head = `${note ? `${note} — ` : ''}new in defaults, added to version ${basedOn}: `;
  for (let shown = paths.length; shown > 0; shown--) {
    const rest = paths.length - shown;
    const text = `${head}${paths.slice(0, shown).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
    if (text.length <= NOTE_MAX) return text;
  }
  return `${head}${paths.length} keys`.slice(0, NOTE_MAX);
}

/**
 * One warning line per kind whose active version lacks keys of the current defaults, at server
 * start: a release that adds a default (a new customer message) must not go unnoticed on a database
 * created before it. Nothing is changed: taking them up is a draft like any other; what the retailer
 * declined is not warned of again.
 */
export async function warnOfNewDefaults(db: SqlExecutor, logger: { warn(fields: Record<string, unknown>, message: string): void }): Promise<number> {
  let kinds = 0;
  for (const kind of Object.keys(POLICY_KINDS) as PolicyKind[]) {
    const doc = await loadPolicyDocument(db, kind);
    const found = versionNewInDefaults(kind, doc, undefined, await declinedNewDefaults(db, kind));
    if (found.length === 0) continue;
    kinds++;
    const paths = found.map((f) => f.path);
    logger.warn(
      { kind, activeVersion: doc.activeVersion, newInDefaults: paths },
      `policy ${kind}: version ${doc.activeVersion} lacks ${paths.length} key(s) of the current defaults (${paths.join(', ')}); take them up with: omniops policies draft ${kind} --with-new-defaults, or decline them with: ${declineCommand('decline', kind, paths)}`,
    );
  }
  return kinds;
}
