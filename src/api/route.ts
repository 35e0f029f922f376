import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Access, Authenticator, Principal } from './auth.js';
import { schemaError } from '../engine/intake/intake.js';
import { DomainError } from '../domain/errors.js';
import { nulPath } from '../domain/nul-path.js';

/**
 * One declaration per route: access, schemas and handler. The same declaration registers the
 * Fastify route, validates the request with zod, and feeds the OpenAPI document — so what we
 * validate and what we document can never drift apart.
 */
export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented responses: status → description. */
  responses?: Record<number, string>;
  handler(input: { params: z.infer<P>; query: z.infer<Q>; body: z.infer<B>; principal: Principal | null; req: FastifyRequest; reply: FastifyReply }): Promise<unknown>;
}

export function defineRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(spec: RouteSpec<P, Q, B>): RouteSpec {
  return spec as unknown as RouteSpec;
}

export function registerRoutes(app: FastifyInstance, auth: Authenticator, routes: readonly RouteSpec[]): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url.replace(/\{(\w+)\}/g, ':$1'),
      handler: async (req, reply) => {
        const principal = await auth.require(req, r.access);
        const params = parse(r.params, req.params, 'params.');
        const query = parse(r.query, req.query, 'query.');
        // Only a request without a body is taken as `{}`: a JSON `null` is a body of the wrong shape, and
        // was let through as `{}` (a command whose fields are all optional then ran on it).
        const body = parse(r.body, req.body === undefined ? {} : req.body, '');
        const result = await r.handler({ params, query, body, principal, req, reply });
        return reply.sent ? reply : result;
      },
    });
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, prefix: string): never {
  if (!schema) return value as never;
  const nul = nulPath(value); // PostgreSQL text cannot hold U+0000: `/v1/orders/%00` was a 500 there
  if (nul !== null) {
    const path = nul ? prefix + nul : prefix.replace(/\.$/, '') || '(root)';
    throw new DomainError('E_SCHEMA', `invalid: ${path}`, { issues: [{ path, message: 'contains a NUL character (U+0000)' }] });
  }
  const r = schema.safeParse(value);
  if (!r.success) throw schemaError(r.error, prefix);
  return r.data as never;
}

/** Builds the OpenAPI 3.1 document from the route declarations. */
export function openApiDocument(routes: readonly RouteSpec[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      security: r.access === 'public' ? [] : [{ bearer: [] }],
      'x-roles': r.access,
      responses: Object.fromEntries(
        Object.entries({ ...(r.responses ?? { 200: 'OK' }), ...(r.access === 'public' ? {} : { 401: 'E_AUTH', 403: 'E_ROLE' }) }).map(([code, description]) => [
          code,
          Number(code) >= 400 ? { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } : { description },
        ]),
      ),
    };
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(js.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (js.required ?? []).includes(name), schema: s });
      }
    }
    if (parameters.length) op.parameters = parameters;
    if (r.body) {
      const schema = z.toJSONSchema(r.body, { io: 'input', unrepresentable: 'any' });
      // A PATCH body is a JSON merge patch (RFC 7396), under its own media type or plain JSON.
      op.requestBody = { required: true, content: { ...(r.method === 'PATCH' ? { 'application/merge-patch+json': { schema } } : {}), 'application/json': { schema } } };
    }
    paths[r.url] = { ...(paths[r.url] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, signature: { type: 'apiKey', in: 'header', name: 'omniops-signature' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, code: { type: 'string' },
            detail: { type: 'string' }, instance: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
