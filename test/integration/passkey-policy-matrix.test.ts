// The passkey policy × authenticator matrix (issue 8): seven profile set-ups against seven kinds of authenticator,
// each cell an expected allow or a specific code, at registration and at sign-in, on both engines. Every passkey
// signing in was registered before its tenant's policy was tightened (under the default profile, which accepts
// anything), so the sign-in row is "a policy tightened after registration": passkey type and key restrictions
// refuse it, naming the profile and the AAGUID; a later attestation requirement does not. Metadata is a test BLOB
// signed under a test MDS root, loaded as `signet mds load` loads one.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import {
  ALL_USERS,
  defaultPasskeyMethodConfig,
  type PasskeyMethodConfig,
  type PasskeyProfile,
} from '../../src/core/passkey-method.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { loadMdsBlob } from '../../src/flows/metadata-service.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CookieClient } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { makeMdsChain, makeMdsRoot, mdsPayload, signMdsBlob } from '../support/mds-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  type AttestationKind,
  getAttestationRoot,
  SoftAuthenticator,
  type SoftAuthenticatorOptions,
  ZERO_AAGUID,
} from '../support/soft-authenticator.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as loose JSON in assertions
type Json = Record<string, any>;

const APPLE = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd'; // "Apple Passwords" in the built-in list: synced
const WINDOWS_HELLO = '08987058-cadc-4b81-b6e1-30de50dcbe96'; // device-bound platform authenticator
const ATTESTED_KEY = 'a77e57ed-0000-4e70-9a55-7357a0c0ffee'; // metadata gives the soft authenticator's root
const OTHER_ROOT_KEY = '07e4e4c0-0000-4e70-9a55-7357a0c0ffee'; // metadata gives another vendor's root
const SELF_KEY = '5e1f5e1f-0000-4e70-9a55-7357a0c0ffee';
const NONE_KEY = '90909090-0000-4e70-9a55-7357a0c0ffee';

/** The authenticators, as the software authenticator makes them. */
const AUTHENTICATORS = {
  platformSynced: { aaguid: APPLE, backupEligible: true, attestation: 'none', transports: ['internal', 'hybrid'] },
  platformDeviceBound: { aaguid: WINDOWS_HELLO, backupEligible: false, attestation: 'none', transports: ['internal'] },
  keyAttested: { aaguid: ATTESTED_KEY, backupEligible: false, attestation: 'packed-x5c', transports: ['usb'] },
  keyUnknownRoot: { aaguid: OTHER_ROOT_KEY, backupEligible: false, attestation: 'packed-x5c', transports: ['usb'] },
  keySelf: { aaguid: SELF_KEY, backupEligible: false, attestation: 'packed-self', transports: ['usb'] },
  keyNone: { aaguid: NONE_KEY, backupEligible: false, attestation: 'none', transports: ['usb'] },
  u2f: { aaguid: ZERO_AAGUID, backupEligible: false, attestation: 'fido-u2f', transports: ['usb'] },
} as const satisfies Record<
  string,
  { aaguid: string; backupEligible: boolean; attestation: AttestationKind; transports: string[] }
>;
type AuthenticatorName = keyof typeof AUTHENTICATORS;
const COLUMNS = Object.keys(AUTHENTICATORS) as AuthenticatorName[];

// Cell values: 'ok', or the code of the refusal.
const OK = 'ok';
const TYPE = 'PASSKEY_TYPE_NOT_ALLOWED';
const NONE = 'PASSKEY_ATTESTATION_NONE';
const SELF = 'PASSKEY_ATTESTATION_SELF';
const UNTRUSTED = 'PASSKEY_ATTESTATION_UNTRUSTED';
const NOT_LISTED = 'PASSKEY_AAGUID_NOT_ALLOWED';
const BLOCKED = 'PASSKEY_AAGUID_BLOCKED';
const EXCLUDED = 'PASSKEY_METHOD_NOT_TARGETED';
type Cell =
  | typeof OK
  | typeof TYPE
  | typeof NONE
  | typeof SELF
  | typeof UNTRUSTED
  | typeof NOT_LISTED
  | typeof BLOCKED
  | typeof EXCLUDED;

