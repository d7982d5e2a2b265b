import { describe, expect, it } from 'vitest';
import { csvRecordOpen, importRowFromCsv, importRowFromJson, parseCsvHeader, parseCsvRecord } from './import-row.ts';

const COLUMNS = ['userPrincipalName', 'displayName', 'accountEnabled', 'groups'] as const;

describe('CSV records', () => {
  it('splits on commas, keeps quoted commas and doubled quotes, and keeps empty fields', () => {
    expect(parseCsvRecord('a,"b, c","say ""hi""",')).toEqual({ ok: true, fields: ['a', 'b, c', 'say "hi"', ''] });
    expect(parseCsvRecord('')).toEqual({ ok: true, fields: [''] });
  });

  it('refuses an unclosed quote, text after a closing quote and a stray quote', () => {
    expect(parseCsvRecord('"abc')).toMatchObject({ ok: false });
    expect(parseCsvRecord('"abc"d,e')).toMatchObject({ ok: false });
    expect(parseCsvRecord('ab"c,d')).toMatchObject({ ok: false });
  });

  it('says a record continues while a quoted field is open across lines', () => {
    expect(csvRecordOpen('a,"first line')).toBe(true);
    expect(csvRecordOpen('a,"first line\nsecond"')).toBe(false);
    expect(parseCsvRecord('a,"two\nlines"')).toEqual({ ok: true, fields: ['a', 'two\nlines'] });
  });
});

describe('the CSV header', () => {
  it('reads the columns case-insensitively as their Graph names', () => {
    expect(parseCsvHeader(['UserPrincipalName', ' displayname ', 'GROUPS'])).toEqual({
      ok: true,
      columns: ['userPrincipalName', 'displayName', 'groups'],
    });
  });

  it('refuses an unknown column by name, a column twice, and a header without userPrincipalName', () => {
    expect(parseCsvHeader(['userPrincipalName', 'surname'])).toMatchObject({
      ok: false,
      code: 'IMPORT_FILE_INVALID',
      detail: { column: 'surname' },
    });
    expect(parseCsvHeader(['userPrincipalName', 'upn', 'UserPrincipalName'])).toMatchObject({ ok: false });
    expect(parseCsvHeader(['userPrincipalName', 'userprincipalname'])).toMatchObject({ ok: false });
    expect(parseCsvHeader(['displayName'])).toMatchObject({ ok: false, code: 'IMPORT_FILE_INVALID' });
  });
});

describe('an import row', () => {
  it('becomes the POST /users body: enabled unless it says false, groups split on ; without blanks or repeats', () => {
    expect(importRowFromCsv(COLUMNS, ['a@contoso.com', 'Ann', '', 'Sales; Eng;;Sales'])).toEqual({
      ok: true,
      user: { userPrincipalName: 'a@contoso.com', displayName: 'Ann', accountEnabled: true },
      groups: ['Sales', 'Eng'],
    });
    expect(importRowFromCsv(COLUMNS, ['a@contoso.com', 'Ann', 'FALSE', ''])).toMatchObject({
      ok: true,
      user: { accountEnabled: false },
      groups: [],
    });
  });

  it('is refused by the same parser as POST /users, keeping the name it gave for the report', () => {
    expect(importRowFromCsv(COLUMNS, ['not-an-email', 'Ann', '', ''])).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'userPrincipalName' },
      userPrincipalName: 'not-an-email',
    });
    expect(importRowFromCsv(COLUMNS, ['a@contoso.com', '', '', ''])).toMatchObject({
      ok: false,
      detail: { field: 'displayName' },
    });
    expect(importRowFromCsv(COLUMNS, ['a@contoso.com', 'Ann', 'yes', ''])).toMatchObject({
      ok: false,
      detail: { field: 'accountEnabled' },
    });
  });

  it('refuses a CSV record whose field count is not the header’s', () => {
    expect(importRowFromCsv(COLUMNS, ['a@contoso.com', 'Ann'])).toMatchObject({
      ok: false,
      code: 'IMPORT_ROW_INVALID',
    });
  });

  it('reads a JSON line, its groups an array of strings; other lines and shapes are refused', () => {
    expect(
      importRowFromJson(
        '{"userPrincipalName":"a@contoso.com","displayName":"Ann","groups":["Sales"],"mailNickname":"ann"}',
      ),
    ).toEqual({
      ok: true,
      user: { userPrincipalName: 'a@contoso.com', displayName: 'Ann', accountEnabled: true, mailNickname: 'ann' },
      groups: ['Sales'],
    });
    expect(importRowFromJson('{"userPrincipalName":')).toMatchObject({ ok: false, code: 'IMPORT_ROW_INVALID' });
    expect(importRowFromJson('[1]')).toMatchObject({ ok: false, code: 'IMPORT_ROW_INVALID' });
    expect(importRowFromJson('{"userPrincipalName":"a@contoso.com","displayName":"A","groups":"Sales"}')).toMatchObject(
      { ok: false, code: 'IMPORT_ROW_INVALID', detail: { field: 'groups' } },
    );
    expect(importRowFromJson('{"userPrincipalName":"a@contoso.com","displayName":"A","id":"x"}')).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_READ_ONLY',
    });
    expect(importRowFromJson('{"userPrincipalName":"a@contoso.com","displayName":"A","surname":"B"}')).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
    });
  });
});
