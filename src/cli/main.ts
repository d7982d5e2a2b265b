// `signet`: one file per subcommand; this one only dispatches.
import { readFileSync } from 'node:fs';
import { SignetError } from '../core/errors.ts';
import { commands, findCommand, groupCommands, groups } from './commands.ts';
import { type Command, columns, refusalJson, refusalText, runCommand } from './runtime.ts';

/** How a newcomer runs Signet from the project directory: `signet` itself is not on PATH there. */
const RUN = 'npx signet';

function listing(list: readonly Command[]): string[] {
  return columns(list.map((c) => [`signet ${c.name}`, c.summary] as const));
}

function usage(): string {
  return [
    'Signet: passkey identity provider',
    '',
    `Usage: ${RUN} <command> [options]`,
    '',
    'Commands:',
    ...listing(commands),
    '',
    `Each takes --help and --json; ${RUN} --version prints the version.`,
  ].join('\n');
}

function groupUsage(word: string): string {
  return [
    `signet ${word}: ${groups[word] ?? word}`,
    '',
    `Usage: ${RUN} ${word} <command> [options]`,
    '',
    'Commands:',
    ...listing(groupCommands(word)),
    '',
    `Each takes --help and --json: ${RUN} ${groupCommands(word)[0]?.name} --help.`,
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function refuse(argv: readonly string[], err: SignetError, help: string): number {
  if (argv.includes('--json')) process.stdout.write(refusalJson(err));
  else process.stderr.write(`${refusalText(err)}\n${help}\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || (argv[0] === 'help' && argv.length === 1)) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(argv.includes('--json') ? `${JSON.stringify({ version: version() })}\n` : `${version()}\n`);
    return 0;
  }
  // `signet help tenant create` is `signet tenant create --help`.
  if (argv[0] === 'help') return main([...argv.slice(1), '--help']);
  const found = findCommand(argv);
  if (found) return runCommand(found.command, found.rest);
  const [word, sub] = argv;
  if (word && groupCommands(word).length > 0) {
    const wantsHelp = argv.includes('--help') || argv.includes('-h');
    // `signet tenant --help`: the group's subcommands; `signet tenant` alone: the same, as a usage mistake.
    if (sub === undefined || sub.startsWith('-')) {
      if (wantsHelp) {
        process.stdout.write(`${groupUsage(word)}\n`);
        return 0;
      }
      const names = groupCommands(word).map((c) => c.name.split(' ')[1]);
      const err = new SignetError('CLI_COMMAND_UNKNOWN', {
        command: word,
        reason: `signet ${word} needs a subcommand: ${names.join(', ')}`,
        remediation: `Run \`${RUN} ${word} --help\` for the commands of signet ${word}.`,
      });
      if (argv.includes('--json')) process.stdout.write(refusalJson(err));
      else process.stderr.write(`signet ${word} needs a subcommand.\n\n${groupUsage(word)}\n`);
      return 2;
    }
    return refuse(
      argv,
      new SignetError('CLI_COMMAND_UNKNOWN', {
        command: `${word} ${sub}`,
        reason: `there is no command "signet ${word} ${sub}"`,
        remediation: `Run \`${RUN} ${word} --help\` for the commands of signet ${word}.`,
      }),
      groupUsage(word),
    );
  }
  const words = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
  return refuse(
    argv,
    new SignetError('CLI_COMMAND_UNKNOWN', {
      command: words.join(' ') || argv[0]!,
      reason: `there is no command "signet ${words.join(' ') || argv[0]}"`,
      remediation: `Run \`${RUN} --help\` for the list of commands.`,
    }),
    usage(),
  );
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
