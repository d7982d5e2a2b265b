import { describe, expect, it } from 'vitest';
import { allowedCeremonyOrigins, appCeremonyOrigins, judgeCeremonyOrigin } from './ceremony-origin.ts';

const facts = (appRedirectUris: string[] = []) => ({
  signetOrigin: 'https://login.contoso.com',
  rpId: 'contoso.com',
  appRedirectUris,
});
const codeOf = (origin: string, uris: string[] = []) => {
  const d = judgeCeremonyOrigin(origin, facts(uris));
  return d.ok ? 'allowed' : d.code;
};

describe('judgeCeremonyOrigin', () => {
  it("allows Signet's own origin, exactly", () => {
    expect(codeOf('https://login.contoso.com')).toBe('allowed');
  });

  it("allows the origin of a redirect URI registered to the calling app, and nothing else of the app's", () => {
    const uris = ['https://app.contoso.com/auth/callback', 'https://app.contoso.com:8443/cb'];
    expect(codeOf('https://app.contoso.com', uris)).toBe('allowed');
    expect(codeOf('https://app.contoso.com:8443', uris)).toBe('allowed');
    expect(codeOf('https://other.contoso.com', uris)).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
  });

  it('refuses look-alike origins: suffixes, prefixes, lookalike hosts, userinfo, trailing parts', () => {
    const uris = ['https://app.contoso.com/cb'];
    for (const o of [
      'https://app.contoso.com.evil.example',
      'https://evilapp.contoso.com',
      'https://app-contoso.com',
      'https://login.contoso.com.evil.example',
      'https://xlogin.contoso.com',
      'https://app.contoso.com/',
      'https://app.contoso.com/cb',
      'https://user@app.contoso.com',
      'https://APP.CONTOSO.COM',
      ' https://app.contoso.com',
      'https://app.contoso.com.',
      'null',
      '',
    ])
      expect(codeOf(o, uris), o).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
  });

  it('refuses another port or scheme of an allowed origin', () => {
    const uris = ['https://app.contoso.com/cb'];
    expect(codeOf('https://app.contoso.com:444', uris)).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
    expect(codeOf('https://app.contoso.com:443', uris)).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
    expect(codeOf('http://app.contoso.com', uris)).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
    expect(codeOf('http://login.contoso.com')).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
    expect(codeOf('https://login.contoso.com:8443')).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
    expect(codeOf('wss://app.contoso.com', uris)).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
  });

  it('names the refused origin, bounded', () => {
    const d = judgeCeremonyOrigin(`https://${'a'.repeat(300)}.example`, facts());
    expect(d).toMatchObject({ ok: false, detail: { origin: expect.stringMatching(/^https:\/\/a+$/) } });
    expect(d.ok ? '' : d.detail.origin).toHaveLength(200);
  });
});

describe('appCeremonyOrigins', () => {
  it('takes https redirect URIs under the RP ID, once each', () => {
    expect(
      appCeremonyOrigins(
        ['https://app.contoso.com/a', 'https://app.contoso.com/b', 'https://contoso.com/x'],
        'contoso.com',
      ),
    ).toEqual(['https://app.contoso.com', 'https://contoso.com']);
  });

  it('leaves out plain http (but for loopback hosts), custom schemes, other domains and garbage', () => {
    expect(
      appCeremonyOrigins(
        [
          'http://app.contoso.com/cb',
          'com.contoso.app://callback',
          'https://app.fabrikam.com/cb',
          'https://contoso.com.evil.example/cb',
          'not a url',
        ],
        'contoso.com',
      ),
    ).toEqual([]);
    expect(appCeremonyOrigins(['http://localhost:5173/cb', 'http://127.0.0.1:8080/cb'], 'localhost')).toEqual([
      'http://localhost:5173',
    ]);
    expect(appCeremonyOrigins(['http://127.0.0.1:8080/cb'], '127.0.0.1')).toEqual(['http://127.0.0.1:8080']);
  });

  it("puts Signet's origin first and never twice", () => {
    expect(allowedCeremonyOrigins(facts(['https://login.contoso.com/cb', 'https://app.contoso.com/cb']))).toEqual([
      'https://login.contoso.com',
      'https://app.contoso.com',
    ]);
  });
});
