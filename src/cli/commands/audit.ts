import type { Command } from 'commander';
import { addStoreOptions, withApp, type StoreFlags } from '../context.js';
import { print } from '../output.js';
import { verifyAuditChain } from '../../engine/audit/verify.js';
import { longReads } from '../../store/long-reads.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');
  addStoreOptions(audit.command('verify').description('verify the hash chain; exits 3 when it is broken')).action(async (flags: StoreFlags) => {
    await withApp(flags, async (app) => {
      const v = await verifyAuditChain(longReads(app.store)); // the whole chain: no statement deadline
      print(Boolean(flags.json), v, () => (v.ok ? `ok: ${v.count} entries, head ${v.headHash}` : `BROKEN at entry ${v.firstBadSeq} (${v.reason}); ${v.count} entries verified before it`));
      if (!v.ok) process.exitCode = 3;
    });
  });
}
