import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/port.js';
import { DomainError } from '../../domain/errors.js';
import { newSourceSecret } from '../../domain/security/api-key.js';
import type { SecretBox } from '../../domain/security/secret-box.js';
import { sourceSchema, sourceIdSchema, sourceScopeIssues, type Source } from '../../domain/masterdata/source.js';
import { buildCatalog } from '../../domain/events/all.js';
import { getSource, putSource } from '../../store/repos/masterdata.js';
import { expireSourceSecrets, insertSourceSecret, liveSourceSecrets } from '../../store/repos/identity.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';

/**
 * Adds a source with its first HMAC secret. The secret is returned once and stored sealed; the
 * source's master data (name, kind, status map, scope) can later be changed through `source.upserted`.
 * The scope (`eventTypes`, `supplierId`) is checked against the event catalog here: 422 naming a
 * type that is not an inbound one.
 */
export async function addSource(store: Store, box: SecretBox, actor: Actor, id: string, attrs: Partial<Source> = {}): Promise<{ source: Source; secret: string }> {
  if (!sourceIdSchema.safeParse(id).success) throw new DomainError('E_SCHEMA', 'source id: lower-case letters, digits and . _ - only', { issues: [{ path: 'id', message: 'invalid source id' }] });
  const parsed = sourceSchema.safeParse({ name: attrs.name ?? id, kind: attrs.kind ?? 'web', statusMap: attrs.statusMap ?? {}, servesLocations: attrs.servesLocations, eventTypes: attrs.eventTypes, supplierId: attrs.supplierId });
  if (!parsed.success) throw new DomainError('E_SCHEMA', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const scopeIssues = sourceScopeIssues(parsed.data, buildCatalog());
  if (scopeIssues.length > 0) throw new DomainError('E_SCHEMA', scopeIssues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues: scopeIssues });
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
 * Looks up live secrets for signature checks, and the source's record beside them (its scope: the
 * event types it may send, its supplier). Cached briefly: intake must not hit the database per
 * request, and a rotation or a scope change done by another process (the CLI, another server) is
 * seen within the TTL. A cache fill reads both (two statements per source per TTL); a request
 * within the TTL reads nothing.
 */
export class SourceSecrets {
  private readonly cache = new Map<string, { at: number; secrets: string[]; expiries: Array<number | null>; source: Source | undefined }>();

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly ttlMs = 2000,
    private readonly clock: () => number = Date.now,
  ) {}

  async secretsFor(sourceId: string): Promise<string[]> {
    const now = this.clock();
    const hit = this.fresh(sourceId, now) ?? (await this.fill(sourceId, now));
    return hit.secrets.filter((_, i) => hit.expiries[i] === null || hit.expiries[i]! > now);
  }

  /** The source's record (undefined for none), from the same cache entry the signature check filled. */
  async sourceFor(sourceId: string): Promise<Source | undefined> {
    const now = this.clock();
    return (this.fresh(sourceId, now) ?? (await this.fill(sourceId, now))).source;
  }

  private fresh(sourceId: string, now: number) {
    const hit = this.cache.get(sourceId);
    return hit && now - hit.at < this.ttlMs ? hit : undefined;
  }

  private async fill(sourceId: string, now: number) {
    const rows = await liveSourceSecrets(this.store.read, sourceId, now);
    // Read even without a live secret: a source made with PUT /v1/sources may post with a bearer token only.
    const source = await getSource(this.store.read, sourceId);
    const entry = { at: now, secrets: rows.map((r) => this.box.open(r.sealed)), expiries: rows.map((r) => r.expiresAt), source };
    this.cache.set(sourceId, entry);
    return entry;
  }

  invalidate(sourceId?: string): void {
    if (sourceId) this.cache.delete(sourceId);
    else this.cache.clear();
  }
}
