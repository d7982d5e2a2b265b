// The command table: what `signet --help` lists and what the catalogue's remediations may name.
import { appCreateCommand, appGrantCommand, appRevokeCommand } from './app.ts';
import { appDeleteCommand, appListCommand, appShowCommand } from './app-admin.ts';
import { caListCommand, caWhatIfCommand } from './ca.ts';
import {
  groupAddMemberCommand,
  groupCreateCommand,
  groupDeleteCommand,
  groupListCommand,
  groupMembersCommand,
  groupRemoveMemberCommand,
  groupShowCommand,
} from './group.ts';
import { importCommand } from './import.ts';
import { initCommand } from './init.ts';
import { keysRotateCommand } from './keys.ts';
import { logAuditsCommand, logSignInsCommand } from './log.ts';
import { mdsAffectedCommand, mdsLoadCommand, mdsStatusCommand } from './mds.ts';
import { migrateCommand } from './migrate.ts';
import { passkeyDeleteCommand, passkeyListCommand } from './passkey.ts';
import { policySetCommand, policyShowCommand } from './policy.ts';
import { policyWhatIfCommand } from './policy-whatif.ts';
import { positionalsToOptions } from './positionals.ts';
import type { Command } from './runtime.ts';
import { serveCommand } from './serve.ts';
import { tapIssueCommand } from './tap.ts';
import { tapDeleteCommand, tapListCommand } from './tap-admin.ts';
import { tenantCreateCommand, tenantListCommand } from './tenant.ts';
import { userCreateCommand } from './user.ts';
import { userDeleteCommand, userListCommand, userShowCommand, userUpdateCommand } from './user-admin.ts';

export const commands: readonly Command[] = [
  initCommand,
  serveCommand,
  migrateCommand,
  tenantCreateCommand,
  tenantListCommand,
  userCreateCommand,
  userListCommand,
  userShowCommand,
  userUpdateCommand,
  userDeleteCommand,
  importCommand,
  groupCreateCommand,
  groupListCommand,
  groupShowCommand,
  groupDeleteCommand,
  groupMembersCommand,
  groupAddMemberCommand,
  groupRemoveMemberCommand,
  appCreateCommand,
  appListCommand,
  appShowCommand,
  appDeleteCommand,
  appGrantCommand,
  appRevokeCommand,
  tapIssueCommand,
  tapListCommand,
  tapDeleteCommand,
  passkeyListCommand,
  passkeyDeleteCommand,
  logSignInsCommand,
  logAuditsCommand,
  keysRotateCommand,
  policyShowCommand,
  policySetCommand,
  policyWhatIfCommand,
  caListCommand,
  caWhatIfCommand,
  mdsLoadCommand,
  mdsStatusCommand,
  mdsAffectedCommand,
];

/** What each group of two-word commands is about: `signet tenant` alone lists its subcommands. */
export const groups: Readonly<Record<string, string>> = {
  tenant: 'the tenants of this instance',
  user: 'the users of a tenant',
  group: 'the security groups of a tenant and their members',
  app: 'the OIDC apps of a tenant',
  tap: 'Temporary Access Passes',
  passkey: "the users' passkeys",
  log: 'the sign-in log and the audit log',
  keys: 'the token signing keys of the tenants',
  policy: 'the authentication methods policy of a tenant',
  ca: 'Conditional Access policies and What If',
  mds: 'the FIDO Metadata Service BLOB: authenticator models and their status reports',
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
  // `signet user show alice@contoso.com`: the words after the command fill the options it names for them.
  return command && { command, rest: positionalsToOptions(command, argv.slice(command.name.split(' ').length)) };
}
