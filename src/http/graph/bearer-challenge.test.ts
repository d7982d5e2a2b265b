import { describe, expect, it } from 'vitest';
import { bearerChallenge } from './bearer-challenge.ts';

describe('bearerChallenge', () => {
  const realm = 'https://id.example/graph';
  it('names no error when no token was sent (RFC 6750 §3.1)', () => {
    expect(bearerChallenge('GRAPH_TOKEN_MISSING', realm)).toBe(`Bearer realm="${realm}"`);
  });
  it('asks for a fresh sign-in, not a new token, when the sign-in behind a valid token is too old (RFC 9470)', () => {
    const c = bearerChallenge('PASSKEY_STRONG_AUTH_REQUIRED', realm);
    expect(c).toContain('error="insufficient_user_authentication"');
    expect(c).toContain('max_age=300');
    expect(c).not.toContain('invalid_token');
  });
  it('says invalid_token for a token that is refused', () => {
    for (const code of ['GRAPH_TOKEN_INVALID', 'GRAPH_USER_DISABLED'] as const)
      expect(bearerChallenge(code, realm)).toBe(`Bearer realm="${realm}", error="invalid_token"`);
  });
});
