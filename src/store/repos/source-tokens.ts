import type { SqlExecutor } from '../port.js';

export type SourceTokenPurpose = 'bearer' | 'hook';

export async function insertSourceToken(db: SqlExecutor, t: { tokenHash: string; sourceId: string; purpose: SourceTokenPurpose; createdAt: string }): Promise<void> {
  await db.run('INSERT INTO source_tokens (token_hash, source_id, purpose, created_at) VALUES (?, ?, ?, ?)', [t.tokenHash, t.sourceId, t.purpose, t.createdAt]);
}

export async function sourceOfToken(db: SqlExecutor, tokenHash: string, purpose: SourceTokenPurpose): Promise<string | undefined> {
  const r = await db.get<{ source_id: string }>('SELECT source_id FROM source_tokens WHERE token_hash = ? AND purpose = ? AND revoked_at IS NULL', [tokenHash, purpose]);
  return r?.source_id;
}

export async function revokeSourceTokens(db: SqlExecutor, sourceId: string, purpose: SourceTokenPurpose, at: string): Promise<number> {
  return (await db.run('UPDATE source_tokens SET revoked_at = ? WHERE source_id = ? AND purpose = ? AND revoked_at IS NULL', [at, sourceId, purpose])).changes;
}
