import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import { DomainError } from '../domain/errors.js';
import { problemOf, sendProblem } from './problem.js';
import { StoreUnavailable } from '../store/unavailable.js';
import { parseJsonBody } from './json-body.js';
import { openApiDocument, registerRoutes, type RouteSpec } from './route.js';
import { eventRoutes } from './routes/events.js';
import { masterdataRoutes } from './routes/masterdata.js';
import { stockRoutes } from './routes/stock.js';
import { auditRoutes } from './routes/audit.js';
import { orderRoutes } from './routes/orders.js';
import { leftToRefundSchema } from './routes/order-left-to-refund.js';
import { refundOwedSchema } from './routes/return-owed.js';
import { caseClosingSchema, caseWaitingForSchema, refusalItemSchema } from './routes/return-ending.js';
import { policyRoutes } from './routes/policies.js';
import { returnRoutes } from './routes/returns.js';
import { sessionRoutes } from './routes/session.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { approvalRoutes } from './routes/approvals.js';
import { exceptionRoutes } from './routes/exceptions.js';
import { integrationRoutes } from './routes/integrations.js';
import { adapterRoutes } from './routes/adapters.js';
import { replenishmentRoutes } from './routes/replenishment.js';
import { checkRoutes } from './routes/checks.js';
import { registerConsole } from '../console/serve.js';
import { inboundEnvelopeSchema } from '../domain/events/envelope.js';
import { z } from 'zod';

/** Fastify's default, named: no id of ours is longer (route params allow at most 100). */
const MAX_PATH_PARAM_LENGTH = 100;

/**
 * The router's own refusals as our codes. Both are a path parameter that no route schema would take,
 * so E_SCHEMA, as the route's params check answers a parameter of 65–100 characters where 64 is its
 * limit: one code for one mistake, whichever layer sees it first.
 */
function frameworkProblem(error: FastifyError): DomainError {
  if (error.code === 'FST_ERR_BAD_URL') {
    return new DomainError('E_SCHEMA', 'the path is not valid percent-encoding', { issues: [{ path: 'params', message: 'malformed percent-encoding' }] });
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new DomainError('E_SCHEMA', `a path parameter is longer than ${MAX_PATH_PARAM_LENGTH} characters`, { issues: [{ path: 'params', message: `at most ${MAX_PATH_PARAM_LENGTH} characters` }] });
  }
  return new DomainError('E_INTERNAL', 'the router failed');
}

/** Every route of the HTTP API. Capabilities add their route lists here. */
export function allRoutes(app: App): RouteSpec[] {
  return [...eventRoutes(app), ...masterdataRoutes(app), ...stockRoutes(app), ...orderRoutes(app), ...policyRoutes(app), ...returnRoutes(app), ...approvalRoutes(app), ...exceptionRoutes(app), ...auditRoutes(app), ...dashboardRoutes(app), ...integrationRoutes(app), ...adapterRoutes(app), ...replenishmentRoutes(app), ...checkRoutes(app), ...sessionRoutes(app, () => allRoutes(app))];
}

