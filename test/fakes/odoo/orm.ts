import { missingError, validationError, valueError } from './exceptions.js';

/**
 * A small in-memory ORM with Odoo's observable semantics: raw many2one values are ids (read renders
 * them as `[id, display_name]`), one2many are derived from the inverse many2one, empty scalars read
 * as `false`, `read` of a missing id silently drops it, `write`/`unlink` of one raise MissingError.
 * Every RPC call runs in `transaction()`, so a failing call leaves no partial writes (like a rollback).
 */
export type FieldType =
  | 'char' | 'text' | 'html' | 'selection' | 'date' | 'datetime'
  | 'integer' | 'float' | 'monetary' | 'boolean'
  | 'many2one' | 'one2many' | 'many2many';

export type Row = { id: number; [field: string]: unknown };
export type Vals = Record<string, unknown>;

export interface Env {
  readonly orm: Orm;
  readonly uid: number;
  readonly context: Record<string, unknown>;
}

export interface FieldDef {
  type: FieldType;
  relation?: string;
  /** one2many: the many2one on `relation` pointing back. */
  inverse?: string;
  required?: boolean;
  /** Raw value (id / ids / scalar) computed on read and search; never stored. */
  compute?: (row: Row, env: Env) => unknown;
  default?: (vals: Vals, env: Env) => unknown;
}

export interface MethodDef {
  /** `model` methods take no ids (`@api.model`); `records` methods act on `ids`. */
  kind: 'model' | 'records';
  params: readonly string[];
  required: number;
  run: (env: Env, ids: number[], kw: Record<string, unknown>) => unknown;
}

export interface ModelDef {
  name: string;
  fields: Record<string, FieldDef>;
  displayName: (row: Row, env: Env) => string;
  methods?: Record<string, MethodDef>;
  /** Default `_order` when the caller gives none. */
  order?: string;
  afterCreate?: (row: Row, env: Env) => void;
  afterWrite?: (rows: Row[], vals: Vals, env: Env) => void;
  beforeUnlink?: (rows: Row[], env: Env) => void;
  /** Who may create; the rest get the AccessError the model defines. */
  checkCreate?: (env: Env) => void;
}

export type Domain = unknown[];

export class Orm {
  private readonly models = new Map<string, ModelDef>();
  private tables = new Map<string, Map<number, Row>>();
  private nextIds = new Map<string, number>();

  constructor(readonly now: () => Date) {}

  define(def: ModelDef): void {
    this.models.set(def.name, def);
    if (!this.tables.has(def.name)) this.tables.set(def.name, new Map());
  }

  model(name: string): ModelDef | undefined {
    return this.models.get(name);
  }

  /** Like a PostgreSQL sequence: only ever moves forward. */
  setNextId(model: string, next: number): void {
    this.nextIds.set(model, Math.max(next, this.nextIds.get(model) ?? 1));
  }

  transaction<T>(fn: () => T): T {
    const snapshot = structuredClone({ t: this.tables, n: this.nextIds });
    try {
      return fn();
    } catch (e) {
      this.tables = snapshot.t;
      this.nextIds = snapshot.n;
      throw e;
    }
  }

  rows(model: string): Row[] {
    return [...this.table(model).values()];
  }

  get(model: string, id: number): Row | undefined {
    return this.table(model).get(id);
  }

  /** Seed a row with a fixed id (demo data). */
  insertRaw(model: string, row: Row): Row {
    this.table(model).set(row.id, row);
    this.setNextId(model, row.id + 1);
    return row;
  }

  displayName(model: string, id: number, env: Env): string {
    const def = this.models.get(model);
    const row = this.get(model, id);
    if (!def || !row) return `${model},${id}`;
    return def.displayName(row, env);
  }

  /** The raw value of a field (stored or computed). */
  value(model: string, row: Row, field: string, env: Env): unknown {
    if (field === 'id') return row.id;
    const f = this.fieldDef(model, field);
    if (f.compute) return f.compute(row, env);
    if (f.type === 'one2many') {
      return this.rows(f.relation!)
        .filter((r) => r[f.inverse!] === row.id)
        .map((r) => r.id)
        .sort((a, b) => a - b);
    }
    return row[field];
  }

  fieldDef(model: string, field: string): FieldDef {
    const f = this.mustModel(model).fields[field];
    if (!f) throw valueError(`Invalid field '${field}' on model '${model}'`);
    return f;
  }

  // ---- ORM methods -------------------------------------------------------------------------

  create(model: string, vals: Vals, env: Env): Row {
    const def = this.mustModel(model);
    def.checkCreate?.(env);
    const id = this.nextIds.get(model) ?? 1;
    this.nextIds.set(model, id + 1);
    const row: Row = { id };
    const x2many: [string, unknown][] = [];
    for (const [k, v] of Object.entries(vals)) {
      const f = this.fieldDef(model, k);
      if (f.type === 'one2many' || f.type === 'many2many') x2many.push([k, v]);
      else row[k] = this.checkScalar(model, k, f, v);
    }
    for (const [k, f] of Object.entries(def.fields)) {
      if (!(k in row) && f.default && !f.compute && f.type !== 'one2many') row[k] = f.default(vals, env);
    }
    for (const [k, f] of Object.entries(def.fields)) {
      if (f.required && !f.compute && f.type !== 'one2many' && (row[k] === undefined || row[k] === false || row[k] === null)) {
        throw validationError(`The operation cannot be completed: Missing required value for the field '${k}' on model '${model}'.`);
      }
    }
    this.table(model).set(id, row);
    for (const [k, v] of x2many) this.applyCommands(model, row, k, v, env);
    def.afterCreate?.(row, env);
    return row;
  }