const profile = (over: Partial<PasskeyProfile> & Pick<PasskeyProfile, 'id' | 'name'>): PasskeyProfile => ({
  passkeyTypes: 'deviceBound,synced',
  attestationEnforcement: 'disabled',
  keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
  ...over,
});

/** Every set-up targets (or excludes) the user through their group G when it names a group. */
type SetUp = (group: string) => Pick<PasskeyMethodConfig, 'includeTargets' | 'excludeTargets' | 'passkeyProfiles'>;
const onlyProfile =
  (p: PasskeyProfile): SetUp =>
  () => ({
    passkeyProfiles: [p],
    includeTargets: [
      { id: ALL_USERS, targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [p.id] },
    ],
    excludeTargets: [],
  });
const ID = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

const PROFILES = {
  deviceBoundOnly: onlyProfile(profile({ id: ID(1), name: 'Device-bound only', passkeyTypes: 'deviceBound' })),
  syncedAllowed: onlyProfile(profile({ id: ID(2), name: 'Synced allowed', passkeyTypes: 'deviceBound,synced' })),
  attestationEnforced: onlyProfile(
    profile({
      id: ID(3),
      name: 'Attested keys',
      passkeyTypes: 'deviceBound',
      attestationEnforcement: 'registrationOnly',
    }),
  ),
  allowList: onlyProfile(
    profile({
      id: ID(4),
      name: 'Allow list',
      keyRestrictions: {
        isEnforced: true,
        enforcementType: 'allow',
        aaGuids: [ATTESTED_KEY, WINDOWS_HELLO.toUpperCase()],
      },
    }),
  ),
  blockList: onlyProfile(
    profile({
      id: ID(5),
      name: 'Block list',
      keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [APPLE, ZERO_AAGUID] },
    }),
  ),
  // One group, two profiles: a passkey is acceptable when it fully satisfies either; a refusal is the first's.
  twoProfilesOneGroup: (group) => ({
    passkeyProfiles: [
      profile({
        id: ID(6),
        name: 'Attested keys',
        passkeyTypes: 'deviceBound',
        attestationEnforcement: 'registrationOnly',
      }),
      profile({ id: ID(7), name: 'Synced only', passkeyTypes: 'synced' }),
    ],
    includeTargets: [
      { id: group, targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [ID(6), ID(7)] },
    ],
    excludeTargets: [],
  }),
  // Everyone is included with the default profile, and the user's group is excluded: exclusion wins.
  exclusion: (group) => ({
    passkeyProfiles: [profile({ id: ID(8), name: 'Everyone' })],
    includeTargets: [
      { id: ALL_USERS, targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [ID(8)] },
    ],
    excludeTargets: [{ id: group, targetType: 'group' }],
  }),
} satisfies Record<string, SetUp>;
type ProfileName = keyof typeof PROFILES;

type Row = Record<AuthenticatorName, Cell>;
/** A row in the order of COLUMNS: platform synced, platform device-bound, attested key, unknown root, self, none, U2F. */
const row = (...cells: Cell[]): Row => Object.fromEntries(COLUMNS.map((c, i) => [c, cells[i]!])) as Row;

/** The expected table. */
// biome-ignore format: the table is read as a table
const MATRIX: Record<ProfileName, { registration: Row; signIn: Row }> = {
  //                            synced      platformDB  attested  unknownRoot  self        none        u2f
  deviceBoundOnly:     { registration: row(TYPE,       OK,         OK,       OK,          OK,         OK,         OK),
                         signIn:       row(TYPE,       OK,         OK,       OK,          OK,         OK,         OK) },
  syncedAllowed:       { registration: row(OK,         OK,         OK,       OK,          OK,         OK,         OK),
                         signIn:       row(OK,         OK,         OK,       OK,          OK,         OK,         OK) },
  attestationEnforced: { registration: row(TYPE,       NONE,       OK,       UNTRUSTED,   SELF,       NONE,       UNTRUSTED),
                         signIn:       row(TYPE,       OK,         OK,       OK,          OK,         OK,         OK) },
  allowList:           { registration: row(NOT_LISTED, OK,         OK,       NOT_LISTED,  NOT_LISTED, NOT_LISTED, NOT_LISTED),
                         signIn:       row(NOT_LISTED, OK,         OK,       NOT_LISTED,  NOT_LISTED, NOT_LISTED, NOT_LISTED) },
  blockList:           { registration: row(BLOCKED,    OK,         OK,       OK,          OK,         OK,         BLOCKED),
                         signIn:       row(BLOCKED,    OK,         OK,       OK,          OK,         OK,         BLOCKED) },
  twoProfilesOneGroup: { registration: row(OK,         NONE,       OK,       UNTRUSTED,   SELF,       NONE,       UNTRUSTED),
                         signIn:       row(OK,         OK,         OK,       OK,          OK,         OK,         OK) },
  exclusion:           { registration: row(EXCLUDED,   EXCLUDED,   EXCLUDED, EXCLUDED,    EXCLUDED,   EXCLUDED,   EXCLUDED),
                         signIn:       row(EXCLUDED,   EXCLUDED,   EXCLUDED, EXCLUDED,    EXCLUDED,   EXCLUDED,   EXCLUDED) },
};

