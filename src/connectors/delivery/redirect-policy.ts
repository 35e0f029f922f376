/**
 * Redirects are NOT followed. A destination is registered with its final URL; following a 3xx would let
 * a public endpoint bounce our signed request to an internal address (169.254.169.254, localhost) after
 * the SSRF check passed, and would re-send the signature and idempotency key to a host nobody approved.
 * Send with `redirect: 'manual'` (fetch) and treat a 3xx as permanent: an operator fixes the URL.
 */
export const REDIRECT_MODE = 'manual' as const;

export type RedirectDecision = { follow: false; reason: 'redirect_not_followed'; status: number; location: string | null };

export function onRedirect(status: number, location: string | null): RedirectDecision | null {
  if (status < 300 || status >= 400) return null;
  return { follow: false, reason: 'redirect_not_followed', status, location };
}
