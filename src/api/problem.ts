import type { FastifyReply } from 'fastify';
import { DomainError, type ErrorCode, type FieldIssue } from '../domain/errors.js';

/** RFC 9457 problem details, with our stable `code`. Never a stack trace. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  errors?: FieldIssue[];
  [extra: string]: unknown;
}

/** Every code has a title (a full Record: a new code without one does not compile). */
const TITLES: Record<ErrorCode, string> = {
  E_SCHEMA: 'The request does not match the schema',
  E_MALFORMED_JSON: 'The body is not well-formed JSON',
  E_TOO_LARGE: 'The body is too large',
  E_TOO_DEEP: 'The body is nested too deeply',
  E_UNSUPPORTED_MEDIA_TYPE: 'Only application/json is accepted',
  E_UNKNOWN_TYPE: 'Unknown event type',
  E_UNKNOWN_SOURCE: 'Unknown source',
  E_UNKNOWN_STATUS: 'No mapping for this status label',
  E_CONFIG: 'The server is misconfigured',
  E_SIGNATURE: 'The request signature is not valid',
  E_SOURCE_MISMATCH: 'The event names another source than the one that signed it',
  E_SOURCE_NOT_ALLOWED: 'This source may not send this event',
  E_AUTH: 'Authentication required',
  E_ROLE: 'Your role may not do this',
  E_CSRF: 'Missing or wrong CSRF token',
  E_SOD: 'Segregation of duties forbids this',
  E_NOT_FOUND: 'Not found',
  E_CONFLICT: 'Conflict with the current state',
  E_IDEMPOTENCY_MISMATCH: 'This idempotency key was used for a different request',
  E_ALREADY_DECIDED: 'Already decided',
  E_INVALID_STATE: 'Not possible in the current state',
  E_NOT_NEW_IN_DEFAULTS: 'Not new in the current defaults',
  E_NOT_DECLINED: 'Not declined',
  E_RATE_LIMITED: 'Too many requests',
  E_UNAVAILABLE: 'Temporarily unavailable',
  E_USAGE: 'The command line is not valid',
  E_INTERNAL: 'Internal error',
};

export function problemOf(error: DomainError, instance?: string): Problem {
  const p: Problem = {
    type: `urn:omniops:error:${error.code}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: error.message,
  };
  if (instance) p.instance = instance;
  if (error.issues?.length) p.errors = error.issues;
  if (error.detail) Object.assign(p, error.detail);
  return p;
}

export function sendProblem(reply: FastifyReply, error: DomainError): FastifyReply {
  return reply.code(error.status).type('application/problem+json').send(problemOf(error, reply.request.url));
}
