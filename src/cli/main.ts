// `signet`: one file per subcommand; this one only dispatches.
import { SignetError } from '../core/errors.ts';
import { appCreateCommand } from './app.ts';
import { initCommand } from './init.ts';
import { migrateCommand } from './migrate.ts';
import { type Command, runCommand } from './runtime.ts';
import { serveCommand } from './serve.ts';
import { tapIssueCommand } from './tap.ts';
import { tenantCreateCommand } from './tenant.ts';
import { userCreateCommand } from './user.ts';

const commands: Command[] = [
  initCommand,
  serveCommand,
  migrateCommand,
  tenantCreateCommand,
  userCreateCommand,
  appCreateCommand,
  tapIssueCommand,
];

function usage(): string {
  return [
    'Signet: passkey identity provider',
    '',
    'Commands:',
    ...commands.map((c) => `  signet ${c.name.padEnd(16)}${c.summary}`),
    '',
    'Each takes --help and --json.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const two = argv.slice(0, 2).join(' ');
  const command = commands.find((c) => c.name === two) ?? commands.find((c) => c.name === argv[0]);
  if (!command) {
    process.stdout.write(`${usage()}\n`);
    return argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' ? 0 : 2;
  }
  return runCommand(command, argv.slice(command.name.split(' ').length));
}

try {
  const code = await main(process.argv.slice(2));
  if (code !== 0) process.exit(code);
} catch (err) {
  if (err instanceof SignetError && err.code === 'CONFIG_INVALID') {
    process.stderr.write(`error CONFIG_INVALID: ${err.detail.reason}\n`);
    process.exit(1);
  }
  throw err;
}
