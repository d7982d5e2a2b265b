import { describe, expect, it } from 'vitest';
import { SignetError } from '../../core/errors.ts';
import { DEFAULT_RATE_LIMITS, parseRateLimits, rateLimitClassOf } from './rate-limit.ts';

describe('SIGNET_RATE_LIMIT_SIGNIN and SIGNET_RATE_LIMIT_CEREMONY', () => {
  it('default to limits the passkey sign-in benchmark never reaches', () => {
    expect(parseRateLimits({})).toEqual(DEFAULT_RATE_LIMITS);
    // bench/passkey-signin.ts: about 1,000 sign-ins a second, two posts each, from one address.
    expect(DEFAULT_RATE_LIMITS.ceremony.perMinute / 60).toBeGreaterThanOrEqual(5 * 2000);
    expect(DEFAULT_RATE_LIMITS.ceremony.burst).toBeGreaterThanOrEqual(2 * 2000);
  });

  it('read "perMinute" or "perMinute:burst", and 0 for no limit', () => {
    expect(parseRateLimits({ SIGNET_RATE_LIMIT_SIGNIN: '30' }).signin).toEqual({ perMinute: 30, burst: 30 });
    expect(parseRateLimits({ SIGNET_RATE_LIMIT_CEREMONY: '600:50' }).ceremony).toEqual({ perMinute: 600, burst: 50 });
    expect(parseRateLimits({ SIGNET_RATE_LIMIT_SIGNIN: '0' }).signin.perMinute).toBe(0);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['ten', '-1', '10:0', '1.5', '10:']) {
      let err: unknown;
      try {
        parseRateLimits({ SIGNET_RATE_LIMIT_SIGNIN: bad });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(SignetError);
      expect((err as SignetError).code).toBe('CONFIG_INVALID');
      expect((err as SignetError).detail.variable).toBe('SIGNET_RATE_LIMIT_SIGNIN');
    }
  });
});

describe('which budget a request draws on', () => {
  it('puts guessable secrets on one, ceremonies and the token endpoint on another, pages on none', () => {
    expect(rateLimitClassOf('POST', '/:tenant/signin/password', '/t/signin/password')).toBe('signin');
    expect(rateLimitClassOf('POST', '/:tenant/signin/tap', '/t/signin/tap')).toBe('signin');
    expect(rateLimitClassOf('POST', '/:tenant/signin/second-factor', '/t/signin/second-factor')).toBe('signin');
    expect(rateLimitClassOf('POST', '/:tenant/signin/passkey/options', '/t/signin/passkey/options')).toBe('ceremony');
    expect(rateLimitClassOf('POST', '/:tenant/signin/passkey/verify', '/t/signin/passkey/verify')).toBe('ceremony');
    expect(rateLimitClassOf('POST', '/:tenant/oauth2/*', '/t/oauth2/v2.0/token')).toBe('ceremony');
    expect(rateLimitClassOf('POST', '/:tenant/oauth2/*', '/t/oauth2/v2.0/token?x=1')).toBe('ceremony');
    expect(rateLimitClassOf('GET', '/:tenant/oauth2/*', '/t/oauth2/v2.0/authorize')).toBeNull();
    expect(rateLimitClassOf('GET', '/:tenant/signin', '/t/signin')).toBeNull();
    expect(rateLimitClassOf('POST', '/:tenant/signout', '/t/signout')).toBeNull();
    expect(rateLimitClassOf('POST', undefined, '/nothing/here')).toBeNull();
  });
});
