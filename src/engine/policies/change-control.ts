import type { EventHandler, HandlerContext } from '../dispatch/handler.js';
import type { PolicyBook } from '../policy-book.js';
import { POLICY_KINDS, isPolicyKind } from '../../policy/registry.js';
import { isRole } from '../../domain/roles.js';
import {
  DEFAULT_CHANGE_CONTROL, activatePolicy, approveRollback, rejectRollback, declineNewDefaults, draftPolicy, requestRollback, reviewPolicy, takeBackDecline,
  type PolicyActor, type PolicyDocument, type PolicyResult,
} from '../../domain/policies/index.js';
import type { PolicyChangeRequest } from '../../domain/policies/events.js';
import { loadPolicyDocument, savePolicyDocument } from '../../store/repos/policy-docs.js';

type Body = Record<string, unknown>;
type Issue = { path: string; message: string };

/**
 * Carries out one policy change request with the pure change-control functions. A refusal is an
 * outcome, not a failure: it is announced (`policy.change_refused`, which the API turns into its error
 * code) and audited, and the request is not retried.
 */
export function policyChangeHandler(policies: PolicyBook): EventHandler {
  return {
    type: 'policy.change_requested',
    name: 'policies.change',
    async handle(h) {
      const req = h.event.payload as unknown as PolicyChangeRequest;
      const subject = `policy:${req.kind}`;
      const why = { note: req.note, comment: req.comment, reason: req.reason };
      const refuse = (code: string, message: string, issues?: Issue[]) => {
        h.emit({ type: 'policy.change_refused', subject, payload: { kind: req.kind, action: req.action, code, message, ...(issues ? { issues } : {}) } });
        h.audit({ action: 'policy.change_refused', subject, detail: { action: req.action, version: req.version ?? null, code, message, ...why } });
      };
      if (!isPolicyKind(req.kind)) return refuse('E_NOT_FOUND', `no policy kind ${req.kind}`);
      const actor: PolicyActor = {
        actorId: h.event.actor ?? `source:${h.event.source}`,
        actorRoles: isRole(h.event.actorRole) ? [h.event.actorRole] : [],
      };
      const allowed = [...DEFAULT_CHANGE_CONTROL.editorRoles, ...DEFAULT_CHANGE_CONTROL.approverRoles];
      // Before anything else: a sender without change rights learns nothing about the document.
      if (!actor.actorRoles.some((r) => allowed.includes(r))) return refuse('E_ROLE', `policy changes need one of: ${[...new Set(allowed)].join(', ')}`);
      const before = await loadPolicyDocument(h.tx, req.kind);
      const decided = decide(h, req, before, actor);
      if ('issues' in decided) return refuse('E_SCHEMA', `the ${req.kind} policy is invalid: ${decided.issues.map((i) => i.path).join(', ')}`, decided.issues);
      if (!decided.ok) return refuse(decided.refusal.code, decided.refusal.message);
      await savePolicyDocument(h.tx, before, decided.doc);
      for (const e of decided.events) {
        const version = e.type === 'policy.rollback_requested' || e.type === 'policy.rollback_rejected' ? e.toVersion : e.version;
        const payload: Record<string, unknown> = { kind: req.kind, change: e.type.slice('policy.'.length), version, by: e.by };
        if (e.type === 'policy.reviewed') payload.decision = e.decision;
        if (e.type === 'policy.activated') Object.assign(payload, { previous: e.previous, approvedBy: e.approvedBy, rollback: e.rollback });
        if (e.type === 'policy.rollback_rejected') payload.withdrawn = e.withdrawn;
        if (e.type === 'policy.new_defaults_declined') Object.assign(payload, { declined: e.declined, reason: e.reason });
        if (e.type === 'policy.new_defaults_undeclined') Object.assign(payload, { undeclined: e.undeclined, reason: e.reason });
        h.emit({ type: 'policy.changed', subject, payload });
        const target = decided.doc.versions.find((v) => v.version === version);
        h.audit({
          action: e.type,
          subject,
          before: before.versions.find((v) => v.version === version)?.status ?? null,
          // A decline (or taking one back) changes no version: what it records is the paths, not a body.
          after: e.type === 'policy.new_defaults_declined' ? { version, declined: e.declined.map((d) => d.path) }
            : e.type === 'policy.new_defaults_undeclined' ? { version, undeclined: e.undeclined.map((d) => d.path) }
            : target ? { version, status: target.status, body: target.body } : { version },
          detail: { ...payload, ...why },
        });
        if (e.type === 'policy.activated') h.tx.afterCommit(() => policies.invalidate());
      }
    },
  };
}

