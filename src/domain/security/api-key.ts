import { createHash, randomBytes } from 'node:crypto';

/**
 * API keys are 32 random bytes: far too much entropy to guess, so a fast hash is enough to store
 * them (a slow password hash protects low-entropy secrets, which these are not).
 */
export function newApiKey(): string {
  return `oo_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newSourceSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
