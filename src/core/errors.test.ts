import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, generalErrors, isErrorCode, SignetError } from './errors.ts';
import { adminApiErrors } from './errors-admin-api.ts';
import { ceremonyErrors } from './errors-ceremonies.ts';
import { conditionalAccessErrors } from './errors-conditional-access.ts';
import { renderErrorsDoc } from './errors-doc.ts';
import { oneTimeCodeErrors } from './errors-one-time-codes.ts';
import { passwordErrors } from './errors-password.ts';
import { policyErrors } from './errors-policy.ts';
import { previewErrors } from './errors-preview.ts';
import { signInDecisionErrors } from './errors-sign-in-decision.ts';
import { strengthErrors } from './errors-strengths.ts';
import { tapErrors } from './errors-tap.ts';

describe('error catalogue', () => {
  it('gives every code a status, a message and a remediation', () => {
    for (const [code, e] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(e.status).toBeGreaterThanOrEqual(400);
      expect(e.message.length).toBeGreaterThan(10);
      expect(e.remediation.length).toBeGreaterThan(10);
    }
  });

  it('holds each code in exactly one part (a code repeated in another part would silently replace it)', () => {
    const parts = [
      generalErrors,
      ceremonyErrors,
      adminApiErrors,
      policyErrors,
      passwordErrors,
      oneTimeCodeErrors,
      tapErrors,
      previewErrors,
      conditionalAccessErrors,
      strengthErrors,
      signInDecisionErrors,
    ].map((p) => Object.keys(p));
    expect(parts.flat().length).toBe(Object.keys(errorCatalogue).length);
  });

  it('is rendered into docs/errors.md exactly (run npm run docs:errors after a change)', () => {
    const onDisk = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderErrorsDoc());
  });

  it('carries the code and status on a SignetError', () => {
    const e = new SignetError('PASSKEY_LIMIT_REACHED', { limit: '10' });
    expect([e.code, e.status, e.detail.limit]).toEqual(['PASSKEY_LIMIT_REACHED', 409, '10']);
    expect(isErrorCode('NOPE')).toBe(false);
  });
});
