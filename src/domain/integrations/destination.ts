import { z } from 'zod';

/**
 * A registered destination: where outbox rows go (an n8n webhook, a channel, a carrier, the ERP, a
 * notification provider). Outbox rows name a logical destination (`channel:web`, `erp:sale_order`,
 * `notify:email`); a destination's routes say which of those it takes. Only registered destinations
 * are ever called (the first line of the SSRF defence).
 */
export const DESTINATION_KINDS = ['webhook', 'odoo', 'channel', 'carrier', 'notification'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];
export const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const destinationIdSchema = z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - only');

/** `erp:sale_order` (exact), `channel:*` (prefix) or `*` (everything); `kinds` narrows to outbox row kinds. */
export const routeSchema = z
  .object({
    destination: z.string().min(1).max(200).regex(/^(\*|[A-Za-z0-9._:-]+(:\*)?|[A-Za-z0-9._-]+\*)$/, 'an outbox destination, a prefix ending in * or *'),
    kinds: z.array(z.string().min(1).max(100)).max(50).optional(),
  })
  .strict();
export type DestinationRoute = z.infer<typeof routeSchema>;

/** Odoo connection settings that are not secret (the API key is in `credentials`). */
export const odooOptionsSchema = z
  .object({
    transport: z.enum(['json2', 'jsonrpc']).default('json2'),
    database: z.string().min(1).max(200).optional(),
    login: z.string().min(1).max(200).optional(),
    /** The partner sale orders and credit notes are booked on when the order names none in Odoo. */
    partnerId: z.number().int().positive().optional(),
    /** The vendor purchase orders go to when the row names none. */
    vendorId: z.number().int().positive().optional(),
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
  })
  .strict();

export const destinationBodySchema = z
  .object({
    url: z.string().url().max(2000),
    kind: z.enum(DESTINATION_KINDS),
    environment: z.enum(ENVIRONMENTS),
    /** Signing secret for webhook-style destinations; generated when absent on create. */
    secret: z.string().min(16).max(500).optional(),
    /** Secret credentials (Odoo: `{apiKey}`; a carrier's API token…): sealed, never shown again. */
    credentials: z.record(z.string().max(100), z.string().max(2000)).optional(),
    /** Non-secret settings (Odoo: transport, database, login, partnerId, vendorId). */
    options: z.record(z.string().max(100), z.unknown()).default({}),
    /** How many deliveries to this destination may be in flight at once (across processes). */
    concurrency: z.number().int().min(1).max(256).default(4),
    routes: z.array(routeSchema).min(1).max(100),
    enabled: z.boolean().default(true),
    /** Carriers: the carriers that may print labels instead while this one's circuit is open, in order. */
    alternates: z.array(destinationIdSchema).max(10).default([]),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.kind === 'odoo') {
      const r = odooOptionsSchema.safeParse(d.options);
      if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['options', ...i.path.map(String)], message: i.message });
    }
  });
export type DestinationBody = z.infer<typeof destinationBodySchema>;

export interface Destination {
  id: string;
  url: string;
  kind: DestinationKind;
  environment: Environment;
  concurrency: number;
  routes: DestinationRoute[];
  options: Record<string, unknown>;
  alternates: string[];
  enabled: boolean;
  hasSecret: boolean;
  hasCredentials: boolean;
  previousSecretUntil: number | null;
  createdAt: string;
  updatedAt: string;
}

/** How well a route matches an outbox destination: higher is more specific, null is no match. */
export function routeScore(route: DestinationRoute, outboxDestination: string, kind: string): number | null {
  if (route.kinds && !route.kinds.includes(kind)) return null;
  const p = route.destination;
  const kindBonus = route.kinds ? 0.5 : 0;
  if (p === outboxDestination) return 10_000 + kindBonus;
  if (p === '*') return kindBonus;
  if (p.endsWith('*') && outboxDestination.startsWith(p.slice(0, -1))) return p.length + kindBonus;
  return null;
}

/** The enabled destination whose route matches an outbox row most specifically (ties: the lowest id). */
export function resolveDestination<D extends Pick<Destination, 'id' | 'routes' | 'enabled'>>(destinations: readonly D[], outboxDestination: string, kind: string): D | null {
  let best: { d: D; score: number } | null = null;
  for (const d of destinations) {
    if (!d.enabled) continue;
    for (const r of d.routes) {
      const score = routeScore(r, outboxDestination, kind);
      if (score === null) continue;
      if (!best || score > best.score || (score === best.score && d.id < best.d.id)) best = { d, score };
    }
  }
  return best?.d ?? null;
}

/** A non-production deployment never talks to production systems (test data must not reach real books). */
export function environmentAllows(instance: Environment, destination: Environment): boolean {
  return instance === 'production' || destination !== 'production';
}
