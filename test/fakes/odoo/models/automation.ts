import { accessError } from '../exceptions.js';
import type { Env, Orm, Row } from '../orm.js';

const RECORD_GETTER = "model.env[payload.get('_model')].browse(int(payload.get('_id')))";

/**
 * base.automation + webhook server actions, enough to replay the captured automation calls and to
 * answer `/web/hook/<uuid>`. The fake never sends the outbound webhooks these rules describe.
 */
export function defineAutomation(orm: Orm, opts: { newUuid: () => string; webBaseUrl: string }): void {
  orm.define({
    name: 'ir.model',
    displayName: (r) => String(r.name),
    fields: { name: { type: 'char', required: true }, model: { type: 'char', required: true } },
  });
  orm.define({
    name: 'ir.model.fields',
    displayName: (r) => String(r.name),
    fields: { name: { type: 'char', required: true }, model_id: { type: 'many2one', relation: 'ir.model' } },
  });
  orm.define({
    name: 'base.automation',
    displayName: (r) => String(r.name),
    fields: {
      name: { type: 'char', required: true },
      model_id: { type: 'many2one', relation: 'ir.model', required: true },
      model_name: { type: 'char', compute: (r, env) => env.orm.get('ir.model', r.model_id as number)?.model ?? false },
      trigger: { type: 'selection', required: true },
      trg_selection_field_id: { type: 'many2one', relation: 'ir.model.fields.selection' },
      action_server_ids: { type: 'one2many', relation: 'ir.actions.server', inverse: 'base_automation_id' },
      active: { type: 'boolean', default: () => true },
      filter_domain: { type: 'char' },
      filter_pre_domain: { type: 'char' },
      log_webhook_calls: { type: 'boolean', default: () => false },
      record_getter: { type: 'char', default: () => RECORD_GETTER },
      webhook_uuid: { type: 'char', default: () => opts.newUuid() },
      url: { type: 'char', compute: (r) => (r.trigger === 'on_webhook' ? `${opts.webBaseUrl}/web/hook/${r.webhook_uuid}` : false) },
    },
    checkCreate(env) {
      if (!isAdmin(env)) {
        throw accessError(
          "You are not allowed to create 'Automation Rule' (base.automation) records.\n\nThis operation is allowed for the following groups:\n\t- Role / Administrator\n\nContact your administrator to request access if necessary.",
        );
      }
    },
    afterCreate(r, env) {
      for (const a of env.orm.rows('ir.actions.server')) if (a.base_automation_id === r.id) a.usage = 'base_automation';
      // Odoo derives the domain of an on_state_set rule from the selected value.
      if (r.trigger === 'on_state_set' && r.filter_domain === undefined) r.filter_domain = "[('state', '=', 'sale')]";
    },
  });
  orm.define({
    name: 'ir.actions.server',
    displayName: (r) => String(r.name),
    fields: {
      name: { type: 'char', required: true },
      state: { type: 'selection', required: true },
      usage: { type: 'selection', default: () => 'ir_actions_server' },
      model_id: { type: 'many2one', relation: 'ir.model', required: true },
      webhook_url: { type: 'char' },
      webhook_field_ids: { type: 'many2many', relation: 'ir.model.fields' },
      webhook_sample_payload: { type: 'text', compute: (r, env) => samplePayload(r, env) },
      base_automation_id: { type: 'many2one', relation: 'base.automation' },
      code: { type: 'text' },
    },
  });
}

function isAdmin(env: Env): boolean {
  return env.orm.get('res.users', env.uid)?.is_admin === true;
}

/** Like Odoo: the last record of the model, its selected fields, keys sorted, indent 4 (json.dumps). */
function samplePayload(a: Row, env: Env): string | false {
  if (a.state !== 'webhook') return false;
  const model = env.orm.get('ir.model', a.model_id as number)?.model as string | undefined;
  if (!model || !env.orm.model(model)) return false;
  const last = env.orm.rows(model).sort((x, y) => y.id - x.id)[0];
  const names = ((a.webhook_field_ids as number[] | undefined) ?? []).map((id) => env.orm.get('ir.model.fields', id)?.name as string).filter(Boolean);
  const payload: Record<string, unknown> = { _action: `${a.name}(#${a.id})`, _id: last?.id ?? 1, _model: model, id: last?.id ?? 1 };
  for (const n of names) {
    const v = last ? env.orm.value(model, last, n, env) : false;
    payload[n] = v ?? false;
  }
  const sorted = Object.fromEntries(Object.entries(payload).sort(([x], [y]) => (x < y ? -1 : 1)));
  return JSON.stringify(sorted, null, 4);
}
