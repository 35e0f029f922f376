import { z } from 'zod';
import { defineEvent, type EventCatalog } from '../events/catalog.js';
import type { FieldIssue } from '../errors.js';
import { applyMergePatch } from './merge-patch.js';

export const SOURCE_KINDS = ['web', 'marketplace', 'pos', 'service', 'carrier', 'supplier', 'erp', 'system'] as const;

const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/;

export const sourceIdSchema = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - only');

/** A channel or system that sends us events; its status map translates its labels to ours. */
export const sourceSchema = z
  .object({
    name: z.string().min(1).max(200),
    kind: z.enum(SOURCE_KINDS),
    statusMap: z.record(z.string().max(100), z.string().max(64)).default({}),
    servesLocations: z.array(z.string().max(64)).max(1000).optional(),
    /**
     * The event types this source may send: exact names or a family `prefix.*` (`po.*`). Absent: every
     * inbound type, as before scopes existed. Intake refuses any other type (403 E_SOURCE_NOT_ALLOWED),
     * so a leaked marketplace secret cannot move stock. Checked against the event catalog when the
     * source is registered (`sourceScopeIssues`).
     */
    eventTypes: z.array(z.string().min(1).max(100).regex(EVENT_TYPE_PATTERN, 'an event type (`po.confirmed`) or a family (`po.*`)')).min(1).max(200).optional(),
    /** A supplier's integration answers only for this supplier's claims and purchase orders (kind supplier only). */
    supplierId: z.string().min(1).max(64).optional(),
  })
  .strict();

export type SourceAttributes = z.infer<typeof sourceSchema>;
export interface Source extends SourceAttributes {
  id: string;
}

export const sourceUpserted = defineEvent({
  type: 'source.upserted',
  schemaVersion: 1,
  origin: 'inbound',
  payload: sourceSchema.extend({ id: sourceIdSchema }).strict(),
  subject: (p) => `source:${p.id}`,
  description: 'A channel or system source was created or changed.',
});

/**
 * A change of some members of a source record (`PATCH /v1/sources/{id}`, `omniops sources scope`), as an
 * RFC 7396 merge patch: members left out stay, `null` removes one (`"eventTypes": null` lets the source
 * send every inbound type again), `statusMap` is merged label by label (`{"statusMap": {"x": null}}`
 * drops label x). Checked again as a whole record once merged (`patchedSource`).
 */
const member = sourceSchema.shape;
export const sourcePatchSchema = z
  .object({
    // The record's own member schemas, each removable (null); a status map's labels removable one by one.
    name: member.name.nullable(),
    kind: member.kind.nullable(),
    statusMap: z.record(z.string().max(100), z.string().max(64).nullable()).nullable(),
    servesLocations: member.servesLocations.unwrap().nullable(),
    eventTypes: member.eventTypes.unwrap().nullable(),
    supplierId: member.supplierId.unwrap().nullable(),
  })
  .partial()
  .strict();

export type SourcePatch = z.infer<typeof sourcePatchSchema>;

/**
 * Why its own event and not a `source.upserted` of the merged record: the merge is done by the handler
 * against the record as it is in the dispatch transaction (events of one source run one after
 * another, in log order), so two patches of different members sent at once both land; a record
 * merged by the caller beforehand would carry the member it read, and the later write would put the
 * earlier patch's member back.
 */
export const sourcePatched = defineEvent({
  type: 'source.patched',
  schemaVersion: 1,
  origin: 'inbound',
  payload: z.object({ id: sourceIdSchema, patch: sourcePatchSchema }).strict(),
  subject: (p) => `source:${p.id}`,
  description: 'Some members of a source record were changed (a JSON merge patch: null removes a member); the rest stays.',
});

/**
 * The source record after a merge patch, or why it is not a valid record then (the same checks as a
 * whole record put: the schema, then the scope against the catalog). Paths name the record's members.
 */
export function patchedSource(current: Source, patch: SourcePatch, catalog: EventCatalog): { ok: true; source: Source } | { ok: false; issues: FieldIssue[] } {
  const { id, ...attrs } = current;
  const parsed = sourceSchema.safeParse(applyMergePatch(attrs, patch));
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) };
  const issues = sourceScopeIssues(parsed.data, catalog);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, source: { id, ...parsed.data } };
}

/**
 * What the schema alone cannot judge about a source's scope: every listed type must be an inbound
 * type of the catalog (a family must name at least one), and only a supplier source is bound to a
 * supplier. A misspelt name would otherwise silently refuse the events it was meant to allow.
 * The supplier itself need not be known yet: supplier master data may arrive after the integration
 * is set up, and the binding only narrows what the source may send.
 */
export function sourceScopeIssues(attrs: Pick<SourceAttributes, 'kind' | 'eventTypes' | 'supplierId'>, catalog: EventCatalog): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const inbound = catalog.all().filter((d) => d.origin === 'inbound').map((d) => d.type);
  (attrs.eventTypes ?? []).forEach((t, i) => {
    const known = t.endsWith('.*') ? inbound.some((x) => x.startsWith(t.slice(0, -1))) : inbound.includes(t);
    if (!known) issues.push({ path: `eventTypes.${i}`, message: `${t} is not ${t.endsWith('.*') ? 'a family of inbound event types' : 'an inbound event type'}` });
  });
  if (attrs.supplierId !== undefined && attrs.kind !== 'supplier') issues.push({ path: 'supplierId', message: `only a supplier source is bound to a supplier (this one is ${attrs.kind})` });
  return issues;
}

/** The inbound types a scope's list allows, families expanded against the catalog (intake looks one up in a Set). */
export function allowedEventTypes(eventTypes: readonly string[], catalog: EventCatalog): Set<string> {
  const out = new Set<string>();
  for (const d of catalog.all()) {
    if (d.origin !== 'inbound') continue;
    if (eventTypes.some((t) => (t.endsWith('.*') ? d.type.startsWith(t.slice(0, -1)) : t === d.type))) out.add(d.type);
  }
  return out;
}
