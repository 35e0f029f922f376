import type { SqlExecutor } from '../port.js';
import type { Destination, DestinationKind, DestinationRoute, Environment } from '../../domain/integrations/destination.js';

export interface DestinationRow extends Destination {
  sealedSecret: string | null;
  sealedPreviousSecret: string | null;
  sealedCredentials: string | null;
}

interface Raw {
  id: string; url: string; kind: string; environment: string; sealed_secret: string | null; sealed_previous_secret: string | null;
  previous_secret_until: number | string | null; sealed_credentials: string | null; concurrency: number; routes: string; attrs: string;
  enabled: number; created_at: string; updated_at: string;
}

function fromRaw(r: Raw): DestinationRow {
  const attrs = JSON.parse(r.attrs) as { options?: Record<string, unknown>; alternates?: string[] };
  return {
    id: r.id, url: r.url, kind: r.kind as DestinationKind, environment: r.environment as Environment, concurrency: Number(r.concurrency),
    routes: JSON.parse(r.routes) as DestinationRoute[], options: attrs.options ?? {}, alternates: attrs.alternates ?? [], enabled: Number(r.enabled) === 1,
    hasSecret: r.sealed_secret !== null, hasCredentials: r.sealed_credentials !== null,
    previousSecretUntil: r.previous_secret_until === null ? null : Number(r.previous_secret_until),
    createdAt: r.created_at, updatedAt: r.updated_at,
    sealedSecret: r.sealed_secret, sealedPreviousSecret: r.sealed_previous_secret, sealedCredentials: r.sealed_credentials,
  };
}

export async function getDestination(db: SqlExecutor, id: string): Promise<DestinationRow | undefined> {
  const r = await db.get<Raw>('SELECT * FROM destinations WHERE id = ?', [id]);
  return r ? fromRaw(r) : undefined;
}

export async function listDestinations(db: SqlExecutor): Promise<DestinationRow[]> {
  return (await db.all<Raw>('SELECT * FROM destinations ORDER BY id')).map(fromRaw);
}

export async function putDestination(db: SqlExecutor, d: DestinationRow): Promise<void> {
  await db.run(
    `INSERT INTO destinations (id, url, kind, environment, sealed_secret, sealed_previous_secret, previous_secret_until, sealed_credentials, concurrency, routes, attrs, enabled, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, CAST(? AS BIGINT), ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET url = excluded.url, kind = excluded.kind, environment = excluded.environment, sealed_secret = excluded.sealed_secret,
       sealed_previous_secret = excluded.sealed_previous_secret, previous_secret_until = excluded.previous_secret_until,
       sealed_credentials = excluded.sealed_credentials, concurrency = excluded.concurrency, routes = excluded.routes, attrs = excluded.attrs,
       enabled = excluded.enabled, updated_at = excluded.updated_at`,
    [
      d.id, d.url, d.kind, d.environment, d.sealedSecret, d.sealedPreviousSecret, d.previousSecretUntil, d.sealedCredentials, d.concurrency,
      JSON.stringify(d.routes), JSON.stringify({ options: d.options, alternates: d.alternates }), d.enabled ? 1 : 0, d.createdAt, d.updatedAt,
    ],
  );
}
