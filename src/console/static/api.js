// The console talks to the public HTTP API only. The session cookie is httpOnly (the page never sees
// it); state-changing calls carry the session's CSRF token as a header.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code ?? `HTTP_${status}`;
    this.title = problem?.title ?? 'Request failed';
    this.detail = problem?.detail ?? '';
    this.errors = problem?.errors ?? [];
    this.problem = problem;
  }
}

let clockOffset = 0;
export const serverNow = () => Date.now() + clockOffset;

export const session = {
  user: null,
  csrfToken: null,
  expiresAt: null,
  routes: new Set(),
  known: new Set(),
  set(s) {
    this.user = s.user;
    this.csrfToken = s.csrfToken ?? null;
    this.expiresAt = s.expiresAt ?? null;
    this.routes = new Set(s.routes ?? []);
    this.known = new Set(s.known ?? []);
    // Ages ("waiting 5 min") are measured on the server's clock, not a skewed laptop's.
    if (s.serverTime) clockOffset = Date.parse(s.serverTime) - Date.now();
  },
  clear() {
    this.user = null;
    this.csrfToken = null;
    this.routes = new Set();
    this.known = new Set();
  },
  /** May this role call it? (The server checks again; this only decides what to show.) */
  can(route) {
    return this.routes.has(route);
  },
  /** Does this version of the server have it at all? */
  exists(route) {
    return this.known.has(route);
  },
};

let onSignedOut = () => undefined;
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export async function api(method, path, body, opts = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session.csrfToken) headers['x-csrf-token'] = session.csrfToken;
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { code: 'E_NETWORK', title: 'The server cannot be reached', detail: String(e.message ?? e) });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 300) };
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !opts.quiet401 && session.user) {
      session.clear();
      onSignedOut(err);
    }
    throw err;
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body = {}, opts) => api('POST', path, body, opts);
