import { describe, expect, it } from 'vitest';
import { classifyHttpStatus, classifyOdooException } from '../../../src/connectors/odoo/classify.js';

describe('classifyOdooException', () => {
  it.each([
    ['psycopg2.errors.SerializationFailure', undefined, 'transient'],
    ['psycopg2.errors.SerializationFailure', 500, 'transient'],
    ['odoo.exceptions.LockError', 409, 'transient'],
    ['psycopg2.OperationalError', undefined, 'transient'],
    ['odoo.exceptions.ValidationError', 422, 'permanent'],
    ['odoo.exceptions.UserError', undefined, 'permanent'],
    ['odoo.exceptions.MissingError', 404, 'permanent'],
    ['odoo.exceptions.AccessError', 403, 'permanent'],
    ['builtins.AttributeError', undefined, 'permanent'],
    ['werkzeug.exceptions.NotFound', 404, 'permanent'],
    ['werkzeug.exceptions.UnprocessableEntity', 422, 'permanent'],
    ['odoo.exceptions.AccessDenied', undefined, 'auth'],
    ['odoo.exceptions.AccessDenied', 403, 'auth'],
    ['werkzeug.exceptions.Unauthorized', 401, 'auth'],
    // a bug on the server does not heal by retrying, even though JSON-2 reports it as a 500
    ['builtins.TypeError', 500, 'permanent'],
    ['psycopg2.errors.UniqueViolation', 500, 'permanent'],
    // unknown: judged like Odoo's catch-all 500
    ['some.addon.WeirdError', undefined, 'transient'],
    ['some.addon.WeirdError', 500, 'transient'],
    ['some.addon.WeirdError', 400, 'permanent'],
  ] as const)('%s (HTTP %s) → %s', (name, status, kind) => {
    expect(classifyOdooException(name, status)).toBe(kind);
  });

  it.each([
    [502, 'transient'], [503, 'transient'], [408, 'transient'], [429, 'transient'], [409, 'transient'],
    [401, 'auth'], [400, 'permanent'], [404, 'permanent'], [403, 'permanent'],
  ] as const)('bare HTTP %s → %s', (status, kind) => {
    expect(classifyHttpStatus(status)).toBe(kind);
  });
});
