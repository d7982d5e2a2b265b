import { describe, expect, it } from 'vitest';
import { describeError, type ErrorCode, errorCatalogue } from '../core/errors.ts';
import { browserMessageTable, personMessage } from './messages.ts';

const codes = Object.keys(errorCatalogue) as ErrorCode[];
/** Words meant for a developer or an operator, never for a person at a page. */
const FOR_DEVELOPERS =
  /API documentation|Content-Type|application\/json|`|\bsignet (tenant|user|tap)\b|\{tenant\}|ERROR_[A-Z_]+|DOMException/;

describe('messages a person reads', () => {
  it('gives every catalogue code a sentence and keeps the code for the help desk', () => {
    for (const code of codes) {
      const m = personMessage(code);
      expect(m.code).toBe(code);
      expect(m.text.length).toBeGreaterThan(10);
      expect(m.text).toMatch(/[.!?]$/);
    }
  });

  it('says nothing in developer or operator words on a page', () => {
    // The codes a page can show, by the catalogue's own "where".
    const pageCodes = codes.filter((c) =>
      /page|sign-in|registration|every HTTP|every tenant|every interface/.test(describeError(c).where),
    );
    expect(pageCodes.length).toBeGreaterThan(30);
    for (const code of pageCodes) {
      const m = personMessage(code);
      expect({ code, words: `${m.text} ${m.remediation}` }).not.toEqual(
        expect.objectContaining({ words: expect.stringMatching(FOR_DEVELOPERS) }),
      );
    }
  });

  it('keeps the catalogue’s own words where they already suit a person', () => {
    const tap = describeError('TAP_INVALID');
    expect(personMessage('TAP_INVALID')).toEqual({
      text: tap.message,
      remediation: tap.remediation,
      code: 'TAP_INVALID',
    });
  });

  it('tells a person whose passkey is not the typed account’s to check the name, never to remove the passkey', () => {
    const m = personMessage('SIGNIN_PASSKEY_NOT_FOR_ACCOUNT');
    expect(m).toMatchObject({
      text: 'This passkey is not for the account you entered.',
      code: 'SIGNIN_PASSKEY_NOT_FOR_ACCOUNT',
    });
    expect(m.remediation).toContain('Check the username you typed');
    // The page's own button for a sign-in without a name (an empty name there only says "Enter your username").
    expect(m.remediation).toContain('Use a passkey from another device or a security key');
    expect(`${m.text} ${m.remediation}`).not.toMatch(/remove|delete|register a new/i);
  });

  it('names the field: "Enter your username", "the name is empty"', () => {
    expect(personMessage('REQUEST_INVALID', { field: 'username', problem: 'missing' })).toEqual({
      text: 'Enter your username.',
      remediation: '',
      code: 'REQUEST_INVALID',
    });
    expect(personMessage('REQUEST_INVALID', { field: 'pass', problem: 'missing' }).text).toBe(
      'Enter your Temporary Access Pass.',
    );
    expect(personMessage('PASSKEY_NAME_INVALID', { field: 'displayName', problem: 'missing' }).text).toBe(
      'The name is empty. Enter a name for the passkey.',
    );
    expect(personMessage('PASSKEY_NAME_INVALID', { field: 'displayName', problem: 'tooLong' }).text).toBe(
      'The name is too long: use at most 64 characters.',
    );
    // A field with no words of its own falls back to the code's page words, not the API remediation.
    const other = personMessage('REQUEST_INVALID', { field: 'somethingElse', problem: 'invalid' });
    expect(other.remediation).toBe('Check what you entered and try again.');
  });

  it('serves the scripts the same words, and plain sentences for the browser’s own passkey errors', () => {
    const t = browserMessageTable();
    for (const code of codes) expect(t.codes[code]).toEqual(personMessage(code));
    expect(t.fields['REQUEST_INVALID:username']?.missing).toBe('Enter your username.');
    expect(t.browser.ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED).toEqual({
      text: 'This device already has a passkey for your account.',
      remediation: 'Use that passkey to sign in, or add a passkey on another device or security key.',
      code: 'PASSKEY_ALREADY_REGISTERED',
    });
    expect(t.browser.InvalidStateError).toEqual(t.browser.ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED);
    expect(t.browser.NotAllowedError?.text).toBe('The passkey request was closed or timed out, so nothing changed.');
    for (const [key, m] of Object.entries(t.browser)) {
      expect({ key, words: `${m.text} ${m.remediation}` }).not.toEqual(
        expect.objectContaining({ words: expect.stringMatching(FOR_DEVELOPERS) }),
      );
      if (m.code) expect(codes).toContain(m.code);
    }
  });
});
