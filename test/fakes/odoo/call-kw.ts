import { attributeError, accessError, typeError, unprocessable, valueError } from './exceptions.js';
import type { Domain, Env, MethodDef, Orm } from './orm.js';

/** Marks a recordset result: JSON-RPC's `create` turns it into an int or a list, everything else into ids. */
export class Recordset {
  constructor(readonly ids: number[]) {}
}

const asIds = (v: unknown): number[] => (Array.isArray(v) ? (v as number[]) : typeof v === 'number' ? [v] : []);

/** The ORM's public methods with their Python signatures (names after self, count of required). */
const GENERIC: Record<string, MethodDef> = {
  create: {
    kind: 'model', params: ['vals_list'], required: 1,
    run: (env, _ids, kw) => {
      const model = kw.__model as string;
      const list = Array.isArray(kw.vals_list) ? kw.vals_list : [kw.vals_list];
      return new Recordset(list.map((v) => env.orm.create(model, v as Record<string, unknown>, env).id));
    },
  },
  read: {
    kind: 'records', params: ['fields', 'load'], required: 0,
    run: (env, ids, kw) => env.orm.read(kw.__model as string, ids, (kw.fields as string[] | undefined) ?? undefined, env),
  },
  write: { kind: 'records', params: ['vals'], required: 1, run: (env, ids, kw) => env.orm.write(kw.__model as string, ids, kw.vals as Record<string, unknown>, env) },
  unlink: { kind: 'records', params: [], required: 0, run: (env, ids, kw) => env.orm.unlink(kw.__model as string, ids, env) },
  search: {
    kind: 'model', params: ['domain', 'offset', 'limit', 'order'], required: 1,
    run: (env, _ids, kw) => new Recordset(searchOf(env, kw)),
  },
  search_count: {
    kind: 'model', params: ['domain', 'limit'], required: 1,
    run: (env, _ids, kw) => searchOf(env, kw).length,
  },
  search_read: {
    kind: 'model', params: ['domain', 'fields', 'offset', 'limit', 'order'], required: 0,
    run: (env, _ids, kw) => env.orm.read(kw.__model as string, searchOf(env, kw), (kw.fields as string[] | undefined) ?? undefined, env),
  },
};

function searchOf(env: Env, kw: Record<string, unknown>): number[] {
  return env.orm.search(kw.__model as string, (kw.domain as Domain | undefined) ?? [], {
    offset: kw.offset as number | undefined,
    limit: kw.limit as number | null | undefined,
    order: kw.order as string | null | undefined,
  }, env);
}

/** Odoo's `get_public_method`: private names are refused before existence is even checked. */
export function publicMethod(orm: Orm, model: string, name: string): MethodDef {
  if (name.startsWith('_')) throw accessError(`Private methods (such as '${model}.${name}') cannot be called remotely.`);
  const m = orm.model(model)?.methods?.[name] ?? GENERIC[name];
  if (!m) throw attributeError(`The method '${model}.${name}' does not exist`);
  return m;
}

/** JSON-RPC `call_kw`: ids are positional arg 0 of record methods; the rest bind like Python would. */
export function callPositional(env: Env, model: string, name: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const m = publicMethod(env.orm, model, name);
  let ids: number[] = [];
  let rest = args;
  if (m.kind === 'records') {
    if (!args.length) throw typeError(`${name}() missing 1 required positional argument: 'ids'`);
    ids = asIds(args[0]);
    rest = args.slice(1);
  }
  if (rest.length > m.params.length) {
    throw typeError(`${name}() takes ${m.params.length + 1} positional arguments but ${rest.length + 1} were given`);
  }
  const bound: Record<string, unknown> = {};
  rest.forEach((v, i) => (bound[m.params[i]!] = v));
  for (const [k, v] of Object.entries(kwargs)) {
    if (!m.params.includes(k)) throw typeError(`${name}() got an unexpected keyword argument '${k}'`);
    if (k in bound) throw typeError(`${name}() got multiple values for argument '${k}'`);
    bound[k] = v;
  }
  const missing = m.params.slice(0, m.required).filter((p) => !(p in bound));
  if (missing.length) throw typeError(`${name}() missing ${missing.length} required positional argument: '${missing[0]}'`);
  const result = m.run(env, ids, { ...bound, __model: model });
  if (result instanceof Recordset) {
    // Odoo's special case: create(dict) answers an int, create([dicts]) a list.
    if (name === 'create') return rest[0] !== null && typeof rest[0] === 'object' && !Array.isArray(rest[0]) ? result.ids[0] : result.ids;
    return result.ids;
  }
  return result;
}

/** JSON-2: the body is the keyword arguments; `ids` and `context` are taken out first. */
export function callNamed(env: Env, model: string, name: string, body: Record<string, unknown>): unknown {
  const m = publicMethod(env.orm, model, name);
  const { ids, context: _context, ...kw } = body;
  const idList = asIds(ids);
  if (m.kind === 'model' && idList.length) throw unprocessable(`cannot call ${model}.${name} with ids`);
  // inspect.signature.bind reports a missing argument before an unexpected one.
  const missing = m.params.slice(0, m.required).find((p) => !(p in kw));
  if (missing) throw unprocessable(`missing a required argument: '${missing}'`);
  const extra = Object.keys(kw).find((k) => !m.params.includes(k));
  if (extra) throw unprocessable(`got an unexpected keyword argument '${extra}'`);
  if (name === 'create' && kw.vals_list !== undefined && typeof kw.vals_list !== 'object') throw valueError('vals_list must be a list of dicts');
  const result = m.run(env, idList, { ...kw, __model: model });
  return result instanceof Recordset ? result.ids : result;
}
