import type { SqlExecutor } from '../port.js';
import type { Role } from '../../domain/roles.js';

export interface UserRow {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

interface RawUser {
  id: string;
  name: string;
  role: string;
  created_at: string;
  revoked_at: string | null;
}

const toUser = (r: RawUser): UserRow => ({ id: r.id, name: r.name, role: r.role as Role, createdAt: r.created_at, revokedAt: r.revoked_at });

export async function insertUser(db: SqlExecutor, u: { id: string; name: string; role: Role; passwordHash?: string | null; at: string }): Promise<void> {
  await db.run('INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)', [u.id, u.name, u.role, u.passwordHash ?? null, u.at]);
}

export async function userByName(db: SqlExecutor, name: string): Promise<(UserRow & { passwordHash: string | null }) | undefined> {
  const r = await db.get<RawUser & { password_hash: string | null }>('SELECT id, name, role, created_at, revoked_at, password_hash FROM users WHERE name = ?', [name]);
  return r ? { ...toUser(r), passwordHash: r.password_hash } : undefined;
}

export async function listUsers(db: SqlExecutor): Promise<UserRow[]> {
  return (await db.all<RawUser>('SELECT id, name, role, created_at, revoked_at FROM users ORDER BY name')).map(toUser);
}

export async function revokeUser(db: SqlExecutor, id: string, at: string): Promise<boolean> {
  const r = await db.run('UPDATE users SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id]);
  await db.run('UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL', [at, id]);
  return r.changes === 1;
}

export async function setPasswordHash(db: SqlExecutor, id: string, hash: string): Promise<void> {
  await db.run('UPDATE users SET password_hash = ? WHERE id = ?', [hash, id]);
}

export async function insertApiKey(db: SqlExecutor, keyHash: string, userId: string, at: string): Promise<void> {
  await db.run('INSERT INTO api_keys (key_hash, user_id, created_at) VALUES (?, ?, ?)', [keyHash, userId, at]);
}

/** The live user behind a key, or nothing when the key or its user is revoked. */
export async function userByKeyHash(db: SqlExecutor, keyHash: string): Promise<UserRow | undefined> {
  const r = await db.get<RawUser>(
    `SELECT u.id, u.name, u.role, u.created_at, u.revoked_at FROM api_keys k JOIN users u ON u.id = k.user_id
     WHERE k.key_hash = ? AND k.revoked_at IS NULL AND u.revoked_at IS NULL`,
    [keyHash],
  );
  return r ? toUser(r) : undefined;
}

export interface SourceSecretRow {
  id: string;
  sourceId: string;
  sealed: string;
  createdAt: string;
  expiresAt: number | null;
}

export async function insertSourceSecret(db: SqlExecutor, s: SourceSecretRow): Promise<void> {
  await db.run('INSERT INTO source_secrets (id, source_id, sealed, created_at, expires_at) VALUES (?, ?, ?, ?, ?)', [s.id, s.sourceId, s.sealed, s.createdAt, s.expiresAt]);
}

/** Secrets still valid at `nowMs`, newest first. */
export async function liveSourceSecrets(db: SqlExecutor, sourceId: string, nowMs: number): Promise<SourceSecretRow[]> {
  const rows = await db.all<{ id: string; source_id: string; sealed: string; created_at: string; expires_at: number | null }>(
    'SELECT id, source_id, sealed, created_at, expires_at FROM source_secrets WHERE source_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC, id DESC',
    [sourceId, nowMs],
  );
  return rows.map((r) => ({ id: r.id, sourceId: r.source_id, sealed: r.sealed, createdAt: r.created_at, expiresAt: r.expires_at == null ? null : Number(r.expires_at) }));
}

/** Rotation: every secret without an expiry gets one, so old senders keep working for a grace period. */
export async function expireSourceSecrets(db: SqlExecutor, sourceId: string, expiresAt: number): Promise<void> {
  await db.run('UPDATE source_secrets SET expires_at = ? WHERE source_id = ? AND (expires_at IS NULL OR expires_at > ?)', [expiresAt, sourceId, expiresAt]);
}
