// The FIDO2 server conformance binding (SPEC §3; security-tests.md §1.1–1.3, FC-Q1..Q6): the request and
// response shapes the FIDO Alliance's conformance tools exercise, driven over HTTP against a conformance tenant
// with the software authenticator. Options and results are tied together by the binding's cookie.
import { randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, isErrorCode } from '../../src/core/errors.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  type AssertionMutation,
  type AttestationKind,
  type AuthenticationOptionsLike,
  COSE_ALG,
  type RegistrationMutation,
  type RegistrationOptionsLike,
  SoftAuthenticator,
  type SoftAuthenticatorOptions,
} from '../support/soft-authenticator.ts';

type UV = 'required' | 'preferred' | 'discouraged';

interface Reply {
  status: number;
  text: string;
  json: Record<string, unknown>;
  setCookies: string[];
}

/** A browser of the conformance tools: it keeps the cookies the server sets and sends them back. */
class Browser {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async post(path: string, body: unknown, opts: { cookie?: string; raw?: string; type?: string } = {}): Promise<Reply> {
    const cookie = opts.cookie ?? this.cookieHeader;
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: {
        'content-type': opts.type ?? 'application/json',
        ...(cookie ? { cookie } : {}),
      },
      body: opts.raw ?? JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: left empty, the assertions say so
    }
    const setCookies = res.headers.getSetCookie();
    if (opts.cookie === undefined)
      for (const c of setCookies) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
    return { status: res.status, text, json, setCookies };
  }
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const unb64 = (s: string): Buffer => Buffer.from(s, 'base64url');
const isB64url = (s: unknown): s is string => typeof s === 'string' && /^[A-Za-z0-9_-]+$/.test(s);

function expectOk(r: Reply, what = ''): void {
  expect(r.status, `${what} ${r.text}`).toBe(200);
  expect(r.json.status, what).toBe('ok');
  expect(r.json.errorMessage, what).toBe('');
}

/** A FIDO failure: HTTP 4xx, status "failed", a non-empty errorMessage that starts with a catalogue code. */
function expectFailed(r: Reply, code?: ErrorCode | ErrorCode[], what = ''): void {
  expect(r.status, `${what} ${r.text}`).toBeGreaterThanOrEqual(400);
  expect(r.status, `${what} ${r.text}`).toBeLessThan(500);
  expect(r.json.status, `${what} ${r.text}`).toBe('failed');
  expect(typeof r.json.errorMessage, what).toBe('string');
  expect((r.json.errorMessage as string).length, what).toBeGreaterThan(0);
  const got = (r.json.errorMessage as string).split(':')[0];
  expect(isErrorCode(got), `${what} ${r.text}`).toBe(true);
  if (code !== undefined) expect(Array.isArray(code) ? code : [code], `${what} ${r.text}`).toContain(got);
}

