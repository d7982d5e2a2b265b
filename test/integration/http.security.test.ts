// Security tests of the HTTP edge (SPEC §3, §4, §8; security-tests.md VULN-15, VULN-18, FC-Q6, §7 items 14 and 19):
// garbage of every kind is refused with a catalogued 4xx and never a 500, pages carry strict headers and a CSP
// without exceptions, the session cookie is HttpOnly/SameSite=Lax and rotates at sign-in, cross-site state
// changes are refused, tenants are isolated, metrics count ceremonies, and the FIDO binding exists only on
// conformance tenants. Everything goes through a real server over real sockets, on SQLite and PostgreSQL.
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorCode } from '../../src/core/errors.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { listPasskeys } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  type AssertionMutation,
  type AuthenticationOptionsLike,
  type RegistrationMutation,
  type RegistrationOptionsLike,
  SoftAuthenticator,
} from '../support/soft-authenticator.ts';
import { type CborValue, toCbor } from '../support/soft-authenticator-attestation.ts';

const SYSTEM = { type: 'system', id: null } as const;
const EVIL = 'https://evil.example';
/** A refusal must come back quickly, whatever the input (VULN-18: bounded time). */
const MAX_MS = 5_000;

// ---------------------------------------------------------------------------------------------------------------
// A tiny HTTP client: fetch with a manual cookie header, the body as JSON or raw bytes, no redirects followed.

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  setCookies: string[];
  ms: number;
}

interface Req {
  method?: string;
  /** Sent as application/json. */
  body?: unknown;
  /** Sent as is, with `type` as the content type (none when undefined). */
  raw?: string | Uint8Array;
  type?: string;
  cookie?: string;
  headers?: Record<string, string>;
}

async function http(base: string, path: string, r: Req = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...r.headers };
  let body: string | Blob | undefined;
  if (r.raw !== undefined) {
    body = typeof r.raw === 'string' ? r.raw : new Blob([new Uint8Array(r.raw)]);
    if (r.type !== undefined) headers['content-type'] = r.type;
  } else if (r.body !== undefined) {
    body = JSON.stringify(r.body);
    headers['content-type'] = 'application/json';
  }
  if (r.cookie) headers.cookie = r.cookie;
  const started = performance.now();
  const res = await fetch(base + path, {
    method: r.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    redirect: 'manual',
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json,
    setCookies: res.headers.getSetCookie(),
    ms: performance.now() - started,
  };
}

/** The catalogue code of a refusal: Graph's `{error:{code}}`, or the FIDO binding's `errorMessage: "CODE: …"`. */
function codeOf(r: Reply): string | undefined {
  const j = r.json as { error?: { code?: unknown }; status?: unknown; errorMessage?: unknown } | undefined;
  if (!j || typeof j !== 'object') return undefined;
  if (j.error && typeof j.error.code === 'string') return j.error.code;
  if (j.status === 'failed' && typeof j.errorMessage === 'string') return j.errorMessage.split(':')[0];
  return undefined;
}

