import { describe, expect, it } from 'vitest';
import { type InteractionFacts, sessionSatisfiesInteraction } from './interaction.ts';

const now = Date.parse('2026-11-23T12:00:00Z');
const base: InteractionFacts = {
  expectedUid: 'u1',
  uid: 'u1',
  prompt: { name: 'login', reasons: ['no_session'] },
  startedAt: now / 1000 - 10,
};
const session = { userId: 'alice', authTime: now - 60_000 };

describe('whether a Signet session finishes an OIDC sign-in request', () => {
  it('finishes a plain login request with a live session', () => {
    expect(sessionSatisfiesInteraction(base, session, now)).toBe(true);
  });
  it('refuses another interaction than the one the page was opened for', () => {
    expect(sessionSatisfiesInteraction({ ...base, uid: 'u2' }, session, now)).toBe(false);
  });
  it('refuses when the id_token_hint names another account, or cannot be read', () => {
    expect(sessionSatisfiesInteraction({ ...base, hintSubject: 'bob' }, session, now)).toBe(false);
    expect(sessionSatisfiesInteraction({ ...base, hintSubject: null }, session, now)).toBe(false);
    expect(sessionSatisfiesInteraction({ ...base, hintSubject: 'alice' }, session, now)).toBe(true);
  });
  it('asks again for prompt=login unless the sign-in happened after the request began', () => {
    const fresh = { ...base, prompt: { name: 'login', reasons: ['login_prompt'] } };
    expect(sessionSatisfiesInteraction(fresh, session, now)).toBe(false);
    expect(sessionSatisfiesInteraction(fresh, { ...session, authTime: now - 1000 }, now)).toBe(true);
  });
  it('respects max_age: a sign-in older than it is not enough', () => {
    expect(sessionSatisfiesInteraction({ ...base, maxAgeSeconds: 30 }, session, now)).toBe(false);
    expect(sessionSatisfiesInteraction({ ...base, maxAgeSeconds: 120 }, session, now)).toBe(true);
  });
  it('refuses to consent for another account than the provider session holds, and any other prompt', () => {
    const consent = { ...base, prompt: { name: 'consent', reasons: ['op_scopes_missing'] } };
    expect(sessionSatisfiesInteraction({ ...consent, providerAccountId: 'bob' }, session, now)).toBe(false);
    expect(sessionSatisfiesInteraction({ ...consent, providerAccountId: 'alice' }, session, now)).toBe(true);
    expect(
      sessionSatisfiesInteraction({ ...base, prompt: { name: 'select_account', reasons: [] } }, session, now),
    ).toBe(false);
  });
});
