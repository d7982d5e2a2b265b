// One row of a `signet import` file judged on its own, pure: a CSV record (RFC 4180 quoting, `;`-separated
// groups) or a JSON Lines object becomes the body Graph's POST /users takes, checked by the same parser
// (parseUserCreate), plus the groups to join. The edge reads the file; this says what each row means.
import type { ErrorCode } from './errors.ts';
import { parseUserCreate, type UserCreate } from './graph-user.ts';

export type ImportRow =
  | { ok: true; user: UserCreate; groups: string[] }
  | { ok: false; code: ErrorCode; detail: Record<string, string>; userPrincipalName?: string };

/** The columns a CSV header may name (case-insensitively); userPrincipalName is required. */
export const IMPORT_COLUMNS = ['userPrincipalName', 'displayName', 'accountEnabled', 'groups', 'mailNickname'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

const invalidRow = (reason: string, field = ''): ImportRow => ({
  ok: false,
  code: 'IMPORT_ROW_INVALID',
  detail: { ...(field ? { field } : {}), reason },
});

/** True while `text` ends inside a quoted field: the record continues on the next line. */
export function csvRecordOpen(text: string): boolean {
  let quotes = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 34) quotes++;
  return quotes % 2 === 1;
}

/** The fields of one CSV record (RFC 4180: `"` quotes a field, `""` is a quote inside one). */
export function parseCsvRecord(text: string): { ok: true; fields: string[] } | { ok: false; reason: string } {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return { ok: false, reason: 'a quoted field is not closed' };
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < text.length && text[i] !== ',')
        return { ok: false, reason: 'text follows a closing quote; quote the whole field' };
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      value = text.slice(i, end);
      if (value.includes('"')) return { ok: false, reason: 'a quote inside an unquoted field; quote the whole field' };
      i = end;
    }
    fields.push(value);
    if (i >= text.length) return { ok: true, fields };
    i++; // the comma
  }
}

/**
 * The header row as canonical column names. A column Signet does not know is refused for the whole file, naming
 * it: every row would be refused for it otherwise.
 */
export function parseCsvHeader(
  fields: readonly string[],
): { ok: true; columns: ImportColumn[] } | { ok: false; code: ErrorCode; detail: Record<string, string> } {
  const columns: ImportColumn[] = [];
  for (const raw of fields) {
    const name = raw.trim();
    const column = IMPORT_COLUMNS.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!column)
      return {
        ok: false,
        code: 'IMPORT_FILE_INVALID',
        detail: {
          column: name,
          reason: `the header names a column Signet does not import (${name || 'an empty name'}); the columns are ${IMPORT_COLUMNS.join(', ')}`,
        },
      };
    if (columns.includes(column))
      return { ok: false, code: 'IMPORT_FILE_INVALID', detail: { column, reason: `the header names ${column} twice` } };
    columns.push(column);
  }
  if (!columns.includes('userPrincipalName'))
    return {
      ok: false,
      code: 'IMPORT_FILE_INVALID',
      detail: {
        reason: `the header must name a userPrincipalName column; the columns are ${IMPORT_COLUMNS.join(', ')}`,
      },
    };
  return { ok: true, columns };
}

// CSV has no booleans: true/false in any case; an empty or absent cell leaves the account enabled.
function csvBoolean(text: string): unknown {
  const t = text.trim().toLowerCase();
  if (t === '') return undefined;
  if (t === 'true') return true;
  if (t === 'false') return false;
  return text; // the parser refuses it, naming accountEnabled
}

/** A CSV record under `columns`: groups are `;`-separated display names or ids. */
export function importRowFromCsv(columns: readonly ImportColumn[], fields: readonly string[]): ImportRow {
  if (fields.length !== columns.length)
    return invalidRow(`${fields.length} fields where the header names ${columns.length} columns`);
  const body: Record<string, unknown> = {};
  let groups: string[] = [];
  columns.forEach((c, i) => {
    const cell = fields[i]!;
    if (c === 'groups') groups = cell.split(';');
    else if (c === 'accountEnabled') body.accountEnabled = csvBoolean(cell);
    else if (cell.trim() !== '' || c === 'userPrincipalName') body[c] = c === 'displayName' ? cell : cell.trim();
  });
  return judge(body, groups);
}

/** A JSON Lines row: one object; `groups` an array of display names or ids. */
export function importRowFromJson(line: string): ImportRow {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return invalidRow('the line is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return invalidRow('the line must be one JSON object');
  const { groups, ...body } = value as Record<string, unknown>;
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string')))
    return invalidRow('must be an array of group display names or ids', 'groups');
  return judge(body, (groups as string[] | undefined) ?? []);
}

function judge(body: Record<string, unknown>, groups: readonly string[]): ImportRow {
  // An import's users are enabled unless the row says otherwise (Graph's create requires the property).
  const withDefault = body.accountEnabled === undefined ? { ...body, accountEnabled: true } : body;
  const parsed = parseUserCreate(withDefault);
  if (!parsed.ok) {
    const upn = body.userPrincipalName;
    return typeof upn === 'string' && upn !== '' ? { ...parsed, userPrincipalName: upn } : parsed;
  }
  const names = [...new Set(groups.map((g) => g.trim()).filter((g) => g !== ''))];
  return { ok: true, user: parsed.value, groups: names };
}
