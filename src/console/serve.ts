import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Everything the page may load comes from this origin: no CDN, no inline script, no framing. */
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * The console's files sit beside this module in the sources (`src/console/static`); the compiled
 * `dist/console/serve.js` has none beside it (tsc copies no assets), so it falls back to the sources.
 */
export function consoleDir(): string | null {
  for (const rel of ['./static/', '../../src/console/static/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const type = TYPES[extname(name)];
        if (!type) continue;
        const body = readFileSync(full);
        assets.set(relative(dir, full).split(sep).join('/'), { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
      }
    }
  };
  walk(dir);
  return assets;
}

function send(reply: FastifyReply, a: Asset, ifNoneMatch: string | undefined): FastifyReply {
  reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    // Revalidated every time (an ETag round trip on localhost costs nothing); an upgrade is never stale.
    .header('cache-control', 'no-cache')
    .header('etag', a.etag);
  if (ifNoneMatch === a.etag) return reply.code(304).send();
  return reply.type(a.type).send(a.body);
}

/** Serves the operations console at `/` (its files under `/console/`), read once at start. */
export function registerConsole(http: FastifyInstance): void {
  const dir = consoleDir();
  if (!dir) return;
  const assets = loadAssets(dir);
  const index = assets.get('index.html')!;
  http.get('/', async (req, reply) => send(reply, index, req.headers['if-none-match']));
  http.get('/console/*', async (req, reply) => {
    const path = (req.params as { '*': string })['*'];
    const a = assets.get(path);
    if (!a || path === 'index.html') return reply.code(404).type('text/plain').send('not found');
    return send(reply, a, req.headers['if-none-match']);
  });
}
