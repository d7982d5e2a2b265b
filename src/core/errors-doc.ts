import { errorCatalogue } from './errors.ts';

/** Renders the catalogue as docs/errors.md; a test keeps the file in step with the code. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Signet error codes',
    '',
    'Generated from `src/core/errors.ts` by `npm run docs:errors`; do not edit by hand.',
    'Every refusal carries one of these codes: in API errors, on pages, in the FIDO binding and in the sign-in log.',
    '',
    '| code | HTTP | what happened | what to do | where |',
    '|---|---|---|---|---|',
  ];
  for (const [code, e] of Object.entries(errorCatalogue)) {
    const cell = (s: string) => s.replaceAll('|', '\\|');
    lines.push(`| \`${code}\` | ${e.status} | ${cell(e.message)} | ${cell(e.remediation)} | ${cell(e.where)} |`);
  }
  return `${lines.join('\n')}\n`;
}
