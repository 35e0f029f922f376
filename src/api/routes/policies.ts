import { z } from 'zod';
import type { App } from '../../app.js';
import { defineRoute, type RouteSpec } from '../route.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_CHANGE_CONTROL, diffPolicies } from '../../domain/policies/index.js';
import { POLICY_KINDS, type PolicyKind } from '../../policy/registry.js';
import { loadPolicyDocument } from '../../store/repos/policy-docs.js';
import { queryRuleRuns } from '../../store/repos/rule-runs.js';
import { changeOutcome, findVersion, policySummaries, versionView } from '../../engine/policies/views.js';
import { declinedNewDefaults, newDefaultsDecline, newDefaultsDraft, newDefaultsTakeBack, newInDefaultsView, changeAskedBefore, versionNewInDefaults } from '../../engine/policies/new-defaults.js';
import { backtestTimeProblem, candidatePolicy, runBacktest } from '../../engine/policies/backtest.js';
import { longReads } from '../../store/long-reads.js';
import { keyedSourceEventId, runCommand } from '../command.js';
import { DomainError } from '../../domain/errors.js';

const READERS: Role[] = ['admin', 'operations_manager', 'auditor', 'regional_ops', 'finance', 'category_manager', 'procurement', 'inventory_control'];
/** Who may ask for a change at all; the handler applies four eyes and the exact roles (DEFAULT_CHANGE_CONTROL). */
const CHANGERS: Role[] = [...new Set([...DEFAULT_CHANGE_CONTROL.editorRoles, ...DEFAULT_CHANGE_CONTROL.approverRoles])];

