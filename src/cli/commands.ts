// The command table: what `signet --help` lists and what the catalogue's remediations may name.
import { appCreateCommand, appGrantCommand, appRevokeCommand } from './app.ts';
import { initCommand } from './init.ts';
import { keysRotateCommand } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import type { Command } from './runtime.ts';
import { serveCommand } from './serve.ts';
import { tapIssueCommand } from './tap.ts';
import { tenantCreateCommand, tenantListCommand } from './tenant.ts';
import { userCreateCommand } from './user.ts';

export const commands: readonly Command[] = [
  initCommand,
  serveCommand,
  migrateCommand,
  tenantCreateCommand,
  tenantListCommand,
  userCreateCommand,
  appCreateCommand,
  appGrantCommand,
  appRevokeCommand,
  tapIssueCommand,
  keysRotateCommand,
];

/** What each group of two-word commands is about: `signet tenant` alone lists its subcommands. */
export const groups: Readonly<Record<string, string>> = {
  tenant: 'the tenants of this instance',
  user: 'the users of a tenant',
  app: 'the OIDC apps of a tenant',
  tap: 'Temporary Access Passes',
  keys: 'the token signing keys of the tenants',
};

/** The subcommands of a group (`tenant` → tenant create, tenant list); empty for a word that is not a group. */
export function groupCommands(word: string): Command[] {
  return commands.filter((c) => c.name.startsWith(`${word} `));
}

/** Options `signet` itself answers without a command. */
export const globalOptions: readonly string[] = ['--help', '-h', '--version'];

/** The command named by the first words of argv (two-word commands first), and the arguments after it. */
export function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(' ');
  const command = commands.find((c) => c.name === two) ?? commands.find((c) => c.name === argv[0]);
  return command && { command, rest: argv.slice(command.name.split(' ').length) };
}
