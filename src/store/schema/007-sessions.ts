import type { Dialect } from '../port.js';
import { portable } from './portable.js';

/**
 * Console sessions. Only a hash of the session token is stored (the cookie holds the token), so a
 * copy of the database does not hand out live sessions; the CSRF token is per session.
 */
export function sessionsSchema(dialect: Dialect): string {
  return portable(dialect, `
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  method TEXT NOT NULL,
  created_ms {{BIGINT}} NOT NULL,
  expires_ms {{BIGINT}} NOT NULL,
  ended_at TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_ms);
`);
}
