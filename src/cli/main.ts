// `signet`: one file per subcommand; this one only dispatches.
import { describeError, SignetError } from '../core/errors.ts';
import { commands, findCommand } from './commands.ts';
import { refusalText, runCommand } from './runtime.ts';

function usage(): string {
  return [
    'Signet: passkey identity provider',
    '',
    'Usage: signet <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  signet ${c.name.padEnd(16)}${c.summary}`),
    '',
    'Each takes --help and --json.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (found) return runCommand(found.command, found.rest);
  const words = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
  const err = new SignetError('CLI_COMMAND_UNKNOWN', {
    command: words.join(' ') || argv[0]!,
    reason: `there is no command "signet ${words.join(' ') || argv[0]}"; run signet --help for the list`,
  });
  if (argv.includes('--json')) {
    const e = describeError(err.code);
    process.stdout.write(
      `${JSON.stringify({ error: { code: err.code, message: e.message, remediation: e.remediation, detail: err.detail } })}\n`,
    );
  } else process.stderr.write(`${refusalText(err)}\n${usage()}\n`);
  return 2;
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