export async function buildHttpServer(app: App): Promise<FastifyInstance> {
  const http = Fastify({
    logger: false,
    bodyLimit: app.config.intake.maxBodyBytes,
    // Our own ids in logs and problem documents; clients may pass theirs for correlation.
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    keepAliveTimeout: 65_000,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // request.ip: the client a trusted proxy names, else the socket's peer (config trustedProxies).
    trustProxy: app.config.trustedProxies.length > 0 ? [...app.config.trustedProxies] : false,
    // Errors the router raises before any route runs (so setErrorHandler never sees them): problem+json
    // with our codes like every other refusal, and without echoing the path back.
    frameworkErrors: (error, _req, reply) => {
      const problem = frameworkProblem(error);
      return (reply as FastifyReply).code(problem.status).type('application/problem+json').send(problemOf(problem));
    },
  });

  http.removeAllContentTypeParsers();
  http.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer | string, done) => {
    try {
      const raw = typeof body === 'string' ? Buffer.from(body) : body;
      (req as FastifyRequest & { rawBody?: Buffer }).rawBody = raw;
      done(null, parseJsonBody(raw, app.config.intake.maxDepth));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  // RFC 7396's media type, for PATCH routes only (they also take application/json); any other method
  // answers it as it answered before, 415.
  http.addContentTypeParser('application/merge-patch+json', { parseAs: 'buffer' }, (req, body: Buffer | string, done) => {
    if (req.method !== 'PATCH') return done(Object.assign(new Error('unsupported media type'), { statusCode: 415 }), undefined);
    try {
      done(null, parseJsonBody(typeof body === 'string' ? Buffer.from(body) : body, app.config.intake.maxDepth));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  http.setErrorHandler((error: FastifyError | DomainError, req, reply) => {
    if (error instanceof DomainError) {
      app.metrics.httpRequests.inc({ route: req.routeOptions.url ?? 'unknown', status: String(error.status) });
      return sendProblem(reply, error);
    }
    if (error instanceof StoreUnavailable) {
      // The database did not answer in time: nothing was done and a retry may succeed, so 503 and
      // not 500 (the cause names the database's address: logged, not sent).
      app.logger.warn({ err: error.message, reqId: req.id, url: req.url }, 'store unavailable');
      app.metrics.httpRequests.inc({ route: req.routeOptions.url ?? 'unknown', status: '503' });
      return sendProblem(reply, new DomainError('E_UNAVAILABLE', `the store did not answer in time; try again (request ${req.id})`));
    }
    const status = (error as FastifyError).statusCode;
    if (status === 413) return sendProblem(reply, new DomainError('E_TOO_LARGE', `body larger than ${app.config.intake.maxBodyBytes} bytes`));
    if (status === 415) return sendProblem(reply, new DomainError('E_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
    if (status === 400 && (error as FastifyError).code?.startsWith('FST_ERR_CTP')) {
      return sendProblem(reply, new DomainError('E_MALFORMED_JSON', error.message));
    }
    if (status && status >= 400 && status < 500) return sendProblem(reply, new DomainError('E_SCHEMA', error.message));
    app.logger.error({ err: { message: error.message, stack: error.stack }, reqId: req.id, url: req.url }, 'request failed');
    return sendProblem(reply, new DomainError('E_INTERNAL', `internal error (request ${req.id})`));
  });

  http.setNotFoundHandler((req, reply) => sendProblem(reply, new DomainError('E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)));

  const routes = allRoutes(app);
  registerRoutes(http, app.auth, routes);

  const openapi = openApiDocument(routes, { title: 'omniops', version: '1' });
  (openapi.components as { schemas: Record<string, unknown> }).schemas.EventEnvelope = z.toJSONSchema(inboundEnvelopeSchema, { unrepresentable: 'any' });
  (openapi.components as { schemas: Record<string, unknown> }).schemas.LeftToRefund = z.toJSONSchema(leftToRefundSchema, { unrepresentable: 'any' });
  (openapi.components as { schemas: Record<string, unknown> }).schemas.RefundOwed = z.toJSONSchema(refundOwedSchema, { unrepresentable: 'any' });
  // The return case's refusalItem and closing (GET /v1/returns/{id}).
  (openapi.components as { schemas: Record<string, unknown> }).schemas.RefusalItem = z.toJSONSchema(refusalItemSchema, { unrepresentable: 'any' });
  (openapi.components as { schemas: Record<string, unknown> }).schemas.CaseClosing = z.toJSONSchema(caseClosingSchema, { unrepresentable: 'any' });
  (openapi.components as { schemas: Record<string, unknown> }).schemas.CaseWaitingFor = z.toJSONSchema(caseWaitingForSchema, { unrepresentable: 'any' });
  (openapi as Record<string, unknown>)['x-event-types'] = Object.fromEntries(
    app.catalog.all().filter((d) => d.origin === 'inbound').map((d) => [d.type, { schemaVersion: d.schemaVersion, description: d.description, payload: z.toJSONSchema(d.payload, { io: 'input', unrepresentable: 'any' }) }]),
  );
  http.get('/openapi.json', async () => openapi);
  http.get('/healthz', async (_req, reply) => {
    try {
      await app.store.read.get('SELECT 1 AS ok');
      return { status: 'ok', store: app.store.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable', store: app.store.dialect });
    }
  });
  http.get('/metrics', async (_req, reply) => reply.type(app.metrics.registry.contentType).send(await app.metricsText()));
  registerConsole(http);

  app.http = http;
  return http;
}