/** Why a reply is not an acceptable refusal (a 4xx with a catalogue code, in bounded time); undefined when it is. */
function problem(r: Reply): string | undefined {
  if (r.status < 400 || r.status >= 500) return `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
  const code = codeOf(r);
  if (!isErrorCode(code)) return `HTTP ${r.status} without a catalogue code: ${r.text.slice(0, 200)}`;
  if (r.ms > MAX_MS) return `HTTP ${r.status} ${code} after ${Math.round(r.ms)} ms`;
  return undefined;
}

function cookieValue(setCookies: string[], name: string): string | undefined {
  for (const c of setCookies) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    if (pair!.slice(0, i).trim() === name) return pair!.slice(i + 1);
  }
  return undefined;
}

function setCookieLine(setCookies: string[], name: string): string | undefined {
  return setCookies.find((c) => c.split('=')[0]!.trim() === name);
}

// ---------------------------------------------------------------------------------------------------------------
// Raw WebAuthn structures for the inputs a software authenticator would never produce.

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const unb64 = (s: string): Buffer => Buffer.from(s, 'base64url');
const cbor = (v: unknown): Uint8Array => isoCBOR.encode(toCbor(v) as CborValue);
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;
const FLAG_ED = 0x80;

function es256Cose(): Uint8Array {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, unb64(jwk.x!)],
      [-3, unb64(jwk.y!)],
    ]),
  );
}

function authData(p: { rpId?: string; flags: number; counter?: number; attested?: Uint8Array; tail?: Uint8Array }) {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(p.counter ?? 0);
  return Buffer.concat([
    createHash('sha256')
      .update(p.rpId ?? 'localhost')
      .digest(),
    Buffer.of(p.flags),
    counter,
    p.attested ?? new Uint8Array(),
    p.tail ?? new Uint8Array(),
  ]);
}

/** AAGUID (zero) ‖ credential id length ‖ credential id ‖ COSE key. */
function attested(coseKey: Uint8Array, credentialId: Uint8Array = randomBytes(16), claimedLength?: number): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(claimedLength ?? credentialId.length);
  return Buffer.concat([Buffer.alloc(16), len, credentialId, coseKey]);
}

function attObj(authDataValue: unknown, fmt: unknown = 'none', attStmt: unknown = {}): Uint8Array {
  return cbor(
    new Map<string, unknown>([
      ['fmt', fmt],
      ['attStmt', attStmt],
      ['authData', authDataValue],
    ]),
  );
}

const REG_FLAGS = FLAG_UP | FLAG_UV | FLAG_AT;
const nested = (open: number, n: number) => Buffer.concat([Buffer.alloc(n, open), Buffer.of(0x00)]);
const hex = (h: string) => Buffer.from(h, 'hex');

/**
 * attestationObject garbage (VULN-18 CBOR bombs, Resp-3 structure faults). Each is either the whole
 * attestationObject, or a change to an otherwise valid response.
 */
function registrationGarbage(): Array<[string, Uint8Array | ((c: RegistrationResponseJSON) => void)]> {
  const validAuthData = () => authData({ flags: REG_FLAGS, attested: attested(es256Cose()) });
  return [
    ['0x81 repeated 100k times (nested arrays, beyond the body limit)', Buffer.alloc(100_000, 0x81)],
    ['a 40 KB nested array', nested(0x81, 40_000)],
    ['a 12 KB nested array (under the field limit, reaches the decoder)', nested(0x81, 12_000)],
    ['12 KB of nested maps', Buffer.concat([Buffer.alloc(12_000, 0).fill(Buffer.of(0xa1, 0x00)), Buffer.of(0)])],
    ['an array that claims 2^64-1 items', hex('9bffffffffffffffff')],
    ['a byte string that claims 2^64-1 bytes', hex('5bffffffffffffffff')],
    ['a map that claims 2^32-1 entries', hex('baffffffff')],
    ['an unterminated indefinite-length array', Buffer.alloc(8_000, 0x9f)],
    ['4000 nested tags', Buffer.concat([Buffer.alloc(12_000, 0).fill(hex('d9d9f7')), Buffer.of(0)])],
    ['random bytes (not CBOR)', randomBytes(64)],
    ['a CBOR array, not a map', cbor([1, 2, 3])],
    ['a CBOR text string', cbor('attestation')],
    ['a map without authData', cbor(new Map<string, unknown>([['fmt', 'none']]))],
    ['authData that is a text string', attObj('authData')],
    ['an empty authData', attObj(new Uint8Array())],
    ['a truncated authData (20 bytes)', attObj(validAuthData().subarray(0, 20))],
    ['AT set but no attested credential data', attObj(authData({ flags: REG_FLAGS }))],
    [
      'a credential id length beyond the data',
      attObj(authData({ flags: REG_FLAGS, attested: attested(new Uint8Array(), randomBytes(4), 0xffff) })),
    ],
    [
      'a COSE key that is not a map (array)',
      attObj(authData({ flags: REG_FLAGS, attested: attested(cbor([1, -7, 3])) })),
    ],
    ['a COSE key that is an integer', attObj(authData({ flags: REG_FLAGS, attested: attested(cbor(5)) }))],
    [
      'a COSE key without kty or alg',
      attObj(authData({ flags: REG_FLAGS, attested: attested(cbor(new Map([[99, 1]]))) })),
    ],
    [
      'a COSE EC2 key with 5-byte coordinates',
      attObj(
        authData({
          flags: REG_FLAGS,
          attested: attested(
            cbor(
              new Map<number, unknown>([
                [1, 2],
                [3, -7],
                [-1, 1],
                [-2, randomBytes(5)],
                [-3, randomBytes(5)],
              ]),
            ),
          ),
        }),
      ),
    ],
    [
      'a COSE key with alg -999',
      attObj(
        authData({
          flags: REG_FLAGS,
          attested: attested(
            cbor(
              new Map([
                [1, 2],
                [3, -999],
              ]),
            ),
          ),
        }),
      ),
    ],
    [
      'trailing bytes after the attested credential data',
      attObj(authData({ flags: REG_FLAGS, attested: attested(es256Cose()), tail: randomBytes(8) })),
    ],
    [
      'ED set with a CBOR bomb as extensions',
      attObj(
        authData({ flags: REG_FLAGS | FLAG_ED, attested: attested(es256Cose()), tail: hex('9bffffffffffffffff') }),
      ),
    ],
    ['fmt that is a number', attObj(validAuthData(), 42)],
    ['attStmt that is a text string', attObj(validAuthData(), 'none', 'statement')],
    ['"packed" with an empty attStmt', attObj(validAuthData(), 'packed', {})],
    ['an unknown fmt', attObj(validAuthData(), 'evil-format', {})],
    [
      'trailing bytes after the attestationObject',
      (c) => {
        c.response.attestationObject = b64(Buffer.concat([unb64(c.response.attestationObject), Buffer.of(0x00, 0x01)]));
      },
    ],
    [
      'clientDataJSON that is not JSON',
      (c) => {
        c.response.clientDataJSON = b64(Buffer.from('this is not {json'));
      },
    ],
    [
      'clientDataJSON that is JSON null',
      (c) => {
        c.response.clientDataJSON = b64(Buffer.from('null'));
      },
    ],
    [
      'clientDataJSON that is 12 KB of nested arrays',
      (c) => {
        c.response.clientDataJSON = b64(Buffer.from(`${'['.repeat(6000)}${']'.repeat(6000)}`));
      },
    ],
    [
      'non-base64url characters in the attestationObject',
      (c) => {
        c.response.attestationObject = `${c.response.attestationObject.slice(0, 10)}$%^&*+/=`;
      },
    ],
  ];
}

/** Assertion garbage: changes to an otherwise valid assertion of a registered credential. */
function assertionGarbage(): Array<[string, (c: AuthenticationResponseJSON) => void]> {
  const setAuthData = (c: AuthenticationResponseJSON, f: (a: Buffer) => Uint8Array) => {
    c.response.authenticatorData = b64(f(unb64(c.response.authenticatorData)));
  };
  return [
    ['a truncated authenticatorData (20 bytes)', (c) => setAuthData(c, (a) => a.subarray(0, 20))],
    ['an authenticatorData one byte short', (c) => setAuthData(c, (a) => a.subarray(0, 36))],
    [
      'ED set with a CBOR bomb as extensions',
      (c) =>
        setAuthData(c, (a) =>
          Buffer.concat([a.subarray(0, 32), Buffer.of(a[32]! | FLAG_ED), a.subarray(33), hex('9bffffffffffffffff')]),
        ),
    ],
    [
      'ED set with 12 KB of nested arrays as extensions',
      (c) =>
        setAuthData(c, (a) =>
          Buffer.concat([a.subarray(0, 32), Buffer.of(a[32]! | FLAG_ED), a.subarray(33), nested(0x81, 12_000)]),
        ),
    ],
    [
      'AT set on an assertion with no attested data',
      (c) => setAuthData(c, (a) => Buffer.concat([a.subarray(0, 32), Buffer.of(a[32]! | FLAG_AT), a.subarray(33)])),
    ],
    ['a signature that is not DER', (c) => (c.response.signature = b64(randomBytes(70)))],
    [
      'a DER signature with trailing bytes',
      (c) => (c.response.signature = b64(Buffer.concat([unb64(c.response.signature), Buffer.of(0)]))),
    ],
    ['a 12 KB signature', (c) => (c.response.signature = b64(randomBytes(12_000)))],
    ['clientDataJSON that is not JSON', (c) => (c.response.clientDataJSON = b64(Buffer.from('{"type":')))],
    ['clientDataJSON that is a JSON array', (c) => (c.response.clientDataJSON = b64(Buffer.from('[1,2,3]')))],
    ['non-base64url characters in authenticatorData', (c) => (c.response.authenticatorData = 'abc$def!')],
    ['non-base64url characters in the signature', (c) => (c.response.signature = 'sig+/==')],
    ['a userHandle that is not base64url', (c) => (c.response.userHandle = 'not base64url!')],
    [
      'a userHandle that is a number',
      (c) => {
        (c.response as { userHandle?: unknown }).userHandle = 12345;
      },
    ],
    [
      'an id with non-base64url characters',
      (c) => {
        c.id = 'a+b/c=';
        c.rawId = 'a+b/c=';
      },
    ],
  ];
}

// ---------------------------------------------------------------------------------------------------------------

describe.each(engines)('HTTP edge security on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let conformance: Tenant;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `acme-${randomBytes(3).toString('hex')}` });
    other = await createTenant(server.ctx, { slug: `globex-${randomBytes(3).toString('hex')}` });
    conformance = await createTenant(server.ctx, {
      slug: `fido-${randomBytes(3).toString('hex')}`,
      conformance: true,
    });
  });
  afterAll(() => server.close());

  const call = (path: string, r?: Req) => http(server.url, path, r);
  const newUser = (t: Tenant = tenant): Promise<User> =>
    createUser(server.ctx, t, { userPrincipalName: `user${++n}-${randomBytes(3).toString('hex')}@example.com` });

  /** Signs in over HTTP with a fresh multi-use TAP; returns the cookie header and the raw token. */
  async function tapSignIn(t: Tenant, user: User, previousCookie?: string) {
    const { pass } = await issueTap(server.ctx, t, user, { oneTime: false, actor: SYSTEM });
    const r = await call(`/${t.slug}/signin/tap`, {
      body: { username: user.userPrincipalName, pass },
      cookie: previousCookie,
    });
    expect(r.status, r.text).toBe(200);
    const name = sessionCookieName(server.ctx.config, t);
    const token = cookieValue(r.setCookies, name);
    expect(token).toBeTruthy();
    return { cookie: `${name}=${token}`, token: token!, name, reply: r, pass };
  }

  async function registerOverHttp(
    t: Tenant,
    cookie: string,
    auth: SoftAuthenticator,
    change?: { mutate?: RegistrationMutation; after?: (c: RegistrationResponseJSON) => void },
  ): Promise<Reply> {
    const o = await call(`/${t.slug}/account/passkeys/options`, { method: 'POST', cookie });
    expect(o.status, o.text).toBe(200);
    const credential = await auth.register(o.json as RegistrationOptionsLike, {
      origin: server.url,
      mutate: change?.mutate,
    });
    change?.after?.(credential);
    return call(`/${t.slug}/account/passkeys/verify`, { body: { credential }, cookie });
  }

  async function passkeySignIn(
    t: Tenant,
    auth: SoftAuthenticator,
    p: {
      username?: string;
      cookie?: string;
      mutate?: AssertionMutation;
      after?: (c: AuthenticationResponseJSON) => void;
    } = {},
  ): Promise<Reply> {
    const o = await call(`/${t.slug}/signin/passkey/options`, {
      body: p.username === undefined ? {} : { username: p.username },
    });
    expect(o.status, o.text).toBe(200);
    const credential = await auth.authenticate(o.json as AuthenticationOptionsLike, {
      origin: server.url,
      mutate: p.mutate,
    });
    p.after?.(credential);
    return call(`/${t.slug}/signin/passkey/verify`, { body: { credential }, cookie: p.cookie });
  }

  /** A user of `t` with one registered passkey and a live session. */
  async function userWithPasskey(t: Tenant = tenant) {
    const user = await newUser(t);
    const s = await tapSignIn(t, user);
    const auth = new SoftAuthenticator();
    const reg = await registerOverHttp(t, s.cookie, auth);
    expect(reg.status, reg.text).toBe(201);
    return { user, auth, cookie: s.cookie, passkeyId: (reg.json as { id: string }).id };
  }

  async function healthy(): Promise<void> {
    const r = await call('/healthz');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'ok' });
  }

  // -------------------------------------------------------------------------------------------------------------
  describe('(a) garbage in, a catalogued 4xx out, never a 500', () => {
    interface Route {
      name: string;
      method: 'POST' | 'PATCH' | 'DELETE';
      path: () => string;
      /** The route reads a body (so a well-formed JSON value of the wrong shape must be refused). */
      readsBody: boolean;
      session: boolean;
    }
    const routes = (): Route[] => [
      {
        name: 'signin options',
        method: 'POST',
        path: () => `/${tenant.slug}/signin/passkey/options`,
        readsBody: true,
        session: false,
      },
      {
        name: 'signin verify',
        method: 'POST',
        path: () => `/${tenant.slug}/signin/passkey/verify`,
        readsBody: true,
        session: false,
      },
      { name: 'signin tap', method: 'POST', path: () => `/${tenant.slug}/signin/tap`, readsBody: true, session: false },
      { name: 'signout', method: 'POST', path: () => `/${tenant.slug}/signout`, readsBody: false, session: false },
      {
        name: 'account options',
        method: 'POST',
        path: () => `/${tenant.slug}/account/passkeys/options`,
        readsBody: false,
        session: true,
      },
      {
        name: 'account verify',
        method: 'POST',
        path: () => `/${tenant.slug}/account/passkeys/verify`,
        readsBody: true,
        session: true,
      },
      {
        name: 'account rename',
        method: 'PATCH',
        path: () => `/${tenant.slug}/account/passkeys/${randomUUID()}`,
        readsBody: true,
        session: true,
      },
      {
        name: 'account delete',
        method: 'DELETE',
        path: () => `/${tenant.slug}/account/passkeys/${randomUUID()}`,
        readsBody: false,
        session: true,
      },
      {
        name: 'fido2 attestation options',
        method: 'POST',
        path: () => `/${conformance.slug}/fido2/attestation/options`,
        readsBody: true,
        session: false,
      },
      {
        name: 'fido2 attestation result',
        method: 'POST',
        path: () => `/${conformance.slug}/fido2/attestation/result`,
        readsBody: true,
        session: false,
      },
      {
        name: 'fido2 assertion options',
        method: 'POST',
        path: () => `/${conformance.slug}/fido2/assertion/options`,
        readsBody: true,
        session: false,
      },
      {
        name: 'fido2 assertion result',
        method: 'POST',
        path: () => `/${conformance.slug}/fido2/assertion/result`,
        readsBody: true,
        session: false,
      },
    ];

    const badCredential = {
      id: 'not*base64url!',
      rawId: 'not*base64url!',
      type: 'public-key',
      response: { clientDataJSON: 'e30$', attestationObject: '%%%%', authenticatorData: '<>', signature: '@@' },
    };
    const notJsonClientData = {
      id: b64(randomBytes(16)),
      type: 'public-key',
      response: {
        clientDataJSON: b64(Buffer.from('not json at all')),
        attestationObject: b64(cbor(new Map([['fmt', 'none']]))),
        authenticatorData: b64(randomBytes(37)),
        signature: b64(randomBytes(64)),
      },
    };
    /** Where a credential goes in each route's body. */
    const wrap = (route: Route, credential: unknown) => (route.name.startsWith('fido2') ? credential : { credential });

    interface Garbage {
      name: string;
      /** Applies to routes that ignore their body too (refused while the body is being read). */
      everyRoute: boolean;
      /** Well-formed but odd input: it may be accepted, yet never answered with a 5xx. */
      wellFormed?: boolean;
      req: (route: Route) => Req;
    }
    const json = (raw: string): Pick<Req, 'raw' | 'type'> => ({ raw, type: 'application/json' });
    /** The body each route expects, with these strings in its fields. */
    const shaped = (route: Route, v: { username: string; pass: string; displayName: string }): object => {
      switch (route.name) {
        case 'signin options':
        case 'fido2 assertion options':
          return { username: v.username };
        case 'signin tap':
          return { username: v.username, pass: v.pass };
        case 'fido2 attestation options':
          return { username: v.username, displayName: v.displayName };
        case 'account rename':
          return { displayName: v.displayName };
        default:
          return wrap(route, { ...notJsonClientData, id: b64(Buffer.from(v.username)) }) as object;
      }
    };
    const garbage: Garbage[] = [
      { name: 'invalid JSON', everyRoute: true, req: () => json('{"username":') },
      { name: 'JSON followed by junk', everyRoute: true, req: () => json('{} trailing') },
      { name: 'an empty JSON body', everyRoute: true, req: () => json('') },
      { name: 'a JSON array', everyRoute: false, req: () => json('[1,2,3]') },
      { name: 'a JSON string', everyRoute: false, req: () => json('"hello"') },
      { name: 'a JSON number', everyRoute: false, req: () => json('42') },
      { name: 'JSON null', everyRoute: false, req: () => json('null') },
      { name: 'JSON true', everyRoute: false, req: () => json('true') },
      { name: 'a 70 KiB body', everyRoute: true, req: () => json(JSON.stringify({ username: 'a'.repeat(70 * 1024) })) },
      { name: 'a 1 MiB body', everyRoute: true, req: () => json(`"${'x'.repeat(1024 * 1024)}"`) },
      {
        name: 'application/xml',
        everyRoute: true,
        req: () => ({ raw: '<username>a</username>', type: 'application/xml' }),
      },
      {
        name: 'multipart/form-data',
        everyRoute: true,
        req: () => ({ raw: '--x\r\n\r\na\r\n--x--', type: 'multipart/form-data; boundary=x' }),
      },
      { name: 'text/plain', everyRoute: false, req: () => ({ raw: 'username=admin', type: 'text/plain' }) },
      {
        name: 'a form post',
        everyRoute: false,
        req: () => ({ raw: 'credential=x&username=', type: 'application/x-www-form-urlencoded' }),
      },
      { name: 'no content type', everyRoute: false, req: () => ({ raw: '{"username":"a"}' }) },
      {
        name: '30000-deep nested arrays',
        everyRoute: false,
        req: () => json(`${'['.repeat(30_000)}${']'.repeat(30_000)}`),
      },
      {
        name: '10000-deep nested objects',
        everyRoute: false,
        req: () => json(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`),
      },
      { name: 'a __proto__ key', everyRoute: true, req: () => json('{"__proto__":{"isAdmin":true},"username":"a"}') },
      {
        name: 'a constructor.prototype key',
        everyRoute: true,
        req: () => json('{"constructor":{"prototype":{"isAdmin":true}}}'),
      },
      {
        name: 'invalid UTF-8',
        everyRoute: false,
        req: () => ({ raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), type: 'application/json' }),
      },
      {
        name: 'NUL characters in strings',
        everyRoute: false,
        wellFormed: true,
        req: (route) => ({
          body: shaped(route, { username: 'a\u0000b@example.com', pass: 'AAAA\u0000', displayName: 'x\u0000' }),
        }),
      },
      {
        name: 'a lone surrogate in strings',
        everyRoute: false,
        wellFormed: true,
        req: (route) => ({
          body: shaped(route, { username: '\ud800@example.com', pass: '\udfff', displayName: '\ud800' }),
        }),
      },
      {
        name: 'SQL and markup in strings',
        everyRoute: false,
        wellFormed: true,
        req: (route) => ({
          body: shaped(route, {
            username: "x' OR '1'='1'; DROP TABLE users; --@example.com",
            pass: "' OR 1=1 --",
            displayName: '<script>alert(1)</script>',
          }),
        }),
      },
      {
        name: 'a 10 000-character username',
        everyRoute: false,
        req: () => ({ body: { username: 'u'.repeat(10_000), pass: 'x' } }),
      },
      {
        name: 'wrong types everywhere',
        everyRoute: false,
        req: () => ({ body: { username: 42, pass: [], credential: 'x', displayName: {}, uid: 7 } }),
      },
      {
        name: 'a credential with non-base64url fields',
        everyRoute: false,
        req: (route) => ({ body: wrap(route, badCredential) }),
      },
      {
        name: 'a credential whose clientDataJSON is not JSON',
        everyRoute: false,
        req: (route) => ({ body: wrap(route, notJsonClientData) }),
      },
      {
        name: 'a credential that is a 12 KB nested array',
        everyRoute: false,
        req: (route) => {
          const deep = `${'['.repeat(6000)}${']'.repeat(6000)}`;
          return json(route.name.startsWith('fido2') ? deep : `{"credential":${deep}}`);
        },
      },
    ];

    it('refuses every kind of garbage on every route, anonymous and signed in, then still answers /healthz', async () => {
      const user = await newUser();
      const { cookie } = await tapSignIn(tenant, user);
      const problems: string[] = [];
      let tried = 0;
      for (const route of routes()) {
        for (const g of garbage) {
          if (!g.everyRoute && !route.readsBody) continue;
          for (const withSession of route.session ? [false, true] : [false]) {
            const r = await call(route.path(), {
              ...g.req(route),
              method: route.method,
              cookie: withSession ? cookie : undefined,
            });
            tried++;
            const p = g.wellFormed && r.status < 300 ? undefined : problem(r);
            if (p)
              problems.push(`${route.method} ${route.name}${withSession ? ' (signed in)' : ''} with ${g.name}: ${p}`);
          }
        }
      }
      expect(problems).toEqual([]);
      expect(tried).toBeGreaterThan(200);
      await healthy();
      // The session survived all of it (nothing above was allowed to sign it out or change it).
      expect((await call(`/${tenant.slug}/account/passkeys`, { cookie })).status).toBe(200);
    });

    it('refuses garbage in the URL: bad tenants, bad ids, NUL and broken percent-encoding', async () => {
      const user = await newUser();
      const { cookie } = await tapSignIn(tenant, user);
      const cases: Array<[string, string, Req]> = [
        ['GET', `/%00/signin`, {}],
        ['GET', `/a%00b/account`, {}],
        ['POST', `/%00/signin/passkey/options`, { body: {} }],
        ['POST', `/%00/fido2/attestation/options`, { body: { username: 'a' } }],
        ['GET', `/%ff%fe/signin`, {}],
        ['GET', `/%/signin`, {}],
        ['GET', `/${'t'.repeat(65)}/signin`, {}],
        ['GET', `/${'t'.repeat(500)}/signin`, {}],
        ['GET', `/${'t'.repeat(5000)}/account`, {}],
        ['PATCH', `/${tenant.slug}/account/passkeys/not-a-uuid`, { body: { displayName: 'x' }, cookie }],
        ['DELETE', `/${tenant.slug}/account/passkeys/%00`, { cookie }],
        ['DELETE', `/${tenant.slug}/account/passkeys/${'9'.repeat(300)}`, { cookie }],
        [
          'PATCH',
          `/${tenant.slug}/account/passkeys/${randomUUID()}`,
          { body: { displayName: '\u0000\u0001' }, cookie },
        ],
        [
          'PATCH',
          `/${tenant.slug}/account/passkeys/${randomUUID()}`,
          { body: { displayName: 'x'.repeat(201) }, cookie },
        ],
        ['PUT', `/${tenant.slug}/signin/tap`, { body: {} }],
        ['GET', `/${tenant.slug}/signin/tap`, {}],
        ['GET', `/${tenant.slug}/signin?return=${encodeURIComponent('//evil.example')}&uid=${'%00'.repeat(3)}`, {}],
        ['GET', `/static/..%2f..%2fpackage.json`, {}],
        ['GET', `/static/%00`, {}],
      ];
      const problems: string[] = [];
      for (const [method, path, req] of cases) {
        const r = await call(path, { ...req, method });
        // The sign-in page with a bad return path is still a page (the return path is ignored).
        if (path.includes('return=') && r.status === 200) {
          expect(r.text).not.toContain('evil.example');
          continue;
        }
        const p = problem(r);
        if (p) problems.push(`${method} ${path.slice(0, 80)}: ${p}`);
      }
      expect(problems).toEqual([]);
      await healthy();
    });

    it('refuses malformed registrations (CBOR bombs, broken authData, bad COSE keys) on the account page', async () => {
      const user = await newUser();
      const { cookie } = await tapSignIn(tenant, user);
      const problems: string[] = [];
      for (const [name, change] of registrationGarbage()) {
        const r = await registerOverHttp(tenant, cookie, new SoftAuthenticator(), {
          mutate: change instanceof Uint8Array ? { attestationObject: b64(change) } : undefined,
          after: change instanceof Uint8Array ? undefined : change,
        });
        const p = problem(r);
        if (p) problems.push(`${name}: ${p}`);
      }
      expect(problems).toEqual([]);
      expect(await listPasskeys(server.ctx.db, tenant.id, user.id)).toEqual([]);
      await healthy();
    });

    it('refuses malformed registrations on the FIDO binding of a conformance tenant', async () => {
      const problems: string[] = [];
      let jar = '';
      for (const [name, change] of registrationGarbage()) {
        const o = await call(`/${conformance.slug}/fido2/attestation/options`, {
          body: { username: `garbage-${n}@example.com`, displayName: 'Garbage' },
          cookie: jar || undefined,
        });
        expect(o.status, o.text).toBe(200);
        jar ||= o.setCookies.map((c) => c.split(';')[0]).join('; ');
        const credential = await new SoftAuthenticator().register(o.json as RegistrationOptionsLike, {
          origin: server.url,
          mutate: change instanceof Uint8Array ? { attestationObject: b64(change) } : undefined,
        });
        if (!(change instanceof Uint8Array)) change(credential);
        const r = await call(`/${conformance.slug}/fido2/attestation/result`, { body: credential, cookie: jar });
        const p = problem(r);
        if (p) problems.push(`${name}: ${p}`);
      }
      expect(problems).toEqual([]);
      await healthy();
    });

    it('refuses malformed assertions (truncated authenticatorData, CBOR bombs, bad signatures) at sign-in', async () => {
      const { user, auth } = await userWithPasskey();
      const problems: string[] = [];
      for (const [name, change] of assertionGarbage()) {
        const r = await passkeySignIn(tenant, auth, { username: user.userPrincipalName, after: change });
        const p = problem(r);
        if (p) problems.push(`${name}: ${p}`);
        expect(cookieValue(r.setCookies, sessionCookieName(server.ctx.config, tenant)), name).toBeUndefined();
      }
      expect(problems).toEqual([]);
      // The real passkey still signs in afterwards.
      const ok = await passkeySignIn(tenant, auth, { username: user.userPrincipalName });
      expect(ok.status, ok.text).toBe(200);
      await healthy();
    });

    it('refuses malformed assertions on the FIDO binding of a conformance tenant', async () => {
      const username = `assert-garbage-${randomBytes(3).toString('hex')}@example.com`;
      const auth = new SoftAuthenticator();
      const o = await call(`/${conformance.slug}/fido2/attestation/options`, { body: { username, displayName: 'A' } });
      const jar = o.setCookies.map((c) => c.split(';')[0]).join('; ');
      const credential = await auth.register(o.json as RegistrationOptionsLike, { origin: server.url });
      const reg = await call(`/${conformance.slug}/fido2/attestation/result`, { body: credential, cookie: jar });
      expect(reg.status, reg.text).toBe(200);
      const problems: string[] = [];
      for (const [name, change] of assertionGarbage()) {
        const ao = await call(`/${conformance.slug}/fido2/assertion/options`, { body: { username }, cookie: jar });
        expect(ao.status, ao.text).toBe(200);
        const assertion = await auth.authenticate(ao.json as AuthenticationOptionsLike, { origin: server.url });
        change(assertion);
        const r = await call(`/${conformance.slug}/fido2/assertion/result`, { body: assertion, cookie: jar });
        const p = problem(r);
        if (p) problems.push(`${name}: ${p}`);
      }
      expect(problems).toEqual([]);
      await healthy();
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('(b) headers, CSP and the session cookie', () => {
    function expectStrictHeaders(r: Reply, where: string): void {
      const csp = r.headers.get('content-security-policy');
      expect(csp, where).toBeTruthy();
      const directives = new Map(
        csp!
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter((d) => d[0])
          .map((d) => [d[0]!.toLowerCase(), d.slice(1)]),
      );
      expect(csp, where).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|\*/);
      expect(directives.get('default-src'), where).toEqual(["'none'"]);
      const scripts = directives.get('script-src') ?? directives.get('default-src')!;
      expect(
        scripts.every((s) => s === "'self'" || s === "'none'"),
        `${where}: script-src ${scripts}`,
      ).toBe(true);
      expect(directives.get('frame-ancestors'), where).toEqual(["'none'"]);
      expect(directives.get('base-uri'), where).toBeDefined();
      expect(directives.get('form-action'), where).toBeDefined();
      expect(r.headers.get('x-content-type-options'), where).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), where).toBe('DENY');
      expect(['no-referrer', 'same-origin'], where).toContain(r.headers.get('referrer-policy'));
      expect(r.headers.get('cross-origin-opener-policy'), where).toBe('same-origin');
      expect(r.headers.get('cache-control'), where).toBe('no-store');
    }

    function expectNoInlineCode(html: string, where: string): void {
      expect(html, where).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html, where).not.toMatch(/<style[\s>]/i);
      expect(html, where).not.toMatch(/\sstyle\s*=/i);
      expect(html, where).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html, where).not.toMatch(/javascript:/i);
    }

    it('serves the sign-in and account pages with strict security headers and a CSP without unsafe-inline', async () => {
      const signin = await call(`/${tenant.slug}/signin`);
      expect(signin.status).toBe(200);
      expect(signin.headers.get('content-type')).toMatch(/^text\/html/);
      expectStrictHeaders(signin, 'sign-in page');
      expectNoInlineCode(signin.text, 'sign-in page');

      const { cookie } = await tapSignIn(tenant, await newUser());
      const account = await call(`/${tenant.slug}/account`, { cookie });
      expect(account.status).toBe(200);
      expect(account.headers.get('content-type')).toMatch(/^text\/html/);
      expectStrictHeaders(account, 'account page');
      expectNoInlineCode(account.text, 'account page');

      // JSON answers and refusals carry the same headers.
      expectStrictHeaders(await call(`/${tenant.slug}/account/passkeys`, { cookie }), 'passkey list');
      expectStrictHeaders(await call(`/${tenant.slug}/signin/tap`, { body: {} }), 'a refusal');
      expectStrictHeaders(await call('/no-such-path'), 'a 404');
      // Over plain http there is no HSTS (it is set only when the public URL is https).
      expect(signin.headers.get('strict-transport-security')).toBeNull();
    });

    it('escapes what the user controls in pages (no reflected markup)', async () => {
      // An interaction id is base64url: anything else is refused before a page is rendered.
      const r = await call(`/${tenant.slug}/signin?uid=${encodeURIComponent('"><script>alert(1)</script>')}`);
      expect(r.status).toBe(400);
      expect(r.text).not.toContain('<script>alert(1)</script>');
      const page = await call(`/${tenant.slug}/signin?return=${encodeURIComponent('/x"><script>alert(1)</script>')}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<script>alert(1)</script>');
      expectNoInlineCode(page.text, 'sign-in page with a hostile return path');
    });

    it('sets the session cookie HttpOnly, SameSite=Lax, Path=/, without Domain', async () => {
      const s = await tapSignIn(tenant, await newUser());
      const line = setCookieLine(s.reply.setCookies, s.name)!;
      expect(line).toMatch(/;\s*HttpOnly/i);
      expect(line).toMatch(/;\s*SameSite=Lax/i);
      expect(line).toMatch(/;\s*Path=\/(;|$)/i);
      expect(line).not.toMatch(/;\s*Domain=/i);
      expect(s.token.length).toBeGreaterThanOrEqual(43); // at least 256 bits of randomness, base64url
      // The session token never appears in the body.
      expect(s.reply.text).not.toContain(s.token);
    });

    it('rotates the session id at a TAP sign-in: a new value, and the old one no longer works', async () => {
      const user = await newUser();
      const first = await tapSignIn(tenant, user);
      expect((await call(`/${tenant.slug}/account/passkeys`, { cookie: first.cookie })).status).toBe(200);

      const second = await tapSignIn(tenant, user, first.cookie);
      expect(second.token).not.toBe(first.token);
      const old = await call(`/${tenant.slug}/account/passkeys`, { cookie: first.cookie });
      expect(old.status).toBe(401);
      expect(codeOf(old)).toBe('SESSION_REQUIRED');
      const oldPage = await call(`/${tenant.slug}/account`, { cookie: first.cookie });
      expect(oldPage.status).toBe(303);
      expect(oldPage.headers.get('location')).toMatch(new RegExp(`^/${tenant.slug}/signin`));
      expect((await call(`/${tenant.slug}/account/passkeys`, { cookie: second.cookie })).status).toBe(200);
    });

    it('rotates the session id at a passkey sign-in too, and sign-out revokes the session', async () => {
      const { user, auth, cookie } = await userWithPasskey();
      const r = await passkeySignIn(tenant, auth, { username: user.userPrincipalName, cookie });
      expect(r.status, r.text).toBe(200);
      const name = sessionCookieName(server.ctx.config, tenant);
      const token = cookieValue(r.setCookies, name)!;
      expect(`${name}=${token}`).not.toBe(cookie);
      expect((await call(`/${tenant.slug}/account/passkeys`, { cookie })).status).toBe(401);
      const fresh = `${name}=${token}`;
      expect((await call(`/${tenant.slug}/account/passkeys`, { cookie: fresh })).status).toBe(200);

      const out = await call(`/${tenant.slug}/signout`, { method: 'POST', cookie: fresh });
      expect(out.status).toBe(303);
      const cleared = setCookieLine(out.setCookies, name);
      expect(cleared).toBeDefined();
      expect(cookieValue(out.setCookies, name)).toBe('');
      expect((await call(`/${tenant.slug}/account/passkeys`, { cookie: fresh })).status).toBe(401);
    });

    it('over https: a __Host- cookie with Secure, and HSTS', async () => {
      const secure = await startTestServer(engine, { secureCookies: true });
      try {
        const t = await createTenant(secure.ctx, { slug: 'secure' });
        const user = await createUser(secure.ctx, t, { userPrincipalName: 'secure@example.com' });
        const { pass } = await issueTap(secure.ctx, t, user, { actor: SYSTEM });
        const r = await http(secure.url, `/${t.slug}/signin/tap`, {
          body: { username: user.userPrincipalName, pass },
        });
        expect(r.status, r.text).toBe(200);
        const line = r.setCookies.find((c) => c.startsWith('__Host-'));
        expect(line).toBeDefined();
        expect(line).toMatch(/;\s*Secure/i);
        expect(line).toMatch(/;\s*HttpOnly/i);
        expect(line).toMatch(/;\s*SameSite=Lax/i);
        expect(line).toMatch(/;\s*Path=\/(;|$)/i);
        expect(line).not.toMatch(/;\s*Domain=/i);
        expect(r.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      } finally {
        await secure.close();
      }
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('(c) CSRF: cross-site state changes are refused', () => {
    const crossSite: Array<[string, Record<string, string>]> = [
      ['Origin: https://evil.example', { origin: EVIL }],
      ['Origin: null', { origin: 'null' }],
      ['a look-alike Origin', { origin: 'http://localhost.evil.example' }],
      ['the right host on another port', { origin: 'http://localhost:1' }],
      ['the right host over https', { origin: 'https://localhost' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
      ['Sec-Fetch-Site: cross-site with our own Origin', { 'sec-fetch-site': 'cross-site' }],
    ];

    it('answers 403 CSRF_TOKEN_INVALID on every state-changing page call, and changes nothing', async () => {
      const { user, cookie, passkeyId, auth } = await userWithPasskey();
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: false, actor: SYSTEM });
      const o = await call(`/${tenant.slug}/signin/passkey/options`, { body: { username: user.userPrincipalName } });
      const assertion = await auth.authenticate(o.json as AuthenticationOptionsLike, { origin: server.url });
      const calls: Array<[string, string, Req]> = [
        ['POST', `/${tenant.slug}/signin/passkey/options`, { body: { username: user.userPrincipalName } }],
        ['POST', `/${tenant.slug}/signin/passkey/verify`, { body: { credential: assertion } }],
        ['POST', `/${tenant.slug}/signin/tap`, { body: { username: user.userPrincipalName, pass } }],
        ['POST', `/${tenant.slug}/signout`, { cookie }],
        ['POST', `/${tenant.slug}/signout`, { cookie, raw: '', type: 'application/x-www-form-urlencoded' }],
        ['POST', `/${tenant.slug}/account/passkeys/options`, { cookie }],
        ['POST', `/${tenant.slug}/account/passkeys/verify`, { cookie, body: { credential: {} } }],
        ['PATCH', `/${tenant.slug}/account/passkeys/${passkeyId}`, { cookie, body: { displayName: 'pwned' } }],
        ['DELETE', `/${tenant.slug}/account/passkeys/${passkeyId}`, { cookie }],
      ];
      const problems: string[] = [];
      for (const [label, headers] of crossSite) {
        for (const [method, path, req] of calls) {
          const extra: Record<string, string> = label.endsWith('with our own Origin') ? { origin: server.url } : {};
          const r = await call(path, { ...req, method, headers: { ...headers, ...extra } });
          if (r.status !== 403 || codeOf(r) !== 'CSRF_TOKEN_INVALID')
            problems.push(`${method} ${path} with ${label}: HTTP ${r.status} ${r.text.slice(0, 120)}`);
          if (r.setCookies.some((c) => c.startsWith(sessionCookieName(server.ctx.config, tenant))))
            problems.push(`${method} ${path} with ${label}: set a session cookie`);
        }
      }
      expect(problems).toEqual([]);
      // Nothing changed: the session lives, the passkey is there with its name, no sign-in happened.
      const list = await call(`/${tenant.slug}/account/passkeys`, { cookie });
      expect(list.status).toBe(200);
      const passkeys = (list.json as { value: Array<{ id: string; displayName: string }> }).value;
      expect(passkeys.map((p) => p.id)).toEqual([passkeyId]);
      expect(passkeys[0]!.displayName).not.toBe('pwned');
      // The same calls from our own origin work (the refusal above was about the origin alone).
      const same = await call(`/${tenant.slug}/signin/passkey/verify`, {
        body: { credential: assertion },
        headers: { origin: server.url, 'sec-fetch-site': 'same-origin' },
      });
      expect(same.status, same.text).toBe(200);
      const rename = await call(`/${tenant.slug}/account/passkeys/${passkeyId}`, {
        method: 'PATCH',
        cookie,
        body: { displayName: 'Laptop' },
        headers: { origin: server.url, 'sec-fetch-site': 'same-origin' },
      });
      expect(rename.status, rename.text).toBe(204);
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('(d) tenant isolation', () => {
    it("a session of tenant A does not open tenant B's account, under either cookie name", async () => {
      const a = await tapSignIn(tenant, await newUser(tenant));
      const bName = sessionCookieName(server.ctx.config, other);
      for (const cookie of [a.cookie, `${bName}=${a.token}`]) {
        const page = await call(`/${other.slug}/account`, { cookie });
        expect(page.status, cookie).toBe(303);
        expect(page.headers.get('location')).toMatch(new RegExp(`^/${other.slug}/signin`));
        const list = await call(`/${other.slug}/account/passkeys`, { cookie });
        expect(list.status).toBe(401);
        expect(codeOf(list)).toBe('SESSION_REQUIRED');
        const options = await call(`/${other.slug}/account/passkeys/options`, { method: 'POST', cookie });
        expect(options.status).toBe(401);
        expect(codeOf(options)).toBe('SESSION_REQUIRED');
      }
      // The same tenant addressed by id instead of slug is the same tenant.
      expect((await call(`/${tenant.id}/account/passkeys`, { cookie: a.cookie })).status).toBe(200);
    });

    it('a passkey of tenant A neither signs in to tenant B nor can be renamed or deleted from there', async () => {
      const a = await userWithPasskey(tenant);
      const b = await userWithPasskey(other);
      // A's credential offered to B (same RP ID on one instance): unknown there.
      const cross = await passkeySignIn(other, a.auth);
      expect(cross.status).toBe(401);
      expect(codeOf(cross)).toBe('SIGNIN_CREDENTIAL_UNKNOWN');
      // B's session cannot touch A's passkey by id, and neither can another user of A's own tenant.
      const stranger = await tapSignIn(tenant, await newUser(tenant));
      for (const [t, cookie] of [
        [other, b.cookie],
        [tenant, stranger.cookie],
      ] as const) {
        const del = await call(`/${t.slug}/account/passkeys/${a.passkeyId}`, { method: 'DELETE', cookie });
        expect(del.status).toBe(404);
        expect(codeOf(del)).toBe('PASSKEY_NOT_FOUND');
        const ren = await call(`/${t.slug}/account/passkeys/${a.passkeyId}`, {
          method: 'PATCH',
          cookie,
          body: { displayName: 'mine now' },
        });
        expect(ren.status).toBe(404);
        expect(codeOf(ren)).toBe('PASSKEY_NOT_FOUND');
      }
      const still = await call(`/${tenant.slug}/account/passkeys`, { cookie: a.cookie });
      expect((still.json as { value: Array<{ id: string; displayName: string }> }).value).toEqual([
        expect.objectContaining({ id: a.passkeyId }),
      ]);
      expect((still.json as { value: Array<{ displayName: string }> }).value[0]!.displayName).not.toBe('mine now');
    });

    it('an unknown tenant is 404 TENANT_NOT_FOUND on pages and calls, by slug or by id', async () => {
      for (const t of ['no-such-tenant', randomUUID()]) {
        for (const [method, path, req] of [
          ['GET', `/${t}/signin`, {}],
          ['GET', `/${t}/account`, {}],
          ['GET', `/${t}/account/passkeys`, {}],
          ['POST', `/${t}/signin/passkey/options`, { body: {} }],
          ['POST', `/${t}/signin/tap`, { body: { username: 'a@b.c', pass: 'x' } }],
          ['POST', `/${t}/account/passkeys/options`, {}],
        ] as Array<[string, string, Req]>) {
          const r = await call(path, { ...req, method });
          expect(r.status, `${method} ${path}`).toBe(404);
          expect(codeOf(r), `${method} ${path}`).toBe('TENANT_NOT_FOUND');
        }
      }
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('(e) logs and metrics', () => {
    it('gives every refusal its own request id, never one the client chose', async () => {
      const ids = [];
      for (let i = 0; i < 3; i++) {
        const r = await call(`/no-such-tenant-${i}/signin`, { headers: { 'request-id': 'chosen-by-client' } });
        expect(r.status).toBe(404);
        ids.push((r.json as { error: { innerError: Record<string, string> } }).error.innerError['request-id']);
      }
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(ids).size).toBe(3);
    });

    it('/metrics exposes signet_ceremonies_total after sign-ins, by result and code, with no secrets', async () => {
      const user = await newUser();
      const s = await tapSignIn(tenant, user);
      const bad = await call(`/${tenant.slug}/signin/tap`, {
        body: { username: user.userPrincipalName, pass: 'WRONGWRONGWRONG2' },
      });
      expect(codeOf(bad)).toBe('TAP_INVALID');
      const probe = `/probe-${randomBytes(6).toString('hex')}`;
      expect((await call(probe)).status).toBe(404);

      expect((await call('/metrics')).status).toBe(404);
      const m = await http(server.managementUrl, '/metrics');
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
      const lines = m.text.split('\n').filter((l) => l.startsWith('signet_ceremonies_total{'));
      const value = (result: string, code: string) => {
        const line = lines.find(
          (l) =>
            l.includes('ceremony="signin-tap"') && l.includes(`result="${result}"`) && l.includes(`code="${code}"`),
        );
        return line ? Number(line.split(' ').at(-1)) : 0;
      };
      expect(value('success', '')).toBeGreaterThanOrEqual(1);
      expect(value('failure', 'TAP_INVALID')).toBeGreaterThanOrEqual(1);
      expect(m.text).toMatch(/^# TYPE signet_ceremonies_total counter$/m);
      // Routes are labelled by pattern: no tenant slugs, raw paths, passes or tokens.
      expect(m.text).not.toContain(s.pass);
      expect(m.text).not.toContain(s.token);
      expect(m.text).not.toContain(probe);
      expect(m.text).not.toContain(tenant.slug);
    });

    it('every HTTP sign-in attempt lands in the sign-in log with its code, the client, and no secret', async () => {
      const user = await newUser();
      const s = await tapSignIn(tenant, user);
      await call(`/${tenant.slug}/signin/tap`, {
        body: { username: user.userPrincipalName, pass: 'WRONGWRONGWRONG3' },
        headers: { 'user-agent': 'signet-test-agent' },
      });
      const rows = (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((r) => r.userId === user.id);
      expect(rows.filter((r) => r.result === 'success' && r.method === 'temporaryAccessPass')).toHaveLength(1);
      const failure = rows.find((r) => r.result === 'failure');
      expect(failure?.errorCode).toBe('TAP_INVALID');
      expect(failure?.userAgent).toBe('signet-test-agent');
      expect(failure?.ip).toMatch(/127\.0\.0\.1/);
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(s.pass);
      expect(dump).not.toContain('WRONGWRONGWRONG3');
      expect(dump).not.toContain(s.token);
    });

    it('/healthz and /readyz answer', async () => {
      await healthy();
      const ready = await call('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json).toEqual({ status: 'ready' });
    });

    it('/.well-known/webauthn lists exactly the configured origin as a related origin', async () => {
      const r = await call('/.well-known/webauthn');
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ origins: [server.url] });
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('(f) the FIDO2 conformance binding exists only on conformance tenants (FC-Q6)', () => {
    const paths = ['attestation/options', 'attestation/result', 'assertion/options', 'assertion/result'];

    it('answers 404 on an ordinary tenant and on an unknown tenant, for every binding route', async () => {
      for (const t of [tenant.slug, tenant.id, 'no-such-tenant']) {
        for (const p of paths) {
          const r = await call(`/${t}/fido2/${p}`, { body: { username: 'someone@example.com', displayName: 'X' } });
          expect(r.status, `${t} ${p}`).toBe(404);
          expect(r.json, `${t} ${p}`).toMatchObject({ status: 'failed' });
          expect(isErrorCode(codeOf(r)), r.text).toBe(true);
          expect(r.setCookies, `${t} ${p}`).toEqual([]);
        }
      }
      // No user was created on the ordinary tenant by the attempts above.
      const rows = await server.ctx.db
        .selectFrom('users')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .where('user_principal_name', '=', 'someone@example.com')
        .execute();
      expect(rows).toEqual([]);
    });

    it('answers on the conformance tenant (the control)', async () => {
      const r = await call(`/${conformance.slug}/fido2/attestation/options`, {
        body: { username: 'someone@example.com', displayName: 'X' },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json).toMatchObject({ status: 'ok', errorMessage: '' });
    });
  });

  // -------------------------------------------------------------------------------------------------------------
  describe('(g) username-first sign-in tells no accounts apart (WA-25)', () => {
    it("answers another account's name and an unknown name alike: same status, code, headers and body but for the request id and date", async () => {
      const victim = await userWithPasskey();
      const attacker = await userWithPasskey();
      const unknown = `nobody-${randomBytes(3).toString('hex')}@example.com`;
      const shapes = [];
      for (const username of [victim.user.userPrincipalName, unknown, victim.user.userPrincipalName, unknown]) {
        // The attacker's own genuine passkey answers options made for the typed name.
        const r = await passkeySignIn(tenant, attacker.auth, { username });
        expect(r.status, r.text).toBe(401);
        expect(codeOf(r)).toBe('SIGNIN_PASSKEY_NOT_FOR_ACCOUNT');
        expect(cookieValue(r.setCookies, sessionCookieName(server.ctx.config, tenant))).toBeUndefined();
        const body = r.json as { error: { innerError: Record<string, string> } };
        expect(body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
        expect(Date.parse(body.error.innerError.date!)).not.toBeNaN();
        const { 'request-id': _id, date: _date, ...inner } = body.error.innerError;
        // Header names, and the body's length (a request id and an ISO date are of fixed length).
        const headers = [...r.headers.keys()].sort();
        const length = r.headers.get('content-length');
        shapes.push(JSON.stringify({ status: r.status, headers, length, body: { ...body.error, innerError: inner } }));
      }
      expect(new Set(shapes).size, shapes[0]).toBe(1);
      // The words a person reads: not a bad signature, and nothing about removing the passkey.
      expect(shapes[0]).toContain('This passkey is not for the account you entered.');
      expect(shapes[0]).not.toMatch(/remove this passkey|signature/i);
    });
  });
});
