import { describe, expect, it } from 'vitest';
import { challenge } from './challenge.ts';
import { parseChallenges, stepUpOf } from './parse-challenge.ts';

describe('stepUpOf (the client reading the challenge, RFC 9470 §4)', () => {
  it('reads acr_values and max_age from what challenge() writes', () => {
    const header = challenge({
      realm: 'orders',
      error: 'insufficient_user_authentication',
      description: 'A sign-in meeting phr is required',
      acrValues: ['phrh', 'phr'],
      maxAge: 300,
    });
    expect(stepUpOf(header)).toEqual({
      acrValues: ['phrh', 'phr'],
      maxAge: 300,
      scope: [],
      description: 'A sign-in meeting phr is required',
    });
  });

  it("reads RFC 9470's examples, max_age quoted or as a token, over folded lines", () => {
    expect(
      stepUpOf(
        'Bearer error="insufficient_user_authentication",\n  error_description="A different authentication level is required",\n  acr_values="myACR"',
      ),
    ).toMatchObject({ acrValues: ['myACR'], maxAge: undefined });
    expect(stepUpOf('Bearer error="insufficient_user_authentication", max_age="5"')).toMatchObject({ maxAge: 5 });
    expect(stepUpOf('bearer ERROR=insufficient_user_authentication, max_age=5')).toMatchObject({ maxAge: 5 });
  });

  it('finds the Bearer challenge among others, and ignores what is not a step-up', () => {
    const header =
      'Basic realm="x", DPoP algs="ES256 PS256", Negotiate abc==, Bearer realm="a\\"b", error="insufficient_user_authentication", acr_values="phr", scope="orders.write"';
    expect(parseChallenges(header).map((c) => c.scheme)).toEqual(['basic', 'dpop', 'negotiate', 'bearer']);
    expect(parseChallenges(header)[3]!.params.realm).toBe('a"b');
    expect(stepUpOf(header)).toMatchObject({ acrValues: ['phr'], scope: ['orders.write'] });
    expect(stepUpOf('Bearer error="invalid_token", error_description="The access token expired"')).toBeUndefined();
    expect(stepUpOf('Bearer realm="orders"')).toBeUndefined();
    expect(stepUpOf(null)).toBeUndefined();
  });

  it('guesses nothing from a broken header: an unterminated quote ends the reading, a bad max_age is absent', () => {
    expect(stepUpOf('Bearer error="insufficient_user_authentication", acr_values="phr')).toMatchObject({
      acrValues: [],
    });
    expect(stepUpOf('Bearer error="insufficient_user_authentication", max_age="-1"')).toMatchObject({
      maxAge: undefined,
    });
    expect(stepUpOf('Bearer error="insufficient_user_authentication", max_age="1e3"')?.maxAge).toBeUndefined();
  });
});