const kinds = Object.keys(POLICY_KINDS) as [PolicyKind, ...PolicyKind[]];
const kindParam = z.object({ kind: z.enum(kinds) });
const versionParams = z.object({ kind: z.enum(kinds), v: z.coerce.number().int().min(1) });
/** Epoch ms or ISO-8601, within the times a backtest window may name (a Date's range, sensibly cut). */
const time = z
  .union([z.number().int(), z.string().max(64).refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 time')])
  .transform((t) => (typeof t === 'number' ? t : Date.parse(t)))
  .superRefine((ms, ctx) => {
    const problem = backtestTimeProblem(ms);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export function policyRoutes(app: App): RouteSpec[] {
  /** Submits a change request as an event, waits for its handler, and answers with what it did (or its refusal). */
  async function change(req: Parameters<RouteSpec['handler']>[0]['req'], principal: NonNullable<Parameters<RouteSpec['handler']>[0]['principal']>, payload: Record<string, unknown>) {
    const r = await runCommand(app, req, principal, 'policy.change_requested', payload);
    if (r.status === 'pending') return { status: 'pending', eventId: r.eventId };
    const outcome = await changeOutcome(app.store.read, r.eventId);
    const doc = await loadPolicyDocument(app.store.read, String(payload.kind));
    return { ...outcome, eventId: r.eventId, policy: versionView(findVersion(doc, outcome.version), false), pendingRollback: doc.pendingRollback };
  }

  return [
    defineRoute({
      method: 'GET', url: '/v1/policies', tag: 'policies', summary: 'Every policy kind with its active version, drafts and a rollback waiting for approval.',
      access: READERS,
      async handler() {
        return { items: await policySummaries(app.store.read) };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/policies/{kind}/versions', tag: 'policies', summary: 'The versions of one policy kind (without bodies).',
      access: READERS, params: kindParam,
      async handler({ params }) {
        const doc = await loadPolicyDocument(app.store.read, params.kind);
        const declined = await declinedNewDefaults(app.store.read, params.kind);
        return {
          kind: params.kind, activeVersion: doc.activeVersion, pendingRollback: doc.pendingRollback, items: doc.versions.map((v) => versionView(v, false)),
          newInDefaults: newInDefaultsView(versionNewInDefaults(params.kind, doc, undefined, declined)),
          declinedNewDefaults: declined,
        };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/policies/{kind}/versions/{v}', tag: 'policies', summary: 'One version with its body, and the keys of the current defaults it lacks (newInDefaults).',
      access: READERS, params: versionParams, responses: { 200: 'the version', 404: 'E_NOT_FOUND' },
      async handler({ params }) {
        const doc = await loadPolicyDocument(app.store.read, params.kind);
        const v = findVersion(doc, params.v);
        return { ...versionView(v, true), newInDefaults: newInDefaultsView(versionNewInDefaults(params.kind, doc, v, await declinedNewDefaults(app.store.read, params.kind))) };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/policies/{kind}/versions', tag: 'policies',
      summary: 'Write a draft; validated by the kind\'s schema (E_SCHEMA names the bad path). `withNewDefaults: true` instead of a body drafts the active version plus the keys of the current defaults it lacks.',
      access: CHANGERS, params: kindParam,
      body: z
        .object({
          body: z.record(z.string(), z.unknown()).optional(),
          withNewDefaults: z.literal(true).optional(),
          note: z.string().max(2000).optional(),
          basedOn: z.number().int().min(1).optional(),
        })
        .strict()
        .superRefine((b, ctx) => {
          if ((b.body === undefined) === (b.withNewDefaults === undefined)) ctx.addIssue({ code: 'custom', path: ['body'], message: 'give either a body or withNewDefaults: true' });
          if (b.withNewDefaults && b.basedOn !== undefined) ctx.addIssue({ code: 'custom', path: ['basedOn'], message: 'a draft with new defaults is based on the active version' });
        }),
      responses: { 201: 'the draft', 422: 'E_SCHEMA', 403: 'E_ROLE', 409: 'E_INVALID_STATE (withNewDefaults: nothing new in defaults)' },
      async handler({ params, body, principal, req, reply }) {
        const fresh = body.withNewDefaults ? await newDefaultsDraft(app.store.read, params.kind, body.note) : null;
        const out = fresh
          ? { ...(await change(req, principal!, { kind: params.kind, action: 'draft', body: fresh.body, note: fresh.note, basedOn: fresh.basedOn })), added: fresh.paths }
          : await change(req, principal!, { kind: params.kind, action: 'draft', body: body.body, note: body.note, basedOn: body.basedOn });
        reply.code(out.status === 'pending' ? 202 : 201);
        return out;
      },
    }),
    ...(['approve', 'reject', 'activate'] as const).map((action) =>
      defineRoute({
        method: 'POST', url: `/v1/policies/{kind}/versions/{v}/${action}`, tag: 'policies',
        summary: {
          approve: 'Approve a draft (or the rollback waiting for this version); the author cannot (403 E_SOD).',
          reject: 'Reject a draft (not by its author).',
          activate: 'Put an approved version live (the previous one is retired); on a retired version this requests a rollback, which a second person approves.',
        }[action],
        access: CHANGERS, params: versionParams,
        body: z.object({ comment: z.string().max(2000).optional(), reason: z.string().max(2000).optional() }).strict(),
        responses: { 200: 'what changed', 403: 'E_SOD / E_ROLE', 404: 'E_NOT_FOUND', 409: 'E_INVALID_STATE / E_ALREADY_DECIDED / E_CONFLICT' },
        async handler({ params, body, principal, req }) {
          // A version that does not exist is refused before the request is logged (404, nothing written):
          // sent on, the request and its refusal were two events and an audit entry for a mistyped number.
          findVersion(await loadPolicyDocument(app.store.read, params.kind), params.v);
          return change(req, principal!, { kind: params.kind, action, version: params.v, comment: body.comment, reason: body.reason });
        },
      }),
    ),
    defineRoute({
      method: 'POST', url: '/v1/policies/{kind}/new-defaults/decline', tag: 'policies',
      summary: 'Decline entries new in defaults (paths as newInDefaults lists them, with a reason): they are no longer listed or warned of. No version changes; recorded in the log and audited. Declining a declined path again changes nothing.',
      access: CHANGERS, params: kindParam,
      body: z.object({ paths: z.array(z.string().min(1).max(500)).min(1).max(200), reason: z.string().trim().min(1).max(2000) }).strict(),
      responses: { 200: 'what was declined', 403: 'E_ROLE', 409: 'E_NOT_NEW_IN_DEFAULTS (a path is not new in defaults now) / E_INVALID_STATE', 422: 'E_SCHEMA' },
      async handler({ params, body, principal, req, reply }) {
        const after = async () => {
          const doc = await loadPolicyDocument(app.store.read, params.kind);
          return newInDefaultsView(versionNewInDefaults(params.kind, doc, undefined, await declinedNewDefaults(app.store.read, params.kind)));
        };
        // A retry with the same Idempotency-Key repeats the request in the log (the intake answers it as
        // the first time); worked out again it would find its paths declined and answer "none".
        const keyed = keyedSourceEventId(req, principal!);
        const before = keyed ? await changeAskedBefore(app.store.read, keyed, params.kind, 'decline_new_defaults', body.paths, body.reason) : null;
        const pre = before ? { declined: before.declined ?? [], alreadyDeclined: [...new Set(body.paths)].filter((path) => !(before.declined ?? []).some((d) => d.path === path)), activeVersion: 0 } : await newDefaultsDecline(app.store.read, params.kind, body.paths);
        // All declined before: nothing to record, the same answer as the first time (idempotent).
        if (pre.declined.length === 0) return { kind: params.kind, change: 'none', version: pre.activeVersion, declined: [], alreadyDeclined: pre.alreadyDeclined, newInDefaults: await after() };
        const r = await runCommand(app, req, principal!, 'policy.change_requested', before ?? { kind: params.kind, action: 'decline_new_defaults', declined: pre.declined, reason: body.reason });
        if (r.status === 'pending') {
          reply.code(202);
          return { status: 'pending', eventId: r.eventId };
        }
        const outcome = await changeOutcome(app.store.read, r.eventId);
        return { ...outcome, kind: params.kind, eventId: r.eventId, alreadyDeclined: pre.alreadyDeclined, newInDefaults: await after() };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/policies/{kind}/new-defaults/undecline', tag: 'policies',
      summary: 'Take back a decline of entries new in defaults (paths as declinedNewDefaults lists them, with a reason): they are listed as new in defaults again, and can be drafted or declined again. No version changes; recorded in the log and audited. A retry with the same Idempotency-Key is answered as the first time.',
      access: CHANGERS, params: kindParam,
      body: z.object({ paths: z.array(z.string().min(1).max(500)).min(1).max(200), reason: z.string().trim().min(1).max(2000) }).strict(),
      responses: { 200: 'what was taken back', 403: 'E_ROLE', 409: 'E_NOT_DECLINED (a path is not declined now) / E_INVALID_STATE / E_IDEMPOTENCY_MISMATCH', 422: 'E_SCHEMA' },
      async handler({ params, body, principal, req, reply }) {
        const keyed = keyedSourceEventId(req, principal!);
        const before = keyed ? await changeAskedBefore(app.store.read, keyed, params.kind, 'undecline_new_defaults', body.paths, body.reason) : null;
        const payload = before ?? { kind: params.kind, action: 'undecline_new_defaults', undeclined: (await newDefaultsTakeBack(app.store.read, params.kind, body.paths)).undeclined, reason: body.reason };
        const r = await runCommand(app, req, principal!, 'policy.change_requested', payload);
        if (r.status === 'pending') {
          reply.code(202);
          return { status: 'pending', eventId: r.eventId };
        }
        const outcome = await changeOutcome(app.store.read, r.eventId);
        const doc = await loadPolicyDocument(app.store.read, params.kind);
        const declined = await declinedNewDefaults(app.store.read, params.kind);
        return { ...outcome, kind: params.kind, eventId: r.eventId, newInDefaults: newInDefaultsView(versionNewInDefaults(params.kind, doc, undefined, declined)), declinedNewDefaults: declined };
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/policies/{kind}/diff', tag: 'policies', summary: 'What changed between two versions (rules matched by id).',
      access: READERS, params: kindParam, query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
      async handler({ params, query }) {
        const doc = await loadPolicyDocument(app.store.read, params.kind);
        const strip = (b: Record<string, unknown>) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== 'version'));
        const changes = diffPolicies(strip(findVersion(doc, query.from).body), strip(findVersion(doc, query.to).body));
        return { kind: params.kind, from: query.from, to: query.to, changes };
      },
    }),
    defineRoute({
      method: 'POST', url: '/v1/policies/{kind}/versions/{v}/simulate', tag: 'policies',
      summary: 'Backtest: replay the recorded events of a window through the pure deciders with this version; changes nothing.',
      access: CHANGERS, params: versionParams,
      body: z.object({ from: time, to: time, limit: z.number().int().min(0).max(10_000).optional() }).strict(),
      responses: { 200: 'the report', 409: 'E_INVALID_STATE (kind not backtestable)' },
      async handler({ params, body }) {
        if (body.to < body.from) throw new DomainError('E_SCHEMA', 'to is before from', { issues: [{ path: 'to', message: 'before from' }] });
        const candidate = await candidatePolicy(app.store.read, params.kind, { version: params.v });
        // Replays a window of the log: no statement deadline (src/store/long-reads.ts).
        return runBacktest(longReads(app.store), { kind: params.kind, candidate, fromMs: body.from, toMs: body.to, listLimit: body.limit, stockJournal: app.config.stock });
      },
    }),
    defineRoute({
      method: 'GET', url: '/v1/rules/runs', tag: 'policies', summary: 'Automation rule runs (fired and failed), newest first.',
      access: READERS,
      query: z.object({ rule: z.string().max(100).optional(), event: z.string().max(100).optional(), outcome: z.enum(['fired', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      async handler({ query }) {
        const rows = await queryRuleRuns(app.store.read, { ruleId: query.rule, eventId: query.event, outcome: query.outcome, limit: query.limit });
        return { items: rows.map((r) => ({ ...r, at: new Date(r.atMs).toISOString() })) };
      },
    }),
  ];
}