  read(model: string, ids: number[], fields: string[] | undefined, env: Env): Record<string, unknown>[] {
    const def = this.mustModel(model);
    const names = fields && fields.length ? fields : Object.keys(def.fields);
    for (const n of names) if (n !== 'id' && n !== 'display_name') this.fieldDef(model, n);
    const out: Record<string, unknown>[] = [];
    for (const id of ids) {
      const row = this.get(model, id);
      if (!row) continue; // Odoo: read of a missing id is dropped, not an error
      const rec: Record<string, unknown> = { id };
      for (const n of names) {
        if (n === 'id') continue;
        rec[n] = n === 'display_name' ? def.displayName(row, env) : this.render(model, row, n, env);
      }
      out.push(rec);
    }
    return out;
  }

  write(model: string, ids: number[], vals: Vals, env: Env): true {
    const rows = this.existing(model, ids, env);
    for (const row of rows) {
      for (const [k, v] of Object.entries(vals)) {
        const f = this.fieldDef(model, k);
        if (f.type === 'one2many' || f.type === 'many2many') this.applyCommands(model, row, k, v, env);
        else row[k] = this.checkScalar(model, k, f, v);
      }
    }
    this.mustModel(model).afterWrite?.(rows, vals, env);
    return true;
  }

  unlink(model: string, ids: number[], env: Env): true {
    const rows = this.existing(model, ids, env);
    this.mustModel(model).beforeUnlink?.(rows, env);
    for (const r of rows) this.table(model).delete(r.id);
    return true;
  }

  search(model: string, domain: Domain, opts: { offset?: number; limit?: number | null; order?: string | null }, env: Env): number[] {
    const def = this.mustModel(model);
    if (!Array.isArray(domain)) throw valueError(`Invalid domain: ${JSON.stringify(domain)}`);
    // Odoo hides archived records unless the domain mentions `active` itself.
    const activeFilter = 'active' in def.fields && !JSON.stringify(domain).includes('"active"');
    const hits = this.rows(model).filter(
      (r) => (!activeFilter || r.active !== false) && this.matches(model, r, domain, env),
    );
    const order = (opts.order ?? def.order ?? 'id').split(',').map((s) => s.trim().split(/\s+/));
    hits.sort((a, b) => {
      for (const [field, dir] of order) {
        const va = this.sortKey(this.value(model, a, field!, env));
        const vb = this.sortKey(this.value(model, b, field!, env));
        if (va < vb) return dir?.toLowerCase() === 'desc' ? 1 : -1;
        if (va > vb) return dir?.toLowerCase() === 'desc' ? -1 : 1;
      }
      return 0;
    });
    const start = opts.offset ?? 0;
    const end = opts.limit ? start + opts.limit : undefined;
    return hits.slice(start, end).map((r) => r.id);
  }

  // ---- internals ---------------------------------------------------------------------------

  private table(model: string): Map<number, Row> {
    let t = this.tables.get(model);
    if (!t) this.tables.set(model, (t = new Map()));
    return t;
  }

  private mustModel(model: string): ModelDef {
    const def = this.models.get(model);
    if (!def) throw valueError(`the model '${model}' does not exist`);
    return def;
  }

  private existing(model: string, ids: number[], env: Env): Row[] {
    const missing = ids.filter((id) => !this.get(model, id));
    if (missing.length) throw missingError(model, missing, env.uid);
    return ids.map((id) => this.get(model, id)!);
  }

  private checkScalar(model: string, field: string, f: FieldDef, v: unknown): unknown {
    if (f.type === 'many2one') {
      if (v === false || v === null) return false;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw valueError(`Wrong value for ${model}.${field}: ${JSON.stringify(v)}`);
      // A dangling foreign key is refused by PostgreSQL; Odoo turns the IntegrityError into a ValidationError.
      if (this.models.has(f.relation!) && !this.get(f.relation!, v)) {
        throw validationError(`The operation cannot be completed: the record ${f.relation}(${v}) referenced by ${model}.${field} does not exist.`);
      }
      return v;
    }
    if (f.type === 'integer' || f.type === 'float' || f.type === 'monetary') {
      if (v === false || v === null) return 0;
      if (typeof v !== 'number') throw valueError(`Wrong value for ${model}.${field}: ${JSON.stringify(v)}`);
      return v;
    }
    return v;
  }

