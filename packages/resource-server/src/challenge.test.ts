import { describe, expect, it } from 'vitest';
import { challenge, descriptionText } from './challenge.ts';

describe('challenge', () => {
  it("writes RFC 9470 §3's acr_values example exactly", () => {
    expect(
      challenge({
        error: 'insufficient_user_authentication',
        description: 'A different authentication level is required',
        acrValues: ['myACR'],
      }),
    ).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    );
  });

  it("writes RFC 9470 §3's max_age example exactly, max_age quoted as there", () => {
    expect(
      challenge({
        error: 'insufficient_user_authentication',
        description: 'More recent authentication is required',
        maxAge: 5,
      }),
    ).toBe(
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
    );
  });

  it('puts several acr values in one quoted, space-separated string, beside max_age', () => {
    expect(
      challenge({
        error: 'insufficient_user_authentication',
        description: 'x',
        acrValues: ['phrh', 'phr'],
        maxAge: 300,
      }),
    ).toBe(
      'Bearer error="insufficient_user_authentication", error_description="x", acr_values="phrh phr", max_age="300"',
    );
  });

  it("writes RFC 6750 §3's examples: the bare realm, invalid_token, insufficient_scope with its scopes", () => {
    expect(challenge({ realm: 'example' })).toBe('Bearer realm="example"');
    expect(challenge({ realm: 'example', error: 'invalid_token', description: 'The access token expired' })).toBe(
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
    );
    expect(challenge({ error: 'insufficient_scope', scope: ['orders.read', 'orders.write'] })).toBe(
      'Bearer error="insufficient_scope", scope="orders.read orders.write"',
    );
    expect(challenge()).toBe('Bearer');
  });

  it('keeps every value inside its quotes: a description loses quotes, backslashes and line breaks', () => {
    expect(descriptionText('a "b" \\ c\r\nWWW-Authenticate: x é')).toBe('a ?b? ? c??WWW-Authenticate: x ?');
    expect(challenge({ realm: 'a"b\\c\nd' })).toBe('Bearer realm="a\\"b\\\\c?d"');
  });

  it('refuses an acr value or scope that cannot be sent, and a max_age that is not whole seconds', () => {
    expect(() => challenge({ acrValues: ['two words'] })).toThrow(TypeError);
    expect(() => challenge({ acrValues: ['q"uote'] })).toThrow(TypeError);
    expect(() => challenge({ scope: ['a\\b'] })).toThrow(TypeError);
    expect(() => challenge({ maxAge: -1 })).toThrow(TypeError);
    expect(() => challenge({ maxAge: 1.5 })).toThrow(TypeError);
    expect(challenge({ maxAge: 0 })).toBe('Bearer max_age="0"');
  });
});
