// Commands that name their object by position (`signet user show alice@contoso.com`) declare which option each
// position stands for; the words are turned into those options before the strict parse, so `--user alice@…`
// works too and a word too many is still refused as an unexpected argument.
import { parseArgs } from 'node:util';
import type { Command } from './runtime.ts';

export interface PositionalCommand extends Command {
  /** Option names, in order, that the leading words fill (`['group', 'user']` for `group add-member G U`). */
  positionals: readonly string[];
}

export function hasPositionals(c: Command): c is PositionalCommand {
  return Array.isArray((c as Partial<PositionalCommand>).positionals);
}

/** argv with its words moved into the options they stand for; the rest left for the strict parse to judge. */
export function positionalsToOptions(c: Command, argv: readonly string[]): string[] {
  if (!hasPositionals(c)) return [...argv];
  const options = Object.fromEntries(
    Object.entries(c.options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let tokens: ReturnType<typeof parseArgs>['tokens'];
  try {
    ({ tokens } = parseArgs({
      args: [...argv],
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: false,
      tokens: true,
    }));
  } catch {
    return [...argv];
  }
  const moved = new Set<number>();
  const added: string[] = [];
  let next = 0;
  for (const t of tokens ?? []) {
    if (t.kind !== 'positional' || next >= c.positionals.length) continue;
    moved.add(t.index);
    const name = `--${c.positionals[next++]}`;
    // `--user=-x`: a value that looks like an option is attached, or the strict parse would take it for one.
    added.push(...(t.value.startsWith('-') ? [`${name}=${t.value}`] : [name, t.value]));
  }
  return [...argv.filter((_, i) => !moved.has(i)), ...added];
}
