import { z } from 'zod';
import { defineEvent, type EventCatalog } from '../events/catalog.js';
import type { FieldIssue } from '../errors.js';

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
