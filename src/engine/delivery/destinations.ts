import type { Store } from '../../store/port.js';
import { DomainError } from '../../domain/errors.js';
import type { SecretBox } from '../../domain/security/secret-box.js';
import { newSourceSecret } from '../../domain/security/api-key.js';
import { destinationBodySchema, destinationIdSchema, type DestinationBody } from '../../domain/integrations/destination.js';
import { getDestination, putDestination as writeDestination, type DestinationRow } from '../../store/repos/destinations.js';
import { unparkAll } from '../../store/repos/deliveries.js';
import { redactSecret, redactUrl, REDACTED } from '../../connectors/delivery/redact.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';
import { schemaError } from '../intake/intake.js';

/** The sealed values are bound to their destination (AAD), so a copied ciphertext opens nowhere else. */
const aad = (id: string, what: 'secret' | 'credentials') => `destination:${id}:${what}`;

/** What the API and CLI show: no secret ever leaves in clear. */
export function destinationView(d: DestinationRow, box: SecretBox): Record<string, unknown> {
  let credentials: Record<string, string> | null = null;
  if (d.sealedCredentials) {
    try {
      credentials = Object.fromEntries(Object.entries(JSON.parse(box.open(d.sealedCredentials, aad(d.id, 'credentials'))) as Record<string, string>).map(([k, v]) => [k, redactSecret(v)]));
    } catch {
      credentials = { error: 'cannot be opened with this key' };
    }
  }
  let secret: string | null = null;
  if (d.sealedSecret) {
    try {
      secret = redactSecret(box.open(d.sealedSecret, aad(d.id, 'secret')));
    } catch {
      secret = REDACTED;
    }
  }
  return {
    id: d.id, url: redactUrl(d.url), kind: d.kind, environment: d.environment, concurrency: d.concurrency, routes: d.routes, options: d.options,
    alternates: d.alternates, enabled: d.enabled, secret, credentials,
    previousSecretValidUntil: d.previousSecretUntil ? new Date(d.previousSecretUntil).toISOString() : null, createdAt: d.createdAt, updatedAt: d.updatedAt,
  };
}

/**
 * Creates or replaces a destination. A new secret is generated on create when none is given and
 * returned once; on update, absent secret/credentials keep the stored ones (so an operator can change
 * routes without re-typing keys). Parked (unrouted) outbox rows get another chance.
 */
export async function upsertDestination(store: Store, box: SecretBox, actor: Actor, id: string, input: unknown, now = Date.now()): Promise<{ destination: DestinationRow; created: boolean; secret?: string }> {
  if (!destinationIdSchema.safeParse(id).success) throw new DomainError('E_SCHEMA', 'destination id: lower-case letters, digits and . _ - only', { issues: [{ path: 'params.id', message: 'invalid destination id' }] });
  const parsed = destinationBodySchema.safeParse(input);
  if (!parsed.success) throw schemaError(parsed.error, '');
  const body: DestinationBody = parsed.data;
  return auditedTransaction(store, actor, async (tx, audit) => {
    const before = await getDestination(tx, id);
    const at = new Date(now).toISOString();
    let issued: string | undefined;
    let sealedSecret = before?.sealedSecret ?? null;
    if (body.secret) sealedSecret = box.seal(body.secret, aad(id, 'secret'));
    else if (!sealedSecret) {
      issued = newSourceSecret();
      sealedSecret = box.seal(issued, aad(id, 'secret'));
    }
    const sealedCredentials = body.credentials ? box.seal(JSON.stringify(body.credentials), aad(id, 'credentials')) : (before?.sealedCredentials ?? null);
    const d: DestinationRow = {
      id, url: body.url, kind: body.kind, environment: body.environment, concurrency: body.concurrency, routes: body.routes, options: body.options,
      alternates: body.alternates, enabled: body.enabled, hasSecret: true, hasCredentials: sealedCredentials !== null,
      previousSecretUntil: before?.previousSecretUntil ?? null, createdAt: before?.createdAt ?? at, updatedAt: at,
      sealedSecret, sealedPreviousSecret: before?.sealedPreviousSecret ?? null, sealedCredentials,
    };
    await writeDestination(tx, d);
    const unparked = await unparkAll(tx);
    const shape = (x: DestinationRow) => ({ url: redactUrl(x.url), kind: x.kind, environment: x.environment, concurrency: x.concurrency, routes: x.routes, options: x.options, alternates: x.alternates, enabled: x.enabled });
    audit({
      action: before ? 'destination.updated' : 'destination.added', subject: `destination:${id}`, before: before ? shape(before) : undefined, after: shape(d),
      detail: { secretChanged: Boolean(body.secret || issued), credentialsChanged: Boolean(body.credentials), unparkedRows: unparked },
    });
    return { destination: d, created: !before, secret: issued };
  });
}

/** A new signing secret; the previous one keeps signing alongside it for the grace period. */
export async function rotateDestinationSecret(store: Store, box: SecretBox, actor: Actor, id: string, graceSeconds: number, now = Date.now()): Promise<{ secret: string; previousValidUntil: string }> {
  return auditedTransaction(store, actor, async (tx, audit) => {
    const d = await getDestination(tx, id);
    if (!d) throw new DomainError('E_NOT_FOUND', `no destination ${id}`);
    const secret = newSourceSecret();
    const until = now + graceSeconds * 1000;
    await writeDestination(tx, { ...d, sealedPreviousSecret: d.sealedSecret, previousSecretUntil: d.sealedSecret ? until : null, sealedSecret: box.seal(secret, aad(id, 'secret')), updatedAt: new Date(now).toISOString() });
    audit({ action: 'destination.secret_rotated', subject: `destination:${id}`, detail: { previousValidUntil: new Date(until).toISOString() } });
    return { secret, previousValidUntil: new Date(until).toISOString() };
  });
}

/** Signing secrets in force now: the current one first, the previous one while its grace lasts. */
export function signingSecrets(d: DestinationRow, box: SecretBox, now: number): string[] {
  const out: string[] = [];
  if (d.sealedSecret) out.push(box.open(d.sealedSecret, aad(d.id, 'secret')));
  if (d.sealedPreviousSecret && d.previousSecretUntil !== null && d.previousSecretUntil > now) out.push(box.open(d.sealedPreviousSecret, aad(d.id, 'secret')));
  return out;
}

export function destinationCredentials(d: DestinationRow, box: SecretBox): Record<string, string> {
  return d.sealedCredentials ? (JSON.parse(box.open(d.sealedCredentials, aad(d.id, 'credentials'))) as Record<string, string>) : {};
}