/** The profile a refusal names (the first of the user's profiles), for the codes that judge one profile. */
const NAMED_PROFILE: Record<ProfileName, string> = {
  deviceBoundOnly: 'Device-bound only',
  syncedAllowed: 'Synced allowed',
  attestationEnforced: 'Attested keys',
  allowList: 'Allow list',
  blockList: 'Block list',
  twoProfilesOneGroup: 'Attested keys',
  exclusion: 'Everyone',
};
/** What metadata or the built-in list calls each model (U2F keys have no AAGUID, so no name). */
const MODEL: Partial<Record<AuthenticatorName, string>> = {
  platformSynced: 'Apple Passwords',
  platformDeviceBound: 'Windows Hello',
  keyAttested: 'Signet Matrix Attested Key',
  keyUnknownRoot: 'Signet Matrix Other-Vendor Key',
  keySelf: 'Signet Matrix Self Key',
  keyNone: 'Signet Matrix Plain Key',
};
const FORMAT: Record<AttestationKind, string> = {
  none: 'none',
  'packed-self': 'packed',
  'packed-x5c': 'packed',
  'fido-u2f': 'fido-u2f',
};
const ONE_PROFILE_CODES: readonly Cell[] = [TYPE, NONE, SELF, UNTRUSTED, NOT_LISTED, BLOCKED];

