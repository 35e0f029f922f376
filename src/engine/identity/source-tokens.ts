import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/port.js';
import { DomainError } from '../../domain/errors.js';
import { hashApiKey } from '../../domain/security/api-key.js';
import { getSource } from '../../store/repos/masterdata.js';
import { insertSourceToken, revokeSourceTokens, sourceOfToken, type SourceTokenPurpose } from '../../store/repos/source-tokens.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';

/**
 * Per-source tokens for senders that cannot sign: a bearer token (n8n's HTTP Request node with header
 * auth) and the secret part of a webhook URL (Odoo's automation rules send no signature at all).
 * High-entropy random values, so stored as SHA-256 hashes like API keys; shown once. Issuing a new one
 * revokes the old ones of the same purpose unless `keepOld` (a rotation with overlap).
 */
export async function issueSourceToken(store: Store, actor: Actor, sourceId: string, purpose: SourceTokenPurpose, opts: { keepOld?: boolean } = {}): Promise<string> {
  return auditedTransaction(store, actor, async (tx, audit) => {
    if (!(await getSource(tx, sourceId))) throw new DomainError('E_NOT_FOUND', `no source ${sourceId}`);
    const at = new Date().toISOString();
    const revoked = opts.keepOld ? 0 : await revokeSourceTokens(tx, sourceId, purpose, at);
    const token = `${purpose === 'bearer' ? 'oot' : 'ooh'}_${randomBytes(32).toString('base64url')}`;
    await insertSourceToken(tx, { tokenHash: hashApiKey(token), sourceId, purpose, createdAt: at });
    audit({ action: 'source.token_issued', subject: `source:${sourceId}`, detail: { purpose, revokedOld: revoked } });
    return token;
  });
}

/** Which source a token belongs to (cached briefly: intake must not hit the store per request). */
export class SourceTokens {
  private readonly cache = new Map<string, { at: number; sourceId: string | null }>();

  constructor(private readonly store: Store, private readonly ttlMs = 2000) {}

  async sourceOf(token: string, purpose: SourceTokenPurpose): Promise<string | null> {
    if (token.length > 200) return null;
    const key = `${purpose}:${hashApiKey(token)}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.sourceId;
    const sourceId = (await sourceOfToken(this.store.read, hashApiKey(token), purpose)) ?? null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { at: now, sourceId });
    return sourceId;
  }
}
