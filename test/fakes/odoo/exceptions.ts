/**
 * Server-side exceptions of the fake, carrying what Odoo 19 puts on the wire: the dotted Python class
 * name (`odoo.exceptions.UserError`), the user message, `arguments`, and the HTTP status JSON-2 answers
 * with (from `odoo/exceptions.py` http_status; JSON-RPC always answers 200).
 */
export class OdooFault extends Error {
  constructor(
    readonly pythonName: string,
    message: string,
    readonly httpStatus: number,
    readonly args: unknown[] = [message],
  ) {
    super(message);
  }
}

export const validationError = (m: string) => new OdooFault('odoo.exceptions.ValidationError', m, 422);
export const userError = (m: string) => new OdooFault('odoo.exceptions.UserError', m, 422);
export const accessError = (m: string) => new OdooFault('odoo.exceptions.AccessError', m, 403);
export const accessDenied = () => new OdooFault('odoo.exceptions.AccessDenied', 'Access Denied', 403);
export const lockError = (m: string) => new OdooFault('odoo.exceptions.LockError', m, 409);
export const attributeError = (m: string) => new OdooFault('builtins.AttributeError', m, 500);
export const valueError = (m: string) => new OdooFault('builtins.ValueError', m, 500);
export const typeError = (m: string) => new OdooFault('builtins.TypeError', m, 500);
/** Not an Odoo class: psycopg2's, surfaced after the server's own 5 retries gave up. */
export const serializationFailure = () =>
  new OdooFault('psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update\n', 500);

export function missingError(model: string, ids: readonly number[], uid: number): OdooFault {
  // Python tuple repr: a one-element tuple keeps its trailing comma.
  const tuple = ids.length === 1 ? `${ids[0]},` : ids.join(', ');
  return new OdooFault(
    'odoo.exceptions.MissingError',
    `Record does not exist or has been deleted.\n(Record: ${model}(${tuple}), User: ${uid})`,
    404,
  );
}

/** werkzeug HTTP exceptions put the status code as the second argument. */
function werkzeug(name: string, status: number, m: string): OdooFault {
  return new OdooFault(`werkzeug.exceptions.${name}`, m, status, [m, status]);
}
export const unauthorized = (m: string) => werkzeug('Unauthorized', 401, m);
export const notFound = (m: string) => werkzeug('NotFound', 404, m);
export const unprocessable = (m: string) => werkzeug('UnprocessableEntity', 422, m);

/** Odoo's `serialize_exception` dict: the JSON-2 error body and the JSON-RPC `error.data`. */
export function serializeFault(f: OdooFault): Record<string, unknown> {
  return {
    name: f.pythonName,
    message: f.message,
    arguments: f.args,
    context: {},
    debug: `Traceback (most recent call last):\n  (fake odoo)\n${f.pythonName}: ${f.message}\n`,
  };
}

/** Anything the fake's own code throws by mistake is still answered the way Odoo answers a bug. */
export function asFault(e: unknown): OdooFault {
  if (e instanceof OdooFault) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new OdooFault('builtins.Exception', msg, 500);
}