function decide(h: HandlerContext, req: PolicyChangeRequest, doc: PolicyDocument<Body>, actor: PolicyActor): PolicyResult<Body> | { issues: Issue[] } {
  const control = DEFAULT_CHANGE_CONTROL;
  const ctx = h.decision;
  const target = req.version === undefined ? undefined : doc.versions.find((v) => v.version === req.version);
  const needVersion = (): PolicyResult<Body> => ({ ok: false, refusal: { code: 'E_NOT_FOUND', message: `${req.kind} has no version ${req.version ?? '(none given)'}` } });
  switch (req.action) {
    case 'draft': {
      if (!req.body) return { issues: [{ path: 'body', message: 'a draft needs the policy document' }] };
      const next = doc.versions.reduce((m, v) => Math.max(m, v.version), 0) + 1;
      // The stored version number is the document's version: what every decision records.
      const parsed = POLICY_KINDS[req.kind as keyof typeof POLICY_KINDS].schema.safeParse({ ...req.body, version: String(next) });
      if (!parsed.success) {
        return { issues: parsed.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]'), message: i.message })) };
      }
      return draftPolicy(doc, actor, { body: parsed.data as Body, note: req.note ?? '', basedOn: req.basedOn }, control, ctx);
    }
    case 'approve':
    case 'reject': {
      if (!target) return needVersion();
      // Approving the version a rollback waits for is the rollback's second pair of eyes.
      if (req.action === 'approve' && target.status !== 'draft' && doc.pendingRollback?.toVersion === target.version) return approveRollback(doc, actor, control, ctx);
      // Rejecting it turns the rollback down (or, by the person who asked, withdraws it).
      if (req.action === 'reject' && target.status !== 'draft' && doc.pendingRollback?.toVersion === target.version) return rejectRollback(doc, actor, control, ctx);
      return reviewPolicy(doc, target.version, actor, { decision: req.action, comment: req.comment }, control, ctx);
    }
    case 'activate': {
      if (!target) return needVersion();
      // Rollback = activating an earlier version; it waits for a second person like any change.
      if (target.status === 'superseded') return requestRollback(doc, target.version, actor, req.reason ?? req.comment ?? '', control, ctx);
      return activatePolicy(doc, target.version, actor, control, ctx);
    }
    case 'rollback':
      if (!target) return needVersion();
      return requestRollback(doc, target.version, actor, req.reason ?? '', control, ctx);
    case 'approve_rollback':
      return approveRollback(doc, actor, control, ctx);
    case 'decline_new_defaults': {
      const issues: Issue[] = [];
      if (!req.declined?.length) issues.push({ path: 'declined', message: 'name the entries new in defaults to decline' });
      if (!req.reason?.trim()) issues.push({ path: 'reason', message: 'say why they are declined' });
      if (issues.length > 0) return { issues };
      return declineNewDefaults(doc, actor, { declined: req.declined!, reason: req.reason! }, control, ctx);
    }
    case 'undecline_new_defaults': {
      const issues: Issue[] = [];
      if (!req.undeclined?.length) issues.push({ path: 'undeclined', message: 'name the declined entries to take back' });
      if (!req.reason?.trim()) issues.push({ path: 'reason', message: 'say why the decline is taken back' });
      if (issues.length > 0) return { issues };
      return takeBackDecline(doc, actor, { undeclined: req.undeclined!, reason: req.reason! }, control, ctx);
    }
  }
}
