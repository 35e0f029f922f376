import { Command, type CommanderError } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerDemo } from './commands/demo.js';
import { registerMigrate } from './commands/migrate.js';
import { registerUsers } from './commands/users.js';
import { registerSources } from './commands/sources.js';
import { registerEvents } from './commands/events.js';
import { registerAudit } from './commands/audit.js';
import { registerPolicies } from './commands/policies.js';
import { registerImport } from './commands/import.js';
import { registerClassify } from './commands/classify.js';
import { registerAi } from './commands/ai.js';
import { registerIntegrations } from './commands/integrations.js';
import { registerReplenishment } from './commands/replenishment.js';
import { registerTransfers } from './commands/transfers.js';
import { registerReturns } from './commands/returns.js';
import { registerOrders } from './commands/orders.js';
import { registerCheck } from './commands/check.js';
import { usageErrorText } from './output.js';

/** Where commander's output and exits go: the process by default, a capture in tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Must not return: commander calls process.exit itself when the exit callback does. */
  exit(code: number): never;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/** `omniops users add`: the words that name a command, for the "see: … --help" hint. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's message without its "error: " prefix. Its help with exit 1 ('commander.help') has no
 * message: a group called without its command, or `omniops help <no such command>`.
 */
function messageOf(err: CommanderError, cmd: Command): string {
  if (err.code !== 'commander.help') return err.message.replace(/^error: /, '');
  const asked = cmd.args.find((a) => !a.startsWith('-') && a !== 'help');
  return asked !== undefined ? `unknown command '${asked}'` : `'${commandPath(cmd)}' needs a command: ${cmd.commands.map((c) => c.name()).join(', ')}`;
}

/** Every command of the tree, depth first (the root included). */
export function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c as Command))];
}

/**
 * The omniops command tree, not parsed. Commander's own usage errors (unknown option or command,
 * missing argument or mandatory option, too many arguments, a group without its command) leave as
 * E_USAGE, exit 2, like every other error of the CLI — never commander's bare "error: …", exit 1.
 * --help and --version stay exit 0 on stdout.
 */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command();
  program.name('omniops').description('operations control layer of an omnichannel retailer').version('0.1.0');

  // Help a group prints when called without its command goes to stderr: held until the E_USAGE line
  // is written, so the error comes first (text) or the help not at all (--json: one JSON line).
  let heldHelp = '';
  const onExit = (cmd: Command) => (err: CommanderError): never => {
    const help = heldHelp;
    heldHelp = '';
    // --help, --version, `omniops help`: commander wrote them to stdout; not an error.
    if (err.exitCode === 0) return io.exit(0);
    // rawArgs: the argv given to parse (set by commander on the root since v2, untyped); the tests
    // run both forms in process, so a commander without it fails them.
    const json = ((program as unknown as { rawArgs?: string[] }).rawArgs ?? process.argv).includes('--json');
    const path = commandPath(cmd);
    io.err(usageErrorText(messageOf(err, cmd), `${path} --help`, json, help));
    return io.exit(2);
  };

  // Before the register* calls: commander copies the exit callback and output configuration into
  // every command at creation, so subcommands (and theirs) inherit them.
  program.exitOverride(onExit(program));
  program.configureOutput({
    writeOut: (s) => io.out(s),
    writeErr: (s) => void (heldHelp += s),
    // The message is written by onExit, with its code; commander's "error: …" line is not.
    outputError: () => undefined,
  });

  registerServe(program);
  registerDemo(program);
  registerMigrate(program);
  registerUsers(program);
  registerSources(program);
  registerEvents(program);
  registerImport(program);
  registerAudit(program);
  registerPolicies(program);
  registerClassify(program);
  registerAi(program);
  registerIntegrations(program);
  registerReplenishment(program);
  registerTransfers(program);
  registerOrders(program);
  registerReturns(program);
  registerCheck(program);

  // The inherited callback knows only the root; each command's own names it in the hint.
  for (const cmd of allCommands(program)) cmd.exitOverride(onExit(cmd));
  return program;
}
