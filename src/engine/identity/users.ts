import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/port.js';
import type { Role } from '../../domain/roles.js';
import { isRole, ROLES } from '../../domain/roles.js';
import { DomainError } from '../../domain/errors.js';
import { hashApiKey, newApiKey } from '../../domain/security/api-key.js';
import { insertApiKey, insertUser, listUsers, revokeUser, setPasswordHash, userByName, type UserRow } from '../../store/repos/identity.js';
import { auditedTransaction, type Actor } from '../audit/audited.js';
import { hashPassword } from '../../domain/security/password.js';

export interface NewUser {
  user: UserRow;
  /** Shown once; only its hash is stored. */
  apiKey: string;
}

export async function addUser(store: Store, actor: Actor, name: string, role: string, password?: string): Promise<NewUser> {
  if (!/^[a-z0-9][a-z0-9._@-]{0,63}$/.test(name)) throw new DomainError('E_SCHEMA', 'user name: lower-case letters, digits and . _ @ - (up to 64)', { issues: [{ path: 'name', message: 'invalid user name' }] });
  if (!isRole(role)) throw new DomainError('E_SCHEMA', `unknown role '${role}' (one of ${ROLES.join(', ')})`, { issues: [{ path: 'role', message: 'unknown role' }] });
  const passwordHash = password ? await hashPassword(password) : null;
  return auditedTransaction(store, actor, async (tx, audit) => {
    if (await userByName(tx, name)) throw new DomainError('E_CONFLICT', `user ${name} already exists`);
    const at = new Date().toISOString();
    const id = randomUUID();
    await insertUser(tx, { id, name, role: role as Role, passwordHash, at });
    const apiKey = newApiKey();
    await insertApiKey(tx, hashApiKey(apiKey), id, at);
    audit({ action: 'user.added', subject: `user:${name}`, after: { name, role }, detail: { role } });
    return { user: { id, name, role: role as Role, createdAt: at, revokedAt: null }, apiKey };
  });
}

export async function issueKey(store: Store, actor: Actor, name: string): Promise<string> {
  return auditedTransaction(store, actor, async (tx, audit) => {
    const u = await userByName(tx, name);
    if (!u || u.revokedAt) throw new DomainError('E_NOT_FOUND', `no active user ${name}`);
    const apiKey = newApiKey();
    await insertApiKey(tx, hashApiKey(apiKey), u.id, new Date().toISOString());
    audit({ action: 'user.key_issued', subject: `user:${name}` });
    return apiKey;
  });
}

export async function setPassword(store: Store, actor: Actor, name: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await auditedTransaction(store, actor, async (tx, audit) => {
    const u = await userByName(tx, name);
    if (!u || u.revokedAt) throw new DomainError('E_NOT_FOUND', `no active user ${name}`);
    await setPasswordHash(tx, u.id, hash);
    audit({ action: 'user.password_set', subject: `user:${name}` });
  });
}

export async function revoke(store: Store, actor: Actor, name: string): Promise<void> {
  await auditedTransaction(store, actor, async (tx, audit) => {
    const u = await userByName(tx, name);
    if (!u) throw new DomainError('E_NOT_FOUND', `no user ${name}`);
    if (!(await revokeUser(tx, u.id, new Date().toISOString()))) throw new DomainError('E_INVALID_STATE', `user ${name} is already revoked`);
    audit({ action: 'user.revoked', subject: `user:${name}` });
  });
}

export { listUsers };
