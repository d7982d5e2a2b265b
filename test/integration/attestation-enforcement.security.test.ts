// Attestation enforcement against metadata (security-tests.md §7 top tests 5 and 13, §1.3 MDS cases; SPEC §2.2):
// the server decides from what the response proves, whatever the options asked for; trust anchors come only from
// metadata (a test MDS BLOB under a test root, fetched from a URL as SIGNET_MDS_URL is); chains are checked for
// expiry, revocation and a root carried in x5c; a BLOB that fails verification changes nothing in force.
import '@simplewebauthn/server/helpers';
import { createHash, KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/x509';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import type { PasskeyProfile } from '../../src/core/passkey-method.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { loadMdsBlob, loadMdsFromUrl } from '../../src/flows/metadata-service.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { listPasskeys } from '../../src/store/passkeys.ts';
import { loadPasskeyMethodConfig, savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import {
  issueMdsCert,
  type MdsCa,
  makeCrl,
  makeMdsChain,
  makeMdsRoot,
  mdsPayload,
  signMdsBlob,
  tamperMdsBlob,
} from '../support/mds-fixtures.ts';
import {
  ATTESTATION_LEAF_SUBJECT,
  type AttestationKind,
  FIDO_AAGUID_OID,
  getAttestationRoot,
  type RegistrationMutation,
  SoftAuthenticator,
  type SoftAuthenticatorOptions,
} from '../support/soft-authenticator.ts';

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

/** The models the test BLOB describes. */
const VENDOR_KEY = 'c0ffee00-0000-4e70-9a55-7357a0c0ffee'; // chains root → intermediate → leaf (the vendor's CA)
const SOFT_KEY = 'c0ffee01-0000-4e70-9a55-7357a0c0ffee'; // the soft authenticator's own attestation root
const ALLOWED_KEY = 'c0ffee02-0000-4e70-9a55-7357a0c0ffee'; // on the allow list
const COMPROMISED = [
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
] as const;
const compromisedAaguid = (i: number) => `c0ffee1${i}-0000-4e70-9a55-7357a0c0ffee`;

/** A leaf attestation certificate as FIDO's packed format asks (§8.2.1), for one AAGUID, under `issuer`. */
async function attestationLeaf(
  issuer: MdsCa,
  aaguid: string,
  o: { notBefore?: number; notAfter?: number; crlUrl?: string } = {},
): Promise<MdsCa> {
  const keys = (await globalThis.crypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.Extension(
      FIDO_AAGUID_OID,
      false,
      AsnSerializer.serialize(new OctetString(Buffer.from(aaguid.replace(/-/g, ''), 'hex'))),
    ),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
  ];
  if (o.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([o.crlUrl]));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    subject: ATTESTATION_LEAF_SUBJECT,
    issuer: issuer.cert.subject,
    notBefore: new Date(o.notBefore ?? Date.now() - DAY),
    notAfter: new Date(o.notAfter ?? Date.now() + 365 * DAY),
    signingAlgorithm: EC_ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  return { cert, keys, pem: cert.toString('pem') };
}

/**
 * The same registration response with its packed statement signed again by `leaf` and carrying `x5c` (DER, leaf
 * first): a real authenticator of another vendor's make, built from the one the soft authenticator produced.
 */
function resign(credential: RegistrationResponseJSON, leaf: MdsCa, x5c: MdsCa[]): RegistrationResponseJSON {
  const object = isoCBOR.decodeFirst<Map<string, unknown>>(
    Buffer.from(credential.response.attestationObject, 'base64url'),
  );
  const authData = object.get('authData') as Uint8Array;
  // The statement signs authData || SHA-256(clientDataJSON).
  const hash = createHash('sha256').update(Buffer.from(credential.response.clientDataJSON, 'base64url')).digest();
  const key = KeyObject.from(leaf.keys.privateKey);
  const sig = sign('sha256', Buffer.concat([authData, hash]), key);
  const attStmt = new Map<string, unknown>([
    ['alg', -7],
    ['sig', new Uint8Array(sig)],
    ['x5c', x5c.map((c) => new Uint8Array(c.cert.rawData))],
  ]);
  const rebuilt = new Map<string, unknown>([
    ['fmt', 'packed'],
    ['attStmt', attStmt],
    ['authData', authData],
  ]);
  return {
    ...credential,
    response: {
      ...credential.response,
      attestationObject: Buffer.from(isoCBOR.encode(rebuilt as never)).toString('base64url'),
    },
  };
}

/** What the test's metadata service serves: the BLOB at /blob, CRLs at /crl/NAME. */
async function metadataService() {
  const state = { blob: '', crls: new Map<string, Uint8Array>() };
  const server: Server = createServer((req, res) => {
    const crl = req.url?.startsWith('/crl/') ? state.crls.get(req.url.slice(5)) : undefined;
    if (crl) return res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crl);
    res.writeHead(200, { 'content-type': 'application/jwt' }).end(state.blob);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { state, base, close: () => new Promise((r) => server.close(r)) };
}

interface Attempt {
  aaguid: string;
  attestation?: AttestationKind;
  authenticator?: SoftAuthenticatorOptions;
  mutate?: RegistrationMutation;
  /** Turns the soft authenticator's response into another vendor's (resign). */
  transform?: (c: RegistrationResponseJSON) => RegistrationResponseJSON;
  /** Runs between the options and the finish (a policy changed meanwhile). */
  between?: () => Promise<void>;
  /** Another process's context (its own metadata registry); the harness's by default. */
  ctx?: Ctx;
}

describe.each(engines)('attestation enforcement against metadata on %s', (engine) => {
  let h: Harness;
  let service: Awaited<ReturnType<typeof metadataService>>;
  let mdsChainRoot: MdsCa;
  let vendorRoot: MdsCa;
  let vendorCa: MdsCa;
  const entries: Parameters<typeof mdsPayload>[1] = [];

  beforeAll(async () => {
    h = await harness(engine);
    h.clock.now = Date.now();
    service = await metadataService();
    mdsChainRoot = await makeMdsRoot();
    const dir = mkdtempSync(join(tmpdir(), 'signet-enforcement-'));
    writeFileSync(join(dir, 'root.pem'), mdsChainRoot.pem);
    h.ctx.config = { ...h.ctx.config, mdsUrl: `${service.base}/blob`, mdsRootFile: join(dir, 'root.pem') };
    vendorRoot = await makeMdsRoot('Signet Test Vendor Attestation Root');
    vendorCa = await issueMdsCert(vendorRoot, { name: 'Signet Test Vendor Attestation CA', ca: true });
    const soft = await getAttestationRoot();
    entries.push(
      { aaguid: VENDOR_KEY, description: 'Signet Vendor Key', roots: [vendorRoot.pem] },
      { aaguid: SOFT_KEY, description: 'Signet Soft Key', roots: [soft] },
      { aaguid: ALLOWED_KEY, description: 'Signet Allowed Key', roots: [soft] },
      ...COMPROMISED.map((status, i) => ({
        aaguid: compromisedAaguid(i),
        description: `Signet Key ${status}`,
        roots: [soft],
        statuses: [
          { status: 'FIDO_CERTIFIED', effectiveDate: '2025-01-01' },
          { status, effectiveDate: '2026-11-01' },
        ],
      })),
    );
    service.state.blob = await signMdsBlob(await makeMdsChain({ root: mdsChainRoot }), mdsPayload(1, entries));
    // MDS P-1: valid metadata from the URL; every registration below is judged against it.
    expect((await loadMdsFromUrl(h.ctx)).outcome).toBe('loaded');
  });
  afterAll(async () => {
    await service?.close();
    await h?.close();
  });

  /** A tenant of its own whose only profile is `profile` (device-bound, attestation enforced, unless changed). */
  async function tenantWith(profile: Partial<PasskeyProfile> = {}): Promise<{ tenant: Tenant; user: User }> {
    const tenant = await createTenant(h.ctx, { slug: `e-${randomBytes(5).toString('hex')}` });
    await setProfile(tenant, { passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly', ...profile });
    const user = await createUser(h.ctx, tenant, {
      userPrincipalName: `u-${randomBytes(4).toString('hex')}@x.example`,
    });
    return { tenant, user };
  }

  async function setProfile(tenant: Tenant, profile: Partial<PasskeyProfile>) {
    const c = await loadPasskeyMethodConfig(h.ctx.db, tenant.id);
    c.passkeyProfiles[0] = { ...c.passkeyProfiles[0]!, name: 'Attested keys', ...profile };
    await savePasskeyMethodConfig(h.ctx.db, tenant.id, c, h.clock.now);
  }

  /** One registration; the refusal's code and detail, or 'ok' with the passkey's stored trust. */
  async function attempt(w: { tenant: Tenant; user: User }, a: Attempt) {
    const { session } = await startSession(h.ctx, h.ctx.db, {
      tenantId: w.tenant.id,
      userId: w.user.id,
      method: 'temporaryAccessPass',
    });
    const ctx = a.ctx ?? h.ctx;
    const options = await beginPasskeyRegistration(ctx, w.tenant, session);
    const auth = new SoftAuthenticator({ transports: ['usb'], ...a.authenticator, aaguid: a.aaguid });
    let credential = await auth.register(options, {
      origin: ORIGIN,
      attestation: a.attestation ?? 'packed-x5c',
      ...(a.mutate ? { mutate: a.mutate } : {}),
    });
    if (a.transform) credential = a.transform(credential);
    await a.between?.();
    try {
      const passkey = await finishPasskeyRegistration(ctx, w.tenant, session, { credential });
      return { code: 'ok', trust: passkey.attestationTrust, options, detail: {} as Record<string, string> };
    } catch (err) {
      if (!(err instanceof SignetError)) throw err;
      return { code: err.code, trust: undefined, options, detail: err.detail };
    }
  }

  const vendorChain = async (aaguid: string, o: Parameters<typeof attestationLeaf>[2] = {}, ca = vendorCa) => {
    const leaf = await attestationLeaf(ca, aaguid, o);
    return (c: RegistrationResponseJSON) => resign(c, leaf, [leaf, ca]);
  };

  describe('top test 5: the profile is enforced on what the response proves, whatever the options said', () => {
    it('asks for direct attestation, and refuses none or self attestation sent anyway, storing nothing', async () => {
      const w = await tenantWith();
      const none = await attempt(w, { aaguid: SOFT_KEY, attestation: 'none' });
      expect(none.options.attestation).toBe('direct');
      expect(none.code).toBe('PASSKEY_ATTESTATION_NONE');
      expect(none.detail).toMatchObject({ profile: 'Attested keys', aaguid: SOFT_KEY, model: 'Signet Soft Key' });
      expect((await attempt(w, { aaguid: SOFT_KEY, attestation: 'packed-self' })).code).toBe(
        'PASSKEY_ATTESTATION_SELF',
      );
      expect(await listPasskeys(h.ctx.db, w.tenant.id, w.user.id)).toHaveLength(0);
    });

    it('judges by the profile at finish: options that asked for no attestation do not lower the bar', async () => {
      const w = await tenantWith({ passkeyTypes: 'deviceBound,synced', attestationEnforcement: 'disabled' });
      const enforce = () =>
        setProfile(w.tenant, { passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly' });
      const r = await attempt(w, { aaguid: SOFT_KEY, attestation: 'none', between: enforce });
      expect(r.options.attestation).toBe('none');
      expect(r.code).toBe('PASSKEY_ATTESTATION_NONE');
      await setProfile(w.tenant, { attestationEnforcement: 'disabled' });
      const proven = await attempt(w, { aaguid: SOFT_KEY, between: enforce });
      expect(proven.options.attestation).toBe('none');
      expect(proven).toMatchObject({ code: 'ok', trust: 'verified' });
    });

    it('takes the passkey type from the signed backup flags, not from the attachment or transports claimed', async () => {
      const w = await tenantWith({ attestationEnforcement: 'disabled' });
      const r = await attempt(w, {
        aaguid: SOFT_KEY,
        attestation: 'none',
        authenticator: { backupEligible: true, transports: ['usb', 'nfc'] },
        transform: (c) => ({ ...c, authenticatorAttachment: 'cross-platform' }),
      });
      expect(r.code).toBe('PASSKEY_TYPE_NOT_ALLOWED');
      expect(r.detail).toMatchObject({ profile: 'Attested keys', aaguid: SOFT_KEY, type: 'synced' });
    });

    it.each([
      ['user verification off (UV=0)', { mutate: { flags: { uv: false } } }, 'WEBAUTHN_USER_VERIFICATION_REQUIRED'],
      ['user presence off (UP=0)', { mutate: { flags: { up: false } } }, 'WEBAUTHN_USER_PRESENCE_REQUIRED'],
      [
        'an algorithm the options did not offer (RS1)',
        { authenticator: { alg: 'RS1' } },
        'WEBAUTHN_ALGORITHM_NOT_ALLOWED',
      ],
    ] as const)('refuses %s even with a proven model', async (_name, a, code) => {
      const w = await tenantWith();
      expect(
        (await attempt(w, { aaguid: SOFT_KEY, attestation: 'mutate' in a ? 'packed-x5c' : 'packed-self', ...a })).code,
      ).toBe(code);
    });

    it('wants an allow-listed AAGUID proven: a chain certified for another model is refused, its own accepted', async () => {
      const w = await tenantWith({
        keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [ALLOWED_KEY] },
      });
      // authData claims the allowed model; the vendor certified this attestation key for VENDOR_KEY.
      const lie = await attempt(w, { aaguid: ALLOWED_KEY, transform: await vendorChain(VENDOR_KEY) });
      expect(lie.code).toBe('WEBAUTHN_ATTESTATION_INVALID');
      // A model metadata trusts, proven, but not on the list.
      expect((await attempt(w, { aaguid: VENDOR_KEY, transform: await vendorChain(VENDOR_KEY) })).code).toBe(
        'PASSKEY_AAGUID_NOT_ALLOWED',
      );
      expect(await attempt(w, { aaguid: ALLOWED_KEY })).toMatchObject({ code: 'ok', trust: 'verified' });
    });
  });

  describe('top test 13: attestation chains lead to the root metadata gives for the AAGUID, and only there', () => {
    it('accepts root → intermediate → leaf when metadata gives that root for the AAGUID (Resp-5 P-2)', async () => {
      const w = await tenantWith();
      expect(await attempt(w, { aaguid: VENDOR_KEY, transform: await vendorChain(VENDOR_KEY) })).toMatchObject({
        code: 'ok',
        trust: 'verified',
      });
    });

    it('refuses the same valid chain for a model whose metadata gives another root', async () => {
      const w = await tenantWith();
      const r = await attempt(w, { aaguid: SOFT_KEY, transform: await vendorChain(SOFT_KEY) });
      expect(r.code).toBe('PASSKEY_ATTESTATION_UNTRUSTED');
      expect(r.detail).toMatchObject({
        aaguid: SOFT_KEY,
        model: 'Signet Soft Key',
        format: 'packed',
        trust: 'unverified',
      });
    });

    it('refuses a chain to a root metadata does not give, whether or not x5c carries that root', async () => {
      const w = await tenantWith();
      const attackerRoot = await makeMdsRoot('Attacker Root');
      const leaf = await attestationLeaf(attackerRoot, VENDOR_KEY);
      expect((await attempt(w, { aaguid: VENDOR_KEY, transform: (c) => resign(c, leaf, [leaf]) })).code).toBe(
        'PASSKEY_ATTESTATION_UNTRUSTED',
      );
      // An x5c carrying its own root supplies its own trust: refused outright, enforced or not (WA-20).
      for (const enforcement of ['registrationOnly', 'disabled'] as const) {
        await setProfile(w.tenant, { attestationEnforcement: enforcement });
        const own = await attempt(w, { aaguid: VENDOR_KEY, transform: (c) => resign(c, leaf, [leaf, attackerRoot]) });
        expect(own.code).toBe('WEBAUTHN_ATTESTATION_INVALID');
      }
      // Even the trusted vendor root, carried in x5c, is refused.
      const good = await attestationLeaf(vendorCa, VENDOR_KEY);
      const carried = await attempt(w, {
        aaguid: VENDOR_KEY,
        transform: (c) => resign(c, good, [good, vendorCa, vendorRoot]),
      });
      expect(carried.code).toBe('WEBAUTHN_ATTESTATION_INVALID');
    });

    it('verifies certificates whose base64 fills its last PEM line exactly (1 in 16 of real ones)', async () => {
      const fills = (c: MdsCa) => Buffer.from(c.cert.rawData).toString('base64').length % 64 === 0;
      const until = async (make: (i: number) => Promise<MdsCa>) => {
        for (let i = 0; i < 400; i++) {
          const c = await make(i);
          if (fills(c)) return c;
        }
        throw new Error('no certificate of that size made');
      };
      // A leaf of that size under the vendor's root (roots from the BLOB)...
      const w = await tenantWith();
      const leaf = await until(() => attestationLeaf(vendorCa, VENDOR_KEY));
      expect(
        await attempt(w, { aaguid: VENDOR_KEY, transform: (c) => resign(c, leaf, [leaf, vendorCa]) }),
      ).toMatchObject({ code: 'ok', trust: 'verified' });
      // ...and a root of that size, given as bare base64 as metadata statements give roots.
      const root = await until((i) => makeMdsRoot(`Signet Test Exact Root ${'x'.repeat(i % 48)}`));
      const aaguid = randomUUID();
      h.ctx.metadata.add({
        aaguid,
        description: 'Signet Exact Key',
        attestationRootCertificates: [Buffer.from(root.cert.rawData).toString('base64')],
      });
      const under = await attestationLeaf(root, aaguid);
      expect(await attempt(w, { aaguid, transform: (c) => resign(c, under, [under]) })).toMatchObject({
        code: 'ok',
        trust: 'verified',
      });
    });

    it('judges a chain verified before again when the metadata changes, and per process', async () => {
      // A batch certificate is shared by many authenticators, so a verified chain is remembered: never across a
      // change of the roots metadata gives, nor from one registry (process) to another.
      const w = await tenantWith();
      const aaguid = randomUUID();
      const leaf = await attestationLeaf(vendorCa, aaguid);
      const same = (c: RegistrationResponseJSON) => resign(c, leaf, [leaf, vendorCa]);
      h.ctx.metadata.add({ aaguid, description: 'Signet Batch Key', attestationRootCertificates: [vendorRoot.pem] });
      for (let i = 0; i < 2; i++)
        expect(await attempt(w, { aaguid, transform: same })).toMatchObject({ code: 'ok', trust: 'verified' });
      const other = await makeMdsRoot('Signet Test Other Root');
      const elsewhere: Ctx = {
        ...h.ctx,
        metadata: new MetadataRegistry([
          { aaguid, description: 'Signet Batch Key', attestationRootCertificates: [other.pem] },
        ]),
      };
      expect((await attempt(w, { aaguid, transform: same, ctx: elsewhere })).code).toBe(
        'PASSKEY_ATTESTATION_UNTRUSTED',
      );
      h.ctx.metadata.add({ aaguid, description: 'Signet Batch Key', attestationRootCertificates: [other.pem] });
      expect((await attempt(w, { aaguid, transform: same })).code).toBe('PASSKEY_ATTESTATION_UNTRUSTED');
    });

    it.each([
      ['an expired intermediate', 'intermediate'],
      ['a leaf not yet valid', 'leaf'],
    ] as const)('refuses a chain with %s', async (_name, which) => {
      const w = await tenantWith();
      const ca =
        which === 'intermediate'
          ? await issueMdsCert(vendorRoot, { name: 'Signet Test Vendor Old CA', ca: true, expired: true })
          : vendorCa;
      const o = which === 'leaf' ? { notBefore: Date.now() + 30 * DAY, notAfter: Date.now() + 365 * DAY } : {};
      const r = await attempt(w, { aaguid: VENDOR_KEY, transform: await vendorChain(VENDOR_KEY, o, ca) });
      expect(['PASSKEY_ATTESTATION_UNTRUSTED', 'WEBAUTHN_ATTESTATION_INVALID']).toContain(r.code);
      expect(await listPasskeys(h.ctx.db, w.tenant.id, w.user.id)).toHaveLength(0);
    });

    it('refuses an attestation certificate its CA has revoked (CRL), and accepts its sibling the CRL does not list', async () => {
      const w = await tenantWith();
      const name = `vendor-${randomUUID()}.crl`;
      const revoked = await attestationLeaf(vendorCa, VENDOR_KEY, { crlUrl: `${service.base}/crl/${name}` });
      const sibling = await attestationLeaf(vendorCa, VENDOR_KEY, { crlUrl: `${service.base}/crl/${name}` });
      service.state.crls.set(name, await makeCrl(vendorCa, [revoked]));
      const r = await attempt(w, { aaguid: VENDOR_KEY, transform: (c) => resign(c, revoked, [revoked, vendorCa]) });
      expect(r.code).toBe('PASSKEY_ATTESTATION_UNTRUSTED');
      expect(
        await attempt(w, { aaguid: VENDOR_KEY, transform: (c) => resign(c, sibling, [sibling, vendorCa]) }),
      ).toMatchObject({ code: 'ok', trust: 'verified' });
    });

    it.each(COMPROMISED.map((s, i) => [s, i] as const))(
      'refuses a model whose status report is %s, enforced or not (MDS F-2)',
      async (status, i) => {
        for (const enforcement of ['registrationOnly', 'disabled'] as const) {
          const w = await tenantWith({ attestationEnforcement: enforcement });
          const r = await attempt(w, { aaguid: compromisedAaguid(i) });
          expect(r.code).toBe('PASSKEY_AUTHENTICATOR_COMPROMISED');
          expect(r.detail).toMatchObject({ aaguid: compromisedAaguid(i), status, since: '2026-11-01' });
        }
      },
    );
  });

  describe('a BLOB from the URL that fails verification changes nothing in force (MDS F-1, F-3 to F-6)', () => {
    /** What the service then serves: a BLOB no 2 that would drop the vendor's root, were it believed. */
    const dropsVendor = () =>
      mdsPayload(
        2,
        entries.filter((e) => e.aaguid !== VENDOR_KEY),
      );

    const cases: Array<[string, () => Promise<string>, string]> = [
      [
        'a payload changed after signing (F-1, F-3)',
        async () =>
          tamperMdsBlob(await signMdsBlob(await makeMdsChain({ root: mdsChainRoot }), mdsPayload(2, entries)), (p) => {
            p.entries = dropsVendor().entries;
          }),
        'MDS_BLOB_SIGNATURE_INVALID',
      ],
      [
        'a chain to another root (F-4)',
        async () => signMdsBlob(await makeMdsChain(), dropsVendor()),
        'MDS_BLOB_CHAIN_UNTRUSTED',
      ],
      ...(['intermediate', 'leaf'] as const).map((which): [string, () => Promise<string>, string] => [
        `a revoked ${which} certificate (${which === 'intermediate' ? 'F-5' : 'F-6'})`,
        async () => {
          const name = `mds-${which}-${randomUUID()}.crl`;
          const url = `${service.base}/crl/${name}`;
          const chain = await makeMdsChain(
            which === 'leaf'
              ? { root: mdsChainRoot, leafCrlUrl: url }
              : { root: mdsChainRoot, intermediateCrlUrl: url },
          );
          service.state.crls.set(
            name,
            await makeCrl(which === 'leaf' ? chain.intermediate : mdsChainRoot, [chain[which]]),
          );
          return signMdsBlob(chain, dropsVendor());
        },
        'MDS_BLOB_CERTIFICATE_REVOKED',
      ]),
    ];

    it.each(cases)('refuses %s; the vendor chain still verifies under BLOB no 1', async (_name, make, code) => {
      const good = service.state.blob;
      service.state.blob = await make();
      try {
        await expect(loadMdsFromUrl(h.ctx)).rejects.toMatchObject({ code });
      } finally {
        service.state.blob = good;
      }
      expect(h.ctx.metadata.blob?.no).toBe(1);
      const w = await tenantWith();
      expect(await attempt(w, { aaguid: VENDOR_KEY, transform: await vendorChain(VENDOR_KEY) })).toMatchObject({
        code: 'ok',
        trust: 'verified',
      });
    });

    it('the same BLOB from a file is refused alike (F-1)', async () => {
      const tampered = tamperMdsBlob(service.state.blob, (p) => {
        p.no = 3;
      });
      await expect(loadMdsBlob(h.ctx, tampered, 'file:tampered.jwt')).rejects.toMatchObject({
        code: 'MDS_BLOB_SIGNATURE_INVALID',
      });
      expect(h.ctx.metadata.blob?.no).toBe(1);
    });
  });
});