describe.each(engines)('passkey policy × authenticator matrix on %s', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-matrix-'));
    const root = await makeMdsRoot();
    const mdsRootFile = join(dir, 'root.pem');
    writeFileSync(mdsRootFile, root.pem);
    server = await startTestServer(engine, { mdsRootFile });
    const attestationRoot = await getAttestationRoot();
    const otherVendorRoot = (await makeMdsRoot('Signet Matrix Other Vendor Root')).pem;
    const blob = await signMdsBlob(
      await makeMdsChain({ root }),
      mdsPayload(1, [
        { aaguid: ATTESTED_KEY, description: MODEL.keyAttested!, roots: [attestationRoot] },
        { aaguid: OTHER_ROOT_KEY, description: MODEL.keyUnknownRoot!, roots: [otherVendorRoot] },
        // Listed with the trusted root: self and none attestation prove nothing whatever metadata says.
        { aaguid: SELF_KEY, description: MODEL.keySelf!, roots: [attestationRoot] },
        { aaguid: NONE_KEY, description: MODEL.keyNone!, roots: [attestationRoot] },
      ]),
    );
    expect((await loadMdsBlob(server.ctx, blob, 'test')).outcome).toBe('loaded');
  });
  afterAll(() => server?.close());

  const authenticator = (name: AuthenticatorName) => {
    const { attestation: _, ...o } = AUTHENTICATORS[name];
    return new SoftAuthenticator({ ...o, transports: [...o.transports] } satisfies SoftAuthenticatorOptions);
  };

  /** One registration through the flows the account page calls (a TAP-strength session); the code, or 'ok'. */
  async function register(tenant: Tenant, user: User, name: AuthenticatorName, auth = authenticator(name)) {
    const { session } = await startSession(server.ctx, server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    try {
      const options = await beginPasskeyRegistration(server.ctx, tenant, session);
      const credential = await auth.register(options, {
        origin: server.url,
        attestation: AUTHENTICATORS[name].attestation,
      });
      await finishPasskeyRegistration(server.ctx, tenant, session, { credential });
      return { cell: OK as Cell, auth };
    } catch (err) {
      if (!(err instanceof SignetError)) throw err;
      return { cell: err.code as Cell, auth, detail: err.detail };
    }
  }

  /** A passkey sign-in over HTTP, as the sign-in page's script makes it; the code, or 'ok'. */
  async function signIn(tenant: Tenant, auth: SoftAuthenticator): Promise<{ cell: Cell; status: number }> {
    const client = new CookieClient(server.url);
    const post = (path: string, json: unknown) =>
      client.fetch(path, { method: 'POST', json, headers: { origin: server.url } });
    const options = await (await post(`/${tenant.slug}/signin/passkey/options`, {})).json();
    const credential = await auth.authenticate(options, { origin: server.url });
    const res = await post(`/${tenant.slug}/signin/passkey/verify`, { credential });
    const body = (await res.json()) as Json;
    return { cell: res.status === 200 ? OK : body.error?.code, status: res.status };
  }

  describe.each(Object.keys(PROFILES) as ProfileName[])('profile set-up %s', (profileName) => {
    let tenant: Tenant;
    const users = {} as Record<AuthenticatorName, User>;
    const registeredBefore = {} as Record<AuthenticatorName, SoftAuthenticator>;

    beforeAll(async () => {
      tenant = await createTenant(server.ctx, { slug: `m-${randomBytes(5).toString('hex')}` });
      const group = server.ctx.newId();
      await insertGroup(server.ctx.db, { id: group, tenantId: tenant.id, displayName: 'G', createdAt: Date.now() });
      // Under the default policy every kind registers: the passkeys the tightened policy then meets at sign-in.
      for (const name of COLUMNS) {
        const user = await createUser(server.ctx, tenant, { userPrincipalName: `${name}@${tenant.slug}.example` });
        await addGroupMember(server.ctx.db, tenant.id, group, user.id);
        users[name] = user;
        const loose = await register(tenant, user, name);
        expect(loose.cell, `${name} under the default profile`).toBe(OK);
        registeredBefore[name] = loose.auth;
      }
      await savePasskeyMethodConfig(
        server.ctx.db,
        tenant.id,
        { ...defaultPasskeyMethodConfig(), ...PROFILES[profileName](group) },
        Date.now(),
      );
    });

    it.each(COLUMNS)(`registration of %s: ${profileName}`, async (name) => {
      const expected = MATRIX[profileName].registration[name];
      const r = await register(tenant, users[name], name);
      expect(r.cell).toBe(expected);
      if (ONE_PROFILE_CODES.includes(expected))
        expect(r.detail).toMatchObject({
          profile: NAMED_PROFILE[profileName],
          aaguid: AUTHENTICATORS[name].aaguid,
          ...(MODEL[name] ? { model: MODEL[name] } : {}),
        });
      if ([NONE, SELF, UNTRUSTED].includes(expected))
        expect(r.detail).toMatchObject({ format: FORMAT[AUTHENTICATORS[name].attestation] });
      if (r.detail && !MODEL[name]) expect(r.detail.model).toBeUndefined();
    });

    it.each(COLUMNS)(`sign-in with %s registered before the policy: ${profileName}`, async (name) => {
      const expected = MATRIX[profileName].signIn[name];
      const r = await signIn(tenant, registeredBefore[name]);
      expect(r.cell).toBe(expected);
      expect(r.status).toBe(expected === OK ? 200 : 403);
      if (expected === OK) return;
      // The sign-in log holds the refusal with the facts that explain it.
      const logged = (await listSignIns(server.ctx.db, tenant.id)).find(
        (s) => s.userId === users[name].id && s.errorCode === expected,
      );
      expect(logged, `${expected} in the sign-in log`).toBeDefined();
      if (ONE_PROFILE_CODES.includes(expected))
        expect(logged!.detail).toMatchObject({
          profile: NAMED_PROFILE[profileName],
          aaguid: AUTHENTICATORS[name].aaguid,
          ...(MODEL[name] ? { model: MODEL[name] } : {}),
        });
    });
  });
});