describe.each(engines)('FIDO2 conformance binding on %s', (engine) => {
  let server: TestServer;
  let conf: Tenant;
  let ordinary: Tenant;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    conf = await createTenant(server.ctx, { slug: 'conformance', conformance: true });
    ordinary = await createTenant(server.ctx, { slug: 'ordinary' });
  });
  afterAll(() => server.close());

  const fido = (p: string) => `/${conf.slug}/fido2/${p}`;
  const browser = () => new Browser(server.url);
  const username = () => `user${++n}-${randomBytes(3).toString('hex')}@example.com`;

  async function attestationOptions(b: Browser, body: Record<string, unknown>): Promise<Reply> {
    return b.post(fido('attestation/options'), body);
  }

  /** attestation/options then the authenticator's response, optionally changed, posted to attestation/result. */
  async function register(
    b: Browser,
    name: string,
    auth: SoftAuthenticator,
    p: {
      attestation?: AttestationKind;
      request?: Record<string, unknown>;
      mutate?: RegistrationMutation;
      after?: (c: RegistrationResponseJSON) => void;
      cookie?: string;
    } = {},
  ) {
    const o = await attestationOptions(b, {
      username: name,
      displayName: 'Conformance User',
      attestation: p.attestation === undefined || p.attestation === 'none' ? 'none' : 'direct',
      authenticatorSelection: { userVerification: 'preferred' },
      ...p.request,
    });
    expectOk(o, 'attestation options');
    const credential = await auth.register(o.json as unknown as RegistrationOptionsLike, {
      origin: server.url,
      attestation: p.attestation,
      mutate: p.mutate,
    });
    p.after?.(credential);
    const r = await b.post(fido('attestation/result'), credential, { cookie: p.cookie });
    return { options: o, credential, reply: r };
  }

  async function assertionOptions(b: Browser, body: Record<string, unknown>): Promise<Reply> {
    return b.post(fido('assertion/options'), body);
  }

  async function authenticate(
    b: Browser,
    name: string,
    auth: SoftAuthenticator,
    p: {
      userVerification?: UV;
      mutate?: AssertionMutation;
      after?: (c: AuthenticationResponseJSON) => void;
      cookie?: string;
    } = {},
  ) {
    const o = await assertionOptions(b, { username: name, userVerification: p.userVerification ?? 'preferred' });
    expectOk(o, 'assertion options');
    const assertion = await auth.authenticate(o.json as unknown as AuthenticationOptionsLike, {
      origin: server.url,
      mutate: p.mutate,
    });
    p.after?.(assertion);
    const r = await b.post(fido('assertion/result'), assertion, { cookie: p.cookie });
    return { options: o, assertion, reply: r };
  }

  /** A registered user of the conformance tenant and the browser and authenticator that registered it. */
  async function registered(opts: SoftAuthenticatorOptions = {}) {
    const b = browser();
    const name = username();
    const auth = new SoftAuthenticator(opts);
    const { reply, credential } = await register(b, name, auth);
    expectOk(reply, 'registration');
    return { b, name, auth, credentialId: credential.id };
  }

  // -------------------------------------------------------------------------------------------------------------
  describe('ServerPublicKeyCredentialCreationOptions Req-1', () => {
    it('P-1: well-formed options, with rp, user, challenge, algorithms and the extensions echoed (FC-Q3, FC-Q4)', async () => {
      const name = username();
      const extensions = { 'example.extension': true };
      const r = await attestationOptions(browser(), {
        username: name,
        displayName: 'John Doe',
        authenticatorSelection: {
          requireResidentKey: false,
          authenticatorAttachment: 'cross-platform',
          userVerification: 'preferred',
        },
        attestation: 'direct',
        extensions,
      });
      expectOk(r);
      const o = r.json as {
        rp: { id: string; name: string };
        user: { id: string; name: string; displayName: string };
        challenge: string;
        pubKeyCredParams: Array<{ type: string; alg: number }>;
        timeout?: number;
        excludeCredentials: unknown[];
        attestation: string;
        extensions: unknown;
        authenticatorSelection: Record<string, unknown>;
      };
      expect(o.rp.id).toBe('localhost');
      expect(new URL(server.url).hostname.endsWith(o.rp.id)).toBe(true);
      expect(typeof o.rp.name).toBe('string');
      expect(o.rp.name.length).toBeGreaterThan(0);
      expect(o.user.name).toBe(name);
      expect(o.user.displayName).toBe('John Doe');
      expect(isB64url(o.user.id)).toBe(true);
      const userId = unb64(o.user.id);
      expect(userId.length).toBeGreaterThan(0);
      expect(userId.length).toBeLessThanOrEqual(64);
      expect(isB64url(o.challenge)).toBe(true);
      expect(unb64(o.challenge).length).toBeGreaterThanOrEqual(16);
      expect(unb64(o.challenge).length).toBeLessThanOrEqual(64);
      expect(Array.isArray(o.pubKeyCredParams)).toBe(true);
      for (const p of o.pubKeyCredParams) {
        expect(p.type).toBe('public-key');
        expect(typeof p.alg).toBe('number');
      }
      const algs = o.pubKeyCredParams.map((p) => p.alg);
      for (const alg of [COSE_ALG.ES256, COSE_ALG.RS256, COSE_ALG.EdDSA, COSE_ALG.RS1]) expect(algs).toContain(alg);
      if (o.timeout !== undefined) {
        expect(typeof o.timeout).toBe('number');
        expect(o.timeout).toBeGreaterThan(0);
      }
      expect(o.excludeCredentials).toEqual([]);
      expect(o.attestation).toBe('direct');
      expect(o.extensions).toEqual(extensions);
      expect(o.authenticatorSelection).toMatchObject({ userVerification: 'preferred' });
    });

    it('P-2: attestation "none" is answered with attestation "none"', async () => {
      const r = await attestationOptions(browser(), { username: username(), displayName: 'A', attestation: 'none' });
      expectOk(r);
      expect(r.json.attestation).toBe('none');
    });

    it('P-3: two requests yield two different challenges', async () => {
      const b = browser();
      const name = username();
      const a = await attestationOptions(b, { username: name, displayName: 'A' });
      const c = await attestationOptions(b, { username: name, displayName: 'A' });
      expectOk(a);
      expectOk(c);
      expect(a.json.challenge).not.toBe(c.json.challenge);
      // The same user keeps the same opaque handle.
      expect((a.json.user as { id: string }).id).toBe((c.json.user as { id: string }).id);
    });

    it('refuses a request without a username, or with wrong types, as failed', async () => {
      expectFailed(await attestationOptions(browser(), { displayName: 'A' }), 'REQUEST_INVALID');
      expectFailed(await attestationOptions(browser(), { username: 42, displayName: 'A' }), 'REQUEST_INVALID');
      expectFailed(
        await attestationOptions(browser(), { username: username(), displayName: 'A', attestation: 'bogus' }),
        'REQUEST_INVALID',
      );
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('ServerAuthenticatorAttestationResponse', () => {
    const formats: Array<[string, SoftAuthenticatorOptions, AttestationKind, UV?]> = [
      ['none, ES256', {}, 'none'],
      ['packed self, ES256', {}, 'packed-self'],
      ['packed x5c (full)', {}, 'packed-x5c'],
      ['fido-u2f (no user verification)', { userVerification: false }, 'fido-u2f', 'discouraged'],
      ['packed self, RS256 (Resp-4 P-5)', { alg: 'RS256' }, 'packed-self'],
      ['packed self, EdDSA (Resp-4 P-12)', { alg: 'EdDSA' }, 'packed-self'],
      ['packed self, RS1 (Resp-4 P-8, FC-Q2)', { alg: 'RS1' }, 'packed-self'],
      ['none, RS1', { alg: 'RS1' }, 'none'],
    ];

    it.each(formats)(
      'P-1: registers %s, then excludeCredentials carries it (Resp-1 P-1)',
      async (_, opts, kind, uv) => {
        const b = browser();
        const name = username();
        const auth = new SoftAuthenticator(opts);
        const { reply, credential } = await register(b, name, auth, {
          attestation: kind,
          request: uv ? { authenticatorSelection: { userVerification: uv } } : {},
        });
        expectOk(reply, 'result');
        expect(Object.keys(reply.json).sort()).toEqual(['errorMessage', 'status']);

        const again = await attestationOptions(b, { username: name, displayName: 'Conformance User' });
        expectOk(again);
        const exclude = again.json.excludeCredentials as Array<{ type: string; id: string }>;
        expect(exclude.length).toBeGreaterThan(0);
        expect(exclude).toContainEqual(expect.objectContaining({ type: 'public-key', id: credential.id }));
        // And it can sign in.
        const { reply: signIn } = await authenticate(b, name, auth);
        expectOk(signIn, 'assertion after registration');
      },
    );

    it('Resp-3 P-1: "packed" with authData extensions and the ED flag is accepted', async () => {
      const { reply } = await register(browser(), username(), new SoftAuthenticator(), {
        attestation: 'packed-self',
        mutate: { extensionData: { credProtect: 1 } },
      });
      expectOk(reply);
    });

    it('RS1 is a conformance quirk only: an ordinary tenant neither offers nor accepts it (FC-Q2)', async () => {
      const user = await createUser(server.ctx, ordinary, { userPrincipalName: username() });
      const { pass } = await issueTap(server.ctx, ordinary, user, { actor: { type: 'system', id: null } });
      const b = browser();
      const tap = await b.post(`/${ordinary.slug}/signin/tap`, { username: user.userPrincipalName, pass });
      expect(tap.status, tap.text).toBe(200);
      expect(b.cookies.has(sessionCookieName(server.ctx.config, ordinary))).toBe(true);
      for (const kind of ['packed-self', 'none'] as const) {
        const o = await b.post(`/${ordinary.slug}/account/passkeys/options`, undefined, { raw: '{}' });
        expect(o.status, o.text).toBe(200);
        const algs = (o.json.pubKeyCredParams as Array<{ alg: number }>).map((p) => p.alg);
        expect(algs).not.toContain(COSE_ALG.RS1);
        const credential = await new SoftAuthenticator({ alg: 'RS1' }).register(
          o.json as unknown as RegistrationOptionsLike,
          { origin: server.url, attestation: kind },
        );
        const r = await b.post(`/${ordinary.slug}/account/passkeys/verify`, { credential });
        expect(r.status, r.text).toBe(400);
        expect((r.json.error as { code: string }).code, kind).toBe('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
      }
      // The ordinary tenant still registers an ES256 passkey (the refusal was the algorithm).
      const o = await b.post(`/${ordinary.slug}/account/passkeys/options`, undefined, { raw: '{}' });
      const credential = await new SoftAuthenticator().register(o.json as unknown as RegistrationOptionsLike, {
        origin: server.url,
      });
      const ok = await b.post(`/${ordinary.slug}/account/passkeys/verify`, { credential });
      expect(ok.status, ok.text).toBe(201);
    });

    it('a replayed result and a credential id registered twice are refused', async () => {
      const b = browser();
      const name = username();
      const auth = new SoftAuthenticator();
      const { reply, credential } = await register(b, name, auth);
      expectOk(reply);
      expectFailed(await b.post(fido('attestation/result'), credential), 'WEBAUTHN_CHALLENGE_UNKNOWN', 'replay');
      const { reply: twice } = await register(b, name, new SoftAuthenticator(), {
        mutate: { credentialId: unb64(credential.id) },
      });
      expectFailed(twice, 'PASSKEY_ALREADY_REGISTERED', 'same credential id');
    });

    // Resp-1: structure. Each case starts from a valid response to fresh options.
    type Change = (c: Record<string, unknown> & { response: Record<string, unknown> }) => void;
    const structure: Array<[string, Change]> = [
      ['F-1 id missing', (c) => delete c.id],
      ['F-2 id not a string', (c) => (c.id = 12345)],
      ['F-3 id not base64url', (c) => (c.id = 'a+b/c==')],
      ['F-4 type missing', (c) => delete c.type],
      ['F-5 type not a string', (c) => (c.type = 7)],
      ['F-6 type not "public-key"', (c) => (c.type = 'private-key')],
      ['F-7 response missing', (c) => delete (c as Record<string, unknown>).response],
      ['F-8 response not an object', (c) => ((c as Record<string, unknown>).response = 'response')],
      ['F-9 clientDataJSON missing', (c) => delete c.response.clientDataJSON],
      ['F-10 clientDataJSON not a string', (c) => (c.response.clientDataJSON = { type: 'webauthn.create' })],
      ['F-11 clientDataJSON empty', (c) => (c.response.clientDataJSON = '')],
      ['F-12 attestationObject missing', (c) => delete c.response.attestationObject],
      ['F-13 attestationObject not a string', (c) => (c.response.attestationObject = 99)],
      ['F-14 attestationObject empty', (c) => (c.response.attestationObject = '')],
    ];

    it.each(structure)(
      'Resp-1 %s: failed, and the untouched response still registers afterwards',
      async (_, change) => {
        const b = browser();
        const name = username();
        const o = await attestationOptions(b, { username: name, displayName: 'A' });
        expectOk(o);
        const credential = await new SoftAuthenticator().register(o.json as unknown as RegistrationOptionsLike, {
          origin: server.url,
        });
        const broken = structuredClone(credential) as unknown as Parameters<Change>[0];
        change(broken);
        expectFailed(await b.post(fido('attestation/result'), broken), 'WEBAUTHN_RESPONSE_MALFORMED');
        expectOk(await b.post(fido('attestation/result'), credential), 'the untouched response');
      },
    );

    // Resp-2: CollectedClientData.
    const clientData: Array<[string, (cd: Record<string, unknown>) => Record<string, unknown>, ErrorCode]> = [
      ['F-1 type missing', ({ type: _, ...cd }) => cd, 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-2 type not a string', (cd) => ({ ...cd, type: 1 }), 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-3 type empty', (cd) => ({ ...cd, type: '' }), 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-4 type "webauthn.get"', (cd) => ({ ...cd, type: 'webauthn.get' }), 'WEBAUTHN_TYPE_MISMATCH'],
      ['F-5 type "webauthn.evil"', (cd) => ({ ...cd, type: 'webauthn.evil' }), 'WEBAUTHN_TYPE_MISMATCH'],
      ['F-6 challenge missing', ({ challenge: _, ...cd }) => cd, 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-7 challenge not a string', (cd) => ({ ...cd, challenge: 5 }), 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-8 challenge empty', (cd) => ({ ...cd, challenge: '' }), 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-9 challenge not base64url', (cd) => ({ ...cd, challenge: 'a+b/c==' }), 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-10 challenge wrong', (cd) => ({ ...cd, challenge: b64(randomBytes(32)) }), 'WEBAUTHN_CHALLENGE_UNKNOWN'],
      ['F-11 origin missing', ({ origin: _, ...cd }) => cd, 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-12 origin not a string', (cd) => ({ ...cd, origin: [] }), 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-13 origin empty', (cd) => ({ ...cd, origin: '' }), 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-14 origin wrong', (cd) => ({ ...cd, origin: 'https://evil.example' }), 'WEBAUTHN_ORIGIN_MISMATCH'],
      ['F-14 origin a look-alike port', (cd) => ({ ...cd, origin: 'http://localhost:1' }), 'WEBAUTHN_ORIGIN_MISMATCH'],
      [
        'F-15 tokenBinding not an object',
        (cd) => ({ ...cd, tokenBinding: 'present' }),
        'WEBAUTHN_TOKEN_BINDING_INVALID',
      ],
      ['F-16 tokenBinding without status', (cd) => ({ ...cd, tokenBinding: {} }), 'WEBAUTHN_TOKEN_BINDING_INVALID'],
      [
        'F-17 tokenBinding invalid status',
        (cd) => ({ ...cd, tokenBinding: { status: 'invalid' } }),
        'WEBAUTHN_TOKEN_BINDING_INVALID',
      ],
      [
        'FC-Q5 tokenBinding "present"',
        (cd) => ({ ...cd, tokenBinding: { status: 'present', id: 'abc' } }),
        'WEBAUTHN_TOKEN_BINDING_INVALID',
      ],
    ];

    it.each(clientData)('Resp-2 %s: failed', async (_, change, code) => {
      const { reply } = await register(browser(), username(), new SoftAuthenticator(), {
        mutate: { clientData: change },
      });
      expectFailed(reply, code);
    });

    it('Resp-2: tokenBinding with status "supported" is accepted (FC-Q5)', async () => {
      const { reply } = await register(browser(), username(), new SoftAuthenticator(), {
        mutate: { clientData: (cd) => ({ ...cd, tokenBinding: { status: 'supported' } }) },
      });
      expectOk(reply);
    });

    it('Resp-3 F-1: an attestationObject that is not a CBOR map is failed', async () => {
      for (const bytes of [isoCBOR.encode([1, 2, 3]), isoCBOR.encode('fmt'), randomBytes(40)]) {
        const { reply } = await register(browser(), username(), new SoftAuthenticator(), {
          mutate: { attestationObject: b64(bytes) },
        });
        expectFailed(reply, ['WEBAUTHN_RESPONSE_MALFORMED', 'WEBAUTHN_ATTESTATION_INVALID']);
      }
    });

    it('Resp-3 F-12: trailing bytes after the attested credential data are failed', async () => {
      for (const kind of ['none', 'packed-self'] as const) {
        const { reply } = await register(browser(), username(), new SoftAuthenticator(), {
          attestation: kind,
          mutate: { trailingBytes: 8 },
        });
        expectFailed(reply, ['WEBAUTHN_RESPONSE_MALFORMED', 'WEBAUTHN_ATTESTATION_INVALID'], kind);
      }
    });

    it('Resp-3 F-10/F-11: no attested credential data, or AT set without it, is failed', async () => {
      const without = await register(browser(), username(), new SoftAuthenticator(), {
        mutate: { omitAttestedCredentialData: true, flags: { at: false } },
      });
      expectFailed(without.reply);
      const atOnly = await register(browser(), username(), new SoftAuthenticator(), {
        mutate: { omitAttestedCredentialData: true, flags: { at: true } },
      });
      expectFailed(atOnly.reply);
    });

    it('Resp-7 F-1: a packed statement relabelled "none" is failed; Resp-6 F-1: a bad self signature is failed', async () => {
      const relabelled = await register(browser(), username(), new SoftAuthenticator(), {
        attestation: 'packed-self',
        mutate: { fmt: 'none' },
      });
      expectFailed(relabelled.reply, ['WEBAUTHN_ATTESTATION_INVALID', 'WEBAUTHN_RESPONSE_MALFORMED']);
      const flipped = await register(browser(), username(), new SoftAuthenticator(), {
        attestation: 'packed-self',
        mutate: {
          attStmt: (s) => {
            const sig = Buffer.from(s.sig as Uint8Array);
            sig[sig.length - 1]! ^= 0x01;
            return { ...s, sig };
          },
        },
      });
      expectFailed(flipped.reply, ['WEBAUTHN_ATTESTATION_INVALID', 'WEBAUTHN_SIGNATURE_INVALID']);
      const garbled = await register(browser(), username(), new SoftAuthenticator(), {
        attestation: 'packed-self',
        mutate: { attStmt: (s) => ({ ...s, sig: randomBytes(70) }) },
      });
      expectFailed(garbled.reply, [
        'WEBAUTHN_ATTESTATION_INVALID',
        'WEBAUTHN_SIGNATURE_INVALID',
        'WEBAUTHN_RESPONSE_MALFORMED',
      ]);
    });

    it('answers in the binding shape (status "failed", errorMessage) even when the body cannot be read (§1.1)', async () => {
      const b = browser();
      await attestationOptions(b, { username: username(), displayName: 'A' });
      for (const p of ['attestation/options', 'attestation/result', 'assertion/options', 'assertion/result']) {
        expectFailed(await b.post(fido(p), undefined, { raw: '{"id":' }), 'REQUEST_MALFORMED', `${p}, not JSON`);
        expectFailed(
          await b.post(fido(p), undefined, { raw: JSON.stringify({ username: 'x'.repeat(70 * 1024) }) }),
          'REQUEST_TOO_LARGE',
          `${p}, too large`,
        );
      }
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('ServerPublicKeyCredentialGetOptionsResponse Req-1', () => {
    it('P-1: allowCredentials holds exactly the credential, userVerification and extensions are echoed, rpId sent', async () => {
      const { b, name, credentialId } = await registered();
      const extensions = { 'example.extension': true };
      for (const uv of ['required', 'preferred', 'discouraged'] as const) {
        const r = await assertionOptions(b, { username: name, userVerification: uv, extensions });
        expectOk(r);
        expect(isB64url(r.json.challenge)).toBe(true);
        expect(unb64(r.json.challenge as string).length).toBeGreaterThanOrEqual(16);
        expect(r.json.allowCredentials).toEqual([expect.objectContaining({ type: 'public-key', id: credentialId })]);
        expect(r.json.userVerification).toBe(uv);
        expect(r.json.rpId).toBe('localhost');
        expect(new URL(server.url).hostname.endsWith(r.json.rpId as string)).toBe(true);
        expect(r.json.extensions).toEqual(extensions);
        if (r.json.timeout !== undefined) expect(r.json.timeout).toBeGreaterThan(0);
      }
    });

    it('P-2: two requests yield two different challenges', async () => {
      const { b, name } = await registered();
      const a = await assertionOptions(b, { username: name });
      const c = await assertionOptions(b, { username: name });
      expectOk(a);
      expectOk(c);
      expect(a.json.challenge).not.toBe(c.json.challenge);
    });

    it('refuses options for an unknown username or without one', async () => {
      expectFailed(await assertionOptions(browser(), { username: username() }));
      expectFailed(await assertionOptions(browser(), {}), 'REQUEST_INVALID');
      expectFailed(await assertionOptions(browser(), { username: 'x', userVerification: 'always' }), 'REQUEST_INVALID');
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('ServerAuthenticatorAssertionResponse', () => {
    it('Resp-1 P-1: a valid assertion is accepted; replaying it is failed', async () => {
      const { b, name, auth } = await registered();
      const { reply, assertion } = await authenticate(b, name, auth);
      expectOk(reply);
      expect(Object.keys(reply.json).sort()).toEqual(['errorMessage', 'status']);
      expectFailed(await b.post(fido('assertion/result'), assertion), 'WEBAUTHN_CHALLENGE_UNKNOWN', 'replay');
    });

    it('Resp-3 P-1: a signCount that is always 0 is accepted every time', async () => {
      const { b, name, auth } = await registered({ signCount: 'none' });
      for (let i = 0; i < 3; i++) expectOk((await authenticate(b, name, auth)).reply, `assertion ${i}`);
    });

    it('Resp-3 P-2/P-3/P-5/P-6: UV with "required", UP or UV with "discouraged" are accepted', async () => {
      const { b, name, auth } = await registered();
      expectOk((await authenticate(b, name, auth, { userVerification: 'required' })).reply, 'UV+UP required');
      expectOk(
        (await authenticate(b, name, auth, { userVerification: 'required', mutate: { flags: { up: false } } })).reply,
        'UV only, required',
      );
      expectOk(
        (await authenticate(b, name, auth, { userVerification: 'discouraged', mutate: { flags: { uv: false } } }))
          .reply,
        'UP only, discouraged',
      );
      expectOk(
        (await authenticate(b, name, auth, { userVerification: 'discouraged', mutate: { flags: { up: false } } }))
          .reply,
        'UV only, discouraged',
      );
    });

    it('Resp-3 P-4/P-7: UP=0 and UV=0 is accepted with "preferred" and "discouraged" on the conformance tenant (FC-Q1)', async () => {
      const { b, name, auth } = await registered();
      for (const uv of ['preferred', 'discouraged'] as const) {
        const { reply } = await authenticate(b, name, auth, {
          userVerification: uv,
          mutate: { flags: { up: false, uv: false } },
        });
        expectOk(reply, uv);
      }
    });

    it('FC-Q1 is the conformance tenant only: the same UP=0 assertion is refused at an ordinary sign-in', async () => {
      const user = await createUser(server.ctx, ordinary, { userPrincipalName: username() });
      const { pass } = await issueTap(server.ctx, ordinary, user, { actor: { type: 'system', id: null } });
      const b = browser();
      expect((await b.post(`/${ordinary.slug}/signin/tap`, { username: user.userPrincipalName, pass })).status).toBe(
        200,
      );
      const auth = new SoftAuthenticator();
      const o = await b.post(`/${ordinary.slug}/account/passkeys/options`, undefined, { raw: '{}' });
      const credential = await auth.register(o.json as unknown as RegistrationOptionsLike, { origin: server.url });
      expect((await b.post(`/${ordinary.slug}/account/passkeys/verify`, { credential })).status).toBe(201);

      for (const flags of [
        { up: false, uv: false },
        { up: false, uv: true },
      ]) {
        const so = await b.post(`/${ordinary.slug}/signin/passkey/options`, { username: user.userPrincipalName });
        expect(so.status, so.text).toBe(200);
        const assertion = await auth.authenticate(so.json as unknown as AuthenticationOptionsLike, {
          origin: server.url,
          mutate: { flags },
        });
        const r = await b.post(`/${ordinary.slug}/signin/passkey/verify`, { credential: assertion });
        expect(r.status, r.text).toBe(400);
        expect((r.json.error as { code: string }).code, JSON.stringify(flags)).toBe('WEBAUTHN_USER_PRESENCE_REQUIRED');
      }
      // The control: with UP and UV the same passkey signs in.
      const so = await b.post(`/${ordinary.slug}/signin/passkey/options`, { username: user.userPrincipalName });
      const assertion = await auth.authenticate(so.json as unknown as AuthenticationOptionsLike, {
        origin: server.url,
      });
      const ok = await b.post(`/${ordinary.slug}/signin/passkey/verify`, { credential: assertion });
      expect(ok.status, ok.text).toBe(200);
    });

    it('Resp-3 F-2: a wrong rpIdHash is failed', async () => {
      const { b, name, auth } = await registered();
      const { reply } = await authenticate(b, name, auth, { mutate: { rpIdHashOf: 'evil.example' } });
      expectFailed(reply, 'WEBAUTHN_RP_ID_MISMATCH');
    });

    it('Resp-3 F-3 / Resp-1 F-20: a signature that does not verify is failed', async () => {
      const { b, name, auth } = await registered();
      expectFailed(
        (await authenticate(b, name, auth, { mutate: { corruptSignature: true } })).reply,
        'WEBAUTHN_SIGNATURE_INVALID',
      );
      // Signed over other client data than the one sent (wrong clientDataHash).
      const { reply } = await authenticate(b, name, auth, {
        after: (c) => {
          const cd = JSON.parse(unb64(c.response.clientDataJSON).toString('utf8')) as Record<string, unknown>;
          c.response.clientDataJSON = b64(Buffer.from(JSON.stringify({ ...cd, extra: 'x' })));
        },
      });
      expectFailed(reply, 'WEBAUTHN_SIGNATURE_INVALID');
    });

    it('Resp-3 F-4: a counter that did not increase is failed', async () => {
      const { b, name, auth } = await registered();
      expectOk((await authenticate(b, name, auth, { mutate: { counter: 5 } })).reply, 'counter 5');
      expectFailed(
        (await authenticate(b, name, auth, { mutate: { counter: 5 } })).reply,
        'SIGNIN_COUNTER_REGRESSION',
        'again 5',
      );
      expectFailed(
        (await authenticate(b, name, auth, { mutate: { counter: 3 } })).reply,
        'SIGNIN_COUNTER_REGRESSION',
        'then 3',
      );
      expectOk((await authenticate(b, name, auth, { mutate: { counter: 6 } })).reply, 'counter 6');
    });

    it('Resp-3 F-5: only UP set while "required" was asked is failed', async () => {
      const { b, name, auth } = await registered();
      const { reply } = await authenticate(b, name, auth, {
        userVerification: 'required',
        mutate: { flags: { up: true, uv: false } },
      });
      expectFailed(reply, 'WEBAUTHN_USER_VERIFICATION_REQUIRED');
    });

    it('Resp-3 F-1: trailing bytes after authenticatorData are failed', async () => {
      const { b, name, auth } = await registered();
      expectFailed((await authenticate(b, name, auth, { mutate: { trailingBytes: 4 } })).reply);
    });

    type Change = (c: Record<string, unknown> & { response: Record<string, unknown> }) => void;
    const structure: Array<[string, Change]> = [
      ['F-1 id missing', (c) => delete c.id],
      ['F-2 id not a string', (c) => (c.id = 1)],
      ['F-3 id not base64url', (c) => (c.id = 'a+b/c==')],
      ['F-4 type missing', (c) => delete c.type],
      ['F-6 type not "public-key"', (c) => (c.type = 'private-key')],
      ['F-7 response missing', (c) => delete (c as Record<string, unknown>).response],
      ['F-8 response not an object', (c) => ((c as Record<string, unknown>).response = [])],
      ['F-9 clientDataJSON missing', (c) => delete c.response.clientDataJSON],
      ['F-11 clientDataJSON empty', (c) => (c.response.clientDataJSON = '')],
      ['F-12 authenticatorData missing', (c) => delete c.response.authenticatorData],
      ['F-13 authenticatorData not a string', (c) => (c.response.authenticatorData = 3)],
      ['F-14 authenticatorData not base64url', (c) => (c.response.authenticatorData = 'ab+/==')],
      ['F-15 authenticatorData empty', (c) => (c.response.authenticatorData = '')],
      ['F-16 signature missing', (c) => delete c.response.signature],
      ['F-17 signature not a string', (c) => (c.response.signature = {})],
      ['F-18 signature not base64url', (c) => (c.response.signature = 'sig+/==')],
      ['F-19 signature empty', (c) => (c.response.signature = '')],
      ['F-21 userHandle not a string', (c) => (c.response.userHandle = 42)],
    ];

    it.each(structure)(
      'Resp-1 %s: failed, and the untouched assertion is still accepted afterwards',
      async (_, change) => {
        const { b, name, auth } = await registered();
        const o = await assertionOptions(b, { username: name });
        const assertion = await auth.authenticate(o.json as unknown as AuthenticationOptionsLike, {
          origin: server.url,
        });
        const broken = structuredClone(assertion) as unknown as Parameters<Change>[0];
        change(broken);
        expectFailed(await b.post(fido('assertion/result'), broken), 'WEBAUTHN_RESPONSE_MALFORMED');
        expectOk(await b.post(fido('assertion/result'), assertion), 'the untouched assertion');
      },
    );

    const clientData: Array<[string, (cd: Record<string, unknown>) => Record<string, unknown>, ErrorCode]> = [
      ['F-1 type missing', ({ type: _, ...cd }) => cd, 'WEBAUTHN_RESPONSE_MALFORMED'],
      ['F-4 type "webauthn.create"', (cd) => ({ ...cd, type: 'webauthn.create' }), 'WEBAUTHN_TYPE_MISMATCH'],
      ['F-10 challenge wrong', (cd) => ({ ...cd, challenge: b64(randomBytes(32)) }), 'WEBAUTHN_CHALLENGE_UNKNOWN'],
      ['F-14 origin wrong', (cd) => ({ ...cd, origin: 'https://evil.example' }), 'WEBAUTHN_ORIGIN_MISMATCH'],
      [
        'F-15 tokenBinding not an object',
        (cd) => ({ ...cd, tokenBinding: 'present' }),
        'WEBAUTHN_TOKEN_BINDING_INVALID',
      ],
      [
        'F-17 tokenBinding invalid status',
        (cd) => ({ ...cd, tokenBinding: { status: 'invalid' } }),
        'WEBAUTHN_TOKEN_BINDING_INVALID',
      ],
    ];

    it.each(clientData)('Resp-2 %s: failed', async (_, change, code) => {
      const { b, name, auth } = await registered();
      expectFailed((await authenticate(b, name, auth, { mutate: { clientData: change } })).reply, code);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('options and result are tied by the cookie', () => {
    it("an attestation result without the cookie, or with another browser's cookie, is failed; with it, ok", async () => {
      const b = browser();
      const other = browser();
      await attestationOptions(other, { username: username(), displayName: 'Other' });
      expect(other.cookieHeader).not.toBe('');
      const o = await attestationOptions(b, { username: username(), displayName: 'A' });
      expectOk(o);
      expect(o.setCookies.some((c) => /;\s*HttpOnly/i.test(c))).toBe(true);
      const credential = await new SoftAuthenticator().register(o.json as unknown as RegistrationOptionsLike, {
        origin: server.url,
      });
      expectFailed(
        await b.post(fido('attestation/result'), credential, { cookie: '' }),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
        'no cookie',
      );
      expectFailed(
        await b.post(fido('attestation/result'), credential, { cookie: other.cookieHeader }),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
        'another cookie',
      );
      expectFailed(
        await b.post(fido('attestation/result'), credential, {
          cookie: `signet-fido2-binding=${b64(randomBytes(32))}`,
        }),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
        'a forged cookie',
      );
      expectOk(await b.post(fido('attestation/result'), credential), 'the right cookie');
    });

    it("an assertion result without the cookie, or with another browser's cookie, is failed; with it, ok", async () => {
      const { b, name, auth } = await registered();
      const other = browser();
      await attestationOptions(other, { username: username(), displayName: 'Other' });
      const o = await assertionOptions(b, { username: name });
      const assertion = await auth.authenticate(o.json as unknown as AuthenticationOptionsLike, { origin: server.url });
      expectFailed(
        await b.post(fido('assertion/result'), assertion, { cookie: '' }),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
        'no cookie',
      );
      expectFailed(
        await b.post(fido('assertion/result'), assertion, { cookie: other.cookieHeader }),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
        'another cookie',
      );
      expectOk(await b.post(fido('assertion/result'), assertion), 'the right cookie');
    });

    it('a conformance tenant serves no sign-in, account pages or OIDC: the binding cookie opens nothing', async () => {
      const { b } = await registered();
      for (const path of ['account/passkeys/options', 'signin/passkey/options']) {
        const r = await b.post(`/${conf.slug}/${path}`, undefined, { raw: '{}' });
        expect(r.status).toBe(404);
        expect((r.json.error as { code: string }).code).toBe('ROUTE_NOT_FOUND');
      }
      const discovery = await fetch(`${server.url}/${conf.id}/v2.0/.well-known/openid-configuration`);
      expect(discovery.status).toBe(404);
    });
  });
});
