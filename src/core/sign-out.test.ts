import { describe, expect, it } from 'vitest';
import { logoutEndsSignetSession, providerSessionsToEnd } from './sign-out.ts';

describe('providerSessionsToEnd', () => {
  it('ends the provider sessions whose Signet sign-in has ended, and keeps those of a live one', () => {
    const sessions = [
      { id: 'ended', signetSession: 's1' },
      { id: 'other-browser', signetSession: 's2' },
      { id: 'never-confirmed' },
    ];
    expect(providerSessionsToEnd(sessions, ['s2'])).toEqual(['ended', 'never-confirmed']);
    expect(providerSessionsToEnd(sessions, [])).toEqual(['ended', 'other-browser', 'never-confirmed']);
  });
});

describe('logoutEndsSignetSession', () => {
  it('ends the Signet session of the user who signed out of the provider', () => {
    expect(logoutEndsSignetSession({ signOut: true, providerAccountId: 'a', signetUserId: 'a' })).toBe(true);
  });
  it('keeps the Signet session of another user: the provider logging out A while B signs in', () => {
    expect(logoutEndsSignetSession({ signOut: true, providerAccountId: 'a', signetUserId: 'b' })).toBe(false);
  });
  it('keeps it when the logout was never confirmed (no provider session) or only left one app', () => {
    expect(logoutEndsSignetSession({ signOut: true, signetUserId: 'a' })).toBe(false);
    expect(logoutEndsSignetSession({ signOut: false, providerAccountId: 'a', signetUserId: 'a' })).toBe(false);
    expect(logoutEndsSignetSession({ signOut: true, providerAccountId: 'a' })).toBe(false);
  });
});