  /** x2many commands: [0,0,vals] create, [1,id,vals] update, [2,id] delete, [3,id] unlink, [4,id] link, [5] clear, [6,0,ids] set. */
  private applyCommands(model: string, row: Row, field: string, cmds: unknown, env: Env): void {
    const f = this.fieldDef(model, field);
    if (!Array.isArray(cmds)) throw valueError(`Wrong value for ${model}.${field}: ${JSON.stringify(cmds)}`);
    const rel = f.relation!;
    let linked: number[] = f.type === 'many2many' ? [...((row[field] as number[] | undefined) ?? [])] : [];
    for (const c of cmds) {
      if (!Array.isArray(c)) throw valueError(`Wrong value for ${model}.${field}: ${JSON.stringify(cmds)}`);
      const [op, id, vals] = c as [number, number, unknown];
      if (op === 0) {
        const child = this.create(rel, { ...(vals as Vals), ...(f.type === 'one2many' ? { [f.inverse!]: row.id } : {}) }, env);
        linked.push(child.id);
      } else if (op === 1) this.write(rel, [id], vals as Vals, env);
      else if (op === 2) this.unlink(rel, [id], env);
      else if (op === 3) linked = linked.filter((x) => x !== id);
      else if (op === 4) {
        if (f.type === 'one2many') this.write(rel, [id], { [f.inverse!]: row.id }, env);
        if (!linked.includes(id)) linked.push(id);
      } else if (op === 5) linked = [];
      else if (op === 6) linked = [...(vals as number[])];
      else throw valueError(`Unknown x2many command ${op}`);
    }
    if (f.type === 'many2many') row[field] = linked;
  }

  /** How `read` renders a value: many2one as [id, display_name], empty scalars as false. */
  private render(model: string, row: Row, field: string, env: Env): unknown {
    const f = this.fieldDef(model, field);
    const v = this.value(model, row, field, env);
    switch (f.type) {
      case 'many2one':
        return typeof v === 'number' ? [v, this.displayName(f.relation!, v, env)] : false;
      case 'one2many':
      case 'many2many':
        return Array.isArray(v) ? v : [];
      case 'integer':
      case 'float':
      case 'monetary':
        return typeof v === 'number' ? v : 0;
      case 'boolean':
        return v === true;
      default:
        return v === undefined || v === null || v === '' ? false : v;
    }
  }

  private sortKey(v: unknown): string | number {
    if (typeof v === 'number') return v;
    if (v === false || v === undefined || v === null) return '';
    return String(v);
  }

  /** Polish-notation domain, evaluated right to left on a stack; leftovers are AND-ed (implicit '&'). */
  private matches(model: string, row: Row, domain: Domain, env: Env): boolean {
    const stack: boolean[] = [];
    for (let i = domain.length - 1; i >= 0; i--) {
      const t = domain[i];
      if (t === '!') stack.push(!stack.pop());
      else if (t === '&' || t === '|') {
        const a = stack.pop()!;
        const b = stack.pop()!;
        stack.push(t === '&' ? a && b : a || b);
      } else if (Array.isArray(t) && t.length === 3) stack.push(this.leaf(model, row, t as [string, string, unknown], env));
      else throw valueError(`Invalid leaf ${JSON.stringify(t)}`);
    }
    return stack.every(Boolean);
  }

  private leaf(model: string, row: Row, [path, op, want]: [string, string, unknown], env: Env): boolean {
    const values = this.follow(model, [row], path.split('.'), env);
    const eq = (v: unknown) => (want === false ? v === false || v === undefined || v === null || v === '' : v === want);
    switch (op) {
      case '=': return values.some(eq);
      case '!=': return !values.some(eq);
      case 'in': return values.some((v) => (want as unknown[]).includes(v as never));
      case 'not in': return !values.some((v) => (want as unknown[]).includes(v as never));
      case '<': return values.some((v) => (v as number) < (want as number));
      case '<=': return values.some((v) => (v as number) <= (want as number));
      case '>': return values.some((v) => (v as number) > (want as number));
      case '>=': return values.some((v) => (v as number) >= (want as number));
      case 'like': return values.some((v) => typeof v === 'string' && v.includes(String(want)));
      case 'ilike': return values.some((v) => typeof v === 'string' && v.toLowerCase().includes(String(want).toLowerCase()));
      case 'not ilike': return !values.some((v) => typeof v === 'string' && v.toLowerCase().includes(String(want).toLowerCase()));
      default: throw valueError(`Invalid operator '${op}'`);
    }
  }

  /** Dotted paths follow relations; an x2many hop fans out (Odoo: "any of"). */
  private follow(model: string, rows: Row[], path: string[], env: Env): unknown[] {
    const [head, ...rest] = path;
    if (head !== 'id') this.fieldDef(model, head!);
    const values = rows.flatMap((r) => {
      const v = this.value(model, r, head!, env);
      return Array.isArray(v) ? v : [v];
    });
    if (!rest.length) return values;
    const f = this.fieldDef(model, head!);
    const next = values.filter((v): v is number => typeof v === 'number').map((id) => this.get(f.relation!, id)).filter((r): r is Row => !!r);
    return this.follow(f.relation!, next, rest, env);
  }
}

/** Odoo's wire format for datetimes: UTC, no 'T', no zone. */
export function odooDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}
