import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/port.js';
import { DomainError } from '../../domain/errors.js';
import { newSourceSecret } from '../../domain/security/api-key.js';
import type { SecretBox } from '../../domain/security/secret-box.js';
import { sourceSchema, sourceIdSchema, type Source } from '../../domain/masterdata/source.js';
import { getSource, putSource } from '../../store/repos/masterdata.js';
import { expireSourceSecrets, insertSourceSecret, liveSourceSecrets } from '../../store/repos/identity.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';

/**
 * Adds a source with its first HMAC secret. The secret is returned once and stored sealed; the
 * source's master data (name, kind, status map) can later be changed through `source.upserted`.
 */
export async function addSource(store: Store, box: SecretBox, actor: Actor, id: string, attrs: Partial<Source> = {}): Promise<{ source: Source; secret: string }> {
  if (!sourceIdSchema.safeParse(id).success) throw new DomainError('E_SCHEMA', 'source id: lower-case letters, digits and . _ - only', { issues: [{ path: 'id', message: 'invalid source id' }] });
  const parsed = sourceSchema.safeParse({ name: attrs.name ?? id, kind: attrs.kind ?? 'web', statusMap: attrs.statusMap ?? {}, servesLocations: attrs.servesLocations });
  if (!parsed.success) throw new DomainError('E_SCHEMA', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return auditedTransaction(store, actor, async (tx, audit) => {
    if (await getSource(tx, id)) throw new DomainError('E_CONFLICT', `source ${id} already exists`);
    const at = new Date().toISOString();
    const source: Source = { id, ...parsed.data };
    await putSource(tx, source, at);
    const secret = newSourceSecret();
    await insertSourceSecret(tx, { id: randomUUID(), sourceId: id, sealed: box.seal(secret), createdAt: at, expiresAt: null });
    audit({ action: 'source.added', subject: `source:${id}`, after: source });
    return { source, secret };
  });
}

/** A new secret; the old ones stay valid for `graceSeconds` so senders can switch without loss. */
export async function rotateSourceSecret(store: Store, box: SecretBox, actor: Actor, id: string, graceSeconds: number, now = Date.now()): Promise<{ secret: string; oldExpireAt: string }> {
  return auditedTransaction(store, actor, async (tx, audit) => {
    if (!(await getSource(tx, id))) throw new DomainError('E_NOT_FOUND', `no source ${id}`);
    const expireAt = now + graceSeconds * 1000;
    await expireSourceSecrets(tx, id, expireAt);
    const secret = newSourceSecret();
    await insertSourceSecret(tx, { id: randomUUID(), sourceId: id, sealed: box.seal(secret), createdAt: new Date(now).toISOString(), expiresAt: null });
    audit({ action: 'source.secret_rotated', subject: `source:${id}`, detail: { oldExpireAt: new Date(expireAt).toISOString() } });
    return { secret, oldExpireAt: new Date(expireAt).toISOString() };
  });
}

/**
 * Looks up live secrets for signature checks. Cached briefly: intake must not hit the database per
 * request, and a rotation done by another process (the CLI) is seen within the TTL.
 */
export class SourceSecrets {
  private readonly cache = new Map<string, { at: number; secrets: string[]; expiries: Array<number | null> }>();

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly ttlMs = 2000,
    private readonly clock: () => number = Date.now,
  ) {}

  async secretsFor(sourceId: string): Promise<string[]> {
    const now = this.clock();
    const hit = this.cache.get(sourceId);
    if (hit && now - hit.at < this.ttlMs) return hit.secrets.filter((_, i) => hit.expiries[i] === null || hit.expiries[i]! > now);
    const rows = await liveSourceSecrets(this.store.read, sourceId, now);
    const entry = { at: now, secrets: rows.map((r) => this.box.open(r.sealed)), expiries: rows.map((r) => r.expiresAt) };
    this.cache.set(sourceId, entry);
    return entry.secrets;
  }

  invalidate(sourceId?: string): void {
    if (sourceId) this.cache.delete(sourceId);
    else this.cache.clear();
  }
}
