// README security claims seen over HTTP (SPEC §8; WA-01, WA-06, WA-08, ATK-07; WA-11): every ceremony's
// challenge is 32 random bytes; the RP ID and origin come from SIGNET_PUBLIC_URL and never from request headers,
// whatever Host, X-Forwarded-Host, X-Forwarded-Proto or Origin say; and a backup eligibility that changed is
// refused on every sign-in path with its own code, logged, and counted in signet_ceremonies_total.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ctx, silentLogger } from '../../src/flows/context.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { createMetrics, type Metrics } from '../../src/http/metrics.ts';
import { buildServer } from '../../src/http/server.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import type { Store } from '../../src/store/db.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines, openTestStore } from '../support/engines.ts';
import { ORIGIN, testConfig } from '../support/harness.ts';
import {
  type AuthenticationOptionsLike,
  type RegistrationOptionsLike,
  SoftAuthenticator,
} from '../support/soft-authenticator.ts';

const RP_ID = new URL(ORIGIN).hostname;
const EVIL = 'evil.example';
/** What a request may claim about where it came from; none of it may become the origin or the RP ID. */
const FORGED_PAGE = { host: EVIL, 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https', forwarded: `host=${EVIL}` };
/** The FIDO binding has no same-origin check, so it also gets a forged Origin. */
const FORGED_FIDO = { ...FORGED_PAGE, origin: `https://${EVIL}` };

interface Reply {
  status: number;
  json: Record<string, unknown>;
  cookies: string[];
}

const codeOf = (r: Reply): string =>
  ((r.json.error as { code?: string } | undefined)?.code ?? String(r.json.errorMessage ?? '').split(':')[0]) || '';
const challengeBytes = (o: Record<string, unknown>) => {
  const c = o.challenge as string;
  expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
  return Buffer.from(c, 'base64url').length;
};

describe.each(engines)('ceremony origin, RP ID, challenges and backup eligibility over HTTP on %s', (engine) => {
  let store: Store;
  let app: FastifyInstance;
  let ctx: Ctx;
  let metrics: Metrics;
  let tenant: Tenant;
  let conf: Tenant;

  beforeAll(async () => {
    store = await openTestStore(engine);
    ctx = {
      db: store.db,
      config: testConfig(),
      metadata: new MetadataRegistry(),
      log: silentLogger,
      now: () => Date.now(),
      randomBytes: (n) => randomBytes(n),
      newId: () => randomUUID(),
    };
    metrics = createMetrics();
    app = await buildServer(ctx, { metrics, logger: false });
    tenant = await createTenant(ctx, { slug: `h-${randomBytes(4).toString('hex')}` });
    conf = await createTenant(ctx, { slug: `c-${randomBytes(4).toString('hex')}`, conformance: true });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  async function post(url: string, body: unknown, headers: Record<string, string> = {}, cookie?: string) {
    const r = await app.inject({
      method: 'POST',
      url,
      payload: body === undefined ? '{}' : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers, ...(cookie ? { cookie } : {}) },
    });
    let json: Record<string, unknown> = {};
    try {
      json = r.json();
    } catch {
      // left empty
    }
    return { status: r.statusCode, json, cookies: r.cookies.map((c) => `${c.name}=${c.value}`) } as Reply;
  }

  async function signedInCookie(user: User): Promise<string> {
    const { pass } = await issueTap(ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } });
    const r = await post(`/${tenant.slug}/signin/tap`, { username: user.userPrincipalName, pass });
    expect(r.status).toBe(200);
    const name = sessionCookieName(ctx.config, tenant);
    return r.cookies.find((c) => c.startsWith(`${name}=`))!;
  }

  async function enrolled(opts: { backupEligible?: boolean } = {}) {
    const user = await createUser(ctx, tenant, { userPrincipalName: `u-${randomBytes(4).toString('hex')}@x.test` });
    const cookie = await signedInCookie(user);
    const auth = new SoftAuthenticator(opts);
    const o = await post(`/${tenant.slug}/account/passkeys/options`, undefined, {}, cookie);
    const credential = await auth.register(o.json as unknown as RegistrationOptionsLike, { origin: ORIGIN });
    const r = await post(`/${tenant.slug}/account/passkeys/verify`, { credential }, {}, cookie);
    expect(r.status).toBe(201);
    return { user, cookie, auth };
  }

  /** A FIDO binding user with one passkey; `cookie` is the binding. */
  async function fidoEnrolled(opts: { backupEligible?: boolean } = {}) {
    const username = `f-${randomBytes(4).toString('hex')}@x.test`;
    const o = await post(`/${conf.slug}/fido2/attestation/options`, { username, displayName: username });
    const cookie = o.cookies[0]!;
    const auth = new SoftAuthenticator(opts);
    const credential = await auth.register(o.json as unknown as RegistrationOptionsLike, { origin: ORIGIN });
    const r = await post(`/${conf.slug}/fido2/attestation/result`, credential, {}, cookie);
    expect(r.json.status).toBe('ok');
    return { username, cookie, auth };
  }

  describe('every ceremony’s challenge is 32 random bytes', () => {
    it('in registration, both sign-in kinds, and the FIDO binding’s attestation and assertion options', async () => {
      const e = await enrolled();
      const f = await fidoEnrolled();
      const calls: Array<[string, () => Promise<Reply>]> = [
        ['registration', () => post(`/${tenant.slug}/account/passkeys/options`, undefined, {}, e.cookie)],
        ['discoverable sign-in', () => post(`/${tenant.slug}/signin/passkey/options`, {})],
        ['username-first sign-in', () => post(`/${tenant.slug}/signin/passkey/options`, { username: 'x@x.test' })],
        [
          'FIDO attestation',
          () =>
            post(`/${conf.slug}/fido2/attestation/options`, { username: f.username, displayName: 'x' }, {}, f.cookie),
        ],
        ['FIDO assertion', () => post(`/${conf.slug}/fido2/assertion/options`, { username: f.username }, {}, f.cookie)],
      ];
      for (const [name, call] of calls) {
        const seen = new Set<string>();
        for (let i = 0; i < 5; i++) {
          const r = await call();
          expect(r.status, name).toBe(200);
          expect(challengeBytes(r.json), name).toBe(32);
          seen.add(r.json.challenge as string);
        }
        expect(seen.size, name).toBe(5);
      }
    });
  });

  describe('origin and RP ID never come from request headers', () => {
    it('keeps rp.id and rpId the configured RP ID in every ceremony’s options, whatever the headers say', async () => {
      const e = await enrolled();
      const f = await fidoEnrolled();
      const reg = await post(`/${tenant.slug}/account/passkeys/options`, undefined, FORGED_PAGE, e.cookie);
      expect((reg.json.rp as { id: string }).id).toBe(RP_ID);
      for (const body of [{}, { username: e.user.userPrincipalName }]) {
        const o = await post(`/${tenant.slug}/signin/passkey/options`, body, FORGED_PAGE);
        expect(o.status).toBe(200);
        expect(o.json.rpId).toBe(RP_ID);
      }
      const fa = await post(
        `/${conf.slug}/fido2/attestation/options`,
        { username: f.username, displayName: 'x' },
        FORGED_FIDO,
        f.cookie,
      );
      expect((fa.json.rp as { id: string }).id).toBe(RP_ID);
      const fs = await post(`/${conf.slug}/fido2/assertion/options`, { username: f.username }, FORGED_FIDO, f.cookie);
      expect(fs.json.rpId).toBe(RP_ID);
    });

    const forgeries = [
      ['made for the forged origin', { origin: `https://${EVIL}`, rpId: EVIL }, 'WEBAUTHN_ORIGIN_MISMATCH'],
      ['made for the forged RP ID', { origin: ORIGIN, rpId: EVIL }, 'WEBAUTHN_RP_ID_MISMATCH'],
    ] as const;
    /** The authenticator's own credential, signed over the forged origin and the forged RP ID's hash. */
    const asserted = (auth: SoftAuthenticator, made: { origin: string; rpId: string }) => ({
      origin: made.origin,
      credentialId: auth.credentials[0]!.id,
      mutate: { rpIdHashOf: made.rpId },
    });

    it.each(forgeries)('refuses a page sign-in assertion %s, sent with forged headers', async (_n, made, code) => {
      const e = await enrolled();
      for (const body of [{}, { username: e.user.userPrincipalName }]) {
        const o = await post(`/${tenant.slug}/signin/passkey/options`, body, FORGED_PAGE);
        const credential = await e.auth.authenticate(
          o.json as unknown as AuthenticationOptionsLike,
          asserted(e.auth, made),
        );
        const r = await post(`/${tenant.slug}/signin/passkey/verify`, { credential }, FORGED_PAGE);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(codeOf(r)).toBe(code);
      }
    });

    it.each(forgeries)('refuses a page registration %s, sent with forged headers', async (_n, made, code) => {
      const e = await enrolled();
      const o = await post(`/${tenant.slug}/account/passkeys/options`, undefined, FORGED_PAGE, e.cookie);
      const credential = await new SoftAuthenticator().register(o.json as unknown as RegistrationOptionsLike, made);
      const r = await post(`/${tenant.slug}/account/passkeys/verify`, { credential }, FORGED_PAGE, e.cookie);
      expect(codeOf(r)).toBe(code);
    });

    it.each(forgeries)(
      'refuses FIDO binding attestations and assertions %s, sent with forged headers',
      async (_n, made, code) => {
        const f = await fidoEnrolled();
        const a = await post(
          `/${conf.slug}/fido2/attestation/options`,
          { username: f.username, displayName: 'x' },
          FORGED_FIDO,
          f.cookie,
        );
        const credential = await new SoftAuthenticator().register(a.json as unknown as RegistrationOptionsLike, made);
        const ar = await post(`/${conf.slug}/fido2/attestation/result`, credential, FORGED_FIDO, f.cookie);
        expect(ar.json.status).toBe('failed');
        expect(codeOf(ar)).toBe(code);
        const s = await post(`/${conf.slug}/fido2/assertion/options`, { username: f.username }, FORGED_FIDO, f.cookie);
        const assertion = await f.auth.authenticate(
          s.json as unknown as AuthenticationOptionsLike,
          asserted(f.auth, made),
        );
        const sr = await post(`/${conf.slug}/fido2/assertion/result`, assertion, FORGED_FIDO, f.cookie);
        expect(sr.json.status).toBe('failed');
        expect(codeOf(sr)).toBe(code);
      },
    );

    it('refuses a page call whose Origin header is forged, before any ceremony work', async () => {
      const r = await post(`/${tenant.slug}/signin/passkey/options`, {}, { origin: `https://${EVIL}` });
      expect(r.status).toBe(403);
      expect(codeOf(r)).toBe('CSRF_TOKEN_INVALID');
    });
  });

  describe('a changed backup eligibility', () => {
    const counted = async (ceremony: string) => {
      const text = await metrics.registry.metrics();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('signet_ceremonies_total{') &&
            l.includes(`ceremony="${ceremony}"`) &&
            l.includes('result="failure"') &&
            l.includes('code="SIGNIN_BACKUP_ELIGIBILITY_CHANGED"'),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    };

    it.each([
      ['device-bound, asserting BE=1', false, { be: true }],
      ['synced, asserting BE=0', true, { be: false, bs: false }],
    ])('%s: refused on both page paths, logged and counted', async (_n, backupEligible, flags) => {
      const e = await enrolled({ backupEligible });
      const before = await counted('signin-passkey');
      for (const body of [{}, { username: e.user.userPrincipalName }]) {
        const o = await post(`/${tenant.slug}/signin/passkey/options`, body);
        const credential = await e.auth.authenticate(o.json as unknown as AuthenticationOptionsLike, {
          origin: ORIGIN,
          mutate: { flags },
        });
        const r = await post(`/${tenant.slug}/signin/passkey/verify`, { credential });
        expect(r.status).toBe(401);
        expect(codeOf(r)).toBe('SIGNIN_BACKUP_ELIGIBILITY_CHANGED');
        expect(r.cookies.filter((c) => c.startsWith(sessionCookieName(ctx.config, tenant)))).toEqual([]);
      }
      expect(await counted('signin-passkey')).toBe(before + 2);
      const rows = (await listSignIns(ctx.db, tenant.id, 1000)).filter(
        (l) => l.userId === e.user.id && l.method === 'passkey',
      );
      expect(rows.map((l) => `${l.result} ${l.errorCode}`)).toEqual([
        'failure SIGNIN_BACKUP_ELIGIBILITY_CHANGED',
        'failure SIGNIN_BACKUP_ELIGIBILITY_CHANGED',
      ]);
    });

    it.each([
      ['device-bound, asserting BE=1', false, { be: true }],
      ['synced, asserting BE=0', true, { be: false, bs: false }],
    ])('%s: refused by the FIDO binding’s assertion/result, logged and counted', async (_n, backupEligible, flags) => {
      const f = await fidoEnrolled({ backupEligible });
      const before = await counted('fido2-assertion');
      const s = await post(`/${conf.slug}/fido2/assertion/options`, { username: f.username }, {}, f.cookie);
      const assertion = await f.auth.authenticate(s.json as unknown as AuthenticationOptionsLike, {
        origin: ORIGIN,
        mutate: { flags },
      });
      const r = await post(`/${conf.slug}/fido2/assertion/result`, assertion, {}, f.cookie);
      expect(r.json.status).toBe('failed');
      expect(codeOf(r)).toBe('SIGNIN_BACKUP_ELIGIBILITY_CHANGED');
      expect(await counted('fido2-assertion')).toBe(before + 1);
      const rows = (await listSignIns(ctx.db, conf.id, 1000)).filter((l) => l.detail.credentialId === assertion.id);
      expect(rows.map((l) => `${l.result} ${l.errorCode}`)).toEqual(['failure SIGNIN_BACKUP_ELIGIBILITY_CHANGED']);
      // Its genuine flags still sign in.
      const again = await post(`/${conf.slug}/fido2/assertion/options`, { username: f.username }, {}, f.cookie);
      const ok = await post(
        `/${conf.slug}/fido2/assertion/result`,
        await f.auth.authenticate(again.json as unknown as AuthenticationOptionsLike, { origin: ORIGIN }),
        {},
        f.cookie,
      );
      expect(ok.json.status).toBe('ok');
    });
  });
});
