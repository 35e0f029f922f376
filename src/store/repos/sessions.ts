import type { SqlExecutor } from '../port.js';
import type { Role } from '../../domain/roles.js';

export interface SessionRow {
  tokenHash: string;
  userId: string;
  csrfToken: string;
  method: 'password' | 'api_key';
  createdMs: number;
  expiresMs: number;
}

export interface LiveSession extends SessionRow {
  userName: string;
  role: Role;
}

export async function insertSession(db: SqlExecutor, s: SessionRow): Promise<void> {
  await db.run('INSERT INTO sessions (token_hash, user_id, csrf_token, method, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)', [
    s.tokenHash, s.userId, s.csrfToken, s.method, s.createdMs, s.expiresMs,
  ]);
}

/** The session behind a token hash while it is live: not ended, not expired, its user not revoked. */
export async function liveSession(db: SqlExecutor, tokenHash: string, nowMs: number): Promise<LiveSession | undefined> {
  const r = await db.get<{ token_hash: string; user_id: string; csrf_token: string; method: string; created_ms: number; expires_ms: number; name: string; role: string }>(
    `SELECT s.token_hash, s.user_id, s.csrf_token, s.method, s.created_ms, s.expires_ms, u.name, u.role
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_ms > ? AND u.revoked_at IS NULL`,
    [tokenHash, nowMs],
  );
  if (!r) return undefined;
  return {
    tokenHash: r.token_hash, userId: r.user_id, csrfToken: r.csrf_token, method: r.method as SessionRow['method'],
    createdMs: Number(r.created_ms), expiresMs: Number(r.expires_ms), userName: r.name, role: r.role as Role,
  };
}

export async function endSession(db: SqlExecutor, tokenHash: string, at: string): Promise<boolean> {
  const r = await db.run('UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL', [at, tokenHash]);
  return r.changes === 1;
}

/** Expired sessions are of no use to anyone; dropped when a new one is made. */
export async function purgeExpiredSessions(db: SqlExecutor, beforeMs: number): Promise<void> {
  await db.run('DELETE FROM sessions WHERE expires_ms < ?', [beforeMs]);
}
