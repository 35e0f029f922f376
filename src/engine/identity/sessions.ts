import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../../store/port.js';
import type { Role } from '../../domain/roles.js';
import { DomainError } from '../../domain/errors.js';
import { checkPassword, hashPassword } from '../../domain/security/password.js';
import { hashApiKey } from '../../domain/security/api-key.js';
import { userByKeyHash, userByName } from '../../store/repos/identity.js';
import { endSession, insertSession, liveSession, purgeExpiredSessions, type LiveSession } from '../../store/repos/sessions.js';
import { auditedTransaction } from '../audit/audited.js';

export type Credentials = { name: string; password: string } | { apiKey: string };

export interface NewSession {
  /** Goes into the cookie only; the store keeps its hash. */
  token: string;
  csrfToken: string;
  expiresMs: number;
  user: { id: string; name: string; role: Role };
  method: 'password' | 'api_key';
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(`session:${token}`).digest('hex');
}

// Compared against when the user does not exist, so a wrong name costs as long as a wrong password.
let decoyHash: Promise<string> | undefined;

async function verifyCredentials(store: Store, c: Credentials): Promise<{ id: string; name: string; role: Role; method: NewSession['method'] } | { refused: string; who: string }> {
  if ('apiKey' in c) {
    const u = await userByKeyHash(store.read, hashApiKey(c.apiKey));
    return u ? { id: u.id, name: u.name, role: u.role, method: 'api_key' } : { refused: 'unknown or revoked API key', who: 'api-key' };
  }
  const u = await userByName(store.read, c.name);
  if (!u || u.revokedAt || !u.passwordHash) {
    decoyHash ??= hashPassword('decoy password');
    await checkPassword(c.password, await decoyHash);
    return { refused: !u ? 'unknown user' : u.revokedAt ? 'user revoked' : 'no console password set', who: c.name };
  }
  if (!(await checkPassword(c.password, u.passwordHash))) return { refused: 'wrong password', who: c.name };
  return { id: u.id, name: u.name, role: u.role, method: 'password' };
}

/**
 * Signs a person in to the console: a random session token (cookie) and a CSRF token (sent back
 * as a header on every state-changing call). Both outcomes are audited; a refusal says only
 * "wrong credentials" to the caller, the reason goes to the audit trail.
 */
export async function startSession(store: Store, c: Credentials, opts: { nowMs: number; ttlMs: number }): Promise<NewSession> {
  const v = await verifyCredentials(store, c);
  const clock = () => opts.nowMs;
  if ('refused' in v) {
    await auditedTransaction(store, { id: v.who.slice(0, 64), role: 'none' }, async (_tx, audit) => {
      audit({ action: 'session.refused', subject: `user:${v.who.slice(0, 64)}`, detail: { reason: v.refused } });
    }, clock);
    throw new DomainError('E_AUTH', 'wrong user name or password, or unknown API key');
  }
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresMs = opts.nowMs + opts.ttlMs;
  await auditedTransaction(store, { id: v.name, role: v.role }, async (tx, audit) => {
    await purgeExpiredSessions(tx, opts.nowMs);
    await insertSession(tx, { tokenHash: hashSessionToken(token), userId: v.id, csrfToken, method: v.method, createdMs: opts.nowMs, expiresMs });
    audit({ action: 'session.started', subject: `user:${v.name}`, detail: { method: v.method, expiresAt: new Date(expiresMs).toISOString() } });
  }, clock);
  return { token, csrfToken, expiresMs, user: { id: v.id, name: v.name, role: v.role }, method: v.method };
}

export async function sessionOf(store: Store, token: string, nowMs: number): Promise<LiveSession | undefined> {
  return liveSession(store.read, hashSessionToken(token), nowMs);
}

export async function finishSession(store: Store, s: { tokenHash: string; userName: string; role: Role }, nowMs: number): Promise<void> {
  await auditedTransaction(store, { id: s.userName, role: s.role }, async (tx, audit) => {
    if (await endSession(tx, s.tokenHash, new Date(nowMs).toISOString())) audit({ action: 'session.ended', subject: `user:${s.userName}` });
  }, () => nowMs);
}
