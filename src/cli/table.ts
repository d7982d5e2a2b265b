// What the list and show commands print for a person: a table with a header row (columns as wide as their
// widest cell), or `name: value` lines for one object. `--json` prints the same rows as data instead.
import { columns } from './runtime.ts';

export type Cell = string | number | boolean | null | undefined;

const text = (v: Cell) => (v === null || v === undefined || v === '' ? '-' : String(v));

/** A header row and one line per row; `empty` when there are no rows. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>, empty: string): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((r) => r.map(text));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** One object as aligned `name: value` lines. */
export function fields(entries: ReadonlyArray<readonly [string, Cell]>): string {
  return columns(
    entries.map(([k, v]) => [`${k}:`, text(v)] as const),
    '',
  ).join('\n');
}
